#pragma once
// OpenSSL contexts for both directions, set up in one place. TLS 1.2 is the floor and the 1.2
// cipher suites are the AEAD ones (RFC 9325 §4.1-4.2, Mozilla "intermediate").
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "gateway/core/result.hpp"
#include "gateway/http/server_config.hpp"

namespace sesame::http {

// Loads the certificate chain and key, and checks that they belong together. Errc::tls_setup,
// with the file and OpenSSL's reason in the log.
Result<std::unique_ptr<boost::asio::ssl::context>> serverTlsContext(const TlsFiles& files);

// Verifies peers against the system trust store plus `caFile` (when not empty).
Result<std::unique_ptr<boost::asio::ssl::context>> clientTlsContext(const std::string& caFile);

}  // namespace sesame::http
