#pragma once
// A throwaway PKI for the TLS tests, made once per test run with the openssl command in a
// temporary folder: a test CA, a server certificate it signed for IP 127.0.0.1, and an
// unrelated CA that must not be trusted.
#include <string>

namespace sesame::http::test {

struct TestPki {
    std::string folder;
    std::string caCertificate;
    std::string serverCertificate;
    std::string serverKey;
    std::string otherCaCertificate;
};

const TestPki& testPki();  // REQUIREs that openssl succeeded

}  // namespace sesame::http::test
