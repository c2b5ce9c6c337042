#include "test/support/test_certificate.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
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
    Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
    check(key != nullptr, "generate a P-256 key");
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
    TestCertificate out{bioText(certBio.get()), bioText(keyBio.get()), dir / "test-cert.pem",
                        dir / "test-key.pem"};
    writeFile(out.certificateFile, out.certificatePem);
    writeFile(out.privateKeyFile, out.privateKeyPem);
    std::filesystem::permissions(out.certificateFile, std::filesystem::perms(0644));
    std::filesystem::permissions(out.privateKeyFile, std::filesystem::perms(0600));
    return out;
}

}  // namespace sesame::testing
