#pragma once
// A throwaway self-signed certificate for loopback TLS servers in tests (subjectAltName
// IP:127.0.0.1, DNS:localhost), written as PEM files so that other programs (mod_auth_cas'
// CASCertificatePath, curl) can trust it.
#include <filesystem>
#include <string>

namespace sesame::testing {

struct TestCertificate {
    std::string certificatePem;
    std::string privateKeyPem;
    std::filesystem::path certificateFile;  // also the CA file: the certificate is its own issuer
    std::filesystem::path privateKeyFile;
};

// EC P-256, valid from one hour ago for `days`. Throws HarnessError on an OpenSSL failure.
TestCertificate makeTestCertificate(const std::filesystem::path& dir, int days = 2);

}  // namespace sesame::testing
