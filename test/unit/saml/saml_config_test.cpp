// The `saml:` section (the IdP's keys, generated at first start) and a SAML service's registry
// keys (its SPs' metadata, NameID formats, signing, encryption), as an operator writes them.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "test/unit/saml/saml_test_support.hpp"

using namespace sesame;
using namespace sesame::saml;
using namespace sesame::saml::test;

namespace {

unsigned modeOf(const std::filesystem::path& file) {
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

struct ServiceNode {
    std::string file;
    core::ConfigNode node;
    explicit ServiceNode(const sesame::testing::TempDir& dir)
        : file((dir / "services.yml").string()),
          node(core::ConfigNode::makeMap(file, "services[0]", 1)) {}
    ServiceNode& set(const std::string& key, const std::string& value) {
        node.addEntry(key, core::ConfigNode::makeScalar(value, file, key, 2));
        return *this;
    }
    ServiceNode& metadata(const std::vector<std::string>& files) {
        auto map = core::ConfigNode::makeMap(file, "metadata", 3);
        auto list = core::ConfigNode::makeSequence(file, "metadata.files", 4);
        for (const auto& f : files)
            list.addItem(core::ConfigNode::makeScalar(f, file, "metadata.files[]", 5));
        map.addEntry("files", std::move(list));
        node.addEntry("metadata", std::move(map));
        return *this;
    }
    std::shared_ptr<const SamlServiceSettings> parse(core::ConfigErrors& errors) const {
        auto settings = samlServiceSchema().parse(node, errors);
        return std::dynamic_pointer_cast<const SamlServiceSettings>(settings);
    }
};

}  // namespace

TEST_CASE("the IdP's keys and NameID secret are made at first start, private, then kept",
          "[unit][saml]") {
    sesame::testing::TempDir dir{"sesame-saml-config"};
    const std::string file = (dir / "sesame.yml").string();
    auto section = core::ConfigNode::makeMap(file, "saml", 1);
    core::ConfigErrors errors;
    auto first = SamlConfig::parse(section, idpUrl, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    CHECK(first.entityId == idpUrl + "/saml/metadata");
    CHECK(first.ssoUrl() == ssoUrl);
    REQUIRE(first.signingKey.has_value());
    REQUIRE(first.encryptionKey.has_value());
    CHECK(modeOf(dir / "saml/idp-signing.key") == 0600);
    CHECK(modeOf(dir / "saml/idp-encryption.key") == 0600);
    CHECK(modeOf(dir / "saml/name-id.secret") == 0600);
    CHECK(first.nameIdSecret.size() >= 32);
    CHECK(first.signingKey->certificateBase64Der() != first.encryptionKey->certificateBase64Der());

    auto second = SamlConfig::parse(section, idpUrl, errors);
    REQUIRE(errors.empty());
    CHECK(second.signingKey->certificateBase64Der() == first.signingKey->certificateBase64Der());
    CHECK(second.nameIdSecret == first.nameIdSecret);
}

TEST_CASE("a bad saml: section is reported key by key", "[unit][saml]") {
    auto errorsFor = [](core::Parameters entries) {
        core::ConfigErrors errors;
        SamlConfig::parse(samlSection(std::move(entries)), idpUrl, errors);
        return errors.format();
    };
    CHECK(errorsFor({{"clock_skew", "2h"}}).find("saml.clock_skew") != std::string::npos);
    CHECK(errorsFor({{"assertion_lifetime", "1s"}}).find("saml.assertion_lifetime") !=
          std::string::npos);
    CHECK(errorsFor({{"clock_skwe", "1m"}}).find("clock_skwe") != std::string::npos);
    CHECK(errorsFor({{"sign_metadata", "perhaps"}}).find("saml.sign_metadata") !=
          std::string::npos);
    CHECK(errorsFor({{"next_signing_certificates", "absent.crt"}}).find("absent.crt") !=
          std::string::npos);
    sesame::testing::TempDir dir{"sesame-saml-secret"};
    sesame::testing::writeFile(dir / "short.secret", "too short\n");
    CHECK(
        errorsFor({{"name_id_secret", (dir / "short.secret").string()}}).find("shorter than 32") !=
        std::string::npos);
    CHECK(errorsFor({{"clock_skew", "2m"}, {"want_authn_requests_signed", "true"}}).empty());
}

TEST_CASE("a SAML service reads its SPs' metadata and its choices", "[unit][saml]") {
    sesame::testing::TempDir dir{"sesame-saml-service"};
    ServiceNode service(dir);
    service
        .metadata({(dataDir() / "mellon-sp-metadata.xml").string(),
                   (dataDir() / "federation-aggregate.xml").string()})
        .set("sign", "both")
        .set("encrypt", "never")
        .set("encryption_cipher", "aes256-cbc")
        .set("attribute_name_format", "uri")
        .set("require_signed_requests", "true")
        .set("idp_initiated", "true");
    core::ConfigErrors errors;
    auto settings = service.parse(errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    REQUIRE(settings);
    REQUIRE(settings->catalog);
    CHECK(settings->catalog->find(mellonId) != nullptr);
    CHECK(settings->catalog->find(shibId) != nullptr);  // from the aggregate
    CHECK(settings->catalog->find("https://unknown.example.org/sp") == nullptr);
    // Default formats: persistent, then transient.
    CHECK(settings->nameIdFormats ==
          std::vector<std::string>{std::string(names::nameid::persistent),
                                   std::string(names::nameid::transient)});
    CHECK(settings->sign == SignedParts::both);
    CHECK(settings->encrypt == Encryption::never);
    CHECK(settings->cipher == xml::DataCipher::aes256Cbc);
    CHECK(settings->attributeNameFormat == names::attrname::uri);
    CHECK(settings->requireSignedRequests);
    CHECK(settings->idpInitiated);
}

TEST_CASE("a SAML service's mistakes are configuration errors", "[unit][saml]") {
    sesame::testing::TempDir dir{"sesame-saml-service"};
    auto errorsFor = [&](const std::string& key, const std::string& value) {
        ServiceNode service(dir);
        service.metadata({(dataDir() / "mellon-sp-metadata.xml").string()}).set(key, value);
        core::ConfigErrors errors;
        service.parse(errors);
        return errors.format();
    };
    CHECK(errorsFor("name_id_formats", "kerberos").find("kerberos") != std::string::npos);
    CHECK_FALSE(errorsFor("sign", "everything").empty());
    CHECK_FALSE(errorsFor("encrypt", "sometimes").empty());
    CHECK_FALSE(errorsFor("encryption_cipher", "des").empty());
    CHECK_FALSE(errorsFor("attribute_name_format", "oid").empty());
    CHECK(errorsFor("name_id_formats", "email").empty());

    ServiceNode missing(dir);
    missing.metadata({(dir / "absent.xml").string()});
    core::ConfigErrors errors;
    missing.parse(errors);
    CHECK(errors.format().find("no such metadata file") != std::string::npos);
    sesame::testing::writeFile(dir / "broken.xml", "<md:EntityDescriptor");
    ServiceNode broken(dir);
    broken.metadata({(dir / "broken.xml").string()});
    core::ConfigErrors brokenErrors;
    broken.parse(brokenErrors);
    CHECK(brokenErrors.format().find("broken.xml") != std::string::npos);
}

TEST_CASE("encrypt: always for an SP without an encryption key is a configuration error",
          "[unit][saml]") {
    sesame::testing::TempDir dir{"sesame-saml-encrypt"};
    // The mellon fixture with its encryption KeyDescriptor taken out.
    auto text = sesame::testing::readFile(dataDir() / "mellon-sp-metadata.xml");
    auto start = text.find("<KeyDescriptor use=\"encryption\"");
    if (start == std::string::npos) start = text.find("<md:KeyDescriptor use=\"encryption\"");
    REQUIRE(start != std::string::npos);
    auto end = text.find("KeyDescriptor>", start + 20);
    REQUIRE(end != std::string::npos);
    text.erase(start, end + std::string("KeyDescriptor>").size() - start);
    sesame::testing::writeFile(dir / "no-key.xml", text);

    ServiceNode always(dir);
    always.metadata({(dir / "no-key.xml").string()}).set("encrypt", "always");
    core::ConfigErrors errors;
    always.parse(errors);
    CHECK(errors.format().find("publishes no encryption certificate") != std::string::npos);

    ServiceNode automatic(dir);
    automatic.metadata({(dir / "no-key.xml").string()});
    core::ConfigErrors none;
    auto settings = automatic.parse(none);
    CHECK(none.empty());
    REQUIRE(settings);
}
