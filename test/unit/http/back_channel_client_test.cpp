// BackChannelClient against the real server, over TLS with a certificate from a test CA.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <list>

#include "gateway/http/back_channel_client.hpp"
#include "gateway/http/error.hpp"
#include "test/unit/http/test_certificates.hpp"
#include "test/unit/http/test_server.hpp"

using namespace sesame;
using namespace sesame::http;
using namespace sesame::http::test;
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<BackChannelClient> clientTrusting(const std::string& caFile) {
    BackChannelConfig config;
    config.caFile = caFile;
    config.timeout = 5s;
    auto client = BackChannelClient::create(config);
    REQUIRE(client.has_value());
    return *client;
}

Result<core::OutboundResponse> sendNow(BackChannelClient& client, core::OutboundRequest request,
                                       asio::io_context& context) {
    std::optional<Result<core::OutboundResponse>> out;
    asio::co_spawn(context, client.send(std::move(request)),
                   [&](std::exception_ptr e, Result<core::OutboundResponse> r) {
                       REQUIRE_FALSE(e);
                       out = std::move(r);
                       context.stop();  // the silent server would keep it running
                   });
    context.restart();
    context.run_for(10s);
    REQUIRE(out.has_value());
    return *out;
}

Result<core::OutboundResponse> sendNow(BackChannelClient& client, core::OutboundRequest request) {
    asio::io_context context;
    return sendNow(client, std::move(request), context);
}

core::OutboundRequest post(std::string url) {
    core::OutboundRequest request;
    request.method = "POST";
    request.url = std::move(url);
    request.contentType = "application/x-www-form-urlencoded";
    request.body = "logoutRequest=%3Csamlp%3ALogoutRequest%2F%3E";
    return request;
}

void useTls(ServerConfig& config) {
    config.tls = TlsFiles{testPki().serverCertificate, testPki().serverKey};
}

// Accepts connections and never says a word.
class SilentServer {
  public:
    explicit SilentServer(asio::io_context& context) : acceptor_(context, {tcp::v4(), 0}) {
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        accept();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            held_.push_back(std::move(socket));
            accept();
        });
    }
    tcp::acceptor acceptor_;
    std::list<tcp::socket> held_;
};

}  // namespace

TEST_CASE("the back channel posts over TLS to a server signed by the configured CA",
          "[unit][http]") {
    TestServer ts(useTls);
    auto client = clientTrusting(testPki().caCertificate);
    auto r = sendNow(*client, post("https://127.0.0.1:" + std::to_string(ts.port()) +
                                   "/echo?pgtIou=PGTIOU-1&pgtId=PGT-2"));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body.find("scheme=https\n") != std::string::npos);
    CHECK(r->body.find("query:pgtId=PGT-2\n") != std::string::npos);
    CHECK(r->body.find("form:logoutRequest=<samlp:LogoutRequest/>\n") != std::string::npos);
}

TEST_CASE("the back channel refuses a server signed by another CA", "[unit][http]") {
    TestServer ts(useTls);
    auto client = clientTrusting(testPki().otherCaCertificate);
    auto r = sendNow(*client, post("https://127.0.0.1:" + std::to_string(ts.port()) + "/echo"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::Errc::unavailable);
}

TEST_CASE("the back channel refuses a certificate for another host name", "[unit][http]") {
    TestServer ts(useTls);
    auto client = clientTrusting(testPki().caCertificate);
    // Trusted CA, but the certificate names 127.0.0.1, not localhost.
    auto r = sendNow(*client, post("https://localhost:" + std::to_string(ts.port()) + "/echo"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::Errc::unavailable);
}

TEST_CASE("the back channel speaks plain http too and returns any status", "[unit][http]") {
    TestServer ts;
    auto client = clientTrusting("");
    core::OutboundRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(ts.port()) + "/throw";
    auto r = sendNow(*client, request);
    REQUIRE(r.has_value());
    CHECK(r->status == 500);
}

TEST_CASE("the back channel times out against a server that never answers", "[unit][http]") {
    asio::io_context context;
    SilentServer silent(context);
    auto client = clientTrusting(testPki().caCertificate);
    for (std::string scheme : {"http", "https"}) {
        INFO(scheme);
        auto request = post(scheme + "://127.0.0.1:" + std::to_string(silent.port()) + "/");
        request.timeout = 300ms;
        auto before = std::chrono::steady_clock::now();
        auto r = sendNow(*client, request, context);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == core::Errc::timeout);
        CHECK(std::chrono::steady_clock::now() - before < 3s);
    }
}

TEST_CASE("the back channel reports a closed port as unavailable", "[unit][http]") {
    std::uint16_t port;
    {
        asio::io_context context;
        tcp::acceptor probe(context, {tcp::v4(), 0});
        port = probe.local_endpoint().port();
    }
    auto client = clientTrusting("");
    auto r = sendNow(*client, post("http://127.0.0.1:" + std::to_string(port) + "/"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::Errc::unavailable);
}

TEST_CASE("the back channel refuses what is not an http(s) URL", "[unit][http]") {
    auto client = clientTrusting("");
    for (std::string url : {"ftp://127.0.0.1/", "/relative", "https://user:pw@host/", ""}) {
        INFO(url);
        auto r = sendNow(*client, post(url));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == core::Errc::invalid_argument);
    }
}

TEST_CASE("the back channel sends a path and query as registered, even where RFC 3986 refuses them",
          "[unit][http]") {
    // PHP services (GLPI) register `a[]=1`, `criteria[0]`, a bare `%`; what cannot travel in a
    // request line (space, CR, LF, non-ASCII) is percent-encoded, never sent raw.
    TestServer ts;
    auto client = clientTrusting("");
    auto base = "http://127.0.0.1:" + std::to_string(ts.port());
    auto r = sendNow(*client, post(base + "/echo?criteria[0][field]=1&a[]=2&q=50%#top"));
    REQUIRE(r.has_value());  // Sesame's own server answers 400 to the bare '%': it arrived
    auto injected = sendNow(*client, post(base + "/echo?x=1 HTTP/1.1\r\nX-Evil: 1\r\n\r\né"));
    REQUIRE(injected.has_value());
    auto seen = ts.observations(2);
    CHECK(seen[0].rawTarget == "/echo?criteria[0][field]=1&a[]=2&q=50%");
    CHECK(seen[1].rawTarget == "/echo?x=1%20HTTP/1.1%0D%0AX-Evil:%201%0D%0A%0D%0A%C3%A9");
}

TEST_CASE("a missing CA file fails at creation", "[unit][http]") {
    BackChannelConfig config;
    config.caFile = "/nonexistent/ca.pem";
    auto client = BackChannelClient::create(config);
    REQUIRE_FALSE(client.has_value());
    CHECK(client.error() == Errc::tls_setup);
}

TEST_CASE("a server with a missing certificate fails at start", "[unit][http]") {
    ServerConfig config = baseConfig();
    config.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
    Server server(config, [](asio::io_context&) { return nullptr; });
    auto started = server.start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error() == Errc::tls_setup);
}
