#include "gateway/xml/xml_keys.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "gateway/xml/base64.hpp"

namespace sesame::xml {
namespace {

struct AlgorithmName {
    SignatureAlgorithm algorithm;
    std::string_view uri;
};

constexpr std::array<AlgorithmName, 3> algorithmNames{{
    {SignatureAlgorithm::rsaSha256, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
    {SignatureAlgorithm::rsaSha384, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"},
    {SignatureAlgorithm::rsaSha512, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"},
}};

const EVP_MD* digestOf(SignatureAlgorithm algorithm) {
    switch (algorithm) {
        case SignatureAlgorithm::rsaSha384:
            return EVP_sha384();
        case SignatureAlgorithm::rsaSha512:
            return EVP_sha512();
        case SignatureAlgorithm::rsaSha256:
            break;
    }
    return EVP_sha256();
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free_all)>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::shared_ptr<X509> shareX509(X509* x509) {
    return std::shared_ptr<X509>(x509, X509_free);
}

std::shared_ptr<EVP_PKEY> shareKey(EVP_PKEY* key) {
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// OpenSSL's default would prompt on the terminal for an encrypted key: Sesame's keys are not
// encrypted (the file mode protects them), so an encrypted one fails instead.
int noPassphrase(char*, int, int, void*) {
    return -1;
}

Bio readFile(const std::filesystem::path& path) {
    return Bio(BIO_new_file(path.c_str(), "r"), BIO_free_all);
}

Bio readText(std::string_view text) {
    Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free_all);
    if (!bio) throw std::bad_alloc();
    return bio;
}

// An RSA private key from PEM (PKCS#1 or PKCS#8, unencrypted).
Result<std::shared_ptr<EVP_PKEY>> readRsaPrivateKey(BIO* bio) {
    EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio, nullptr, noPassphrase, nullptr) : nullptr;
    if (!raw) {
        ERR_clear_error();
        return Errc::key_unreadable;
    }
    auto key = shareKey(raw);
    if (!EVP_PKEY_is_a(key.get(), "RSA")) return Errc::key_mismatch;
    return key;
}

// Errors are Result values: what OpenSSL queued on this thread is dropped with them.
template <class E>
E failed(E error) {
    ERR_clear_error();
    return error;
}

}  // namespace

std::string_view signatureAlgorithmUri(SignatureAlgorithm algorithm) {
    for (const auto& name : algorithmNames)
        if (name.algorithm == algorithm) return name.uri;
    return algorithmNames.front().uri;
}

std::optional<SignatureAlgorithm> signatureAlgorithmFromUri(std::string_view uri) {
    for (const auto& name : algorithmNames)
        if (name.uri == uri) return name.algorithm;
    return std::nullopt;
}

Result<Certificate> Certificate::fromPem(std::string_view pem) {
    return fromPemBio(readText(pem).get());
}

Result<Certificate> Certificate::fromPemFile(const std::filesystem::path& path) {
    Bio bio = readFile(path);
    if (!bio) return failed(Errc::key_unreadable);
    return fromPemBio(bio.get());
}

Result<Certificate> Certificate::fromPemBio(BIO* bio) {
    X509* x509 = PEM_read_bio_X509(bio, nullptr, noPassphrase, nullptr);
    if (!x509) return failed(Errc::bad_certificate);
    return Certificate(shareX509(x509));
}

Result<Certificate> Certificate::fromBase64Der(std::string_view base64) {
    auto der = base64Decode(base64);
    if (!der) return Errc::bad_certificate;
    const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
    X509* x509 = d2i_X509(nullptr, &cursor, static_cast<long>(der->size()));
    if (!x509) return failed(Errc::bad_certificate);
    auto certificate = shareX509(x509);
    if (cursor != reinterpret_cast<const unsigned char*>(der->data()) + der->size())
        return Errc::bad_certificate;
    return Certificate(std::move(certificate));
}

Result<Certificate> Certificate::fromPemOrBase64Der(std::string_view text) {
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) return fromPem(text);
    return fromBase64Der(text);
}

EVP_PKEY* Certificate::publicKey() const {
    return X509_get0_pubkey(x509_.get());
}

std::string Certificate::base64Der() const {
    unsigned char* der = nullptr;
    int size = i2d_X509(x509_.get(), &der);
    if (size < 0) throw std::bad_alloc();
    std::string out =
        base64Encode({reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)});
    OPENSSL_free(der);
    return out;
}

bool Certificate::operator==(const Certificate& other) const {
    return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

bool Certificate::verify(SignatureAlgorithm algorithm, std::string_view data,
                         std::string_view signature) const {
    EVP_PKEY* key = publicKey();
    if (!key || !EVP_PKEY_is_a(key, "RSA")) return false;
    DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!context) throw std::bad_alloc();
    bool good =
        EVP_DigestVerifyInit(context.get(), nullptr, digestOf(algorithm), nullptr, key) == 1 &&
        EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                         data.size()) == 1;
    if (!good) ERR_clear_error();
    return good;
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& keyPath,
                                    const std::filesystem::path& certificatePath) {
    Bio bio = readFile(keyPath);
    if (!bio) return failed(Errc::key_unreadable);
    auto key = readRsaPrivateKey(bio.get());
    if (!key) return key.error();
    auto certificate = Certificate::fromPemFile(certificatePath);
    if (!certificate) return certificate.error();
    if (X509_check_private_key(certificate->x509(), key->get()) != 1)
        return failed(Errc::key_mismatch);
    return SigningKey(std::move(*key), std::move(*certificate));
}

Result<std::string> SigningKey::sign(SignatureAlgorithm algorithm, std::string_view data) const {
    DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!context) throw std::bad_alloc();
    std::size_t size = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSignInit(context.get(), nullptr, digestOf(algorithm), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &size, bytes, data.size()) != 1)
        return failed(Errc::signing_failed);
    std::string signature(size, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       bytes, data.size()) != 1)
        return failed(Errc::signing_failed);
    signature.resize(size);
    return signature;
}

namespace {

// Writes `write`'s output to a new file next to `path` (mode `mode` from its creation: mkstemp
// creates 0600), then gives it the name `path` unless a file already has it (link(2) never
// replaces: two nodes starting at once keep the first key). Not written: key_write_failed.
template <class Write>
Result<void> publishFile(const std::filesystem::path& path, mode_t mode, Write write) {
    std::string temporary = path.string() + ".XXXXXX";
    int fd = mkstemp(temporary.data());
    if (fd < 0) return Errc::key_write_failed;
    Bio bio(BIO_new_fd(fd, BIO_CLOSE), BIO_free_all);
    bool written = bio && fchmod(fd, mode) == 0 && write(bio.get()) && BIO_flush(bio.get()) == 1 &&
                   fsync(fd) == 0;
    if (!bio) close(fd);
    bio.reset();
    bool published = written && (link(temporary.c_str(), path.c_str()) == 0 || errno == EEXIST);
    unlink(temporary.c_str());
    if (!published) return failed(Errc::key_write_failed);
    return {};
}

Result<std::shared_ptr<X509>> selfSignedCertificate(EVP_PKEY* key, std::string_view commonName) {
    auto x509 = shareX509(X509_new());
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
    if (!x509 || !serial) throw std::bad_alloc();
    X509_NAME* name = X509_get_subject_name(x509.get());
    constexpr int tenYearsOfDays = 3653;
    bool built =
        X509_set_version(x509.get(), X509_VERSION_3) == 1 &&
        BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ==
            1 &&  // RFC 5280: ≤ 20 octets, positive
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x509.get())) &&
        X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0) &&
        X509_time_adj_ex(X509_getm_notAfter(x509.get()), tenYearsOfDays, 0, nullptr) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(commonName.data()),
                                   static_cast<int>(commonName.size()), -1, 0) == 1 &&
        X509_set_issuer_name(x509.get(), name) == 1 && X509_set_pubkey(x509.get(), key) == 1 &&
        X509_sign(x509.get(), key, EVP_sha256()) > 0;
    if (!built) return failed(Errc::key_write_failed);
    return x509;
}

}  // namespace

Result<std::shared_ptr<EVP_PKEY>> rsaPrivateKeyFromPem(std::string_view pem) {
    return readRsaPrivateKey(readText(pem).get());
}

Result<SigningKey> generateSigningKeyIfAbsent(const std::filesystem::path& keyPath,
                                              const std::filesystem::path& certificatePath,
                                              std::string_view commonName) {
    // RFC 5280's ub-common-name: OpenSSL refuses a longer CN, which would leave a key without
    // its certificate.
    if (commonName.empty() || commonName.size() > 64) return core::Errc::invalid_argument;
    std::error_code ec;
    const bool haveKey = std::filesystem::exists(keyPath, ec);
    const bool haveCertificate = std::filesystem::exists(certificatePath, ec);
    if (haveKey && haveCertificate) return SigningKey::load(keyPath, certificatePath);
    if (haveCertificate) return Errc::key_unreadable;  // its key is gone: never replaced silently
    if (!haveKey) {
        auto key = shareKey(EVP_RSA_gen(2048));
        if (!key) return failed(Errc::key_write_failed);
        auto written = publishFile(keyPath, 0600, [&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) == 1;
        });
        if (!written) return written.error();
    }
    // The key now on disk (ours, or another process's that won the race).
    auto key = readRsaPrivateKey(readFile(keyPath).get());
    if (!key) return key.error();
    auto certificate = selfSignedCertificate(key->get(), commonName);
    if (!certificate) return certificate.error();
    auto written = publishFile(certificatePath, 0644, [&](BIO* out) {
        return PEM_write_bio_X509(out, certificate->get()) == 1;
    });
    if (!written) return written.error();
    return SigningKey::load(keyPath, certificatePath);
}

}  // namespace sesame::xml
