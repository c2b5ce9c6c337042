// What the SAML writers produce is valid against the official OASIS schemas
// (saml-schema-protocol-2.0.xsd, -assertion-, -metadata-) as Debian ships them for the Shibboleth
// SP (opensaml-schemas, xmltooling-schemas: scripts/install-deps.sh). libxml2's XML Schema
// validator, the one `xmllint --schema` uses, with the schemas' http:// imports of XML-DSig and
// XML-Enc answered by the local copies (imported first, so the later remote ones are skipped).
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "gateway/xml/saml_idp_metadata.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_soap.hpp"
#include "gateway/xml/saml_writer.hpp"

using namespace sesame::xml::saml;

namespace {

const char* const schemaFiles[] = {
    "/usr/share/xml/xmltooling/xml.xsd",
    "/usr/share/xml/xmltooling/xmldsig-core-schema.xsd",
    "/usr/share/xml/xmltooling/xenc-schema.xsd",
    "/usr/share/xml/xmltooling/soap-envelope.xsd",
    "/usr/share/xml/opensaml/saml-schema-assertion-2.0.xsd",
    "/usr/share/xml/opensaml/saml-schema-protocol-2.0.xsd",
    "/usr/share/xml/opensaml/saml-schema-metadata-2.0.xsd",
};

const std::string wrapperSchema = R"(<?xml version="1.0"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:sesame:test:saml">
  <import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="/usr/share/xml/xmltooling/xml.xsd"/>
  <import namespace="http://www.w3.org/2000/09/xmldsig#" schemaLocation="/usr/share/xml/xmltooling/xmldsig-core-schema.xsd"/>
  <import namespace="http://www.w3.org/2001/04/xmlenc#" schemaLocation="/usr/share/xml/xmltooling/xenc-schema.xsd"/>
  <import namespace="http://schemas.xmlsoap.org/soap/envelope/" schemaLocation="/usr/share/xml/xmltooling/soap-envelope.xsd"/>
  <import namespace="urn:oasis:names:tc:SAML:2.0:assertion" schemaLocation="/usr/share/xml/opensaml/saml-schema-assertion-2.0.xsd"/>
  <import namespace="urn:oasis:names:tc:SAML:2.0:protocol" schemaLocation="/usr/share/xml/opensaml/saml-schema-protocol-2.0.xsd"/>
  <import namespace="urn:oasis:names:tc:SAML:2.0:metadata" schemaLocation="/usr/share/xml/opensaml/saml-schema-metadata-2.0.xsd"/>
</schema>
)";

void collect(void* errors, const xmlError* error) {
    // Warnings are the skipped remote imports; only errors count.
    if (error->level >= XML_ERR_ERROR) *static_cast<std::string*>(errors) += error->message;
}

struct FreeSchema {
    void operator()(xmlSchemaPtr s) const { xmlSchemaFree(s); }
};

xmlSchemaPtr samlSchema() {
    static std::unique_ptr<xmlSchema, FreeSchema> schema = [] {
        std::string errors;
        xmlSchemaParserCtxtPtr parser =
            xmlSchemaNewMemParserCtxt(wrapperSchema.data(), static_cast<int>(wrapperSchema.size()));
        xmlSchemaSetParserStructuredErrors(
            parser, [](void* e, xmlErrorPtr error) { collect(e, error); }, &errors);
        std::unique_ptr<xmlSchema, FreeSchema> parsed(xmlSchemaParse(parser));
        xmlSchemaFreeParserCtxt(parser);
        INFO(errors);
        REQUIRE(parsed);
        return parsed;
    }();
    return schema.get();
}

// Empty when `text` is valid, else the validator's messages.
std::string schemaErrors(const std::string& text) {
    xmlDocPtr doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                                  XML_PARSE_NONET);
    REQUIRE(doc);
    std::string errors;
    xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt(samlSchema());
    xmlSchemaSetValidStructuredErrors(
        validator, [](void* e, xmlErrorPtr error) { collect(e, error); }, &errors);
    int result = xmlSchemaValidateDoc(validator, doc);
    xmlSchemaFreeValidCtxt(validator);
    xmlFreeDoc(doc);
    if (result != 0 && errors.empty()) errors = "invalid (" + std::to_string(result) + ")";
    return errors;
}

BearerTerms terms() {
    BearerTerms t;
    t.idpEntityId = "https://sesame.example/saml/metadata";
    t.spEntityId = "https://sp.example/shibboleth";
    t.acsUrl = "https://sp.example/Shibboleth.sso/SAML2/POST";
    t.inResponseTo = "_ec1025e786e6fff206ef63ed36aa8f1b";
    t.nameId = {"AbC", std::string(nameid::persistent), t.idpEntityId, t.spEntityId};
    t.authn = {1'796'550'000, "_s1", 1'796'580'000,
               std::string(authncontext::passwordProtectedTransport)};
    t.attributes = {{"idEnt", std::string(attrname::basic), "", {"ENT-0001"}},
                    {"GARPersonIdentifiant", std::string(attrname::basic), "", {"a1b2", "<&>"}},
                    {"urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
                     std::string(attrname::uri),
                     "eduPersonTargetedID",
                     {"x"}}};
    t.now = 1'796'550'000;
    return t;
}

}  // namespace

TEST_CASE("the schemas are installed", "[unit][xml][saml]") {
    for (const char* file : schemaFiles) {
        INFO(file << ": install opensaml-schemas and xmltooling-schemas (scripts/install-deps.sh)");
        REQUIRE(std::filesystem::exists(file));
    }
}

TEST_CASE("Responses are valid against saml-schema-protocol-2.0", "[unit][xml][saml]") {
    CHECK(schemaErrors(writeResponse(bearerResponse(terms()))) == "");
    auto unsolicited = terms();
    unsolicited.inResponseTo.clear();
    unsolicited.attributes.clear();
    CHECK(schemaErrors(writeResponse(bearerResponse(unsolicited))) == "");
    Status denied{std::string(status::requester), std::string(status::requestDenied), "Refusé"};
    CHECK(schemaErrors(writeResponse(
              errorResponse("https://idp", "https://sp/acs", "_r", 0, denied))) == "");
}

TEST_CASE("AuthnRequest and logout messages are valid against the schemas", "[unit][xml][saml]") {
    AuthnRequest request;
    request.id = newMessageId();
    request.issueInstant = 1'796'550'000;
    request.destination = "https://idp.example/sso";
    request.issuer = "https://sp.example";
    request.assertionConsumerServiceUrl = "https://sp.example/acs";
    request.protocolBinding = binding::httpPost;
    request.forceAuthn = true;
    request.nameIdPolicy = NameIdPolicy{std::string(nameid::transient), true, ""};
    request.subject = NameId{"jdupont", std::string(nameid::unspecified), "", ""};
    request.requestedAuthnContext = RequestedAuthnContext{
        AuthnContextComparison::minimum, {std::string(authncontext::passwordProtectedTransport)}};
    CHECK(schemaErrors(writeAuthnRequest(request)) == "");

    LogoutRequest logout;
    logout.id = newMessageId();
    logout.issueInstant = 1'796'550'000;
    logout.destination = "https://sp.example/slo";
    logout.issuer = "https://idp.example";
    logout.notOnOrAfter = 1'796'550'060;
    logout.nameId = {"AbC", std::string(nameid::transient), "https://idp.example",
                     "https://sp.example"};
    logout.sessionIndexes = {"_s1"};
    logout.reason = reason::user;
    CHECK(schemaErrors(writeLogoutRequest(logout)) == "");
    CHECK(schemaErrors(wrapInSoapEnvelope(writeLogoutRequest(logout))) == "");

    LogoutResponse answer;
    answer.id = newMessageId();
    answer.inResponseTo = logout.id;
    answer.issueInstant = 1'796'550'001;
    answer.issuer = "https://sp.example";
    answer.status = {std::string(status::success), "", ""};
    CHECK(schemaErrors(writeLogoutResponse(answer)) == "");
}

TEST_CASE("the IdP metadata is valid against saml-schema-metadata-2.0", "[unit][xml][saml]") {
    IdpMetadata metadata;
    metadata.id = newMessageId();
    metadata.entityId = "https://sesame.example/saml/metadata";
    metadata.signingCertificates = {"TUlJQmN1cnJlbnQ=", "TUlJQm5leHQ="};
    metadata.encryptionCertificates = {"TUlJQmVuYw=="};
    metadata.nameIdFormats = {std::string(nameid::transient)};
    metadata.singleSignOnServices = {
        {std::string(binding::httpRedirect), "https://sesame.example/saml/sso", ""},
        {std::string(binding::httpPost), "https://sesame.example/saml/sso", ""}};
    metadata.singleLogoutServices = {
        {std::string(binding::httpRedirect), "https://sesame.example/saml/slo",
         "https://sesame.example/saml/slo/response"},
        {std::string(binding::soap), "https://sesame.example/saml/slo/soap", ""}};
    metadata.validUntil = 1'797'000'000;
    metadata.cacheDurationSeconds = 86400;
    CHECK(schemaErrors(writeIdpMetadata(metadata)) == "");
}

TEST_CASE("the validator does refuse what the schema forbids", "[unit][xml][saml]") {
    // Without this, a validator that accepts anything would make the tests above pass.
    std::string text = writeResponse(bearerResponse(terms()));
    auto subject = text.find("<saml:Subject>");
    auto conditions = text.find("<saml:Conditions");
    auto end = text.find("</saml:Conditions>") + 18;
    REQUIRE(subject != std::string::npos);
    REQUIRE(conditions != std::string::npos);
    std::string swapped = text.substr(0, subject) + text.substr(conditions, end - conditions) +
                          text.substr(subject, conditions - subject) + text.substr(end);
    CHECK(schemaErrors(swapped) != "");
}
