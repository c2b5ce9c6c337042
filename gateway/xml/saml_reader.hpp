#pragma once
// Reading SAML 2.0 messages out of a document XmlDocument already parsed (no DTD, no entity,
// bounded): the element given is the message itself (a document's root, or what
// soapMessage() found in a SOAP Body). Strict, as a reader of hostile input should be: the wrong
// root element or namespace, a missing ID, a Version other than 2.0, children out of the
// schema's order or repeated where the schema allows one, a bad xs:dateTime, xs:boolean or
// index are errors (saml::Errc), each with the SAML status of its reply (statusFor()).
// Signatures are not looked at: the caller verifies them before trusting what is read here
// (xml_signature.hpp), and ds:Signature is only accepted where the schema puts it.
#include "gateway/core/result.hpp"
#include "gateway/xml/saml_message.hpp"
#include "gateway/xml/xml_document.hpp"

namespace sesame::xml::saml {

Result<AuthnRequest> readAuthnRequest(const XmlElement& message);
Result<LogoutRequest> readLogoutRequest(const XmlElement& message);
Result<LogoutResponse> readLogoutResponse(const XmlElement& message);
// A Response with at most one Assertion (more is refused: a gateway needs one, and a second one
// is how signature wrapping hides); an EncryptedAssertion only sets encryptedAssertion.
Result<Response> readResponse(const XmlElement& message);
// A saml:Assertion on its own (the SP, after decrypting an EncryptedAssertion).
Result<Assertion> readAssertion(const XmlElement& assertion);
// A saml:NameID on its own (after decrypting an EncryptedID).
Result<NameId> readNameId(const XmlElement& nameId);

}  // namespace sesame::xml::saml
