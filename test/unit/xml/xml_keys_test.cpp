// Keys and certificates: generated once at first start (mode 0600, never replaced), loaded
// from PEM, certificates read from metadata's base64 DER; base64 itself.
#include <openssl/x509.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "gateway/xml/base64.hpp"
#include "gateway/xml/xml_keys.hpp"
#include "test/support/temp_dir.hpp"
#include "test/unit/xml/test_keys.hpp"

using namespace sesame::xml;
using sesame::testing::readFile;
using sesame::testing::TempDir;
using sesame::testing::writeFile;
using sesame::xml::testing::testKeys;

namespace {

mode_t modeOf(const std::filesystem::path& file) {
    struct stat st {};
    REQUIRE(stat(file.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Restores the process umask when the test ends.
struct Umask {
    mode_t saved;
    explicit Umask(mode_t mask) : saved(umask(mask)) {}
    ~Umask() { umask(saved); }
};

}  // namespace

TEST_CASE("a signing key is generated once: RSA-2048 in a 0600 file, a 10-year certificate",
          "[unit][xml]") {
    TempDir dir("sesame-keys");
    auto keyFile = dir / "saml.key";
    auto certificateFile = dir / "saml.crt";
    SigningKey first = [&] {
        Umask open(0);  // whatever the umask, the key is never readable by others
        auto key = generateSigningKeyIfAbsent(keyFile, certificateFile, "sesame.test");
        REQUIRE(key.has_value());
        return *key;
    }();
    CHECK(modeOf(keyFile) == 0600);
    CHECK(modeOf(certificateFile) == 0644);
    CHECK(EVP_PKEY_is_a(first.privateKey(), "RSA"));
    CHECK(EVP_PKEY_get_bits(first.privateKey()) == 2048);
    X509* x509 = first.certificate().x509();
    CHECK(X509_get_signature_nid(x509) == NID_sha256WithRSAEncryption);
    int days = 0, seconds = 0;
    REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(x509), X509_get0_notAfter(x509)));
    CHECK(days >= 3652);
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, cn, sizeof cn);
    CHECK(std::string(cn) == "sesame.test");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) ==
          2);  // no temporaries left

    const auto keyPem = readFile(keyFile);
    auto again = generateSigningKeyIfAbsent(keyFile, certificateFile, "other.test");
    REQUIRE(again.has_value());
    CHECK(again->certificate() == first.certificate());
    CHECK(readFile(keyFile) == keyPem);
}

TEST_CASE("existing key files are loaded, never replaced", "[unit][xml]") {
    TempDir dir("sesame-keys");
    SECTION("a key without its certificate gets one for that key") {
        std::filesystem::copy_file(testKeys().idpKeyFile, dir / "k.pem");
        auto key = generateSigningKeyIfAbsent(dir / "k.pem", dir / "c.pem", "sesame.test");
        REQUIRE(key.has_value());
        CHECK(readFile(dir / "k.pem") == readFile(testKeys().idpKeyFile));
        CHECK(EVP_PKEY_eq(key->privateKey(), testKeys().idp.privateKey()) == 1);
    }
    SECTION("a certificate without its key is an error, the certificate is kept") {
        std::filesystem::copy_file(testKeys().idpCertificateFile, dir / "c.pem");
        auto key = generateSigningKeyIfAbsent(dir / "k.pem", dir / "c.pem", "sesame.test");
        CHECK(key.error() == Errc::key_unreadable);
        CHECK_FALSE(std::filesystem::exists(dir / "k.pem"));
    }
    SECTION("a key and another key's certificate do not load") {
        CHECK(SigningKey::load(testKeys().idpKeyFile, testKeys().otherCertificateFile).error() ==
              Errc::key_mismatch);
        CHECK(
            generateSigningKeyIfAbsent(testKeys().idpKeyFile, testKeys().otherCertificateFile, "x")
                .error() == Errc::key_mismatch);
    }
    SECTION("a common name that cannot be written writes nothing") {
        for (const std::string& name : {std::string(), std::string(65, 'a')})
            CHECK(generateSigningKeyIfAbsent(dir / "k.pem", dir / "c.pem", name).error() ==
                  sesame::core::Errc::invalid_argument);
        CHECK(std::filesystem::is_empty(dir.path()));
    }
    SECTION("missing or garbage files") {
        CHECK(SigningKey::load(dir / "none", testKeys().idpCertificateFile).error() ==
              Errc::key_unreadable);
        writeFile(dir / "garbage.pem",
                  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        CHECK(SigningKey::load(dir / "garbage.pem", testKeys().idpCertificateFile).error() ==
              Errc::key_unreadable);
        CHECK(SigningKey::load(testKeys().idpKeyFile, dir / "garbage.pem").error() ==
              Errc::bad_certificate);
    }
}

TEST_CASE("a certificate reads from metadata's base64 DER, wrapped or not", "[unit][xml]") {
    const auto& idp = testKeys().idp;
    auto base64 = idp.certificateBase64Der();
    std::string wrapped = "\n        ";
    for (std::size_t i = 0; i < base64.size(); i += 64) wrapped += base64.substr(i, 64) + "\n\t  ";
    auto certificate = Certificate::fromBase64Der(wrapped);
    REQUIRE(certificate.has_value());
    CHECK(*certificate == idp.certificate());
    CHECK(certificate->base64Der() == base64);
    CHECK(EVP_PKEY_eq(certificate->publicKey(), idp.privateKey()) == 1);

    auto pem = Certificate::fromPem(readFile(testKeys().idpCertificateFile));
    REQUIRE(pem.has_value());
    CHECK(*pem == idp.certificate());
    CHECK_FALSE(*pem == testKeys().other.certificate());

    CHECK(Certificate::fromBase64Der("not base64!").error() == Errc::bad_certificate);
    CHECK(Certificate::fromBase64Der(base64Encode("not DER")).error() == Errc::bad_certificate);
    auto der = base64Decode(base64);
    REQUIRE(der.has_value());
    CHECK(Certificate::fromBase64Der(base64Encode(*der + "x")).error() == Errc::bad_certificate);
    CHECK(Certificate::fromPem("-----BEGIN CERTIFICATE-----\n").error() == Errc::bad_certificate);
}

TEST_CASE("raw signatures: signed by the key, verified by its certificate only", "[unit][xml]") {
    const auto& keys = testKeys();
    for (auto algorithm : {SignatureAlgorithm::rsaSha256, SignatureAlgorithm::rsaSha384,
                           SignatureAlgorithm::rsaSha512}) {
        auto signature = keys.idp.sign(algorithm, "SAMLRequest=abc&SigAlg=x");
        REQUIRE(signature.has_value());
        CHECK(signature->size() == 256);
        CHECK(keys.idp.certificate().verify(algorithm, "SAMLRequest=abc&SigAlg=x", *signature));
        CHECK_FALSE(
            keys.idp.certificate().verify(algorithm, "SAMLRequest=abd&SigAlg=x", *signature));
        CHECK_FALSE(
            keys.other.certificate().verify(algorithm, "SAMLRequest=abc&SigAlg=x", *signature));
        CHECK(signatureAlgorithmFromUri(signatureAlgorithmUri(algorithm)) == algorithm);
    }
    CHECK_FALSE(signatureAlgorithmFromUri("http://www.w3.org/2000/09/xmldsig#rsa-sha1"));
    CHECK_FALSE(signatureAlgorithmFromUri("http://www.w3.org/2000/09/xmldsig#dsa-sha1"));
}

TEST_CASE("base64 as SAML writes it: padded, line breaks tolerated, nothing else", "[unit][xml]") {
    CHECK(base64Encode("") == "");
    CHECK(base64Encode("f") == "Zg==");
    CHECK(base64Encode("fo") == "Zm8=");
    CHECK(base64Encode("foo") == "Zm9v");
    CHECK(base64Encode(std::string("\xfb\xff", 2)) == "+/8=");
    CHECK(base64Decode("Zm8=").value() == "fo");
    CHECK(base64Decode("Zm9v\r\nYmFy\n").value() == "foobar");
    CHECK(base64Decode(" Zg = = ").value() == "f");
    CHECK(base64Decode("+/8=").value() == std::string("\xfb\xff", 2));
    for (const char* bad : {"Zm8", "Zm8=Zm8=", "Zm-_", "Z===", "Zm9v%"})
        CHECK(base64Decode(bad).error() == Errc::bad_base64);
    CHECK(base64Decode(std::string("Zg==\0", 5)).error() == Errc::bad_base64);
}
