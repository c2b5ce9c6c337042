#include "gateway/http/back_channel_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include "gateway/core/log.hpp"
#include "gateway/http/tls.hpp"

namespace sesame::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
namespace {

constexpr auto asTuple = asio::as_tuple(asio::use_awaitable);

const core::Logger& log() {
    static const core::Logger logger("http.back_channel");
    return logger;
}

struct Target {
    bool tls = false;
    std::string host;  // for resolving and certificate checks, without brackets
    std::string port;
    std::string hostHeader;  // as written in the URL, with brackets and port
    std::string target;      // path and query
    bool ipLiteral = false;
};

// The path and query as a request line may carry them: bytes that cannot travel there (controls,
// space, non-ASCII, RFC 9112 §3.2's excluded characters) are percent-encoded, the rest is sent
// as written, as a browser sends it. A CR or LF can never reach the request line.
std::string requestTarget(std::string_view pathAndQuery) {
    static constexpr char hex[] = "0123456789ABCDEF";
    static constexpr std::string_view unsafe = "\"<>\\^`{|}";
    std::string out = pathAndQuery.starts_with('/') ? "" : "/";
    for (unsigned char c : pathAndQuery) {
        if (c <= 0x20 || c >= 0x7f || unsafe.find(static_cast<char>(c)) != std::string_view::npos) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// Only the scheme and authority go through the URL parser: the path and query are taken as the
// service registry accepted them. PHP services (GLPI) register URLs RFC 3986 refuses (`a[]=1`,
// `criteria[0]`, a bare `%`), and their single logout must still be delivered.
std::optional<Target> parseTarget(const std::string& url) {
    auto authority = url.find("://");
    if (authority == std::string::npos) return std::nullopt;
    auto end = std::min(url.find_first_of("/?#", authority + 3), url.size());
    auto parsed = boost::urls::parse_absolute_uri(std::string_view(url).substr(0, end));
    if (!parsed || parsed->has_userinfo() || parsed->host_address().empty()) return std::nullopt;
    Target t;
    if (parsed->scheme() == "https")
        t.tls = true;
    else if (parsed->scheme() != "http")
        return std::nullopt;
    t.host = parsed->host_address();
    t.ipLiteral = parsed->host_type() != boost::urls::host_type::name;
    t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
    t.hostHeader = std::string(parsed->encoded_host_and_port());
    std::string_view rest = std::string_view(url).substr(end);
    t.target = requestTarget(rest.substr(0, rest.find('#')));  // a fragment is never sent
    return t;
}

// The one place where back-channel errors are logged: host and step, never the URL's query
// or the body (they carry tickets).
error_code fail(const Target& target, std::string_view step, const error_code& ec) {
    bool timedOut = ec == beast::error::timeout || ec == core::Errc::timeout;
    log().warning("back_channel_failed", {{"host", target.host},
                                          {"port", target.port},
                                          {"step", std::string(step)},
                                          {"reason", ec.message()}});
    return timedOut ? core::Errc::timeout : core::Errc::unavailable;
}

template <class Stream>
asio::awaitable<Result<core::OutboundResponse>> exchange(Stream& stream, const Target& target,
                                                         bhttp::request<bhttp::string_body> req,
                                                         std::size_t bodyLimit) {
    auto [wec, written] = co_await bhttp::async_write(stream, req, asTuple);
    if (wec) co_return fail(target, "write", wec);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(bodyLimit);
    auto [rec, read] = co_await bhttp::async_read(stream, buffer, parser, asTuple);
    if (rec) co_return fail(target, "read", rec);
    co_return core::OutboundResponse{static_cast<int>(parser.get().result_int()),
                                     std::move(parser.get().body())};
}

}  // namespace

Result<std::shared_ptr<BackChannelClient>> BackChannelClient::create(BackChannelConfig config) {
    auto tls = clientTlsContext(config.caFile);
    if (!tls) return tls.error();
    return std::make_shared<BackChannelClient>(std::move(config), std::move(*tls));
}

BackChannelClient::BackChannelClient(BackChannelConfig config,
                                     std::unique_ptr<asio::ssl::context> tls)
    : config_(std::move(config)), tls_(std::move(tls)) {}

asio::awaitable<Result<core::OutboundResponse>> BackChannelClient::send(
    core::OutboundRequest request) {
    auto target = parseTarget(request.url);
    auto verb = bhttp::string_to_verb(request.method);
    if (!target || verb == bhttp::verb::unknown) co_return core::Errc::invalid_argument;

    auto executor = co_await asio::this_coro::executor;
    auto deadline = std::chrono::steady_clock::now() + std::min(request.timeout, config_.timeout);

    // The resolver has no timeout of its own: race it against the deadline.
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor, deadline);
    auto resolved = co_await (resolver.async_resolve(target->host, target->port, asTuple) ||
                              timer.async_wait(asTuple));
    if (resolved.index() == 1) co_return fail(*target, "resolve", core::Errc::timeout);
    auto [rec, endpoints] = std::get<0>(std::move(resolved));
    if (rec) co_return fail(*target, "resolve", rec);

    beast::tcp_stream tcp(executor);
    tcp.expires_at(deadline);
    auto [cec, endpoint] = co_await tcp.async_connect(endpoints, asTuple);
    if (cec) co_return fail(*target, "connect", cec);

    bhttp::request<bhttp::string_body> req{verb, target->target, 11};
    req.set(bhttp::field::host, target->hostHeader);
    req.set(bhttp::field::user_agent, "Sesame");
    req.set(bhttp::field::connection, "close");
    if (!request.contentType.empty()) req.set(bhttp::field::content_type, request.contentType);
    if (!request.soapAction.empty()) req.set("SOAPAction", "\"" + request.soapAction + "\"");
    req.body() = std::move(request.body);
    req.prepare_payload();

    if (!target->tls)
        co_return co_await exchange(tcp, *target, std::move(req), request.maxResponseBytes);

    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *tls_);
    // SNI carries names only, never an address (RFC 6066 §3).
    if (!target->ipLiteral && !SSL_set_tlsext_host_name(tls.native_handle(), target->host.c_str()))
        co_return fail(*target, "sni", core::Errc::unavailable);
    tls.set_verify_callback(asio::ssl::host_name_verification(target->host));
    auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::client, asTuple);
    if (hec) co_return fail(*target, "handshake", hec);
    auto response = co_await exchange(tls, *target, std::move(req), request.maxResponseBytes);
    // With "Connection: close" the reply is complete; the close_notify exchange adds nothing.
    co_return response;
}

}  // namespace sesame::http
