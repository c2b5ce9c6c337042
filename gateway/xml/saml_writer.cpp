#include "gateway/xml/saml_writer.hpp"

#include "gateway/xml/saml_markup.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::xml::saml {
namespace {

std::string_view comparisonName(AuthnContextComparison comparison) {
    switch (comparison) {
        case AuthnContextComparison::minimum:
            return "minimum";
        case AuthnContextComparison::maximum:
            return "maximum";
        case AuthnContextComparison::better:
            return "better";
        case AuthnContextComparison::exact:
            break;
    }
    return "exact";
}

// The opening tag of a request or status response (core §3.2.1, §3.2.2) up to its last common
// attribute; the caller adds its own and opens it.
void header(Markup& out, std::string_view name, std::string_view id, std::int64_t issueInstant,
            std::string_view destination) {
    out.start(name)
        .attribute("xmlns:samlp", ns::protocol)
        .attribute("xmlns:saml", ns::assertion)
        .attribute("ID", id)
        .attribute("Version", version)
        .instant("IssueInstant", issueInstant)
        .optionalAttribute("Destination", destination);
}

void writeIssuer(Markup& out, std::string_view issuer) {
    out.element("saml:Issuer", issuer);
}

void writeNameId(Markup& out, const NameId& nameId) {
    out.start("saml:NameID")
        .optionalAttribute("Format", nameId.format)
        .optionalAttribute("NameQualifier", nameId.nameQualifier)
        .optionalAttribute("SPNameQualifier", nameId.spNameQualifier)
        .open()
        .text(nameId.value)
        .close("saml:NameID");
}

void writeStatus(Markup& out, const Status& status) {
    out.start("samlp:Status").open();
    out.start("samlp:StatusCode").attribute("Value", status.code);
    if (status.subCode.empty()) {
        out.empty();
    } else {
        out.open().start("samlp:StatusCode").attribute("Value", status.subCode).empty();
        out.close("samlp:StatusCode");
    }
    if (!status.message.empty()) out.element("samlp:StatusMessage", status.message);
    out.close("samlp:Status");
}

void writeSubject(Markup& out, const Assertion& assertion) {
    out.start("saml:Subject").open();
    writeNameId(out, assertion.nameId);
    if (const auto& confirmation = assertion.confirmation) {
        out.start("saml:SubjectConfirmation").attribute("Method", bearer).open();
        out.start("saml:SubjectConfirmationData")
            .optionalAttribute("Recipient", confirmation->recipient)
            .optionalAttribute("InResponseTo", confirmation->inResponseTo);
        if (confirmation->notOnOrAfter) out.instant("NotOnOrAfter", *confirmation->notOnOrAfter);
        out.empty().close("saml:SubjectConfirmation");
    }
    out.close("saml:Subject");
}

void writeConditions(Markup& out, const Assertion& assertion) {
    if (!assertion.notBefore && !assertion.notOnOrAfter && assertion.audiences.empty()) return;
    out.start("saml:Conditions");
    if (assertion.notBefore) out.instant("NotBefore", *assertion.notBefore);
    if (assertion.notOnOrAfter) out.instant("NotOnOrAfter", *assertion.notOnOrAfter);
    out.open();
    if (!assertion.audiences.empty()) {
        out.start("saml:AudienceRestriction").open();
        for (const auto& audience : assertion.audiences) out.element("saml:Audience", audience);
        out.close("saml:AudienceRestriction");
    }
    out.close("saml:Conditions");
}

void writeAuthnStatement(Markup& out, const AuthnStatement& authn) {
    out.start("saml:AuthnStatement")
        .instant("AuthnInstant", authn.authnInstant)
        .optionalAttribute("SessionIndex", authn.sessionIndex);
    if (authn.sessionNotOnOrAfter) out.instant("SessionNotOnOrAfter", *authn.sessionNotOnOrAfter);
    out.open().start("saml:AuthnContext").open();
    // AuthnContext needs a class (or a declaration): "unspecified" rather than none.
    out.element("saml:AuthnContextClassRef",
                authn.classRef.empty() ? authncontext::unspecified : authn.classRef);
    out.close("saml:AuthnContext").close("saml:AuthnStatement");
}

void writeAttributes(Markup& out, const std::vector<Attribute>& attributes) {
    if (attributes.empty()) return;  // the schema wants at least one Attribute in a statement
    out.start("saml:AttributeStatement").open();
    for (const auto& attribute : attributes) {
        out.start("saml:Attribute")
            .attribute("Name", attribute.name)
            .optionalAttribute("NameFormat", attribute.nameFormat)
            .optionalAttribute("FriendlyName", attribute.friendlyName)
            .open();
        for (const auto& value : attribute.values)
            out.start("saml:AttributeValue")
                .attribute("xsi:type", "xs:string")
                .open()
                .text(value)
                .close("saml:AttributeValue");
        out.close("saml:Attribute");
    }
    out.close("saml:AttributeStatement");
}

// core §2.3.3: Issuer, Signature (added by the signer), Subject, Conditions, Advice, statements.
void writeAssertion(Markup& out, const Assertion& assertion) {
    out.start("saml:Assertion")
        .attribute("xmlns:saml", ns::assertion)
        .attribute("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
        .attribute("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        .attribute("ID", assertion.id)
        .attribute("Version", version)
        .instant("IssueInstant", assertion.issueInstant)
        .open();
    writeIssuer(out, assertion.issuer);
    writeSubject(out, assertion);
    writeConditions(out, assertion);
    if (assertion.authn) writeAuthnStatement(out, *assertion.authn);
    writeAttributes(out, assertion.attributes);
    out.close("saml:Assertion");
}

}  // namespace

Response bearerResponse(const BearerTerms& terms) {
    Assertion assertion;
    assertion.id = newMessageId();
    assertion.issueInstant = terms.now;
    assertion.issuer = terms.idpEntityId;
    assertion.nameId = terms.nameId;
    std::int64_t notOnOrAfter = terms.now + terms.lifetimeSeconds + terms.skewSeconds;
    assertion.confirmation = BearerConfirmation{terms.acsUrl, terms.inResponseTo, notOnOrAfter};
    assertion.notBefore = terms.now - terms.skewSeconds;
    assertion.notOnOrAfter = notOnOrAfter;
    assertion.audiences = {terms.spEntityId};
    assertion.authn = terms.authn;
    assertion.attributes = terms.attributes;

    Response response;
    response.id = newMessageId();
    response.inResponseTo = terms.inResponseTo;
    response.issueInstant = terms.now;
    response.destination = terms.acsUrl;
    response.issuer = terms.idpEntityId;
    response.status.code = status::success;
    response.assertion = std::move(assertion);
    return response;
}

Response errorResponse(std::string_view idpEntityId, std::string_view acsUrl,
                       std::string_view inResponseTo, std::int64_t now, Status status) {
    Response response;
    response.id = newMessageId();
    response.inResponseTo = inResponseTo;
    response.issueInstant = now;
    response.destination = acsUrl;
    response.issuer = idpEntityId;
    response.status = std::move(status);
    return response;
}

namespace {

void writeResponseTo(Markup& out, const Response& response) {
    header(out, "samlp:Response", response.id, response.issueInstant, response.destination);
    out.optionalAttribute("InResponseTo", response.inResponseTo).open();
    writeIssuer(out, response.issuer);
    writeStatus(out, response.status);
    if (response.assertion) writeAssertion(out, *response.assertion);
    out.close("samlp:Response");
}

}  // namespace

std::string writeResponse(const Response& response) {
    Markup out(response.assertion ? 4096 : 1024);
    writeResponseTo(out, response);
    return out.take();
}

WrittenResponse writeResponseDocument(const Response& response) {
    Markup out = Markup::withDocument(response.assertion ? 4096 : 1024);
    writeResponseTo(out, response);
    std::string text = out.take();
    return {std::move(text), out.takeDocument()};
}

std::string writeAuthnRequest(const AuthnRequest& request) {
    Markup out(1024);
    header(out, "samlp:AuthnRequest", request.id, request.issueInstant, request.destination);
    if (request.forceAuthn) out.attribute("ForceAuthn", "true");
    if (request.isPassive) out.attribute("IsPassive", "true");
    out.optionalAttribute("ProtocolBinding", request.protocolBinding)
        .optionalAttribute("AssertionConsumerServiceURL", request.assertionConsumerServiceUrl);
    if (request.assertionConsumerServiceIndex)
        out.attribute("AssertionConsumerServiceIndex",
                      std::to_string(*request.assertionConsumerServiceIndex));
    if (request.attributeConsumingServiceIndex)
        out.attribute("AttributeConsumingServiceIndex",
                      std::to_string(*request.attributeConsumingServiceIndex));
    out.open();
    writeIssuer(out, request.issuer);
    if (request.subject) {
        out.start("saml:Subject").open();
        writeNameId(out, *request.subject);
        out.close("saml:Subject");
    }
    if (const auto& policy = request.nameIdPolicy) {
        out.start("samlp:NameIDPolicy")
            .optionalAttribute("Format", policy->format)
            .optionalAttribute("SPNameQualifier", policy->spNameQualifier);
        if (policy->allowCreate)
            out.attribute("AllowCreate", *policy->allowCreate ? "true" : "false");
        out.empty();
    }
    if (const auto& context = request.requestedAuthnContext) {
        out.start("samlp:RequestedAuthnContext")
            .attribute("Comparison", comparisonName(context->comparison))
            .open();
        for (const auto& classRef : context->classRefs)
            out.element("saml:AuthnContextClassRef", classRef);
        out.close("samlp:RequestedAuthnContext");
    }
    out.close("samlp:AuthnRequest");
    return out.take();
}

std::string writeLogoutRequest(const LogoutRequest& request) {
    Markup out(1024);
    header(out, "samlp:LogoutRequest", request.id, request.issueInstant, request.destination);
    if (request.notOnOrAfter) out.instant("NotOnOrAfter", *request.notOnOrAfter);
    out.optionalAttribute("Reason", request.reason).open();
    writeIssuer(out, request.issuer);
    writeNameId(out, request.nameId);
    for (const auto& index : request.sessionIndexes) out.element("samlp:SessionIndex", index);
    out.close("samlp:LogoutRequest");
    return out.take();
}

std::string writeLogoutResponse(const LogoutResponse& response) {
    Markup out(1024);
    header(out, "samlp:LogoutResponse", response.id, response.issueInstant, response.destination);
    out.optionalAttribute("InResponseTo", response.inResponseTo).open();
    writeIssuer(out, response.issuer);
    writeStatus(out, response.status);
    out.close("samlp:LogoutResponse");
    return out.take();
}

}  // namespace sesame::xml::saml
