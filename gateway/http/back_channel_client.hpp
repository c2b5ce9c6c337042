#pragma once
// core::BackChannel over Beast: one HTTP/1.1 request per connection to an http or https URL
// (CAS pgtUrl callbacks, back-channel single logout). HTTPS peers are verified against the
// system trust store plus the configured CA file, with the host name checked (RFC 6125 via
// OpenSSL, SNI per RFC 6066 §3). Runs on the caller's executor; one client may be shared by
// every worker (the OpenSSL context is only read after construction).
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "gateway/core/back_channel.hpp"
#include "gateway/http/server_config.hpp"

namespace sesame::http {

class BackChannelClient final : public core::BackChannel {
  public:
    // Errc::tls_setup when the CA file cannot be loaded.
    static Result<std::shared_ptr<BackChannelClient>> create(BackChannelConfig config);
    BackChannelClient(BackChannelConfig config, std::unique_ptr<boost::asio::ssl::context> tls);

    // The deadline is the shorter of request.timeout and the configured timeout, for the whole
    // exchange (resolve, connect, TLS, write, read). Errors: core::Errc::invalid_argument (not an
    // http(s) URL), core::Errc::timeout, core::Errc::unavailable (anything else, including a
    // certificate that does not verify, a body over request.maxResponseBytes). Any HTTP status
    // is a success: the caller judges it.
    boost::asio::awaitable<Result<core::OutboundResponse>> send(
        core::OutboundRequest request) override;

  private:
    BackChannelConfig config_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace sesame::http
