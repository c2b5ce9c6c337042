#include "test/support/test_certificate.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "test/support/harness_error.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::testing {
namespace {

template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, std::integral_constant<decltype(Free), Free>>;

void check(bool ok, const char* what) {
    if (!ok) throw HarnessError(std::string("OpenSSL failed to ") + what);
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TestCertificate makeTestCertificate(const std::filesystem::path& dir, int days) {
    CertificateOptions options;
    options.days = days;
    return makeTestCertificate(dir, options);
}

TestCertificate makeTestCertificate(const std::filesystem::path& dir,
                                    const CertificateOptions& options) {
    const int days = options.days;
    Owned<EVP_PKEY, EVP_PKEY_free> key(options.rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
    check(key != nullptr, options.rsa ? "generate an RSA key" : "generate a P-256 key");
    Owned<X509, X509_free> cert(X509_new());
    check(cert != nullptr, "allocate a certificate");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
        Owned<X509_EXTENSION, X509_EXTENSION_free> ext(
            X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
        check(ext && X509_add_ext(cert.get(), ext.get(), -1) == 1, "add a certificate extension");
    }
    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign the certificate");

    Owned<BIO, BIO_free_all> certBio(BIO_new(BIO_s_mem())), keyBio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(certBio.get(), cert.get()) == 1, "write the certificate");
    check(PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1,
          "write the key");
    TestCertificate out{bioText(certBio.get()), bioText(keyBio.get()),
                        dir / (options.fileStem + "-cert.pem"),
                        dir / (options.fileStem + "-key.pem")};
    writeFile(out.certificateFile, out.certificatePem);
    writeFile(out.privateKeyFile, out.privateKeyPem);
    std::filesystem::permissions(out.certificateFile, std::filesystem::perms(0644));
    std::filesystem::permissions(out.privateKeyFile, std::filesystem::perms(0600));
    return out;
}

namespace {
std::string hexDigest(X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    check(X509_digest(certificate, EVP_sha256(), digest, &size) == 1, "digest a certificate");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}
}  // namespace

std::string certificateFingerprint(const std::string& pem) {
    Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    Owned<X509, X509_free> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    check(certificate != nullptr, "read a PEM certificate");
    return hexDigest(certificate.get());
}

struct TlsConnection::State {
    Owned<SSL_CTX, SSL_CTX_free> context{SSL_CTX_new(TLS_client_method())};
    Owned<BIO, BIO_free_all> bio{nullptr};
    std::string fingerprint;
};

TlsConnection::TlsConnection(int port) : state_(std::make_unique<State>()) {
    check(state_->context != nullptr, "make a TLS client context");
    state_->bio.reset(BIO_new_ssl_connect(state_->context.get()));
    check(state_->bio != nullptr, "make a TLS connection");
    const std::string address = "127.0.0.1:" + std::to_string(port);
    BIO_set_conn_hostname(state_->bio.get(), address.c_str());
    if (BIO_do_connect(state_->bio.get()) != 1 || BIO_do_handshake(state_->bio.get()) != 1)
        throw HarnessError("no TLS handshake with " + address);
    SSL* ssl = nullptr;
    BIO_get_ssl(state_->bio.get(), &ssl);
    Owned<X509, X509_free> peer(SSL_get1_peer_certificate(ssl));
    check(peer != nullptr, "get the server's certificate");
    state_->fingerprint = hexDigest(peer.get());
}

TlsConnection::~TlsConnection() = default;

std::string TlsConnection::fingerprint() const {
    return state_->fingerprint;
}

int TlsConnection::get(const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (BIO_write(state_->bio.get(), request.data(), static_cast<int>(request.size())) !=
        static_cast<int>(request.size()))
        return 0;
    // The status line is all this needs ("HTTP/1.1 200 OK").
    char buffer[64];
    std::string head;
    while (head.find("\r\n") == std::string::npos) {
        int n = BIO_read(state_->bio.get(), buffer, sizeof buffer);
        if (n <= 0) return 0;
        head.append(buffer, static_cast<std::size_t>(n));
    }
    if (head.rfind("HTTP/1.1 ", 0) != 0 || head.size() < 12) return 0;
    return std::stoi(head.substr(9, 3));
}

std::string servedCertificateFingerprint(int port) {
    return TlsConnection(port).fingerprint();
}

}  // namespace sesame::testing
