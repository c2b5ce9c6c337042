#include "gateway/http/tls.hpp"

#include <openssl/ssl.h>

#include "gateway/core/log.hpp"
#include "gateway/http/error.hpp"

namespace sesame::http {
namespace ssl = boost::asio::ssl;
namespace {

constexpr const char* tls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

const core::Logger& log() {
    static const core::Logger logger("http");
    return logger;
}

std::unique_ptr<ssl::context> baseContext(ssl::context::method method) {
    auto context = std::make_unique<ssl::context>(method);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::no_compression);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(context->native_handle(), tls12Ciphers);
    return context;
}

Result<std::unique_ptr<ssl::context>> setupFailed(std::string_view what, const std::string& file,
                                                  const error_code& ec) {
    log().error("tls_setup_failed",
                {{"what", std::string(what)}, {"file", file}, {"reason", ec.message()}});
    return Errc::tls_setup;
}

}  // namespace

Result<std::unique_ptr<ssl::context>> serverTlsContext(const TlsFiles& files) {
    auto context = baseContext(ssl::context::tls_server);
    error_code ec;
    context->use_certificate_chain_file(files.certificate, ec);
    if (ec) return setupFailed("certificate", files.certificate, ec);
    context->use_private_key_file(files.privateKey, ssl::context::pem, ec);
    if (ec) return setupFailed("private_key", files.privateKey, ec);
    if (SSL_CTX_check_private_key(context->native_handle()) != 1)
        return setupFailed("private_key does not match certificate", files.privateKey,
                           make_error_code(Errc::tls_setup));
    return context;
}

Result<std::unique_ptr<ssl::context>> clientTlsContext(const std::string& caFile) {
    auto context = baseContext(ssl::context::tls_client);
    error_code ec;
    context->set_default_verify_paths(ec);
    if (ec) return setupFailed("system trust store", "", ec);
    if (!caFile.empty()) {
        context->load_verify_file(caFile, ec);
        if (ec) return setupFailed("ca_file", caFile, ec);
    }
    context->set_verify_mode(ssl::verify_peer);
    return context;
}

}  // namespace sesame::http
