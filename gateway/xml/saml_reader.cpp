#include "gateway/xml/saml_reader.hpp"

#include <initializer_list>
#include <utility>

#include "gateway/xml/saml_error.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_value.hpp"
#include "gateway/xml/xml_text.hpp"

namespace sesame::xml::saml {
namespace {

// IDs are remembered (replay detection) and echoed in InResponseTo: a bound keeps a hostile one
// from costing memory in Redis. SAML's own IDs are 20 to 50 characters.
constexpr std::size_t maxIdLength = 256;

// One child element a schema's sequence allows: `position` is its place in the sequence (the
// members of a choice share one), `many` whether it may repeat (maxOccurs > 1).
struct Slot {
    std::string_view ns;
    std::string_view name;
    int position;
    bool many = false;
};

// The element children of a message element, checked against its schema sequence: every child
// is one the schema allows there, in order, and repeated only where the schema allows it.
class Sequence {
  public:
    static Result<Sequence> of(const XmlElement& parent, std::initializer_list<Slot> slots) {
        Sequence sequence;
        int last = -1;
        for (const auto& child : parent.children()) {
            const Slot* slot = nullptr;
            for (const auto& s : slots)
                if (child.is(s.ns, s.name)) slot = &s;
            if (!slot) return Errc::unexpected_element;
            if (slot->position < last) return Errc::misplaced_element;
            if (slot->position == last && !slot->many) return Errc::duplicate_element;
            last = slot->position;
            sequence.found_.emplace_back(slot->name, child);
        }
        return sequence;
    }
    std::optional<XmlElement> first(std::string_view name) const {
        for (const auto& [n, e] : found_)
            if (n == name) return e;
        return std::nullopt;
    }
    std::vector<XmlElement> all(std::string_view name) const {
        std::vector<XmlElement> out;
        for (const auto& [n, e] : found_)
            if (n == name) out.push_back(e);
        return out;
    }

  private:
    std::vector<std::pair<std::string_view, XmlElement>> found_;
};

// The XML attributes of one element, read by type; the first problem is kept, so that a reader
// reads every field and checks once.
class Fields {
  public:
    explicit Fields(const XmlElement& element) : element_(element) {}

    std::string text(const char* name) { return element_.attribute(name).value_or(""); }
    std::string required(const char* name) {
        auto value = element_.attribute(name);
        if (!value) fail(Errc::missing_attribute);
        return value.value_or("");
    }
    // xs:ID (an NCName, ASCII here), bounded.
    std::string id(const char* name) {
        std::string value = required(name);
        if (!error_ && (value.size() > maxIdLength || !isNcName(value))) fail(Errc::invalid_id);
        return value;
    }
    std::int64_t instant(const char* name) {
        std::string value = required(name);
        auto seconds = parseDateTime(value);
        if (!error_ && !seconds) fail(Errc::invalid_date_time);
        return seconds.value_or(0);
    }
    std::optional<std::int64_t> optionalInstant(const char* name) {
        return element_.attribute(name) ? std::optional(instant(name)) : std::nullopt;
    }
    std::optional<bool> boolean(const char* name) {
        auto value = element_.attribute(name);
        if (!value) return std::nullopt;
        auto parsed = parseBoolean(*value);
        if (!parsed) fail(Errc::invalid_boolean);
        return parsed;
    }
    std::optional<std::uint16_t> index(const char* name) {
        auto value = element_.attribute(name);
        if (!value) return std::nullopt;
        auto parsed = parseUnsignedShort(*value);
        if (!parsed) fail(Errc::invalid_index);
        return parsed;
    }
    // Version="2.0" (core §3.2.2.1; §4.1: a major version other than 2 is refused with
    // RequestVersionTooHigh or TooLow).
    void version() {
        std::string value = required("Version");
        if (error_ || value == saml::version) return;
        fail(!value.empty() && value[0] < '2' ? Errc::version_too_low : Errc::version_too_high);
    }
    void fail(Errc e) {
        if (!error_) error_ = e;
    }
    const error_code& error() const { return error_; }

  private:
    XmlElement element_;
    error_code error_;
};

// Text content of an element the schema gives simple content: no child element, not empty.
// Comments inside are skipped and the text around them joined, as canonicalisation without
// comments sees it, so that "alice<!---->@evil" is never read as "alice".
Result<std::string> simpleText(const XmlElement& element, bool trim) {
    if (!element.children().empty()) return Errc::unexpected_element;
    std::string text = element.text();
    if (trim) text = std::string(trimXmlSpace(text));
    if (text.empty()) return Errc::empty_value;
    return text;
}

// saml:Issuer: an entity identifier (profiles §4.1.4.1, §4.1.4.2, §4.4.4.1, §4.4.4.2).
Result<std::string> readIssuer(const std::optional<XmlElement>& issuer, bool required) {
    if (!issuer) {
        if (required) return Errc::missing_element;
        return std::string{};
    }
    if (auto format = issuer->attribute("Format"); format && *format != nameid::entity)
        return Errc::invalid_issuer;
    return simpleText(*issuer, true);
}

// The children of a message checked against its sequence, and its Issuer read into `issuer`.
Result<Sequence> issuedChildren(const XmlElement& message, std::initializer_list<Slot> slots,
                                bool issuerRequired, std::string& issuer) {
    auto children = Sequence::of(message, slots);
    if (!children) return children.error();
    auto read = readIssuer(children->first("Issuer"), issuerRequired);
    if (!read) return read.error();
    issuer = std::move(*read);
    return children;
}

// The subject identifier of a Subject, SubjectConfirmation or LogoutRequest.
Result<NameId> readIdentifier(const Sequence& children) {
    if (auto nameId = children.first("NameID")) return readNameId(*nameId);
    if (children.first("EncryptedID")) return Errc::encrypted_identifier;
    if (children.first("BaseID")) return Errc::unsupported_identifier;
    return Errc::missing_element;
}

Result<Status> readStatus(const std::optional<XmlElement>& element) {
    if (!element) return Errc::missing_element;
    auto children = Sequence::of(*element, {{ns::protocol, "StatusCode", 0},
                                            {ns::protocol, "StatusMessage", 1},
                                            {ns::protocol, "StatusDetail", 2}});
    if (!children) return children.error();
    auto code = children->first("StatusCode");
    if (!code) return Errc::missing_element;
    auto nested = Sequence::of(*code, {{ns::protocol, "StatusCode", 0}});
    if (!nested) return nested.error();
    Status status;
    Fields fields(*code);
    status.code = fields.required("Value");
    if (auto sub = nested->first("StatusCode")) status.subCode = Fields(*sub).required("Value");
    if (fields.error()) return fields.error();
    if (status.subCode.empty() && nested->first("StatusCode")) return Errc::missing_attribute;
    if (status.code != status::success && status.code != status::requester &&
        status.code != status::responder && status.code != status::versionMismatch)
        return Errc::invalid_status;
    if (auto message = children->first("StatusMessage")) status.message = message->text();
    return status;
}

std::optional<AuthnContextComparison> comparison(std::string_view text) {
    if (text == "exact") return AuthnContextComparison::exact;
    if (text == "minimum") return AuthnContextComparison::minimum;
    if (text == "maximum") return AuthnContextComparison::maximum;
    if (text == "better") return AuthnContextComparison::better;
    return std::nullopt;
}

Result<RequestedAuthnContext> readRequestedAuthnContext(const XmlElement& element) {
    auto children = Sequence::of(element, {{ns::assertion, "AuthnContextClassRef", 0, true},
                                           {ns::assertion, "AuthnContextDeclRef", 0, true}});
    if (!children) return children.error();
    if (children->first("AuthnContextDeclRef")) return Errc::unsupported_authn_context;
    RequestedAuthnContext requested;
    if (auto value = element.attribute("Comparison")) {
        auto parsed = comparison(*value);
        if (!parsed) return Errc::invalid_comparison;
        requested.comparison = *parsed;
    }
    for (const auto& ref : children->all("AuthnContextClassRef")) {
        auto text = simpleText(ref, true);
        if (!text) return text.error();
        requested.classRefs.push_back(std::move(*text));
    }
    if (requested.classRefs.empty()) return Errc::missing_element;
    return requested;
}

Result<NameIdPolicy> readNameIdPolicy(const XmlElement& element) {
    if (!element.children().empty()) return Errc::unexpected_element;
    Fields fields(element);
    NameIdPolicy policy;
    policy.format = fields.text("Format");
    policy.allowCreate = fields.boolean("AllowCreate");
    policy.spNameQualifier = fields.text("SPNameQualifier");
    if (fields.error()) return fields.error();
    return policy;
}

// The attributes of RequestAbstractType and StatusResponseType (core §3.2.1, §3.2.2): Version
// first, since a message of another version is refused as such whatever else it holds.
template <class Message>
void readHeader(Fields& fields, Message& message) {
    fields.version();
    message.id = fields.id("ID");
    message.issueInstant = fields.instant("IssueInstant");
    message.destination = fields.text("Destination");
}

// ---- Assertion parts ----

Result<std::optional<BearerConfirmation>> readConfirmations(const Sequence& subject) {
    for (const auto& confirmation : subject.all("SubjectConfirmation")) {
        auto children = Sequence::of(confirmation, {{ns::assertion, "BaseID", 0},
                                                    {ns::assertion, "NameID", 0},
                                                    {ns::assertion, "EncryptedID", 0},
                                                    {ns::assertion, "SubjectConfirmationData", 1}});
        if (!children) return children.error();
        Fields fields(confirmation);
        std::string method = fields.required("Method");
        if (fields.error()) return fields.error();
        if (method != bearer) continue;
        BearerConfirmation bearerData;
        if (auto data = children->first("SubjectConfirmationData")) {
            Fields dataFields(*data);
            bearerData.recipient = dataFields.text("Recipient");
            bearerData.inResponseTo = dataFields.text("InResponseTo");
            bearerData.notOnOrAfter = dataFields.optionalInstant("NotOnOrAfter");
            if (dataFields.error()) return dataFields.error();
        }
        return std::optional(std::move(bearerData));
    }
    return std::optional<BearerConfirmation>{};
}

Result<Sequence> subjectParts(const XmlElement& subject) {
    return Sequence::of(subject, {{ns::assertion, "BaseID", 0},
                                  {ns::assertion, "NameID", 0},
                                  {ns::assertion, "EncryptedID", 0},
                                  {ns::assertion, "SubjectConfirmation", 1, true}});
}

// An AuthnRequest's Subject (core §3.4.1.4): its identifier, when it gives one.
Result<std::optional<NameId>> requestedSubject(const XmlElement& subject) {
    auto parts = subjectParts(subject);
    if (!parts) return parts.error();
    if (!parts->first("NameID") && !parts->first("EncryptedID") && !parts->first("BaseID"))
        return std::optional<NameId>{};
    auto nameId = readIdentifier(*parts);
    if (!nameId) return nameId.error();
    return std::optional(std::move(*nameId));
}

Result<void> readSubject(const std::optional<XmlElement>& subject, Assertion& assertion) {
    if (!subject) return Errc::missing_element;
    auto children = subjectParts(*subject);
    if (!children) return children.error();
    auto nameId = readIdentifier(*children);
    if (!nameId) return nameId.error();
    assertion.nameId = std::move(*nameId);
    auto confirmation = readConfirmations(*children);
    if (!confirmation) return confirmation.error();
    assertion.confirmation = std::move(*confirmation);
    return {};
}

Result<void> readConditions(const XmlElement& conditions, Assertion& assertion) {
    auto children = Sequence::of(conditions, {{ns::assertion, "Condition", 0, true},
                                              {ns::assertion, "AudienceRestriction", 0, true},
                                              {ns::assertion, "OneTimeUse", 0, true},
                                              {ns::assertion, "ProxyRestriction", 0, true}});
    if (!children) return children.error();
    Fields fields(conditions);
    assertion.notBefore = fields.optionalInstant("NotBefore");
    assertion.notOnOrAfter = fields.optionalInstant("NotOnOrAfter");
    if (fields.error()) return fields.error();
    // Several AudienceRestrictions must all hold (core §2.5.1.4): a gateway writes one, and
    // reading more is refused rather than merged into a looser list.
    auto restrictions = children->all("AudienceRestriction");
    if (restrictions.size() > 1) return Errc::duplicate_element;
    for (const auto& restriction : restrictions) {
        auto audiences = Sequence::of(restriction, {{ns::assertion, "Audience", 0, true}});
        if (!audiences) return audiences.error();
        for (const auto& audience : audiences->all("Audience")) {
            auto text = simpleText(audience, true);
            if (!text) return text.error();
            assertion.audiences.push_back(std::move(*text));
        }
        if (assertion.audiences.empty()) return Errc::missing_element;
    }
    return {};
}

Result<AuthnStatement> readAuthnStatement(const XmlElement& element) {
    auto children = Sequence::of(
        element, {{ns::assertion, "SubjectLocality", 0}, {ns::assertion, "AuthnContext", 1}});
    if (!children) return children.error();
    Fields fields(element);
    AuthnStatement statement;
    statement.authnInstant = fields.instant("AuthnInstant");
    statement.sessionIndex = fields.text("SessionIndex");
    statement.sessionNotOnOrAfter = fields.optionalInstant("SessionNotOnOrAfter");
    if (fields.error()) return fields.error();
    auto context = children->first("AuthnContext");
    if (!context) return Errc::missing_element;
    auto parts = Sequence::of(*context, {{ns::assertion, "AuthnContextClassRef", 0},
                                         {ns::assertion, "AuthnContextDecl", 1},
                                         {ns::assertion, "AuthnContextDeclRef", 1},
                                         {ns::assertion, "AuthenticatingAuthority", 2, true}});
    if (!parts) return parts.error();
    if (auto classRef = parts->first("AuthnContextClassRef")) {
        auto text = simpleText(*classRef, true);
        if (!text) return text.error();
        statement.classRef = std::move(*text);
    }
    return statement;
}

Result<Attribute> readAttribute(const XmlElement& element) {
    auto children = Sequence::of(element, {{ns::assertion, "AttributeValue", 0, true}});
    if (!children) return children.error();
    Fields fields(element);
    Attribute attribute;
    attribute.name = fields.required("Name");
    attribute.nameFormat = fields.text("NameFormat");
    attribute.friendlyName = fields.text("FriendlyName");
    if (fields.error()) return fields.error();
    for (const auto& value : children->all("AttributeValue"))
        attribute.values.push_back(value.text());
    return attribute;
}

Result<void> readStatements(const Sequence& children, Assertion& assertion) {
    auto authn = children.all("AuthnStatement");
    if (authn.size() > 1) return Errc::duplicate_element;
    if (!authn.empty()) {
        auto statement = readAuthnStatement(authn.front());
        if (!statement) return statement.error();
        assertion.authn = std::move(*statement);
    }
    for (const auto& statement : children.all("AttributeStatement")) {
        auto attributes = Sequence::of(statement, {{ns::assertion, "Attribute", 0, true},
                                                   {ns::assertion, "EncryptedAttribute", 0, true}});
        if (!attributes) return attributes.error();
        if (attributes->first("EncryptedAttribute")) return Errc::encrypted_identifier;
        for (const auto& element : attributes->all("Attribute")) {
            auto attribute = readAttribute(element);
            if (!attribute) return attribute.error();
            assertion.attributes.push_back(std::move(*attribute));
        }
    }
    return {};
}

}  // namespace

Result<NameId> readNameId(const XmlElement& element) {
    if (!element.is(ns::assertion, "NameID")) return Errc::unexpected_root;
    auto value = simpleText(element, false);
    if (!value) return value.error();
    Fields fields(element);
    return NameId{std::move(*value), fields.text("Format"), fields.text("NameQualifier"),
                  fields.text("SPNameQualifier")};
}

Result<AuthnRequest> readAuthnRequest(const XmlElement& message) {
    if (!message.is(ns::protocol, "AuthnRequest")) return Errc::unexpected_root;
    Fields fields(message);
    AuthnRequest request;
    readHeader(fields, request);
    request.assertionConsumerServiceUrl = fields.text("AssertionConsumerServiceURL");
    request.assertionConsumerServiceIndex = fields.index("AssertionConsumerServiceIndex");
    request.attributeConsumingServiceIndex = fields.index("AttributeConsumingServiceIndex");
    request.protocolBinding = fields.text("ProtocolBinding");
    request.forceAuthn = fields.boolean("ForceAuthn").value_or(false);
    request.isPassive = fields.boolean("IsPassive").value_or(false);
    if (fields.error()) return fields.error();
    // core §3.4.1: the index is mutually exclusive with the URL and the binding.
    if (request.assertionConsumerServiceIndex &&
        (message.attribute("AssertionConsumerServiceURL") || message.attribute("ProtocolBinding")))
        return Errc::conflicting_acs;
    auto children = issuedChildren(message,
                                   {{ns::assertion, "Issuer", 0},
                                    {ns::dsig, "Signature", 1},
                                    {ns::protocol, "Extensions", 2},
                                    {ns::assertion, "Subject", 3},
                                    {ns::protocol, "NameIDPolicy", 4},
                                    {ns::assertion, "Conditions", 5},
                                    {ns::protocol, "RequestedAuthnContext", 6},
                                    {ns::protocol, "Scoping", 7}},
                                   true, request.issuer);
    if (!children) return children.error();
    if (auto subject = children->first("Subject")) {
        auto read = requestedSubject(*subject);
        if (!read) return read.error();
        request.subject = std::move(*read);
    }
    if (auto policy = children->first("NameIDPolicy")) {
        auto read = readNameIdPolicy(*policy);
        if (!read) return read.error();
        request.nameIdPolicy = std::move(*read);
    }
    if (auto context = children->first("RequestedAuthnContext")) {
        auto read = readRequestedAuthnContext(*context);
        if (!read) return read.error();
        request.requestedAuthnContext = std::move(*read);
    }
    return request;
}

Result<LogoutRequest> readLogoutRequest(const XmlElement& message) {
    if (!message.is(ns::protocol, "LogoutRequest")) return Errc::unexpected_root;
    Fields fields(message);
    LogoutRequest request;
    readHeader(fields, request);
    request.notOnOrAfter = fields.optionalInstant("NotOnOrAfter");
    request.reason = fields.text("Reason");
    if (fields.error()) return fields.error();
    auto children = issuedChildren(message,
                                   {{ns::assertion, "Issuer", 0},
                                    {ns::dsig, "Signature", 1},
                                    {ns::protocol, "Extensions", 2},
                                    {ns::assertion, "BaseID", 3},
                                    {ns::assertion, "NameID", 3},
                                    {ns::assertion, "EncryptedID", 3},
                                    {ns::protocol, "SessionIndex", 4, true}},
                                   true, request.issuer);
    if (!children) return children.error();
    auto nameId = readIdentifier(*children);
    if (!nameId) return nameId.error();
    request.nameId = std::move(*nameId);
    for (const auto& index : children->all("SessionIndex")) {
        auto text = simpleText(index, false);
        if (!text) return text.error();
        request.sessionIndexes.push_back(std::move(*text));
    }
    return request;
}

Result<LogoutResponse> readLogoutResponse(const XmlElement& message) {
    if (!message.is(ns::protocol, "LogoutResponse")) return Errc::unexpected_root;
    Fields fields(message);
    LogoutResponse response;
    readHeader(fields, response);
    response.inResponseTo = fields.text("InResponseTo");
    if (fields.error()) return fields.error();
    auto children = issuedChildren(message,
                                   {{ns::assertion, "Issuer", 0},
                                    {ns::dsig, "Signature", 1},
                                    {ns::protocol, "Extensions", 2},
                                    {ns::protocol, "Status", 3}},
                                   true, response.issuer);
    if (!children) return children.error();
    auto status = readStatus(children->first("Status"));
    if (!status) return status.error();
    response.status = std::move(*status);
    return response;
}

Result<Assertion> readAssertion(const XmlElement& element) {
    if (!element.is(ns::assertion, "Assertion")) return Errc::unexpected_root;
    Fields fields(element);
    Assertion assertion;
    fields.version();
    assertion.id = fields.id("ID");
    assertion.issueInstant = fields.instant("IssueInstant");
    if (fields.error()) return fields.error();
    auto children = issuedChildren(element,
                                   {{ns::assertion, "Issuer", 0},
                                    {ns::dsig, "Signature", 1},
                                    {ns::assertion, "Subject", 2},
                                    {ns::assertion, "Conditions", 3},
                                    {ns::assertion, "Advice", 4},
                                    {ns::assertion, "Statement", 5, true},
                                    {ns::assertion, "AuthnStatement", 5, true},
                                    {ns::assertion, "AuthzDecisionStatement", 5, true},
                                    {ns::assertion, "AttributeStatement", 5, true}},
                                   true, assertion.issuer);
    if (!children) return children.error();
    if (auto subject = readSubject(children->first("Subject"), assertion); !subject)
        return subject.error();
    if (auto conditions = children->first("Conditions"))
        if (auto read = readConditions(*conditions, assertion); !read) return read.error();
    if (auto statements = readStatements(*children, assertion); !statements)
        return statements.error();
    return assertion;
}

Result<Response> readResponse(const XmlElement& message) {
    if (!message.is(ns::protocol, "Response")) return Errc::unexpected_root;
    Fields fields(message);
    Response response;
    readHeader(fields, response);
    response.inResponseTo = fields.text("InResponseTo");
    if (fields.error()) return fields.error();
    // profiles §4.1.4.2: the Response's Issuer may be left out (unsigned Response).
    auto children = issuedChildren(message,
                                   {{ns::assertion, "Issuer", 0},
                                    {ns::dsig, "Signature", 1},
                                    {ns::protocol, "Extensions", 2},
                                    {ns::protocol, "Status", 3},
                                    {ns::assertion, "Assertion", 4, true},
                                    {ns::assertion, "EncryptedAssertion", 4, true}},
                                   false, response.issuer);
    if (!children) return children.error();
    auto status = readStatus(children->first("Status"));
    if (!status) return status.error();
    response.status = std::move(*status);
    auto assertions = children->all("Assertion");
    auto encrypted = children->all("EncryptedAssertion");
    if (assertions.size() + encrypted.size() > 1) return Errc::duplicate_element;
    response.encryptedAssertion = !encrypted.empty();
    if (!assertions.empty()) {
        auto assertion = readAssertion(assertions.front());
        if (!assertion) return assertion.error();
        response.assertion = std::move(*assertion);
    }
    return response;
}

}  // namespace sesame::xml::saml
