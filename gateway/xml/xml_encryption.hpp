#pragma once
// XML Encryption (xmlenc-core, xmlenc-core1) of SAML assertions, over xmlsec1's OpenSSL back end.
// Encrypting: saml:Assertion becomes saml:EncryptedAssertion / xenc:EncryptedData (Type Element)
// under a fresh random session key, that key wrapped for the recipient's RSA key with RSA-OAEP
// (rsa-oaep-mgf1p, SHA-1 digest and MGF1-SHA1, what mod_auth_mellon/lasso and the Shibboleth SP
// all accept) in an xenc:EncryptedKey inside the EncryptedData's ds:KeyInfo (SAML core §2.3.4
// allows it there or beside EncryptedData; both SPs read it there). xmlsec1 1.2.37 has no
// xmlenc11#rsa-oaep (it came with 1.3), so that URI is neither written nor accepted.
// Decrypting (tests, the SAML SP connector) accepts only those algorithms, refuses
// CipherReference (it would make xmlsec fetch a URI), and parses the plaintext with
// XmlDocument::parse's hardening.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::xml {

enum class EncryptionErrc {
    ok = 0,
    bad_certificate,        // neither PEM nor base64 DER of an X.509 certificate with an RSA key
    bad_private_key,        // not a PEM private key
    unsupported_algorithm,  // an EncryptedData or EncryptedKey algorithm that is not accepted
    not_encrypted,          // no EncryptedData / EncryptedKey where SAML puts them
    encryption_failed,      // xmlsec refused (broken invariant: a bad template, no memory)
    decryption_failed,      // wrong key, altered ciphertext or tag, bad padding
};
const boost::system::error_category& encryptionCategory() noexcept;
inline boost::system::error_code make_error_code(EncryptionErrc e) noexcept {
    return {static_cast<int>(e), encryptionCategory()};
}

// The data cipher of EncryptedData. AES-GCM is authenticated (xmlenc-core1 §5.2.4) and the
// default; AES-CBC only for SPs that cannot read GCM (older lasso, Shibboleth SP 2).
enum class DataCipher { aes256Gcm, aes128Cbc, aes256Cbc };
std::string_view algorithmUri(DataCipher cipher);
std::optional<DataCipher> dataCipherFromUri(std::string_view uri);
// The cipher for an SP from the md:EncryptionMethod algorithms its metadata advertises (data
// ciphers and key transports mixed, as metadata lists them): AES-256-GCM when it lists none
// (saml-metadata §2.4.1.1: then any may be used) or lists aes256-gcm; else AES-256-CBC, else
// AES-128-CBC when listed; else AES-256-GCM (it lists none Sesame writes: per-SP configuration
// decides).
DataCipher chooseDataCipher(const std::vector<std::string>& advertised);

inline constexpr std::string_view rsaOaepMgf1pUri =
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

// The recipient's RSA public key, from its certificate. Immutable, shared by every thread: each
// encryption works on its own copy of the key.
class EncryptionCertificate {
  public:
    // Certificate::fromPemOrBase64Der (metadata's ds:X509Certificate, whitespace allowed), then
    // from(). bad_certificate when it is neither PEM nor base64 DER, or not RSA.
    static Result<EncryptionCertificate> load(std::string_view pemOrBase64Der);
    static Result<EncryptionCertificate> from(const Certificate& certificate);

  private:
    friend Result<void> encryptAssertion(XmlDocument&, XmlElement, const EncryptionCertificate&,
                                         DataCipher);
    struct State;
    explicit EncryptionCertificate(std::shared_ptr<const State> state) : state_(std::move(state)) {}
    std::shared_ptr<const State> state_;
};

// Our RSA private key (PEM: PKCS#1 or PKCS#8, unencrypted), for decryption.
class DecryptionKey {
  public:
    // rsaPrivateKeyFromPem (xml_keys.hpp); bad_private_key when it fails.
    static Result<DecryptionKey> loadPem(std::string_view pem);

  private:
    friend Result<XmlDocument> decryptAssertion(XmlElement, const DecryptionKey&, std::size_t);
    struct State;
    explicit DecryptionKey(std::shared_ptr<const State> state) : state_(std::move(state)) {}
    std::shared_ptr<const State> state_;
};

// Replaces `assertion` (an element of `document`, normally a saml:Assertion already signed) by
// <saml:EncryptedAssertion><xenc:EncryptedData Type="...#Element"> with <ds:KeyInfo>
// <xenc:EncryptedKey> (RSA-OAEP-MGF1P) for `recipient`. `assertion` is freed: do not use it
// afterwards. On error the document is unchanged, but for the namespaces in scope declared on
// the assertion itself (they make its plaintext readable alone; its signature is unchanged).
Result<void> encryptAssertion(XmlDocument& document, XmlElement assertion,
                              const EncryptionCertificate& recipient,
                              DataCipher cipher = DataCipher::aes256Gcm);

// The saml:Assertion inside `encryptedAssertion` (a saml:EncryptedAssertion), as a document of
// its own. The EncryptedKey is looked for in EncryptedData's ds:KeyInfo then beside EncryptedData
// (each one tried: an IdP may encrypt for several keys). Only the three DataCipher algorithms and
// rsa-oaep-mgf1p are accepted; the plaintext must be one saml:Assertion within `maxBytes`.
Result<XmlDocument> decryptAssertion(XmlElement encryptedAssertion, const DecryptionKey& key,
                                     std::size_t maxBytes = XmlDocument::defaultMaxBytes);

}  // namespace sesame::xml

template <>
struct boost::system::is_error_code_enum<sesame::xml::EncryptionErrc> : std::true_type {};
