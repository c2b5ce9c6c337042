// One HTTP/1.1 connection, plain or TLS, as a coroutine (the model is Beast's
// example/advanced/server-flex-awaitable): wait for a request within the idle timeout, read it
// within the read timeout and the size limits, hand it to the worker's handler, write the
// reply, repeat while keep-alive holds. Every network error goes through fail().
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/http/worker.hpp"

namespace sesame::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
namespace {

constexpr auto asTuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

const core::Logger& log() {
    static const core::Logger logger("http");
    return logger;
}

// The one place where a connection's errors end up.
void fail(const error_code& ec, std::string_view step) {
    // A TLS peer that closes without close_notify after a complete message is harmless for a
    // self-delimited protocol such as HTTP (see Beast's example, and beast issue #38).
    if (ec == asio::ssl::error::stream_truncated) return;
    if (ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == bhttp::error::end_of_stream)
        return;
    log().debug("connection_error", {{"step", std::string(step)}, {"reason", ec.message()}});
}

// The reply to a request the parser refused; 0 means "just close" (the peer went away or
// timed out, RFC 9110 §15.5.9 lets a server close instead of sending 408).
int refusalStatus(const error_code& ec) {
    if (ec == bhttp::error::header_limit) return 431;  // RFC 6585 §5
    if (ec == bhttp::error::body_limit) return 413;    // RFC 9110 §15.5.14
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
    if (ec.category() == make_error_code(bhttp::error::bad_method).category()) return 400;
    return 0;
}

// 12 base64url characters: a random prefix drawn once per thread (48 bits) and a counter.
// A request id names a request in logs, it is no secret (unlike tickets or session ids, which
// come from core::randomToken each), so one RAND_bytes per request is not needed.
std::string newRequestId() {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static constexpr std::uint32_t counterLimit = 1u << 24;  // 4 characters of 6 bits
    thread_local std::string prefix;
    thread_local std::uint32_t counter = 0;
    if (prefix.empty() || counter == counterLimit) {
        prefix = core::randomToken(6);  // 8 characters
        counter = 0;
    }
    std::string id = prefix;
    std::uint32_t n = counter++;
    for (int shift = 18; shift >= 0; shift -= 6) id += alphabet[(n >> shift) & 63];
    return id;
}

// What the observer sees of a request: its line, client and id; not its headers, query
// parameters or body, which may hold secrets (and would cost a copy per request).
core::HttpRequest summaryOf(const core::HttpRequest& r) {
    core::HttpRequest s;
    s.method = r.method;
    s.path = r.path;
    s.rawTarget = r.rawTarget;
    s.clientAddress = r.clientAddress;
    s.scheme = r.scheme;
    s.host = r.host;
    s.requestId = r.requestId;
    return s;
}

template <class Stream>
constexpr bool isTls = !std::is_same_v<Stream, beast::tcp_stream>;
constexpr std::size_t tlsRecordBytes = 16 * 1024;  // RFC 8446 §5.1: at most 2^14 per record

template <class Stream>
class Connection {
  public:
    Connection(Worker& worker, Stream& stream, Peer peer, std::shared_ptr<std::string> requestId)
        : requestId_(std::move(requestId)),
          worker_(worker),
          settings_(worker.settings()),
          handler_(worker.handler()),
          stream_(stream),
          peer_(std::move(peer)) {
        live_.stream = &beast::get_lowest_layer(stream_);
        worker_.enroll(live_);
    }
    ~Connection() { worker_.leave(live_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    asio::awaitable<void> serve() {
        if constexpr (isTls<Stream>) {
            lowest().expires_after(limits().readTimeout);
            auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, asTuple);
            if (ec) co_return fail(ec, "handshake");
        }
        bool first = true;
        while (co_await awaitRequest(first)) {
            first = false;
            if (!co_await readAndRespond()) break;
        }
        co_await finish();
    }

  private:
    const ServerLimits& limits() const { return settings_.config.limits; }
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    // Waits for the first byte of the next request: the idle timeout between requests, the
    // read timeout before the first one (a connection that never speaks is a slowloris).
    asio::awaitable<bool> awaitRequest(bool first) {
        if (buffer_.size() > 0) co_return true;  // pipelined bytes already here
        if (worker_.stopping()) co_return false;
        live_.idle = true;
        lowest().expires_after(first ? limits().readTimeout : limits().idleTimeout);
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), asTuple);
        live_.idle = false;
        if (ec) {
            fail(ec, "idle");
            co_return false;
        }
        buffer_.commit(n);
        co_return true;
    }

    asio::awaitable<bool> readAndRespond() {
        parser_.emplace();
        parser_->header_limit(limits().headerBytes);
        parser_->body_limit(limits().bodyBytes);
        lowest().expires_after(limits().readTimeout);  // the whole request, header and body
        auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, *parser_, asTuple);
        // RFC 9112 §6.3: a request whose transfer coding does not end in chunked has no
        // knowable length: 400 and close, or the rest would be read as another request.
        if (!ec && parser_->get().count(bhttp::field::transfer_encoding) && !parser_->chunked())
            ec = bhttp::error::bad_transfer_encoding;
        if (!ec && parser_->get().version() >= 11 &&
            beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
            bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
            std::tie(ec, n) = co_await bhttp::async_write(stream_, proceed, asTuple);
        }
        // A body, if any (a GET is usually complete with its header).
        if (!ec && !parser_->is_done())
            std::tie(ec, n) = co_await bhttp::async_read(stream_, buffer_, *parser_, asTuple);
        if (ec) {
            co_await refuse(ec);
            co_return false;
        }
        co_return co_await respond(parser_->release());
    }

    asio::awaitable<bool> respond(BeastRequest in) {
        auto started = Clock::now();
        auto decoded = decodeRequest(in, peer_, settings_.config.trustedProxies);
        core::HttpResponse response;
        core::HttpRequest summary;
        std::string id = newRequestId();
        if (decoded) {
            decoded->requestId = id;
            if (settings_.observer) summary = summaryOf(*decoded);
            response = co_await callHandler(std::move(*decoded));
        } else {
            setRequestId(id);
            log().info("request_refused",
                       {{"status", "400"}, {"reason", decoded.error().message()}});
            summary = minimalSummary(id, in);
            response = refusal(400);
        }
        ReplyContext context{in.version(), decoded && in.keep_alive() && !worker_.stopping(),
                             in.method() == bhttp::verb::head, id};
        bool ok = co_await write(std::move(response), context, summary, started);
        co_return ok&& context.keepAlive;
    }

    // The request boundary: an exception from the handler is a broken invariant, reported as
    // a 500 and a log line (architecture.md), never a crash. The handler runs in this
    // coroutine, on the connection's RequestExecutor, whose id is this request's until the
    // reply is written (a connection serves one request at a time).
    asio::awaitable<core::HttpResponse> callHandler(core::HttpRequest request) {
        setRequestId(request.requestId);
        std::string failure;
        try {
            co_return co_await handler_->handle(std::move(request));
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown exception";
        }
        log().error("handler_exception", {{"what", failure}});
        co_return refusal(500);
    }

    asio::awaitable<bool> write(core::HttpResponse response, const ReplyContext& context,
                                const core::HttpRequest& summary, Clock::time_point started) {
        auto out = settings_.encoder.encode(std::move(response), context);
        lowest().expires_after(limits().readTimeout);
        error_code ec;
        std::size_t n = 0;
        if (isTls<Stream> && out.body.size() > tlsRecordBytes) {
            // Over Beast's ssl_stream, a gathering write whose body is larger than one TLS
            // record sent the header and never the body (a /metrics of 17 kB arrived empty):
            // such a body goes in a write of its own.
            std::tie(ec, n) = co_await asio::async_write(stream_, asio::buffer(out.head), asTuple);
            if (!ec)
                std::tie(ec, n) =
                    co_await asio::async_write(stream_, asio::buffer(out.body), asTuple);
        } else {
            std::tie(ec, n) = co_await asio::async_write(stream_, out.buffers(), asTuple);
        }
        if (settings_.observer) {
            // The observer sees the status only: headers, cookies and body have gone out.
            core::HttpResponse seen;
            seen.status = out.status;
            std::chrono::duration<double> seconds = Clock::now() - started;
            try {
                settings_.observer(summary, seen, seconds.count());
            } catch (const std::exception& e) {
                log().error("observer_exception", {{"what", e.what()}});
            } catch (...) {
                log().error("observer_exception", {{"what", "unknown exception"}});
            }
        }
        setRequestId({});
        if (ec) fail(ec, "write");
        co_return !ec;
    }

    core::HttpRequest minimalSummary(const std::string& id, const BeastRequest& in) const {
        core::HttpRequest s;
        s.method = std::string(in.method_string());
        s.rawTarget = std::string(in.target());
        s.clientAddress = peer_.text;
        s.scheme = peer_.tls ? "https" : "http";
        s.requestId = id;
        return s;
    }

    asio::awaitable<void> refuse(const error_code& ec) {
        int status = refusalStatus(ec);
        if (status == 0) co_return fail(ec, "read");
        auto started = Clock::now();
        std::string id = newRequestId();
        setRequestId(id);
        log().info("request_refused",
                   {{"status", std::to_string(status)}, {"reason", ec.message()}});
        core::HttpRequest summary = parser_->is_header_done() ? minimalSummary(id, parser_->get())
                                                              : minimalSummary(id, BeastRequest{});
        ReplyContext context{11, false, false, id};
        co_await write(refusal(status), context, summary, started);
    }

    // Closes so that the client still reads our last reply ("lingering close", as nginx and
    // Apache do): a client refused early (413, 431) is often still sending its request; closing
    // with unread bytes would reset the connection and destroy the reply in flight. So we read
    // and discard what it still sends (bounded in bytes and time) until it closes its side, then
    // TLS close_notify or a TCP half-close.
    asio::awaitable<void> finish() {
        if (!lowest().socket().is_open()) co_return;
        live_.idle = true;
        lowest().expires_after(
            std::min<std::chrono::milliseconds>(limits().readTimeout, std::chrono::seconds(2)));
        error_code ec;
        if constexpr (!isTls<Stream>) lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        char scratch[8192];
        std::size_t drained = 0;
        while (!ec && drained < 1024 * 1024) {
            std::size_t n = 0;
            std::tie(ec, n) = co_await stream_.async_read_some(asio::buffer(scratch), asTuple);
            drained += n;
        }
        if constexpr (isTls<Stream>) {
            if (ec != asio::error::operation_aborted && lowest().socket().is_open()) {
                auto [shutdownError] = co_await stream_.async_shutdown(asTuple);
                (void)shutdownError;  // the peer has usually gone already: nothing to report
            }
        }
        lowest().close();
    }

    // Sets the request id for this coroutine and for the log lines written until it changes.
    void setRequestId(const std::string& id) {
        *requestId_ = id;
        core::setCurrentRequestId(id);
    }

    std::shared_ptr<std::string> requestId_;
    Worker& worker_;
    const ServerSettings& settings_;
    std::shared_ptr<RequestHandler> handler_;  // keeps the handler alive while we run
    Stream& stream_;
    Peer peer_;
    LiveConnection live_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
};

}  // namespace

asio::awaitable<void> serveConnection(Worker& worker, tcp::socket socket,
                                      std::shared_ptr<std::string> requestId) {
    error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) co_return fail(ec, "accept");
    socket.set_option(tcp::no_delay(true), ec);
    auto address = normalizeAddress(remote.address());
    // This connection keeps the TLS context it starts with, whatever a reload installs later.
    const std::shared_ptr<asio::ssl::context> context = worker.tls();
    Peer peer{address, context != nullptr, address.to_string()};
    beast::tcp_stream tcp(std::move(socket));
    if (!context) {
        Connection<beast::tcp_stream> connection(worker, tcp, peer, std::move(requestId));
        co_await connection.serve();
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *context);
    Connection<beast::ssl_stream<beast::tcp_stream>> connection(worker, tls, peer,
                                                                std::move(requestId));
    co_await connection.serve();
}

}  // namespace sesame::http
