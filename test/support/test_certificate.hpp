#pragma once
// A throwaway self-signed certificate for loopback TLS servers in tests (subjectAltName
// IP:127.0.0.1, DNS:localhost), written as PEM files so that other programs (mod_auth_cas'
// CASCertificatePath, curl) can trust it.
#include <filesystem>
#include <memory>
#include <string>

namespace sesame::testing {

struct TestCertificate {
    std::string certificatePem;
    std::string privateKeyPem;
    std::filesystem::path certificateFile;  // also the CA file: the certificate is its own issuer
    std::filesystem::path privateKeyFile;
};

struct CertificateOptions {
    int days = 2;                   // valid from one hour ago for `days`
    bool rsa = false;               // RSA 2048 (what SAML signing and RSA-OAEP key transport need),
                                    // else EC P-256
    std::string fileStem = "test";  // <dir>/<stem>-cert.pem, <dir>/<stem>-key.pem
};
// Throws HarnessError on an OpenSSL failure.
TestCertificate makeTestCertificate(const std::filesystem::path& dir,
                                    const CertificateOptions& options);
// EC P-256, valid from one hour ago for `days`: <dir>/test-cert.pem, <dir>/test-key.pem.
TestCertificate makeTestCertificate(const std::filesystem::path& dir, int days = 2);

// SHA-256 of a certificate's DER, in hex: of a PEM text, and of what a TLS server on
// 127.0.0.1:`port` presents to a new connection (no verification: tests compare fingerprints).
std::string certificateFingerprint(const std::string& pem);
std::string servedCertificateFingerprint(int port);

// One TLS connection to 127.0.0.1:`port`, handshake done at construction (no verification), kept
// open: for checking what a connection opened before some event still does after it.
class TlsConnection {
  public:
    explicit TlsConnection(int port);
    ~TlsConnection();
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;
    std::string fingerprint() const;  // of the certificate this connection was given
    // GET `path` on this connection (HTTP/1.1, keep-alive); the status code, 0 when it failed.
    int get(const std::string& path);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sesame::testing
