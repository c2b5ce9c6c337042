#pragma once
// The two translations between the wire and the neutral messages of gateway/core: a Beast request
// becomes a core::HttpRequest (decoded, with the client as our trusted proxies describe it), and
// a core::HttpResponse becomes the bytes of an HTTP/1.1 response carrying the security headers
// every reply needs. Pure functions: unit-testable without a socket.
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"
#include "gateway/http/server_config.hpp"

namespace sesame::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct Peer {
    boost::asio::ip::address address;
    bool tls = false;
    std::string text;  // address as text, made once per connection (empty: made when needed)
};

// Errors (all of them a 400): malformed_target, malformed_encoding, malformed_form,
// missing_host.
Result<core::HttpRequest> decodeRequest(const BeastRequest& request, const Peer& peer,
                                        const TrustedProxies& proxies);

struct ReplyContext {
    unsigned version = 11;
    bool keepAlive = true;
    bool head = false;  // HEAD: Content-Length of the body, no body
    std::string requestId;
};

// A response as it goes on the wire: the status line and header fields (ending with the empty
// line) and the body, written with one gathering write. Serialized by hand rather than through
// Beast's serializer: the response is complete before it is written, and walking Beast's
// buffer views over a dozen fields cost a third of a ticket validation's CPU (docs/performance.md).
struct WireResponse {
    int status = 200;
    std::string head;
    std::string body;  // empty for HEAD, 1xx, 204 and 304

    std::array<boost::asio::const_buffer, 2> buffers() const {
        return {boost::asio::buffer(head), boost::asio::buffer(body)};
    }
};

class ResponseEncoder {
  public:
    explicit ResponseEncoder(const ServerConfig& config);
    WireResponse encode(core::HttpResponse response, const ReplyContext& context) const;

    const std::string& contentSecurityPolicy() const { return csp_; }

  private:
    std::string csp_;
    bool hsts_;
};

// The reply the server itself gives when it refuses a request (400, 408, 413, 431, 500...).
core::HttpResponse refusal(int status);

}  // namespace sesame::http
