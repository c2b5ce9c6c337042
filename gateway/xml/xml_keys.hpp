#pragma once
// RSA keys and X.509 certificates for XML signatures and the Redirect binding, RAII over
// OpenSSL's EVP_PKEY and X509. Both are immutable once loaded and cheap to copy (shared), so a
// key loaded at start is used by every thread (OpenSSL 3 allows concurrent use of one EVP_PKEY).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_error.hpp"

namespace sesame::xml {

// The signature algorithms Sesame writes and accepts: RSA PKCS#1 v1.5 with SHA-2 (XML Signature
// 1.1 §6.4.2). RSA-SHA1 is refused even for verification: SHA-1 has practical chosen-prefix
// collisions, and every SP Sesame works with signs with RSA-SHA256 by default (Shibboleth SP 3,
// mod_auth_mellon 0.18 / Lasso 2.8, SimpleSAMLphp, ADFS).
enum class SignatureAlgorithm { rsaSha256, rsaSha384, rsaSha512 };
// "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" and its siblings: the ds:SignatureMethod
// Algorithm and the Redirect binding's SigAlg.
std::string_view signatureAlgorithmUri(SignatureAlgorithm algorithm);
std::optional<SignatureAlgorithm> signatureAlgorithmFromUri(std::string_view uri);

class Certificate {
  public:
    // One PEM "CERTIFICATE" block (the first one of the text).
    static Result<Certificate> fromPem(std::string_view pem);
    static Result<Certificate> fromPemFile(const std::filesystem::path& path);
    // The content of a metadata or KeyInfo <ds:X509Certificate>: base64 of the DER, whitespace
    // tolerated; trailing bytes after the certificate are refused.
    static Result<Certificate> fromBase64Der(std::string_view base64);
    // Either of the two above: PEM when the text holds a "-----BEGIN CERTIFICATE-----" line, else
    // base64 DER (a certificate as configuration or metadata gives it).
    static Result<Certificate> fromPemOrBase64Der(std::string_view text);

    EVP_PKEY* publicKey() const;  // owned by the certificate
    X509* x509() const { return x509_.get(); }
    std::string base64Der() const;                    // for <ds:X509Certificate>, one line
    bool operator==(const Certificate& other) const;  // the same DER
    // Verifies a raw RSA PKCS#1 v1.5 signature over `data` (the Redirect binding's Signature).
    bool verify(SignatureAlgorithm algorithm, std::string_view data,
                std::string_view signature) const;

  private:
    explicit Certificate(std::shared_ptr<X509> x509) : x509_(std::move(x509)) {}
    static Result<Certificate> fromPemBio(BIO* bio);
    std::shared_ptr<X509> x509_;
};

class SigningKey {
  public:
    // An unencrypted PEM RSA private key (PKCS#1 or PKCS#8) and the PEM certificate of its public
    // key. Errors: key_unreadable, bad_certificate, key_mismatch (not RSA, or not that key's).
    static Result<SigningKey> load(const std::filesystem::path& keyPath,
                                   const std::filesystem::path& certificatePath);

    EVP_PKEY* privateKey() const { return key_.get(); }
    const Certificate& certificate() const { return certificate_; }
    const std::string& certificateBase64Der() const { return certificateBase64Der_; }
    // A raw RSA PKCS#1 v1.5 signature over `data` (the Redirect binding's Signature).
    Result<std::string> sign(SignatureAlgorithm algorithm, std::string_view data) const;

  private:
    SigningKey(std::shared_ptr<EVP_PKEY> key, Certificate certificate)
        : key_(std::move(key)),
          certificate_(std::move(certificate)),
          certificateBase64Der_(certificate_.base64Der()) {}
    std::shared_ptr<EVP_PKEY> key_;
    Certificate certificate_;
    std::string certificateBase64Der_;  // written into every signature's KeyInfo
};

// An unencrypted PEM RSA private key (PKCS#1 or PKCS#8) given as text: key_unreadable when it
// is not PEM of a private key (or is encrypted), key_mismatch when the key is not RSA.
Result<std::shared_ptr<EVP_PKEY>> rsaPrivateKeyFromPem(std::string_view pem);

// Loads the key and certificate when both files exist. When the key is absent: an RSA-2048 key
// is written to keyPath, created with mode 0600 (never readable by others, not even while it is
// written), then published under its name only if no other process wrote one meanwhile (link(2)
// never replaces a file). When the certificate is absent: a self-signed certificate of the key
// (CN=commonName, SHA-256, valid 10 years, mode 0644) is written the same way. An existing file
// is never replaced; a certificate whose key is missing is key_unreadable. commonName: 1 to 64
// bytes (a host name, not a URL), else core::Errc::invalid_argument.
Result<SigningKey> generateSigningKeyIfAbsent(const std::filesystem::path& keyPath,
                                              const std::filesystem::path& certificatePath,
                                              std::string_view commonName);

}  // namespace sesame::xml
