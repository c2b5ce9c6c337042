#pragma once
// The SAML 2.0 messages Sesame reads and writes, as plain values shared by the IdP
// (protocols/saml) and the SP connector (connectors/saml): what saml_reader.hpp reads out of a
// parsed document and what saml_writer.hpp writes as text for the signer. Times are unix
// seconds (UTC); an empty string is an attribute or element that is absent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sesame::xml::saml {

// "_" + 160 bits of the project's CSPRNG (core::randomToken(20), base64url): an xs:ID (an NCName
// starting with '_') that no one can guess (core §1.3.4).
std::string newMessageId();

// saml:NameID (core §2.2.3).
struct NameId {
    std::string value;
    std::string format;  // saml::nameid::...; empty: absent (unspecified)
    std::string nameQualifier;
    std::string spNameQualifier;
    bool operator==(const NameId&) const = default;
};

// samlp:Status (core §3.2.2): a top-level code, an optional second-level one, a message.
struct Status {
    std::string code;     // saml::status::success, requester, responder, versionMismatch
    std::string subCode;  // second level (NoPassive, RequestDenied...), empty when none
    std::string message;  // StatusMessage, empty when none
    bool success() const;
    bool operator==(const Status&) const = default;
};

enum class AuthnContextComparison { exact, minimum, maximum, better };

// samlp:NameIDPolicy (core §3.4.1.1).
struct NameIdPolicy {
    std::string format;  // empty: absent
    std::optional<bool> allowCreate;
    std::string spNameQualifier;
    bool operator==(const NameIdPolicy&) const = default;
};

// samlp:RequestedAuthnContext (core §3.3.2.2.1), class references only.
struct RequestedAuthnContext {
    AuthnContextComparison comparison = AuthnContextComparison::exact;
    std::vector<std::string> classRefs;  // at least one
    bool operator==(const RequestedAuthnContext&) const = default;
};

// samlp:AuthnRequest (core §3.4.1). Conditions, Scoping and Extensions are accepted and not read.
struct AuthnRequest {
    std::string id;
    std::int64_t issueInstant = 0;
    std::string destination;
    std::string issuer;  // the SP's entityID: required (profiles §4.1.4.1)
    std::string assertionConsumerServiceUrl;
    std::optional<std::uint16_t> assertionConsumerServiceIndex;  // never with the URL or binding
    std::optional<std::uint16_t> attributeConsumingServiceIndex;
    std::string protocolBinding;  // saml::binding::..., empty: absent
    bool forceAuthn = false;
    bool isPassive = false;
    std::optional<NameIdPolicy> nameIdPolicy;
    std::optional<RequestedAuthnContext> requestedAuthnContext;
    // core §3.4.1.4: the SP asks for an assertion about this subject only (the IdP refuses when
    // the person logged in is someone else); nullopt when there is no Subject or no identifier.
    std::optional<NameId> subject;
    bool operator==(const AuthnRequest&) const = default;
};

// samlp:LogoutRequest (core §3.7.1).
struct LogoutRequest {
    std::string id;
    std::int64_t issueInstant = 0;
    std::string destination;
    std::string issuer;  // required (profiles §4.4.4.1)
    std::optional<std::int64_t> notOnOrAfter;
    NameId nameId;  // the NameID as issued (value required)
    std::vector<std::string> sessionIndexes;
    std::string reason;  // saml::reason::..., empty: absent
    bool operator==(const LogoutRequest&) const = default;
};

// samlp:LogoutResponse (core §3.7.2).
struct LogoutResponse {
    std::string id;
    std::string inResponseTo;
    std::int64_t issueInstant = 0;
    std::string destination;
    std::string issuer;  // required (profiles §4.4.4.2)
    Status status;
    bool operator==(const LogoutResponse&) const = default;
};

// saml:Attribute (core §2.7.3.1) with xs:string values.
struct Attribute {
    std::string name;
    std::string nameFormat;  // saml::attrname::uri or basic; empty: absent (unspecified)
    std::string friendlyName;
    std::vector<std::string> values;
    bool operator==(const Attribute&) const = default;
};

// A bearer saml:SubjectConfirmation's data (profiles §4.1.4.2).
struct BearerConfirmation {
    std::string recipient;     // the ACS URL
    std::string inResponseTo;  // the AuthnRequest's ID; empty for IdP-initiated SSO
    std::optional<std::int64_t> notOnOrAfter;
    bool operator==(const BearerConfirmation&) const = default;
};

// saml:AuthnStatement (core §2.7.2).
struct AuthnStatement {
    std::int64_t authnInstant = 0;
    std::string sessionIndex;  // empty: absent
    std::optional<std::int64_t> sessionNotOnOrAfter;
    std::string classRef;  // AuthnContextClassRef, saml::authncontext::...
    bool operator==(const AuthnStatement&) const = default;
};

// saml:Assertion as this codec writes it: Issuer, Subject (NameID + one bearer confirmation),
// Conditions (window + AudienceRestriction), one AuthnStatement, one AttributeStatement (left
// out when there is no attribute). Reading accepts that shape; AuthzDecisionStatement and
// other statements are ignored, and several AttributeStatements are merged.
struct Assertion {
    std::string id;
    std::int64_t issueInstant = 0;
    std::string issuer;
    NameId nameId;
    std::optional<BearerConfirmation> confirmation;  // read: the first bearer one
    std::optional<std::int64_t> notBefore;           // Conditions
    std::optional<std::int64_t> notOnOrAfter;        // Conditions
    std::vector<std::string> audiences;              // one AudienceRestriction
    std::optional<AuthnStatement> authn;
    std::vector<Attribute> attributes;
    bool operator==(const Assertion&) const = default;
};

// samlp:Response (core §3.3.3) with at most one Assertion.
struct Response {
    std::string id;
    std::string inResponseTo;  // empty: IdP-initiated, or the request could not be read
    std::int64_t issueInstant = 0;
    std::string destination;
    std::string issuer;
    Status status;
    std::optional<Assertion> assertion;
    bool encryptedAssertion = false;  // read: an EncryptedAssertion is there instead
    bool operator==(const Response&) const = default;
};

}  // namespace sesame::xml::saml
