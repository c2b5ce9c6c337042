// The benchmark floor: the least an HTTP server can do for a CAS validation, i.e. parse one
// HTTP/1.1 request, take one Redis key with GETDEL, answer. It is built like Sesame's edge
// (gateway/http): N worker threads, each with its own io_context, its own SO_REUSEPORT acceptor
// on the shared address and its own session::RedisClient, so that the ratio Sesame / floor
// measures only what Sesame does on top (routing, CAS, JSON, XML, headers, logs, metrics).
//
//   floor_server --listen 127.0.0.1:PORT --redis 127.0.0.1:PORT [--threads 2] [--prefix floor:]
//                [--certificate FILE --private-key FILE]
//
// With a certificate and key it speaks TLS, with the same TLS context settings as Sesame
// (gateway/http/tls.cpp): the floor of Sesame over TLS, as the demo runs.
//
//   GET /take?ticket=ID  -> GETDEL <prefix>st:ID: 200 "<cas:authenticationSuccess>" if the key
//                           existed, 404 if not, 503 if Redis failed
//   GET /readyz          -> 200 once Redis answers, else 503
// SIGTERM / SIGINT stop it. Not a test and not a product: test/bench/run.sh drives it.
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http/server_config.hpp"
#include "gateway/http/tls.hpp"
#include "gateway/session/redis_client.hpp"

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using sesame::session::RedisClient;
using sesame::session::RedisConfig;

constexpr auto asTuple = asio::as_tuple(asio::use_awaitable);

struct FloorOptions {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    RedisConfig redis;
    unsigned threads = 2;
    sesame::http::TlsFiles tls;  // empty: plain HTTP
};

// The value of `name` in the query of `target`, undecoded (tickets need no decoding).
std::string_view queryValue(std::string_view target, std::string_view name) {
    auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
            return pair.substr(name.size() + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

class FloorWorker {
  public:
    FloorWorker(const FloorOptions& options, asio::ssl::context* tls)
        : redis_(context_.get_executor(), options.redis),
          prefix_(options.redis.keyPrefix),
          tls_(tls) {}

    bool bind(const tcp::endpoint& endpoint) {
        boost::system::error_code ec;
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        int one = 1;  // as gateway/http/worker.cpp: the kernel spreads connections over workers
        if (!ec &&
            ::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one))
            ec = boost::system::error_code(errno, boost::system::system_category());
        if (!ec) acceptor_.bind(endpoint, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) std::cerr << "floor_server: bind: " << ec.message() << "\n";
        return !ec;
    }

    void run() {
        if (!redis_.start()) std::cerr << "floor_server: redis start failed\n";
        asio::co_spawn(context_, accept(), asio::detached);
        thread_ = std::thread([this] { context_.run(); });
    }
    void stop() { context_.stop(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

  private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asTuple);
            if (ec) co_return;
            socket.set_option(tcp::no_delay(true), ec);  // as gateway/http/connection.cpp
            if (tls_)
                asio::co_spawn(context_, serveTls(std::move(socket)), asio::detached);
            else
                asio::co_spawn(context_, servePlain(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> servePlain(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        co_await serve(stream);
    }

    asio::awaitable<void> serveTls(tcp::socket socket) {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls_);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asTuple);
        if (ec) co_return;
        co_await serve(stream);
    }

    template <class Stream>
    asio::awaitable<void> serve(Stream& stream) {
        beast::flat_buffer buffer;
        for (;;) {
            bhttp::request<bhttp::string_body> request;
            // Sesame has an idle timeout too.
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
            auto [ec, n] = co_await bhttp::async_read(stream, buffer, request, asTuple);
            if (ec) co_return;
            bhttp::response<bhttp::string_body> response{bhttp::status::ok, request.version()};
            co_await answer(request.target(), response);
            response.set(bhttp::field::content_type, "text/plain");
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            std::tie(ec, n) = co_await bhttp::async_write(stream, response, asTuple);
            if (ec || !response.keep_alive()) co_return;
        }
    }

    asio::awaitable<void> answer(std::string_view target,
                                 bhttp::response<bhttp::string_body>& response) {
        if (target == "/readyz") {
            RedisClient::Command ping{std::string("PING")};
            auto pong = co_await redis_.command(std::move(ping));
            if (!pong || pong->isError()) response.result(bhttp::status::service_unavailable);
            co_return;
        }
        RedisClient::Command getdel{std::string("GETDEL"),
                                    prefix_ + "st:" + std::string(queryValue(target, "ticket"))};
        auto taken = co_await redis_.command(std::move(getdel));
        if (!taken || taken->isError()) {
            response.result(bhttp::status::service_unavailable);
        } else if (taken->isNil()) {
            response.result(bhttp::status::not_found);
        } else {
            response.body() = "<cas:authenticationSuccess>";
        }
    }

    asio::io_context context_{1};
    tcp::acceptor acceptor_{context_};
    RedisClient redis_;
    std::string prefix_;
    asio::ssl::context* tls_;
    std::thread thread_;
};

bool splitAddress(const std::string& text, std::string& host, unsigned short& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    port = static_cast<unsigned short>(std::atoi(text.c_str() + colon + 1));
    return true;
}

bool parseOptions(int argc, char** argv, FloorOptions& o) {
    o.redis.keyPrefix = "floor:";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (key == "--listen") {
            if (!splitAddress(value, o.host, o.port)) return false;
        } else if (key == "--redis") {
            if (!splitAddress(value, o.redis.host, o.redis.port)) return false;
        } else if (key == "--threads") {
            o.threads = static_cast<unsigned>(std::max(1, std::atoi(value.c_str())));
        } else if (key == "--certificate") {
            o.tls.certificate = value;
        } else if (key == "--private-key") {
            o.tls.privateKey = value;
        } else if (key == "--prefix") {
            o.redis.keyPrefix = value;
        } else {
            return false;
        }
    }
    return o.port != 0 && argc % 2 == 1 && o.tls.certificate.empty() == o.tls.privateKey.empty();
}

}  // namespace

int main(int argc, char** argv) {
    FloorOptions options;
    if (!parseOptions(argc, argv, options)) {
        std::cerr << "usage: floor_server --listen HOST:PORT --redis HOST:PORT [--threads N]"
                     " [--prefix P] [--certificate FILE --private-key FILE]\n";
        return 2;
    }
    std::unique_ptr<asio::ssl::context> tls;
    if (!options.tls.certificate.empty()) {
        auto context = sesame::http::serverTlsContext(options.tls);
        if (!context) {
            std::cerr << "floor_server: cannot load the certificate or key\n";
            return 1;
        }
        tls = std::move(*context);
    }
    tcp::endpoint endpoint{asio::ip::make_address(options.host), options.port};
    std::vector<std::unique_ptr<FloorWorker>> workers;
    for (unsigned i = 0; i < options.threads; ++i) {
        workers.push_back(std::make_unique<FloorWorker>(options, tls.get()));
        if (!workers.back()->bind(endpoint)) return 1;
    }
    for (auto& w : workers) w->run();

    asio::io_context control;
    asio::signal_set signals(control, SIGTERM, SIGINT);
    signals.async_wait([&](auto, int) {
        for (auto& w : workers) w->stop();
    });
    control.run();
    for (auto& w : workers) w->join();
    return 0;
}
