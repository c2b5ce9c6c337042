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
//
// With --sign-key it is the SAML sign server instead (run.sh --saml): the least any SAML IdP
// must do for an AuthnRequest from a person with a session, without any XML.
//
//   floor_server ... --sign-key KEY.pem --page PAGE.html [--cookie NAME] [--signed-bytes N]
//
//   GET <any other target> -> GET <prefix>sess:<value of the cookie NAME> (Sesame's session
//                             read), then one RSA PKCS#1 v1.5 SHA-256 signature with KEY over N
//                             bytes (the size of an assertion's canonical SignedInfo), then
//                             200 with the bytes of PAGE (a page of Sesame's, so that the client
//                             reads as much); 403 with no session, 503 if Redis failed
// SIGTERM / SIGINT stop it. Not a test and not a product: test/bench/run.sh drives it.
#include <openssl/evp.h>
#include <openssl/pem.h>
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
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
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
    // The sign server (--sign-key): the key, the page answered, the session cookie's name, how
    // many bytes are signed.
    std::string signKey;
    std::string page;
    std::string cookie = "__Host-SESAME";
    std::size_t signedBytes = 0;
};

// The sign server's constant parts, shared by the workers (OpenSSL 3 lets threads use one
// EVP_PKEY at once).
struct Signer {
    std::shared_ptr<EVP_PKEY> key;
    std::string page;    // the body of every answer
    std::string cookie;  // "NAME="
    std::string signedInput;

    // One RSA-SHA256 signature of `signedInput`, as an IdP signs each SignedInfo.
    bool sign() const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        EVP_MD_CTX_free);
        unsigned char signature[512];
        std::size_t size = sizeof signature;
        const auto* input = reinterpret_cast<const unsigned char*>(signedInput.data());
        return context &&
               EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
               EVP_DigestSign(context.get(), signature, &size, input, signedInput.size()) == 1;
    }
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

// The value of cookie `prefix` ("NAME=") in a Cookie header field.
std::string_view cookieValue(std::string_view header, std::string_view prefix) {
    for (std::size_t at = 0; at < header.size();) {
        while (at < header.size() && (header[at] == ' ' || header[at] == ';')) ++at;
        auto end = std::min(header.find(';', at), header.size());
        auto pair = header.substr(at, end - at);
        if (pair.starts_with(prefix)) return pair.substr(prefix.size());
        at = end;
    }
    return {};
}

class FloorWorker {
  public:
    FloorWorker(const FloorOptions& options, asio::ssl::context* tls, const Signer* signer)
        : redis_(context_.get_executor(), options.redis),
          prefix_(options.redis.keyPrefix),
          tls_(tls),
          signer_(signer) {}

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
            if (signer_ && request.target() != "/readyz") {
                co_await signIn(request[bhttp::field::cookie], response);
            } else {
                co_await answer(request.target(), response);
                response.set(bhttp::field::content_type, "text/plain");
            }
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

    // The sign server's answer: the session, one signature, the page.
    asio::awaitable<void> signIn(std::string_view cookies,
                                 bhttp::response<bhttp::string_body>& response) {
        RedisClient::Command get{
            std::string("GET"),
            prefix_ + "sess:" + std::string(cookieValue(cookies, signer_->cookie))};
        auto session = co_await redis_.command(std::move(get));
        if (!session || session->isError()) {
            response.result(bhttp::status::service_unavailable);
        } else if (!session->isString()) {
            response.result(bhttp::status::forbidden);
        } else if (!signer_->sign()) {
            response.result(bhttp::status::internal_server_error);
        } else {
            response.set(bhttp::field::content_type, "text/html; charset=utf-8");
            response.set(bhttp::field::cache_control, "no-store");
            response.body() = signer_->page;
        }
    }

    asio::io_context context_{1};
    tcp::acceptor acceptor_{context_};
    RedisClient redis_;
    std::string prefix_;
    asio::ssl::context* tls_;
    const Signer* signer_;  // null: the floor
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
        } else if (key == "--sign-key") {
            o.signKey = value;
        } else if (key == "--page") {
            o.page = value;
        } else if (key == "--cookie") {
            o.cookie = value;
        } else if (key == "--signed-bytes") {
            o.signedBytes = std::strtoull(value.c_str(), nullptr, 10);
        } else {
            return false;
        }
    }
    return o.port != 0 && argc % 2 == 1 && o.tls.certificate.empty() == o.tls.privateKey.empty() &&
           o.signKey.empty() == o.page.empty();
}

// The sign server's key and page; nullopt (said on stderr) when either cannot be read.
std::optional<Signer> loadSigner(const FloorOptions& o) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(o.signKey.c_str(), "r"), BIO_free);
    EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    std::ifstream page(o.page, std::ios::binary);
    std::ostringstream text;
    text << page.rdbuf();
    if (!key || !page || text.str().empty()) {
        std::cerr << "floor_server: cannot read " << (key ? o.page : o.signKey) << "\n";
        EVP_PKEY_free(key);
        return std::nullopt;
    }
    Signer signer{std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), text.str(), o.cookie + "=",
                  std::string(o.signedBytes, 'x')};
    if (!signer.sign()) {
        std::cerr << "floor_server: " << o.signKey << ": cannot sign with it\n";
        return std::nullopt;
    }
    return signer;
}

}  // namespace

int main(int argc, char** argv) {
    FloorOptions options;
    if (!parseOptions(argc, argv, options)) {
        std::cerr << "usage: floor_server --listen HOST:PORT --redis HOST:PORT [--threads N]"
                     " [--prefix P] [--certificate FILE --private-key FILE]"
                     " [--sign-key FILE --page FILE [--cookie NAME] [--signed-bytes N]]\n";
        return 2;
    }
    std::optional<Signer> signer;
    if (!options.signKey.empty() && !(signer = loadSigner(options))) return 1;
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
        workers.push_back(
            std::make_unique<FloorWorker>(options, tls.get(), signer ? &*signer : nullptr));
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
