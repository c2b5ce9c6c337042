// XML encryption of assertions: what an SP (mod_auth_mellon/lasso, the Shibboleth SP, both on
// xmlsec1 or Santuario) needs to read them, checked against the xmlsec1 command (an independent
// reader of the same standard) as well as our own decryption.
#include <catch2/catch.hpp>

#include <string>

#include "gateway/xml/xml_encryption.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame;
using namespace sesame::xml;
using sesame::testing::readFile;
using sesame::testing::sourceDir;

namespace {

constexpr std::string_view samlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::string_view xencNs = "http://www.w3.org/2001/04/xmlenc#";
constexpr std::string_view dsNs = "http://www.w3.org/2000/09/xmldsig#";

std::string fixture(std::string_view name) {
    return readFile(sourceDir() / "test/data/saml" / name);
}

// A Response as the IdP builds it: the saml prefix declared on the Response, not the Assertion.
const std::string response =
    R"(<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-12-07T22:00:00Z">)"
    R"(<saml:Issuer>https://sesame.example.org/saml/metadata</saml:Issuer>)"
    R"(<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2026-12-07T22:00:00Z"><saml:Issuer>https://sesame.example.org/saml/metadata</saml:Issuer>)"
    R"(<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">_secret-name-id</saml:NameID></saml:Subject>)"
    R"(<saml:AttributeStatement><saml:Attribute Name="ENTPersonProfils"><saml:AttributeValue>National_ELV</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>)"
    R"(</saml:Assertion></samlp:Response>)";

XmlDocument encryptedResponse(DataCipher cipher, std::string_view certificate) {
    auto doc = XmlDocument::parse(response);
    REQUIRE(doc.has_value());
    auto assertion = doc->root().child(samlNs, "Assertion");
    REQUIRE(assertion.has_value());
    auto recipient = EncryptionCertificate::load(certificate);
    REQUIRE(recipient.has_value());
    auto done = encryptAssertion(*doc, *assertion, *recipient, cipher);
    REQUIRE(done.has_value());
    return std::move(*doc);
}

DecryptionKey mellonKey() {
    auto key = DecryptionKey::loadPem(fixture("mellon-sp.key"));
    REQUIRE(key.has_value());
    return std::move(*key);
}

XmlElement encryptedAssertionOf(const XmlDocument& doc) {
    auto encrypted = doc.root().child(samlNs, "EncryptedAssertion");
    REQUIRE(encrypted);
    return *encrypted;
}

// The document with `from` replaced by `to` once, parsed again.
XmlDocument edited(const XmlDocument& doc, std::string_view from, std::string_view to) {
    std::string text = doc.toString();
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    auto out = XmlDocument::parse(text);
    REQUIRE(out.has_value());
    return std::move(*out);
}

}  // namespace

TEST_CASE("an encrypted assertion has the shape SPs read, for each data cipher", "[unit][xml]") {
    for (auto cipher : {DataCipher::aes256Gcm, DataCipher::aes128Cbc, DataCipher::aes256Cbc}) {
        CAPTURE(algorithmUri(cipher));
        auto doc = encryptedResponse(cipher, fixture("mellon-sp.crt"));
        CHECK_FALSE(doc.root().child(samlNs, "Assertion"));
        auto encrypted = encryptedAssertionOf(doc);
        auto data = encrypted.child(xencNs, "EncryptedData");
        REQUIRE(data);
        CHECK(data->attribute("Type") == "http://www.w3.org/2001/04/xmlenc#Element");
        auto method = data->child(xencNs, "EncryptionMethod");
        REQUIRE(method);
        CHECK(method->attribute("Algorithm") == std::string(algorithmUri(cipher)));
        auto keyInfo = data->child(dsNs, "KeyInfo");
        REQUIRE(keyInfo);
        auto encryptedKey = keyInfo->child(xencNs, "EncryptedKey");
        REQUIRE(encryptedKey);
        auto keyMethod = encryptedKey->child(xencNs, "EncryptionMethod");
        REQUIRE(keyMethod);
        CHECK(keyMethod->attribute("Algorithm") == std::string(rsaOaepMgf1pUri));
        // Nothing of the assertion is left in clear.
        std::string text = doc.toString();
        CHECK(text.find("_secret-name-id") == std::string::npos);
        CHECK(text.find("National_ELV") == std::string::npos);
        // The Issuer of the Response stays, and the Response's saml prefix is reused.
        CHECK(text.find("<saml:EncryptedAssertion>") != std::string::npos);
    }
}

TEST_CASE("an encrypted assertion decrypts back to the same assertion, for each cipher",
          "[unit][xml]") {
    auto key = mellonKey();
    for (auto cipher : {DataCipher::aes256Gcm, DataCipher::aes128Cbc, DataCipher::aes256Cbc}) {
        CAPTURE(algorithmUri(cipher));
        auto doc = encryptedResponse(cipher, fixture("mellon-sp.crt"));
        auto assertion = decryptAssertion(encryptedAssertionOf(doc), key);
        INFO((assertion.has_value() ? "" : assertion.error().message()));
        REQUIRE(assertion.has_value());
        auto root = assertion->root();
        CHECK(root.is(samlNs, "Assertion"));
        CHECK(root.attribute("ID") == "_a1");
        auto nameId = root.descendant(samlNs, "NameID");
        REQUIRE(nameId);
        CHECK(nameId->text() == "_secret-name-id");
        auto value = root.descendant(samlNs, "AttributeValue");
        REQUIRE(value);
        CHECK(value->text() == "National_ELV");
    }
}

TEST_CASE("each session key is fresh: the same assertion never encrypts twice the same",
          "[unit][xml]") {
    auto a = encryptedResponse(DataCipher::aes256Gcm, fixture("mellon-sp.crt")).toString();
    auto b = encryptedResponse(DataCipher::aes256Gcm, fixture("mellon-sp.crt")).toString();
    CHECK(a != b);
}

TEST_CASE("the xmlsec1 command decrypts what Sesame encrypts, for each cipher", "[unit][xml]") {
    for (auto cipher : {DataCipher::aes256Gcm, DataCipher::aes128Cbc, DataCipher::aes256Cbc}) {
        CAPTURE(algorithmUri(cipher));
        sesame::testing::TempDir dir("sesame-xmlenc");
        // The metadata's base64 DER, as the IdP will have it, not the PEM file.
        auto doc = encryptedResponse(cipher, fixture("mellon-sp.crt"));
        sesame::testing::writeFile(dir / "response.xml", doc.toString());
        auto result = sesame::testing::runCommand(
            {.program = "xmlsec1",
             .args = {"--decrypt", "--privkey-pem",
                      (sourceDir() / "test/data/saml/mellon-sp.key").string(),
                      (dir / "response.xml").string()},
             .env = {},
             .workingDir = {},
             .logDir = dir.path(),
             .name = "xmlsec1"});
        INFO(result.output);
        REQUIRE(result.exitCode == 0);
        auto decrypted = XmlDocument::parse(result.output.substr(0, result.output.rfind('>') + 1));
        REQUIRE(decrypted.has_value());
        auto encrypted = decrypted->root().child(samlNs, "EncryptedAssertion");
        REQUIRE(encrypted);  // xmlsec replaces EncryptedData, inside EncryptedAssertion
        auto assertion = encrypted->child(samlNs, "Assertion");
        REQUIRE(assertion.has_value());
        auto nameId = assertion->descendant(samlNs, "NameID");
        REQUIRE(nameId);
        CHECK(nameId->text() == "_secret-name-id");
    }
}

TEST_CASE("an assertion encrypted for another SP does not decrypt, cleanly", "[unit][xml]") {
    auto doc = encryptedResponse(DataCipher::aes256Gcm, fixture("shib-sp.crt"));
    auto assertion = decryptAssertion(encryptedAssertionOf(doc), mellonKey());
    REQUIRE_FALSE(assertion.has_value());
    CHECK(assertion.error() == EncryptionErrc::decryption_failed);
}

TEST_CASE("an altered ciphertext does not decrypt (AES-GCM's tag)", "[unit][xml]") {
    auto doc = encryptedResponse(DataCipher::aes256Gcm, fixture("mellon-sp.crt"));
    auto cipherValue = encryptedAssertionOf(doc)
                           .child(xencNs, "EncryptedData")
                           ->child(xencNs, "CipherData")
                           ->child(xencNs, "CipherValue");
    REQUIRE(cipherValue);
    std::string value = cipherValue->text();
    std::string altered = value;
    altered[20] = altered[20] == 'A' ? 'B' : 'A';
    auto tampered = edited(doc, value, altered);
    auto assertion = decryptAssertion(encryptedAssertionOf(tampered), mellonKey());
    REQUIRE_FALSE(assertion.has_value());
    CHECK(assertion.error() == EncryptionErrc::decryption_failed);
}

TEST_CASE("decryption refuses algorithms other than the expected ones", "[unit][xml]") {
    auto doc = encryptedResponse(DataCipher::aes256Gcm, fixture("mellon-sp.crt"));
    SECTION("RSA PKCS#1 v1.5 key transport (Bleichenbacher)") {
        auto hostile = edited(doc, "xmlenc#rsa-oaep-mgf1p", "xmlenc#rsa-1_5");
        auto assertion = decryptAssertion(encryptedAssertionOf(hostile), mellonKey());
        REQUIRE_FALSE(assertion.has_value());
        CHECK(assertion.error() == EncryptionErrc::unsupported_algorithm);
    }
    SECTION("a data cipher that is not one of ours") {
        auto hostile = edited(doc, "xmlenc11#aes256-gcm", "xmlenc11#aes128-gcm");
        auto assertion = decryptAssertion(encryptedAssertionOf(hostile), mellonKey());
        REQUIRE_FALSE(assertion.has_value());
        CHECK(assertion.error() == EncryptionErrc::unsupported_algorithm);
    }
    SECTION("content encryption instead of an element") {
        auto hostile = edited(doc, "xmlenc#Element", "xmlenc#Content");
        auto assertion = decryptAssertion(encryptedAssertionOf(hostile), mellonKey());
        REQUIRE_FALSE(assertion.has_value());
        CHECK(assertion.error() == EncryptionErrc::unsupported_algorithm);
    }
    SECTION("a CipherReference (xmlsec would fetch its URI)") {
        auto data = XmlDocument::parse(
            R"(<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><xenc:CipherData><xenc:CipherReference URI="file:///etc/passwd"/></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>)");
        REQUIRE(data.has_value());
        auto assertion = decryptAssertion(data->root(), mellonKey());
        REQUIRE_FALSE(assertion.has_value());
        CHECK(assertion.error() == EncryptionErrc::not_encrypted);
    }
}

TEST_CASE("certificates load from PEM or metadata's base64 DER, nothing else", "[unit][xml]") {
    std::string pem = fixture("mellon-sp.crt");
    auto fromPem = Certificate::fromPemOrBase64Der(pem);
    REQUIRE(fromPem.has_value());
    // The base64 body of the PEM, with its line breaks and some indentation, as metadata has it.
    auto body = pem.substr(pem.find('\n') + 1);
    body = "\n   " + body.substr(0, body.find("-----END"));
    auto fromBase64 = Certificate::fromPemOrBase64Der(body);
    REQUIRE(fromBase64.has_value());
    CHECK(*fromBase64 == *fromPem);
    CHECK(EncryptionCertificate::load(pem).has_value());
    CHECK(EncryptionCertificate::load(body).has_value());
    CHECK(EncryptionCertificate::from(*fromPem).has_value());
    for (std::string_view bad : {"", "not base64 !", "TUlJ", "-----BEGIN CERTIFICATE-----\nTUlJ"}) {
        CAPTURE(bad);
        CHECK(Certificate::fromPemOrBase64Der(bad).error() == Errc::bad_certificate);
        CHECK(EncryptionCertificate::load(bad).error() == EncryptionErrc::bad_certificate);
    }
    CHECK(DecryptionKey::loadPem(pem).error() == EncryptionErrc::bad_private_key);
}

TEST_CASE("the data cipher follows what the SP's metadata advertises", "[unit][xml]") {
    const std::string gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    const std::string cbc128 = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    const std::string cbc256 = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    CHECK(chooseDataCipher({}) == DataCipher::aes256Gcm);
    CHECK(chooseDataCipher({cbc128, gcm}) == DataCipher::aes256Gcm);
    CHECK(chooseDataCipher({cbc128, cbc256}) == DataCipher::aes256Cbc);
    CHECK(chooseDataCipher({std::string(rsaOaepMgf1pUri), cbc128}) == DataCipher::aes128Cbc);
    CHECK(dataCipherFromUri(cbc256) == DataCipher::aes256Cbc);
    CHECK_FALSE(dataCipherFromUri("http://www.w3.org/2001/04/xmlenc#tripledes-cbc"));
}
