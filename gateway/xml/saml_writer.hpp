#pragma once
// Writing SAML 2.0 messages as text, ready for the signer (xml_signature.hpp), which parses it
// and signs by ID: every element that may be signed (Response, Assertion, AuthnRequest,
// LogoutRequest, LogoutResponse) carries its ID, and saml:Issuer is always its first child, so
// that ds:Signature goes right after it (core §5.4.1 and the schemas' sequences). Nothing is
// signed here. Values are escaped (xml::escape): markup, quotes and broken UTF-8 from a
// directory or a request never break the document. No XML declaration (UTF-8 is the default).
// The Assertion declares its own namespaces, so that it stays well-formed when it is cut out to
// be encrypted (xml_encryption.hpp).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/xml/saml_message.hpp"
#include "gateway/xml/xml_document.hpp"

namespace sesame::xml::saml {

// What the IdP decided to say to one SP in answer to a login (or unsolicited).
struct BearerTerms {
    std::string idpEntityId;   // Issuer of the Response and the Assertion
    std::string spEntityId;    // the Audience
    std::string acsUrl;        // Destination and bearer Recipient
    std::string inResponseTo;  // the AuthnRequest's ID; empty for IdP-initiated SSO
    NameId nameId;
    AuthnStatement authn;  // classRef empty: unspecified
    std::vector<Attribute> attributes;
    std::int64_t now = 0;
    // Conditions: NotBefore = now - skew, NotOnOrAfter = now + lifetime + skew; the bearer
    // SubjectConfirmationData's NotOnOrAfter is the same (profiles §4.1.4.2).
    std::int64_t skewSeconds = 60;
    std::int64_t lifetimeSeconds = 300;
};

// A Success Response with one bearer Assertion, fresh IDs (newMessageId()) for both.
Response bearerResponse(const BearerTerms& terms);
// A Response without Assertion carrying `status` (e.g. Responder / NoPassive, Requester /
// RequestDenied, with a StatusMessage); inResponseTo empty when the request could not be read.
Response errorResponse(std::string_view idpEntityId, std::string_view acsUrl,
                       std::string_view inResponseTo, std::int64_t now, Status status);

// samlp:Response; with its Assertion in core's order: Issuer, Subject, Conditions,
// AuthnStatement, AttributeStatement (values as xsi:type="xs:string").
std::string writeResponse(const Response& response);
// writeResponse's text with the document it parses into, built as it was written (for the
// signer, xml_signature.hpp: parsing the text again cost more than writing it).
struct WrittenResponse {
    std::string text;
    XmlDocument document;
};
WrittenResponse writeResponseDocument(const Response& response);
std::string writeAuthnRequest(const AuthnRequest& request);
std::string writeLogoutRequest(const LogoutRequest& request);
std::string writeLogoutResponse(const LogoutResponse& response);

}  // namespace sesame::xml::saml
