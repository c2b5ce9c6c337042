#pragma once
// The SAML SOAP binding (saml-bindings-2.0-os §3.2) for back-channel single logout: a SOAP 1.1
// envelope around one SAML message, no SOAP header. Over HTTP the request is a POST with
// Content-Type text/xml and the SOAPAction header saml::soapAction (§3.2.3.1).
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_document.hpp"

namespace sesame::xml::saml {

// `message` (a written, maybe signed, LogoutRequest) inside <soap11:Envelope><soap11:Body>. An
// XML declaration at its start (as a signer's serialiser writes it) is left out.
std::string wrapInSoapEnvelope(std::string_view message);

// The SAML message in the Body of a SOAP envelope (then readLogoutResponse() or
// readLogoutRequest() it). Errors: invalid_soap (not an Envelope, no Body, not exactly one
// element in the Body), soap_fault (the peer answered with a Fault).
Result<XmlElement> soapMessage(const XmlDocument& envelope);

}  // namespace sesame::xml::saml
