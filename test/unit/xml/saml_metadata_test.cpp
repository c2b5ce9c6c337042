// SAML metadata of service providers as mod_auth_mellon and the Shibboleth SP write it, alone and
// in federation aggregates (nested, with IdPs, with a broken entity, thousands of entities).
#include <sys/resource.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "gateway/xml/saml_metadata.hpp"
#include "gateway/xml/xml_encryption.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::xml;
using sesame::testing::readFile;
using sesame::testing::sourceDir;

namespace {

constexpr const char* postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
constexpr const char* redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

std::string fixture(std::string_view name) {
    return readFile(sourceDir() / "test/data/saml" / name);
}

// The base64 body of a PEM certificate fixture, as metadata carries it (without whitespace).
std::string certificateBase64(std::string_view name) {
    std::string pem = fixture(name);
    std::string body = pem.substr(pem.find('\n') + 1);
    body = body.substr(0, body.find("-----END"));
    std::erase_if(body, [](char c) { return c == '\n' || c == '\r'; });
    return body;
}

SpMetadata read(std::string_view text) {
    auto metadata = readSpMetadata(text);
    INFO((metadata.has_value() ? "" : metadata.error().message()));
    REQUIRE(metadata.has_value());
    return std::move(*metadata);
}

const ServiceProvider& only(const SpMetadata& metadata) {
    REQUIRE(metadata.serviceProviders.size() == 1);
    return metadata.serviceProviders.front();
}

const ServiceProvider* find(const SpMetadata& metadata, std::string_view entityId) {
    for (const auto& sp : metadata.serviceProviders)
        if (sp.entityId == entityId) return &sp;
    return nullptr;
}

std::string spEntity(const std::string& entityId, const std::string& acs = "",
                     const std::string& extra = "") {
    std::string location = acs.empty() ? "https://" + entityId.substr(8) + "/acs" : acs;
    return R"(<md:EntityDescriptor entityID=")" + entityId +
           R"("><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)" +
           extra + R"(<md:AssertionConsumerService Binding=")" + postBinding + R"(" Location=")" +
           location + R"(" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>)";
}

std::string aggregate(const std::string& inside) {
    return R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">)" +
           inside + "</md:EntitiesDescriptor>";
}

long peakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("mod_auth_mellon's metadata is read", "[unit][xml]") {
    auto metadata = read(fixture("mellon-sp-metadata.xml"));
    CHECK(metadata.errors.empty());
    const auto& sp = only(metadata);
    CHECK(sp.entityId == "https://mellon.sp.example.org/mellon/metadata");
    CHECK(sp.authnRequestsSigned);
    CHECK_FALSE(sp.wantAssertionsSigned);
    REQUIRE(sp.assertionConsumerServices.size() == 1);
    CHECK(sp.assertionConsumerServices[0].binding == postBinding);
    CHECK(sp.assertionConsumerServices[0].location ==
          "https://mellon.sp.example.org/mellon/postResponse");
    CHECK(sp.assertionConsumerServices[0].index == 0);
    CHECK(sp.defaultAssertionConsumerService() == &sp.assertionConsumerServices[0]);
    REQUIRE(sp.singleLogoutServices.size() == 1);
    CHECK(sp.singleLogoutServices[0].binding == redirectBinding);
    CHECK(sp.singleLogoutServices[0].location == "https://mellon.sp.example.org/mellon/logout");
    CHECK(sp.singleLogoutServices[0].responseLocation.empty());
    REQUIRE(sp.keyDescriptors.size() == 2);
    CHECK(sp.keyDescriptors[0].use == KeyUse::encryption);
    CHECK(sp.keyDescriptors[1].use == KeyUse::signing);
    // The certificate, whitespace removed, is the SP's own and loads as an encryption key.
    auto encryption = sp.certificates(KeyUse::encryption);
    REQUIRE(encryption.size() == 1);
    CHECK(encryption[0] == certificateBase64("mellon-sp.crt"));
    CHECK(EncryptionCertificate::load(encryption[0]).has_value());
    CHECK(sp.certificates(KeyUse::signing).size() == 1);
    CHECK(sp.encryptionMethods().empty());
    CHECK_FALSE(sp.validUntil);
}

TEST_CASE("the Shibboleth SP's metadata is read", "[unit][xml]") {
    auto metadata = read(fixture("shib-sp-metadata.xml"));
    CHECK(metadata.errors.empty());
    const auto& sp = only(metadata);
    CHECK(sp.entityId == "https://shib.sp.example.org/shibboleth");
    CHECK_FALSE(sp.authnRequestsSigned);
    REQUIRE(sp.assertionConsumerServices.size() == 3);
    CHECK(sp.assertionConsumerServices[1].binding ==
          "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign");
    CHECK(sp.assertionConsumerServices[2].index == 3);
    // No isDefault anywhere: the first one (§2.2.3).
    CHECK(sp.defaultAssertionConsumerService()->location ==
          "https://shib.sp.example.org/Shibboleth.sso/SAML2/POST");
    CHECK(sp.assertionConsumerServiceByIndex(2) == &sp.assertionConsumerServices[1]);
    CHECK_FALSE(sp.assertionConsumerServiceByIndex(7));
    CHECK(sp.assertionConsumerServiceByLocation(
              "https://shib.sp.example.org/Shibboleth.sso/SAML2/ECP") ==
          &sp.assertionConsumerServices[2]);
    CHECK_FALSE(sp.assertionConsumerServiceByLocation(
        "https://shib.sp.example.org/Shibboleth.sso/SAML2/ECP/"));
    CHECK(sp.singleLogoutServices.size() == 3);
    CHECK(sp.nameIdFormats ==
          std::vector<std::string>{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                                   "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"});
    // One KeyDescriptor without use: both signing and encryption.
    REQUIRE(sp.keyDescriptors.size() == 1);
    CHECK(sp.keyDescriptors[0].use == KeyUse::both);
    CHECK(sp.certificates(KeyUse::signing) == sp.certificates(KeyUse::encryption));
    CHECK(sp.certificates(KeyUse::signing).at(0) == certificateBase64("shib-sp.crt"));
}

TEST_CASE("a federation aggregate: nested, IdPs ignored, validity inherited", "[unit][xml]") {
    std::string text = fixture("federation-aggregate.xml");
    auto streamed = read(text);
    CHECK(streamed.errors.empty());
    REQUIRE(streamed.serviceProviders.size() == 3);
    CHECK(streamed.serviceProviders[0].entityId == "https://mellon.sp.example.org/mellon/metadata");
    CHECK(streamed.serviceProviders[1].entityId == "https://gar.sp.example.org/shibboleth");
    CHECK(streamed.serviceProviders[2].entityId == "https://shib.sp.example.org/shibboleth");
    CHECK_FALSE(find(streamed, "https://idp.example.org/idp/shibboleth"));
    // validUntil of the outer aggregate, the shortest cacheDuration on the way down.
    for (const auto& sp : streamed.serviceProviders) CHECK(sp.validUntil == 2111702400);
    CHECK(streamed.serviceProviders[0].cacheDurationSeconds == 86400);
    CHECK(streamed.serviceProviders[1].cacheDurationSeconds == 6 * 3600);
    CHECK(streamed.serviceProviders[2].cacheDurationSeconds == 12 * 3600);

    const auto& gar = streamed.serviceProviders[1];
    CHECK(gar.authnRequestsSigned);
    CHECK(gar.wantAssertionsSigned);
    CHECK(gar.defaultAssertionConsumerService()->index == 3);  // isDefault="true"
    REQUIRE(gar.singleLogoutServices.size() == 2);
    CHECK(gar.singleLogoutServices[0].responseLocation ==
          "https://gar.sp.example.org/Shibboleth.sso/SLO/Response");
    CHECK(gar.nameIdFormats ==
          std::vector<std::string>{"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"});
    CHECK(gar.certificates(KeyUse::signing) ==
          std::vector<std::string>{certificateBase64("mellon-sp.crt")});
    CHECK(gar.certificates(KeyUse::encryption) ==
          std::vector<std::string>{certificateBase64("shib-sp.crt")});
    auto methods = gar.encryptionMethods();
    REQUIRE(methods.size() == 6);
    CHECK(chooseDataCipher(methods) == DataCipher::aes256Gcm);
    REQUIRE(gar.attributeConsumingServices.size() == 1);
    const auto& acs = gar.attributeConsumingServices[0];
    CHECK(acs.isDefault == true);
    CHECK(acs.serviceNames == std::vector<std::string>{"Gestionnaire d'accès aux ressources"});
    REQUIRE(acs.requestedAttributes.size() == 3);
    CHECK(acs.requestedAttributes[0].name == "idEnt");
    CHECK(acs.requestedAttributes[0].isRequired);
    CHECK(acs.requestedAttributes[1].isRequired);
    CHECK(acs.requestedAttributes[2].name == "urn:oid:1.3.6.1.4.1.20161.1.1.1");
    CHECK(acs.requestedAttributes[2].nameFormat ==
          "urn:oasis:names:tc:SAML:2.0:attrname-format:uri");
    CHECK(acs.requestedAttributes[2].friendlyName == "ENTPersonProfils");
    CHECK_FALSE(acs.requestedAttributes[2].isRequired);

    // Read from a DOM (what a caller does after verifying the aggregate's signature): the same.
    auto doc = XmlDocument::parse(text, 1 << 20);
    REQUIRE(doc.has_value());
    auto fromDom = readSpMetadata(doc->root());
    REQUIRE(fromDom.has_value());
    REQUIRE(fromDom->serviceProviders.size() == 3);
    CHECK(fromDom->errors.empty());
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& a = fromDom->serviceProviders[i];
        const auto& b = streamed.serviceProviders[i];
        CHECK(a.entityId == b.entityId);
        CHECK(a.validUntil == b.validUntil);
        CHECK(a.cacheDurationSeconds == b.cacheDurationSeconds);
        CHECK(a.certificates(KeyUse::encryption) == b.certificates(KeyUse::encryption));
        CHECK(a.assertionConsumerServices.size() == b.assertionConsumerServices.size());
    }
}

TEST_CASE("one broken entity is skipped with its reason, the others load", "[unit][xml]") {
    const std::string badCert =
        R"(<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>TWFuIGlzIGRpc3Rpbmd1aXNoZWQ=</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>)";
    auto metadata = read(aggregate(
        spEntity("https://a.example.org") +
        spEntity("https://javascript.example.org", "javascript:alert(1)") +
        spEntity("https://b.example.org") + spEntity("https://relative.example.org", "/acs") +
        spEntity("https://cert.example.org", "", badCert) +
        R"(<md:EntityDescriptor><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>)" +
        R"(<md:EntityDescriptor entityID="https://index.example.org"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="b" Location="https://index.example.org/acs" index="-1"/></md:SPSSODescriptor></md:EntityDescriptor>)" +
        R"(<md:EntityDescriptor entityID="https://noacs.example.org"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>)" +
        spEntity("https://a.example.org", "https://a.example.org/other-acs") +
        spEntity("https://c.example.org")));
    REQUIRE(metadata.serviceProviders.size() == 3);
    CHECK(metadata.serviceProviders[0].entityId == "https://a.example.org");
    CHECK(metadata.serviceProviders[0].assertionConsumerServices[0].location ==
          "https://a.example.org/acs");
    CHECK(metadata.serviceProviders[1].entityId == "https://b.example.org");
    CHECK(metadata.serviceProviders[2].entityId == "https://c.example.org");
    REQUIRE(metadata.errors.size() == 7);
    auto errorFor = [&](std::string_view id) -> std::string {
        for (const auto& e : metadata.errors)
            if (e.entityId == id) return e.reason;
        return "(none)";
    };
    CHECK_THAT(errorFor("https://javascript.example.org"), Catch::Contains("not an http(s) URL"));
    CHECK_THAT(errorFor("https://relative.example.org"), Catch::Contains("not an http(s) URL"));
    CHECK_THAT(errorFor("https://cert.example.org"), Catch::Contains("X509Certificate"));
    CHECK_THAT(errorFor(""), Catch::Contains("without entityID"));
    CHECK_THAT(errorFor("https://index.example.org"), Catch::Contains("index '-1'"));
    CHECK_THAT(errorFor("https://noacs.example.org"),
               Catch::Contains("no AssertionConsumerService"));
    CHECK_THAT(errorFor("https://a.example.org"), Catch::Contains("duplicate entityID"));
}

TEST_CASE("expired entities are skipped when the caller gives the time", "[unit][xml]") {
    std::string text = aggregate(
        R"(<md:EntityDescriptor entityID="https://old.example.org" validUntil="2020-01-01T00:00:00Z"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="b" Location="https://old.example.org/acs" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>)" +
        spEntity("https://new.example.org"));
    MetadataLimits limits;
    limits.now = 1'800'000'000;  // 2027
    auto metadata = readSpMetadata(text, limits);
    REQUIRE(metadata.has_value());
    REQUIRE(metadata->serviceProviders.size() == 1);
    CHECK(metadata->serviceProviders[0].entityId == "https://new.example.org");
    REQUIRE(metadata->errors.size() == 1);
    CHECK(metadata->errors[0].entityId == "https://old.example.org");
    CHECK_THAT(metadata->errors[0].reason, Catch::Contains("expired"));
}

TEST_CASE("whole-document faults refuse the document", "[unit][xml]") {
    SECTION("a DOCTYPE, even with good entities after it") {
        auto metadata = readSpMetadata(
            R"(<?xml version="1.0"?><!DOCTYPE md:EntitiesDescriptor [<!ENTITY acs "https://evil.example.org/acs">]>)" +
            aggregate(spEntity("https://a.example.org", "&acs;")));
        REQUIRE_FALSE(metadata.has_value());
        CHECK(metadata.error() == Errc::forbidden_doctype);
    }
    SECTION("not well-formed after good entities: nothing of it is used") {
        std::string text =
            aggregate(spEntity("https://a.example.org") + spEntity("https://b.example.org"));
        text.resize(text.size() - 10);
        auto metadata = readSpMetadata(text);
        REQUIRE_FALSE(metadata.has_value());
        CHECK(metadata.error() == Errc::malformed);
    }
    SECTION("an undeclared entity reference") {
        auto metadata = readSpMetadata(
            aggregate(spEntity("https://a.example.org", "https://a.example.org/&xxe;")));
        REQUIRE_FALSE(metadata.has_value());
        CHECK(metadata.error() == Errc::malformed);
    }
    SECTION("not metadata") {
        auto metadata = readSpMetadata(R"(<html><body>login</body></html>)");
        REQUIRE_FALSE(metadata.has_value());
        CHECK(metadata.error() == Errc::not_found);
    }
    SECTION("over the size limit") {
        MetadataLimits limits;
        limits.maxBytes = 100;
        auto metadata = readSpMetadata(aggregate(spEntity("https://a.example.org")), limits);
        REQUIRE_FALSE(metadata.has_value());
        CHECK(metadata.error() == Errc::too_large);
    }
}

TEST_CASE("an entity over the per-entity limit is skipped, the others load", "[unit][xml]") {
    std::string padding(64 * 1024, ' ');
    MetadataLimits limits;
    limits.maxEntityBytes = 16 * 1024;
    auto metadata =
        readSpMetadata(aggregate(spEntity("https://a.example.org") +
                                 spEntity("https://big.example.org", "",
                                          "<md:Extensions>" + padding + "</md:Extensions>") +
                                 spEntity("https://b.example.org")),
                       limits);
    REQUIRE(metadata.has_value());
    CHECK(metadata->serviceProviders.size() == 2);
    REQUIRE(metadata->errors.size() == 1);
    CHECK(metadata->errors[0].entityId == "https://big.example.org");
}

TEST_CASE("an aggregate of 5000 SPs loads entity by entity, in bounded memory", "[unit][xml]") {
    const std::string cert = certificateBase64("shib-sp.crt");
    std::string text = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                       "\n";
    text +=
        R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Name="urn:example:federation" validUntil="2036-01-01T00:00:00Z">)";
    constexpr int count = 5000;
    for (int i = 0; i < count; ++i) {
        std::string host = "sp" + std::to_string(i) + ".example.org";
        text +=
            R"(<md:EntityDescriptor entityID="https://)" + host +
            R"(/shibboleth"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)";
        text += R"(<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>)" + cert +
                R"(</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>)";
        text +=
            R"(<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://)" +
            host + R"(/Shibboleth.sso/SLO/Redirect"/>)";
        text +=
            R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://)" +
            host + R"(/Shibboleth.sso/SAML2/POST" index="1"/>)";
        text += "</md:SPSSODescriptor></md:EntityDescriptor>\n";
    }
    text += "</md:EntitiesDescriptor>";
    // The peak resident size is reset to the current one (Linux: clear_refs 5), so what
    // getrusage reports afterwards is the peak of the load alone. A DOM of the whole aggregate
    // (8.6 MB here) costs about 39 MB on its own; the SPs read are about 9 MB.
    {
        std::ofstream clear("/proc/self/clear_refs");
        clear << "5";
        clear.flush();
        REQUIRE(clear.good());
    }
    long before = peakRssKb();
    auto metadata = readSpMetadata(text);
    long growthKb = peakRssKb() - before;
    REQUIRE(metadata.has_value());
    CHECK(metadata->errors.empty());
    REQUIRE(metadata->serviceProviders.size() == count);
    CHECK(metadata->serviceProviders[4999].entityId == "https://sp4999.example.org/shibboleth");
    CHECK(metadata->serviceProviders[4999].certificates(KeyUse::encryption).at(0) == cert);
    INFO("aggregate " << text.size() / 1024 << " KB, peak growth " << growthKb << " KB");
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SESAME_UNDER_ASAN 1
#endif
#endif
#ifndef SESAME_UNDER_ASAN
    // Not under AddressSanitizer (scripts/sanitize.sh): its allocator keeps freed memory in
    // quarantine and pads every block, which is what it is for.
    CHECK(growthKb < 24 * 1024);
#endif
}

TEST_CASE("the default AssertionConsumerService follows saml-metadata §2.2.3", "[unit][xml]") {
    auto acs = [](int index, const char* isDefault) {
        std::string out =
            R"(<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.org/acs)" +
            std::to_string(index) + R"(" index=")" + std::to_string(index) + "\"";
        if (isDefault) out += std::string(" isDefault=\"") + isDefault + "\"";
        return out + "/>";
    };
    auto defaultIndex = [&](const std::string& services) {
        auto metadata = read(
            R"(<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.org"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)" +
            services + "</md:SPSSODescriptor></md:EntityDescriptor>");
        return only(metadata).defaultAssertionConsumerService()->index;
    };
    CHECK(defaultIndex(acs(1, nullptr) + acs(2, "true")) == 2);  // isDefault="true" wins
    CHECK(defaultIndex(acs(1, "false") + acs(2, nullptr) + acs(3, nullptr)) ==
          2);                                                     // first unmarked
    CHECK(defaultIndex(acs(1, "false") + acs(2, "0")) == 1);      // all false: the first
    CHECK(defaultIndex(acs(5, nullptr) + acs(1, nullptr)) == 5);  // document order, not index
}

TEST_CASE("an aggregate over the entity limit keeps the first ones and says so", "[unit][xml]") {
    MetadataLimits limits;
    limits.maxEntities = 2;
    auto metadata = readSpMetadata(
        aggregate(spEntity("https://a.example.org") + spEntity("https://b.example.org") +
                  spEntity("https://c.example.org")),
        limits);
    REQUIRE(metadata.has_value());
    CHECK(metadata->serviceProviders.size() == 2);
    REQUIRE(metadata->errors.size() == 1);
    CHECK_THAT(metadata->errors[0].reason, Catch::Contains("more than 2"));
}
