// The SAML 2.0 codec (gateway/xml/saml_*): what an SP receives from the writers, read back with
// the readers; the shapes mod_auth_mellon (Lasso) and the Shibboleth SP send and expect; every
// reason a message is refused and the SAML status its reply carries.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "gateway/core/text.hpp"
#include "gateway/xml/saml_error.hpp"
#include "gateway/xml/saml_idp_metadata.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_reader.hpp"
#include "gateway/xml/saml_soap.hpp"
#include "gateway/xml/saml_value.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_text.hpp"

using namespace sesame;
using namespace sesame::xml::saml;
using sesame::xml::XmlDocument;
using sesame::xml::XmlElement;

namespace {

constexpr std::int64_t now = 1'796'550'000;  // 2026-12-06T09:40:00Z
constexpr std::string_view idp = "https://sesame.example/saml/metadata";
constexpr std::string_view sp = "https://sp.example/mellon/metadata";
constexpr std::string_view acs = "https://sp.example/mellon/postResponse";

XmlDocument parsed(const std::string& text) {
    auto doc = XmlDocument::parse(text);
    INFO(text);
    REQUIRE(doc.has_value());
    return std::move(*doc);
}

std::vector<std::string> childNames(const XmlElement& element) {
    std::vector<std::string> names;
    for (const auto& child : element.children()) names.push_back(child.localName());
    return names;
}

BearerTerms terms() {
    BearerTerms t;
    t.idpEntityId = idp;
    t.spEntityId = sp;
    t.acsUrl = acs;
    t.inResponseTo = "_0a1b2c3d4e5f";
    t.nameId = {"AbC123-transient", std::string(nameid::transient), std::string(idp),
                std::string(sp)};
    t.authn = {now - 30, "_session-index-1", now + 8 * 3600,
               std::string(authncontext::passwordProtectedTransport)};
    t.attributes = {
        {"urn:oid:0.9.2342.19200300.100.1.1", std::string(attrname::uri), "uid", {"jdupont"}},
        {"ENTPersonProfils", std::string(attrname::basic), "", {"National_ENS", "National_DIR"}},
        {"ENTPersonStructRattach", "", "", {"0691234A"}},
    };
    t.now = now;
    t.skewSeconds = 90;
    t.lifetimeSeconds = 300;
    return t;
}

// An AuthnRequest of mod_auth_mellon (Lasso) as it arrives over HTTP-Redirect, inflated.
const std::string mellonRequest =
    R"(<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" )"
    R"(xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_4B7C1E3A8D7F6C5B4A3928171615F1E0" )"
    R"(Version="2.0" IssueInstant="2026-12-06T10:33:12Z" )"
    R"(Destination="https://sesame.example/saml/sso" Consent="urn:oasis:names:tc:SAML:2.0:consent:current-implicit" )"
    R"(ForceAuthn="false" IsPassive="false" )"
    R"(AssertionConsumerServiceURL="https://sp.example/mellon/postResponse">)"
    R"(<saml:Issuer>https://sp.example/mellon/metadata</saml:Issuer>)"
    R"(<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient" AllowCreate="true"/>)"
    R"(</samlp:AuthnRequest>)";

// An AuthnRequest of the Shibboleth SP 3 (signed over HTTP-POST: ds:Signature after Issuer),
// with the saml prefix declared on Issuer, AllowCreate="1" and a RequestedAuthnContext.
const std::string shibbolethRequest =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    R"(<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" )"
    R"(AssertionConsumerServiceURL="https://sp.example/Shibboleth.sso/SAML2/POST" )"
    R"(Destination="https://sesame.example/saml/sso" ID="_ec1025e786e6fff206ef63ed36aa8f1b" )"
    R"(IssueInstant="2026-12-06T10:33:12.457Z" )"
    R"(ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Version="2.0">)"
    R"(<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sp.example/shibboleth</saml:Issuer>)"
    R"(<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>)"
    R"(<samlp:NameIDPolicy AllowCreate="1"/>)"
    R"(<samlp:RequestedAuthnContext Comparison="minimum">)"
    R"(<saml:AuthnContextClassRef xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>)"
    R"(</samlp:RequestedAuthnContext></samlp:AuthnRequest>)";

Result<AuthnRequest> readAuthn(const std::string& text) {
    auto doc = parsed(text);
    return readAuthnRequest(doc.root());
}

// `text` with its first `from` replaced by `to`.
std::string replaced(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

std::string mellonWith(std::string_view from, std::string_view to) {
    return replaced(mellonRequest, from, to);
}

// A message that must be refused, and why.
struct Refusal {
    std::string text;
    Errc error;
};

}  // namespace

TEST_CASE("a bearer Response reads back field for field", "[unit][xml][saml]") {
    Response written = bearerResponse(terms());
    auto doc = parsed(writeResponse(written));
    auto read = readResponse(doc.root());
    REQUIRE(read.has_value());
    CHECK(*read == written);
    REQUIRE(read->assertion);
    const Assertion& assertion = *read->assertion;
    CHECK(read->status.success());
    CHECK(read->inResponseTo == "_0a1b2c3d4e5f");
    CHECK(read->destination == acs);
    CHECK(assertion.issuer == idp);
    CHECK(assertion.audiences == std::vector<std::string>{std::string(sp)});
    CHECK(assertion.notBefore == now - 90);
    CHECK(assertion.notOnOrAfter == now + 390);
    REQUIRE(assertion.confirmation);
    CHECK(assertion.confirmation->recipient == acs);
    CHECK(assertion.confirmation->inResponseTo == "_0a1b2c3d4e5f");
    CHECK(assertion.confirmation->notOnOrAfter == now + 390);
    REQUIRE(assertion.authn);
    CHECK(assertion.authn->sessionIndex == "_session-index-1");
    CHECK(assertion.authn->classRef == authncontext::passwordProtectedTransport);
    CHECK(assertion.attributes.size() == 3);
    CHECK(assertion.attributes[1].values ==
          std::vector<std::string>{"National_ENS", "National_DIR"});
    CHECK(read->id != assertion.id);
}

TEST_CASE("an IdP-initiated Response has no InResponseTo anywhere", "[unit][xml][saml]") {
    auto t = terms();
    t.inResponseTo.clear();
    std::string text = writeResponse(bearerResponse(t));
    CHECK(text.find("InResponseTo") == std::string::npos);
    auto doc = parsed(text);
    auto read = readResponse(doc.root());
    REQUIRE(read.has_value());
    REQUIRE(read->assertion);
    REQUIRE(read->assertion->confirmation);
    CHECK(read->assertion->confirmation->inResponseTo.empty());
}

TEST_CASE("the Response and its Assertion follow the schemas' sequences", "[unit][xml][saml]") {
    auto doc = parsed(writeResponse(bearerResponse(terms())));
    XmlElement root = doc.root();
    CHECK(root.is(ns::protocol, "Response"));
    // saml-schema-protocol-2.0 StatusResponseType: Issuer, Signature, Extensions, Status; then
    // the Assertion. Issuer first, so ds:Signature goes right after it.
    CHECK(childNames(root) == std::vector<std::string>{"Issuer", "Status", "Assertion"});
    auto assertion = root.child(ns::assertion, "Assertion");
    REQUIRE(assertion);
    // saml-schema-assertion-2.0 AssertionType: Issuer, Signature, Subject, Conditions, Advice,
    // statements.
    CHECK(childNames(*assertion) == std::vector<std::string>{"Issuer", "Subject", "Conditions",
                                                             "AuthnStatement",
                                                             "AttributeStatement"});
    // Both carry the ID the signer references.
    CHECK(root.attribute("ID").has_value());
    CHECK(assertion->attribute("ID").has_value());
    auto subject = assertion->child(ns::assertion, "Subject");
    REQUIRE(subject);
    CHECK(childNames(*subject) == std::vector<std::string>{"NameID", "SubjectConfirmation"});
    auto confirmation = subject->child(ns::assertion, "SubjectConfirmation");
    REQUIRE(confirmation);
    CHECK(confirmation->attribute("Method") == bearer);
}

TEST_CASE("attribute values are typed xs:string", "[unit][xml][saml]") {
    std::string text = writeResponse(bearerResponse(terms()));
    CHECK(text.find("<saml:AttributeValue xsi:type=\"xs:string\">National_ENS<") !=
          std::string::npos);
}

TEST_CASE("the Assertion cut out of the Response is a document of its own", "[unit][xml][saml]") {
    // What encryption does: the Assertion serialized alone must still declare its prefixes.
    std::string text = writeResponse(bearerResponse(terms()));
    auto at = text.find("<saml:Assertion");
    auto end = text.find("</saml:Assertion>");
    REQUIRE(at != std::string::npos);
    REQUIRE(end != std::string::npos);
    auto doc = parsed(text.substr(at, end + 17 - at));
    auto assertion = readAssertion(doc.root());
    REQUIRE(assertion.has_value());
    CHECK(assertion->attributes.size() == 3);
}

TEST_CASE("hostile values from a directory or a request stay values", "[unit][xml][saml]") {
    auto t = terms();
    t.nameId.value = "alice</saml:NameID><saml:NameID>admin";
    t.nameId.spNameQualifier = "\"><evil x=\"";
    t.inResponseTo = "_id\" NotOnOrAfter=\"2099-01-01T00:00:00Z";
    t.attributes = {{"displayName",
                     std::string(attrname::basic),
                     "a'b\"c<d>&e",
                     {"<script>alert(1)</script>", "&amp; ]]> &#x0;", "tab\there\nline\r\nend",
                      std::string("bad \xC3\x28 utf8 \xFF"), std::string("nul\x01\x02 ctl")}}};
    Response written = bearerResponse(t);
    auto doc = parsed(writeResponse(written));
    auto read = readResponse(doc.root());
    REQUIRE(read.has_value());
    REQUIRE(read->assertion);
    CHECK(read->assertion->nameId == t.nameId);
    CHECK(read->inResponseTo == t.inResponseTo);
    REQUIRE(read->assertion->attributes.size() == 1);
    const Attribute& attribute = read->assertion->attributes[0];
    CHECK(attribute.friendlyName == "a'b\"c<d>&e");
    REQUIRE(attribute.values.size() == 5);
    CHECK(attribute.values[0] == "<script>alert(1)</script>");
    CHECK(attribute.values[1] == "&amp; ]]> &#x0;");
    CHECK(attribute.values[2] == "tab\there\nline\r\nend");
    CHECK(attribute.values[3] == "bad \xEF\xBF\xBD( utf8 \xEF\xBF\xBD");  // U+FFFD
    CHECK(attribute.values[4] == "nul ctl");                              // C0 controls dropped
    // Nothing injected: one NameID, one Assertion.
    CHECK(read->assertion->nameId.value == "alice</saml:NameID><saml:NameID>admin");
}

TEST_CASE("tab, LF and CR in attribute values survive normalisation", "[unit][xml][saml]") {
    LogoutRequest request;
    request.id = newMessageId();
    request.issueInstant = now;
    request.issuer = idp;
    request.nameId = {"x", "", "line1\nline2\tcol\r", ""};
    request.reason = " spaced ";
    auto doc = parsed(writeLogoutRequest(request));
    auto read = readLogoutRequest(doc.root());
    REQUIRE(read.has_value());
    CHECK(read->nameId.nameQualifier == "line1\nline2\tcol\r");
    CHECK(*read == request);
}

TEST_CASE("error Responses carry the two status levels and a message", "[unit][xml][saml]") {
    for (auto [code, sub] : std::vector<std::pair<std::string_view, std::string_view>>{
             {status::responder, status::noPassive},
             {status::requester, status::requestDenied},
             {status::requester, status::invalidNameIdPolicy},
             {status::requester, status::noAuthnContext},
             {status::requester, {}}}) {
        Status status{std::string(code), std::string(sub), "Accès refusé <par> la politique"};
        Response written = errorResponse(idp, acs, "_req1", now, status);
        std::string text = writeResponse(written);
        CHECK(text.find("Assertion") == std::string::npos);
        auto doc = parsed(text);
        CHECK(childNames(doc.root()) == std::vector<std::string>{"Issuer", "Status"});
        auto read = readResponse(doc.root());
        REQUIRE(read.has_value());
        CHECK(*read == written);
        CHECK_FALSE(read->status.success());
        CHECK(read->status.subCode == sub);
    }
}

TEST_CASE("mod_auth_mellon's AuthnRequest is read", "[unit][xml][saml]") {
    auto request = readAuthn(mellonRequest);
    REQUIRE(request.has_value());
    CHECK(request->id == "_4B7C1E3A8D7F6C5B4A3928171615F1E0");
    CHECK(request->issueInstant == parseDateTime("2026-12-06T10:33:12Z"));
    CHECK(request->destination == "https://sesame.example/saml/sso");
    CHECK(request->issuer == sp);
    CHECK(request->assertionConsumerServiceUrl == acs);
    CHECK_FALSE(request->assertionConsumerServiceIndex);
    CHECK(request->protocolBinding.empty());
    CHECK_FALSE(request->forceAuthn);
    CHECK_FALSE(request->isPassive);
    REQUIRE(request->nameIdPolicy);
    CHECK(request->nameIdPolicy->format == nameid::transient);
    CHECK(request->nameIdPolicy->allowCreate == true);
    CHECK_FALSE(request->requestedAuthnContext);
}

TEST_CASE("the Shibboleth SP's AuthnRequest is read", "[unit][xml][saml]") {
    auto request = readAuthn(shibbolethRequest);
    REQUIRE(request.has_value());
    CHECK(request->issuer == "https://sp.example/shibboleth");
    CHECK(request->protocolBinding == binding::httpPost);
    CHECK(request->issueInstant == parseDateTime("2026-12-06T10:33:12Z"));
    REQUIRE(request->nameIdPolicy);
    CHECK(request->nameIdPolicy->format.empty());
    CHECK(request->nameIdPolicy->allowCreate == true);
    REQUIRE(request->requestedAuthnContext);
    CHECK(request->requestedAuthnContext->comparison == AuthnContextComparison::minimum);
    CHECK(request->requestedAuthnContext->classRefs ==
          std::vector<std::string>{std::string(authncontext::passwordProtectedTransport)});
}

TEST_CASE("an AuthnRequest written by the codec reads back", "[unit][xml][saml]") {
    AuthnRequest request;
    request.id = newMessageId();
    request.issueInstant = now;
    request.destination = "https://idp.example/sso";
    request.issuer = sp;
    request.assertionConsumerServiceIndex = 3;
    request.attributeConsumingServiceIndex = 65535;
    request.forceAuthn = true;
    request.isPassive = true;
    request.nameIdPolicy = NameIdPolicy{std::string(nameid::persistent), false, "urn:group"};
    request.requestedAuthnContext = RequestedAuthnContext{
        AuthnContextComparison::better,
        {std::string(authncontext::password), std::string(authncontext::x509)}};
    request.subject = NameId{"jdupont@ecole.example", std::string(nameid::emailAddress), "", ""};
    auto doc = parsed(writeAuthnRequest(request));
    auto read = readAuthnRequest(doc.root());
    REQUIRE(read.has_value());
    CHECK(*read == request);
    CHECK(childNames(doc.root()) ==
          std::vector<std::string>{"Issuer", "Subject", "NameIDPolicy", "RequestedAuthnContext"});
}

TEST_CASE("every malformed AuthnRequest is refused with its reason", "[unit][xml][saml]") {
    std::vector<Refusal> cases = {
        {mellonWith("Version=\"2.0\"", "Version=\"1.1\""), Errc::version_too_low},
        {mellonWith("Version=\"2.0\"", "Version=\"3.0\""), Errc::version_too_high},
        {mellonWith("Version=\"2.0\"", "Version=\"2.1\""), Errc::version_too_high},
        {mellonWith("Version=\"2.0\"", ""), Errc::missing_attribute},
        {mellonWith("ID=\"_4B7C1E3A8D7F6C5B4A3928171615F1E0\"", ""), Errc::missing_attribute},
        {mellonWith("_4B7C1E3A8D7F6C5B4A3928171615F1E0", "4B7C"), Errc::invalid_id},
        {mellonWith("_4B7C1E3A8D7F6C5B4A3928171615F1E0", "_a b"), Errc::invalid_id},
        {mellonWith("_4B7C1E3A8D7F6C5B4A3928171615F1E0", "_" + std::string(300, 'a')),
         Errc::invalid_id},
        {mellonWith("IssueInstant=\"2026-12-06T10:33:12Z\"", ""), Errc::missing_attribute},
        {mellonWith("2026-12-06T10:33:12Z", "2026-12-06T10:33:12"), Errc::invalid_date_time},
        {mellonWith("2026-12-06T10:33:12Z", "2026-12-06T10:33:12+01:00"), Errc::invalid_date_time},
        {mellonWith("2026-12-06T10:33:12Z", "yesterday"), Errc::invalid_date_time},
        {mellonWith("ForceAuthn=\"false\"", "ForceAuthn=\"yes\""), Errc::invalid_boolean},
        {mellonWith("IsPassive=\"false\"", "IsPassive=\"TRUE\""), Errc::invalid_boolean},
        {mellonWith("AllowCreate=\"true\"", "AllowCreate=\"\""), Errc::invalid_boolean},
        {mellonWith("ForceAuthn=", "AttributeConsumingServiceIndex=\"70000\" ForceAuthn="),
         Errc::invalid_index},
        {mellonWith("ForceAuthn=", "AttributeConsumingServiceIndex=\"-1\" ForceAuthn="),
         Errc::invalid_index},
        {mellonWith("ForceAuthn=", "AssertionConsumerServiceIndex=\"1\" ForceAuthn="),
         Errc::conflicting_acs},
        {mellonWith("<saml:Issuer>https://sp.example/mellon/metadata</saml:Issuer>", ""),
         Errc::missing_element},
        {mellonWith("<saml:Issuer>https://sp.example/mellon/metadata</saml:Issuer>",
                    "<saml:Issuer> </saml:Issuer>"),
         Errc::empty_value},
        {mellonWith("<saml:Issuer>",
                    "<saml:Issuer Format=\"" + std::string(nameid::emailAddress) + "\">"),
         Errc::invalid_issuer},
        {mellonWith("<saml:Issuer>", "<saml:Issuer><b>x</b>"), Errc::unexpected_element},
        {mellonWith("</saml:Issuer>", "</saml:Issuer><saml:Issuer>https://evil</saml:Issuer>"),
         Errc::duplicate_element},
        {mellonWith("</samlp:AuthnRequest>",
                    "<saml:Issuer>https://x</saml:Issuer></samlp:AuthnRequest>"),
         Errc::misplaced_element},
        {mellonWith("AllowCreate=\"true\"/>", "AllowCreate=\"true\"/><samlp:NameIDPolicy/>"),
         Errc::duplicate_element},
        {mellonWith("</samlp:AuthnRequest>", "<samlp:Unknown/></samlp:AuthnRequest>"),
         Errc::unexpected_element},
        {mellonWith("</samlp:AuthnRequest>", "<saml:Assertion/></samlp:AuthnRequest>"),
         Errc::unexpected_element},
        {mellonWith(
             "</samlp:AuthnRequest>",
             "<samlp:RequestedAuthnContext Comparison=\"most\"><saml:AuthnContextClassRef>"
             "x</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"),
         Errc::invalid_comparison},
        {mellonWith("</samlp:AuthnRequest>", "<samlp:RequestedAuthnContext/></samlp:AuthnRequest>"),
         Errc::missing_element},
        {mellonWith(
             "</samlp:AuthnRequest>",
             "<samlp:RequestedAuthnContext><saml:AuthnContextDeclRef>x"
             "</saml:AuthnContextDeclRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"),
         Errc::unsupported_authn_context},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto read = readAuthn(c.text);
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error() == c.error);
    }
    // The same element in another namespace is not the message.
    auto other = readAuthn(mellonWith("xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
                                      "xmlns:samlp=\"urn:oasis:names:tc:SAML:1.0:protocol\""));
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error() == Errc::unexpected_root);
}

TEST_CASE("Scoping, Extensions, Subject and Conditions are allowed and skipped",
          "[unit][xml][saml]") {
    auto text = mellonWith("<saml:Issuer>https://sp.example/mellon/metadata</saml:Issuer>",
                           "<saml:Issuer>https://sp.example/mellon/metadata</saml:Issuer>"
                           "<samlp:Extensions><x:y xmlns:x=\"urn:x\"/></samlp:Extensions>"
                           "<saml:Subject><saml:NameID>a</saml:NameID></saml:Subject>");
    text = text.replace(text.find("</samlp:AuthnRequest>"), 21,
                        "<saml:Conditions/><samlp:Scoping ProxyCount=\"1\"/></samlp:AuthnRequest>");
    auto read = readAuthn(text);
    REQUIRE(read.has_value());
    CHECK(read->issuer == sp);
    REQUIRE(read->nameIdPolicy);
    CHECK(read->subject == NameId{"a", "", "", ""});
    // A Subject that only confirms names nobody; an encrypted one must be decrypted first.
    auto confirmationOnly =
        readAuthn(mellonWith("</saml:Issuer>",
                             "</saml:Issuer><saml:Subject><saml:SubjectConfirmation "
                             "Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"/></saml:Subject>"));
    REQUIRE(confirmationOnly.has_value());
    CHECK_FALSE(confirmationOnly->subject);
    auto encrypted = readAuthn(mellonWith(
        "</saml:Issuer>", "</saml:Issuer><saml:Subject><saml:EncryptedID/></saml:Subject>"));
    REQUIRE_FALSE(encrypted.has_value());
    CHECK(encrypted.error() == Errc::encrypted_identifier);
}

TEST_CASE("a comment inside a value never cuts it", "[unit][xml][saml]") {
    LogoutRequest request;
    request.id = "_r1";
    request.issueInstant = now;
    request.issuer = sp;
    request.nameId.value = "alice@evil.example";
    std::string text = writeLogoutRequest(request);
    text.replace(text.find("alice@evil"), 10, "alice<!-- -->@evil");
    auto doc = parsed(text);
    auto read = readLogoutRequest(doc.root());
    REQUIRE(read.has_value());
    CHECK(read->nameId.value == "alice@evil.example");
}

TEST_CASE("a LogoutRequest as issued reads back", "[unit][xml][saml]") {
    LogoutRequest request;
    request.id = newMessageId();
    request.issueInstant = now;
    request.destination = "https://sp.example/Shibboleth.sso/SLO/Redirect";
    request.issuer = idp;
    request.notOnOrAfter = now + 60;
    request.nameId = {"AbC123", std::string(nameid::persistent), std::string(idp), std::string(sp)};
    request.sessionIndexes = {"_s1", "_s2"};
    request.reason = reason::user;
    auto doc = parsed(writeLogoutRequest(request));
    CHECK(childNames(doc.root()) ==
          std::vector<std::string>{"Issuer", "NameID", "SessionIndex", "SessionIndex"});
    auto read = readLogoutRequest(doc.root());
    REQUIRE(read.has_value());
    CHECK(*read == request);
}

TEST_CASE("malformed LogoutRequests are refused with their reason", "[unit][xml][saml]") {
    LogoutRequest request;
    request.id = "_r1";
    request.issueInstant = now;
    request.issuer = sp;
    request.nameId.value = "alice";
    request.sessionIndexes = {"_s1"};
    const std::string good = writeLogoutRequest(request);
    auto with = [&](std::string_view from, std::string_view to) {
        return replaced(good, from, to);
    };
    for (const auto& c : std::vector<Refusal>{
             {with("<saml:NameID>alice</saml:NameID>", ""), Errc::missing_element},
             {with("<saml:NameID>alice</saml:NameID>", "<saml:NameID></saml:NameID>"),
              Errc::empty_value},
             {with("<saml:NameID>alice</saml:NameID>",
                   "<saml:EncryptedID><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/"
                   "04/xmlenc#\"/></saml:EncryptedID>"),
              Errc::encrypted_identifier},
             {with("<saml:NameID>alice</saml:NameID>", "<saml:BaseID/>"),
              Errc::unsupported_identifier},
             {with("</saml:NameID>", "</saml:NameID><saml:NameID>bob</saml:NameID>"),
              Errc::duplicate_element},
             {with("<samlp:SessionIndex>_s1</samlp:SessionIndex>",
                   "<samlp:SessionIndex>_s1</samlp:SessionIndex><saml:NameID>b</saml:NameID>"),
              Errc::misplaced_element},
             {with("<samlp:SessionIndex>_s1</samlp:SessionIndex>", "<samlp:SessionIndex/>"),
              Errc::empty_value},
             {with("Version=", "NotOnOrAfter=\"soon\" Version="), Errc::invalid_date_time},
             {with("ID=\"_r1\"", ""), Errc::missing_attribute},
             {with("<saml:Issuer>", "<saml:Issuer Format=\"urn:x\">"), Errc::invalid_issuer},
         }) {
        INFO(c.text);
        auto doc = parsed(c.text);
        auto read = readLogoutRequest(doc.root());
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error() == c.error);
    }
}

TEST_CASE("a LogoutResponse reads back, and its status is checked", "[unit][xml][saml]") {
    LogoutResponse response;
    response.id = newMessageId();
    response.inResponseTo = "_r1";
    response.issueInstant = now;
    response.destination = "https://sp.example/slo";
    response.issuer = idp;
    response.status = {std::string(status::responder), std::string(status::partialLogout), ""};
    const std::string good = writeLogoutResponse(response);
    {
        auto doc = parsed(good);
        auto read = readLogoutResponse(doc.root());
        REQUIRE(read.has_value());
        CHECK(*read == response);
    }
    auto with = [&](std::string_view from, std::string_view to) {
        return replaced(good, from, to);
    };
    for (const auto& c : std::vector<Refusal>{
             {with(std::string(status::responder), "urn:x:Fine"), Errc::invalid_status},
             {with("<samlp:StatusCode Value=\"" + std::string(status::responder) + "\">",
                   "<samlp:StatusCode>"),
              Errc::missing_attribute},
             {with("<samlp:StatusCode Value=\"" + std::string(status::partialLogout) + "\"/>",
                   "<samlp:StatusCode/>"),
              Errc::missing_attribute},
             {with("<samlp:Status>", "<samlp:Status><samlp:StatusMessage>m</samlp:StatusMessage>"),
              Errc::misplaced_element},
             {with("<samlp:Status>", "<samlp:Status/><samlp:Status>"), Errc::duplicate_element},
         }) {
        INFO(c.text);
        auto doc = parsed(c.text);
        auto read = readLogoutResponse(doc.root());
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error() == c.error);
    }
    auto extensions = parsed(with("<samlp:Status>", "<samlp:Extensions/><samlp:Status>"));
    CHECK(readLogoutResponse(extensions.root()).has_value());
    // A Response is not a LogoutResponse.
    auto other = parsed(writeResponse(errorResponse(idp, acs, "", now, response.status)));
    auto read = readLogoutResponse(other.root());
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == Errc::unexpected_root);
}

TEST_CASE("a Response with two assertions is refused", "[unit][xml][saml]") {
    std::string text = writeResponse(bearerResponse(terms()));
    auto at = text.find("<saml:Assertion");
    auto end = text.find("</samlp:Response>");
    std::string assertion = text.substr(at, end - at);
    text.insert(end, assertion);
    auto doc = parsed(text);
    auto read = readResponse(doc.root());
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == Errc::duplicate_element);
}

TEST_CASE("each refusal maps to the status SAML core names", "[unit][xml][saml]") {
    auto check = [](error_code error, std::string_view code, std::string_view sub) {
        StatusCodes s = statusFor(error);
        CHECK(s.code == code);
        CHECK(s.subCode == sub);
    };
    check(Errc::version_too_low, status::versionMismatch, status::requestVersionTooLow);
    check(Errc::version_too_high, status::versionMismatch, status::requestVersionTooHigh);
    check(Errc::unexpected_root, status::requester, status::requestUnsupported);
    check(Errc::encrypted_identifier, status::requester, status::requestUnsupported);
    check(Errc::unsupported_authn_context, status::requester, status::noAuthnContext);
    check(Errc::invalid_date_time, status::requester, "");
    check(Errc::duplicate_element, status::requester, "");
    check(xml::Errc::forbidden_doctype, status::requester, "");
    check(xml::Errc::malformed, status::requester, "");
    check(make_error_code(std::errc::io_error), status::responder, "");
    CHECK(error_code(Errc::conflicting_acs).message().find("AssertionConsumerServiceIndex") !=
          std::string::npos);
}

TEST_CASE("SAML times are UTC xs:dateTime", "[unit][xml][saml]") {
    CHECK(parseDateTime("1970-01-01T00:00:00Z") == 0);
    CHECK(parseDateTime("2026-12-06T09:40:00Z") == now);
    CHECK(parseDateTime("2026-12-06T09:40:00.999Z") == now);
    CHECK(parseDateTime("2026-12-06T09:40:00.123456789Z") == now);
    CHECK(parseDateTime(" 2026-12-06T09:40:00Z\n") == now);
    CHECK(parseDateTime("2024-02-29T00:00:00Z") == 1'709'164'800);
    CHECK(parseDateTime(core::formatUtcInstant(now)) == now);  // what the writers write
    for (std::string_view bad :
         {"", "2026-12-06", "2026-12-06T09:40:00", "2026-12-06T09:40:00+00:00",
          "2026-12-06T09:40:00.Z", "2026-12-06T09:40:00.1234567890Z", "2026-12-06 10:33:20Z",
          "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-12-06T24:00:00Z",
          "2026-12-06T10:60:00Z", "2026-12-06T10:33:60Z", "0000-01-01T00:00:00Z",
          "-2026-12-06T09:40:00Z", "2026-12-06T09:40:00ZZ", "2026-1２-06T10:33:20Z"}) {
        INFO(bad);
        CHECK_FALSE(parseDateTime(bad));
    }
    CHECK(parseBoolean("1") == true);
    CHECK(parseBoolean(" false ") == false);
    CHECK_FALSE(parseBoolean("yes"));
    CHECK(parseUnsignedShort("65535") == 65535);
    CHECK_FALSE(parseUnsignedShort("65536"));
    CHECK_FALSE(parseUnsignedShort("+1"));
    CHECK_FALSE(parseUnsignedShort(""));
}

TEST_CASE("metadata times take any zone, durations are whole seconds", "[unit][xml][saml]") {
    // validUntil: an offset, or none (read as UTC); SAML messages accept only 'Z' (above).
    CHECK(parseDateTime("2026-12-06T10:40:00+01:00", Zone::anyOffset) == now);
    CHECK(parseDateTime("2026-12-06T08:10:00.5-01:30", Zone::anyOffset) == now);
    CHECK(parseDateTime("2026-12-06T09:40:00", Zone::anyOffset) == now);
    CHECK(parseDateTime("2026-12-06T09:40:00Z", Zone::anyOffset) == now);
    for (std::string_view bad : {"2026-12-06T09:40:00+15:00", "2026-12-06T09:40:00+01",
                                 "2026-12-06T09:40:00+01:60", "2026-12-06T24:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parseDateTime(bad, Zone::anyOffset));
    }
    CHECK(parseDuration("PT6H") == 6 * 3600);
    CHECK(parseDuration(" P1DT12H ") == 36 * 3600);
    CHECK(parseDuration("PT30.5S") == 30);
    CHECK(parseDuration("P1Y2M3DT4H5M6S") ==
          365 * 86400 + 60 * 86400 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6);
    for (std::string_view bad : {"", "P", "PT", "P1DT", "-PT6H", "P1.5D", "PT6", "P1H", "PTT1H"}) {
        INFO(bad);
        CHECK_FALSE(parseDuration(bad));
    }
}

TEST_CASE("message IDs are unguessable xs:IDs", "[unit][xml][saml]") {
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        std::string id = newMessageId();
        CHECK(id.size() == 28);  // '_' + 160 bits in base64url
        CHECK(id[0] == '_');
        CHECK(xml::isNcName(id));
        ids.insert(id);
    }
    CHECK(ids.size() == 100);
}

TEST_CASE("the SOAP binding wraps a LogoutRequest and unwraps a LogoutResponse",
          "[unit][xml][saml]") {
    LogoutRequest request;
    request.id = newMessageId();
    request.issueInstant = now;
    request.issuer = idp;
    request.nameId.value = "alice";
    auto envelope = parsed(wrapInSoapEnvelope("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
                                              writeLogoutRequest(request)));
    CHECK(envelope.root().is(ns::soapEnvelope, "Envelope"));
    auto inside = soapMessage(envelope);
    REQUIRE(inside.has_value());
    auto read = readLogoutRequest(*inside);
    REQUIRE(read.has_value());
    CHECK(*read == request);

    LogoutResponse response;
    response.id = "_resp";
    response.inResponseTo = request.id;
    response.issueInstant = now;
    response.issuer = sp;
    response.status.code = status::success;
    // As the Shibboleth SP answers: SOAP-ENV prefix, an empty Header.
    auto answer = parsed(
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Header/><S:Body>" +
        writeLogoutResponse(response) + "</S:Body></S:Envelope>");
    auto message = soapMessage(answer);
    REQUIRE(message.has_value());
    auto readResponse = readLogoutResponse(*message);
    REQUIRE(readResponse.has_value());
    CHECK(readResponse->inResponseTo == request.id);
    CHECK(readResponse->status.success());

    const std::string soap = "xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"";
    for (const auto& c : std::vector<Refusal>{
             {"<S:Envelope " + soap +
                  "><S:Body><S:Fault><faultcode>S:Server</faultcode></S:Fault></S:Body></"
                  "S:Envelope>",
              Errc::soap_fault},
             {"<S:Envelope " + soap + "><S:Body/></S:Envelope>", Errc::invalid_soap},
             {"<S:Envelope " + soap + "><S:Body><a/><b/></S:Body></S:Envelope>",
              Errc::invalid_soap},
             {"<S:Envelope " + soap + "><S:Header/></S:Envelope>", Errc::invalid_soap},
             {"<S:Envelope " + soap + "><x/><S:Body><a/></S:Body></S:Envelope>",
              Errc::invalid_soap},
             {"<Envelope><Body><a/></Body></Envelope>", Errc::invalid_soap},
         }) {
        INFO(c.text);
        auto doc = parsed(c.text);
        auto got = soapMessage(doc);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error() == c.error);
    }
}

TEST_CASE("the IdP metadata publishes keys, formats and endpoints", "[unit][xml][saml]") {
    IdpMetadata metadata;
    metadata.id = newMessageId();
    metadata.entityId = idp;
    metadata.wantAuthnRequestsSigned = true;
    metadata.signingCertificates = {
        "-----BEGIN CERTIFICATE-----\nMIIBcurrent\nAAAA\n-----END CERTIFICATE-----\n", "MIIBnext"};
    metadata.encryptionCertificates = {"MIIBenc"};
    metadata.nameIdFormats = {std::string(nameid::transient), std::string(nameid::persistent)};
    metadata.singleSignOnServices = {
        {std::string(binding::httpRedirect), "https://sesame.example/saml/sso", ""},
        {std::string(binding::httpPost), "https://sesame.example/saml/sso", ""}};
    metadata.singleLogoutServices = {
        {std::string(binding::httpRedirect), "https://sesame.example/saml/slo", ""},
        {std::string(binding::httpPost), "https://sesame.example/saml/slo", ""}};
    metadata.validUntil = now + 86400 * 7;
    metadata.cacheDurationSeconds = 3600;
    auto doc = parsed(writeIdpMetadata(metadata));
    XmlElement root = doc.root();
    CHECK(root.is(ns::metadata, "EntityDescriptor"));
    CHECK(root.attribute("entityID") == idp);
    CHECK(root.attribute("ID") == metadata.id);
    CHECK(root.attribute("cacheDuration") == "PT3600S");
    CHECK(parseDateTime(root.attribute("validUntil").value_or("")) == now + 86400 * 7);
    auto descriptor = root.child(ns::metadata, "IDPSSODescriptor");
    REQUIRE(descriptor);
    CHECK(descriptor->attribute("WantAuthnRequestsSigned") == "true");
    CHECK(descriptor->attribute("protocolSupportEnumeration") == ns::protocol);
    CHECK(childNames(*descriptor) ==
          std::vector<std::string>{"KeyDescriptor", "KeyDescriptor", "KeyDescriptor",
                                   "SingleLogoutService", "SingleLogoutService", "NameIDFormat",
                                   "NameIDFormat", "SingleSignOnService", "SingleSignOnService"});
    std::vector<std::string> uses, certificates;
    for (const auto& key : descriptor->children()) {
        if (!key.is(ns::metadata, "KeyDescriptor")) continue;
        uses.push_back(key.attribute("use").value_or(""));
        auto certificate = key.descendant(ns::dsig, "X509Certificate");
        REQUIRE(certificate);
        certificates.push_back(certificate->text());
    }
    CHECK(uses == std::vector<std::string>{"signing", "signing", "encryption"});
    CHECK(certificates == std::vector<std::string>{"MIIBcurrentAAAA", "MIIBnext", "MIIBenc"});
    auto sso = descriptor->child(ns::metadata, "SingleSignOnService");
    REQUIRE(sso);
    CHECK(sso->attribute("Binding") == binding::httpRedirect);
    CHECK(sso->attribute("Location") == "https://sesame.example/saml/sso");
    CHECK_FALSE(sso->attribute("ResponseLocation"));  // written only when given
}
