// The real server on 127.0.0.1, port 0, spoken to with raw bytes: what a browser, a CAS client
// or an attacker on the network would see.
#include <catch2/catch.hpp>
#include <csignal>

#include "gateway/http/error.hpp"
#include "gateway/http/process_signals.hpp"
#include "test/unit/http/test_client.hpp"
#include "test/unit/http/test_server.hpp"

using namespace sesame::http;
using namespace sesame::http::test;
namespace bhttp = boost::beast::http;

namespace {
bool has(const Response& r, const std::string& line) {
    return r.body().find(line + "\n") != std::string::npos;
}
std::string header(const Response& r, std::string_view name) {
    auto it = r.find(name);
    return it == r.end() ? std::string{} : std::string(it->value());
}
std::size_t count(const Response& r, std::string_view name) {
    auto [first, last] = r.equal_range(name);
    return static_cast<std::size_t>(std::distance(first, last));
}
}  // namespace

TEST_CASE("two requests share one keep-alive connection", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(client.connected());
    REQUIRE(client.send(getRequest("/echo?n=1")));
    auto first = client.read();
    REQUIRE(first);
    CHECK(first->result_int() == 200);
    CHECK(first->keep_alive());
    REQUIRE(client.send(getRequest("/echo?n=2")));
    auto second = client.read();
    REQUIRE(second);
    CHECK(has(*second, "query:n=2"));
}

TEST_CASE("an HTTP/1.0 request without keep-alive is answered then closed", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(client.send("GET /echo HTTP/1.0\r\n\r\n"));
    auto response = client.read();
    REQUIRE(response);
    CHECK(response->result_int() == 200);
    CHECK(client.closedWithin(2s));
}

TEST_CASE("oversized headers get 431 and the connection closes", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.limits.headerBytes = 1024; });
    RawClient client(ts.port());
    REQUIRE(client.send(getRequest("/echo", "X-Big: " + std::string(2000, 'a') + "\r\n")));
    auto response = client.read();
    REQUIRE(response);
    CHECK(response->result_int() == 431);
    CHECK(client.closedWithin(2s));
    auto seen = ts.observations(1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].status == 431);
}

TEST_CASE("oversized bodies get 413", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.limits.bodyBytes = 100; });
    SECTION("announced by Content-Length") {
        RawClient client(ts.port());
        REQUIRE(
            client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\nContent-Length: 1000\r\n"
                        "\r\n" +
                        std::string(1000, 'x')));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 413);
    }
    SECTION("chunked") {
        RawClient client(ts.port());
        REQUIRE(
            client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "c8\r\n" +
                        std::string(200, 'x') + "\r\n0\r\n\r\n"));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 413);
    }
    SECTION("a body within the limit is served") {
        RawClient client(ts.port());
        REQUIRE(
            client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\nContent-Length: 5\r\n"
                        "\r\nhello"));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 200);
        CHECK(has(*response, "body=hello"));
    }
}

TEST_CASE("garbage gets 400, the connection closes and the server serves the next one",
          "[unit][http]") {
    TestServer ts;
    {
        RawClient client(ts.port());
        REQUIRE(client.send("\x16\x03\x01 this is not HTTP\r\n\r\n"));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 400);
        CHECK(client.closedWithin(2s));
    }
    RawClient next(ts.port());
    REQUIRE(next.send(getRequest("/echo")));
    auto response = next.read();
    REQUIRE(response);
    CHECK(response->result_int() == 200);
}

TEST_CASE("requests that could be smuggled past a proxy get 400", "[unit][http]") {
    // RFC 9112 §6.1 and §6.3: both framings at once, or two lengths, are refused and closed.
    TestServer ts;
    for (std::string framing :
         {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
          "Content-Length: 5\r\nContent-Length: 6\r\n", "Transfer-Encoding: gzip\r\n"}) {
        INFO(framing);
        RawClient client(ts.port());
        REQUIRE(client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\n" + framing +
                            "\r\n0\r\n\r\n"));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 400);
        CHECK(client.closedWithin(2s));
    }
}

TEST_CASE("an HTTP/1.1 request without Host gets 400", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(client.send("GET /echo HTTP/1.1\r\n\r\n"));
    auto response = client.read();
    REQUIRE(response);
    CHECK(response->result_int() == 400);
}

TEST_CASE("a client that stops mid-request is cut off by the read timeout", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.limits.readTimeout = 300ms; });
    RawClient client(ts.port());
    REQUIRE(client.send("GET /echo HTTP/1.1\r\nHost: sesame.test\r\nX-Slow: "));
    CHECK(client.closedWithin(3s));
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.limits.idleTimeout = 300ms; });
    RawClient client(ts.port());
    REQUIRE(client.send(getRequest("/echo")));
    REQUIRE(client.read());
    CHECK(client.closedWithin(3s));
}

TEST_CASE("bad percent-encoding gets 400", "[unit][http]") {
    TestServer ts;
    for (std::string target : {"/echo?a=%zz", "/ech%G0", "/echo?a=%4", "/e%00cho", "*"}) {
        INFO(target);
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest(target)));
        auto response = client.read();
        REQUIRE(response);
        CHECK(response->result_int() == 400);
    }
}

TEST_CASE("query and form parameters are decoded, repeats kept in order", "[unit][http]") {
    TestServer ts;
    SECTION("query") {
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest("/e%63ho?a=1&b=hello+world&a=2&c=%C3%A9%26&d")));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(has(*r, "path=/echo"));
        CHECK(r->body().find("query:a=1\nquery:b=hello world\nquery:a=2\nquery:c=é&\n") !=
              std::string::npos);
        CHECK(has(*r, "query:d="));
        CHECK(has(*r, "repeated:a"));
    }
    SECTION("form") {
        std::string body = "x=1&x=2&service=https%3A%2F%2Fent.test%2F%3Fa%3Db&s=a+b";
        RawClient client(ts.port());
        REQUIRE(
            client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\n"
                        "Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(has(*r, "form:x=1"));
        CHECK(has(*r, "form:x=2"));
        CHECK(has(*r, "form:service=https://ent.test/?a=b"));
        CHECK(has(*r, "form:s=a b"));
    }
    SECTION("a malformed form body gets 400") {
        RawClient client(ts.port());
        REQUIRE(
            client.send("POST /echo HTTP/1.1\r\nHost: sesame.test\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 5\r\n\r\na=%zz"));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(r->result_int() == 400);
    }
    SECTION("header names reach the handler in lower case") {
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest("/echo", "X-Mixed-Case: Value\r\n")));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(has(*r, "header:x-mixed-case=Value"));
    }
}

TEST_CASE("X-Forwarded-* is believed only from a trusted proxy", "[unit][http]") {
    std::string forwarded =
        "X-Forwarded-For: 192.0.2.66, 198.51.100.7\r\nX-Forwarded-Proto: https\r\n"
        "X-Forwarded-Host: sso.example.fr\r\n";
    SECTION("from a trusted proxy") {
        TestServer ts([](ServerConfig& c) {
            c.trustedProxies = TrustedProxies({*AddressRange::parse("127.0.0.0/8")});
        });
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest("/echo", forwarded)));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(has(*r, "client=198.51.100.7"));  // the right-most untrusted hop
        CHECK(has(*r, "scheme=https"));
        CHECK(has(*r, "host=sso.example.fr"));
    }
    SECTION("from anybody else") {
        TestServer ts([](ServerConfig& c) {
            c.trustedProxies = TrustedProxies({*AddressRange::parse("10.0.0.0/8")});
        });
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest("/echo", forwarded)));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(has(*r, "client=127.0.0.1"));
        CHECK(has(*r, "scheme=http"));
        CHECK(has(*r, "host=sesame.test"));
    }
}

TEST_CASE("every response carries the security headers and a request id", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(client.send(getRequest("/page") + getRequest("/echo") + getRequest("/throw")));
    auto page = client.read();
    REQUIRE(page.has_value());
    CHECK(header(*page, "Strict-Transport-Security") == "max-age=31536000");
    CHECK(header(*page, "Content-Security-Policy") ==
          "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' "
          "https://sso.test; frame-ancestors 'none'; base-uri 'none'");
    CHECK(header(*page, "X-Content-Type-Options") == "nosniff");
    CHECK(header(*page, "Referrer-Policy") == "no-referrer");
    CHECK(header(*page, "X-Frame-Options") == "DENY");
    CHECK(header(*page, "Cache-Control").empty());
    std::string id = header(*page, "X-Request-Id");
    CHECK(id.size() >= 8);
    CHECK(has(*page, "request_id=" + id));
    CHECK(has(*page, "log_id=" + id));  // log lines of the handler carry it after a co_await

    // What a machine reads (CAS XML, text): the API set, which frames, sniffs and loads nothing.
    auto api = client.read();
    REQUIRE(api.has_value());
    CHECK(header(*api, "Strict-Transport-Security") == "max-age=31536000");
    CHECK(header(*api, "Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'");
    CHECK(header(*api, "X-Content-Type-Options") == "nosniff");
    CHECK(header(*api, "X-Frame-Options").empty());
    CHECK(!header(*api, "X-Request-Id").empty());

    auto failed = client.read();  // pipelined: the 500 gets them too
    REQUIRE(failed);
    CHECK(failed->result_int() == 500);
    CHECK(header(*failed, "Content-Security-Policy").find("frame-ancestors 'none'") !=
          std::string::npos);
    CHECK(header(*failed, "X-Content-Type-Options") == "nosniff");
    CHECK(!header(*failed, "X-Request-Id").empty());
    CHECK(header(*failed, "X-Request-Id") != id);
}

TEST_CASE("a plain-http public URL gets no HSTS", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.publicUrl = "http://127.0.0.1:8080"; });
    RawClient client(ts.port());
    REQUIRE(client.send(getRequest("/page")));
    auto r = client.read();
    REQUIRE(r.has_value());
    CHECK(header(*r, "Strict-Transport-Security").empty());
    CHECK(header(*r, "Content-Security-Policy").find("form-action 'self' http://127.0.0.1:8080;") !=
          std::string::npos);
}

TEST_CASE("authentication pages are not stored, handlers may override CSP", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(client.send(getRequest("/login")));
    auto login = client.read();
    REQUIRE(login);
    CHECK(header(*login, "Cache-Control") == "no-store");
    CHECK(header(*login, "Pragma") == "no-cache");

    REQUIRE(client.send(getRequest("/csp")));
    auto csp = client.read();
    REQUIRE(csp);
    CHECK(count(*csp, "Content-Security-Policy") == 1);
    CHECK(header(*csp, "Content-Security-Policy") == "form-action https://service.test");

    REQUIRE(client.send(getRequest("/cookie")));
    auto cookie = client.read();
    REQUIRE(cookie);
    CHECK(header(*cookie, "Set-Cookie") == "SESAME=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
}

TEST_CASE("a handler exception gives 500 and the server stays up", "[unit][http]") {
    TestServer ts;
    {
        RawClient client(ts.port());
        REQUIRE(client.send(getRequest("/throw")));
        auto r = client.read();
        REQUIRE(r.has_value());
        CHECK(r->result_int() == 500);
        CHECK(r->body().find("broken invariant") == std::string::npos);  // nothing leaks
    }
    RawClient next(ts.port());
    REQUIRE(next.send(getRequest("/echo")));
    auto r = next.read();
    REQUIRE(r.has_value());
    CHECK(r->result_int() == 200);
}

TEST_CASE("the observer sees each request, without its body", "[unit][http]") {
    TestServer ts;
    RawClient client(ts.port());
    REQUIRE(
        client.send("POST /echo?ticket=ST-1 HTTP/1.1\r\nHost: sesame.test\r\n"
                    "Content-Length: 4\r\n\r\nbody"));
    REQUIRE(client.read());
    auto seen = ts.observations(1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].path == "/echo");
    CHECK(seen[0].rawTarget == "/echo?ticket=ST-1");
    CHECK(seen[0].clientAddress == "127.0.0.1");
    CHECK(seen[0].status == 200);
    CHECK_FALSE(seen[0].sawBody);
}

TEST_CASE("graceful stop finishes the request in flight and closes idle connections",
          "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.threads = 1; });
    RawClient idle(ts.port());
    REQUIRE(idle.send(getRequest("/echo")));
    REQUIRE(idle.read());
    RawClient busy(ts.port());
    REQUIRE(busy.send(getRequest("/slow")));
    REQUIRE(ts.gate().waitEntered(5s));

    ts.server().stop(10s);
    CHECK_FALSE(ts.server().listening());
    CHECK_FALSE(RawClient(ts.port()).connected());  // no longer accepting
    CHECK(idle.closedWithin(2s));

    ts.gate().release();
    auto r = busy.read();
    REQUIRE(r.has_value());
    CHECK(r->result_int() == 200);
    CHECK(r->body().rfind("released\n", 0) == 0);
    CHECK_FALSE(r->keep_alive());
    CHECK(busy.closedWithin(2s));
    ts.server().wait();
}

TEST_CASE("a request's log lines keep its id while other requests run", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.threads = 1; });
    RawClient slow(ts.port());
    REQUIRE(slow.send(getRequest("/slow")));
    REQUIRE(ts.gate().waitEntered(5s));
    RawClient other(ts.port());  // served on the same thread while /slow waits
    REQUIRE(other.send(getRequest("/echo")));
    auto otherResponse = other.read();
    REQUIRE(otherResponse);
    ts.gate().release();
    auto r = slow.read();
    REQUIRE(r);
    std::string id = header(*r, "X-Request-Id");
    CHECK(has(*r, "request_id=" + id));
    CHECK(has(*r, "log_id=" + id));
    CHECK(id != header(*otherResponse, "X-Request-Id"));
}

TEST_CASE("graceful stop gives up on a request after the deadline", "[unit][http]") {
    TestServer ts([](ServerConfig& c) { c.threads = 1; });
    RawClient busy(ts.port());
    REQUIRE(busy.send(getRequest("/slow")));
    REQUIRE(ts.gate().waitEntered(5s));
    auto before = std::chrono::steady_clock::now();
    ts.server().stop(200ms);
    ts.server().wait();
    CHECK(std::chrono::steady_clock::now() - before < 5s);
    CHECK(busy.closedWithin(2s));
}

TEST_CASE("the server reports a port it cannot bind", "[unit][http]") {
    ServerConfig config = baseConfig();
    config.host = "192.0.2.1";  // TEST-NET-1, never a local address
    Server second(config, [](boost::asio::io_context&) { return nullptr; });
    auto started = second.start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error() == Errc::bind_failed);
}

TEST_CASE("a port where another server listens is refused, not shared", "[unit][http]") {
    TestServer first;
    ServerConfig config = baseConfig();
    config.port = first.port();
    Server second(config, [](boost::asio::io_context&) { return nullptr; });
    auto started = second.start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error() == Errc::bind_failed);
}

TEST_CASE("a factory that gives no handler fails the start", "[unit][http]") {
    Server server(baseConfig(), [](boost::asio::io_context&) { return nullptr; });
    auto started = server.start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error() == sesame::core::Errc::internal);
}

TEST_CASE("SIGHUP asks for a reload and SIGTERM for a stop", "[unit][http]") {
    boost::asio::io_context context;
    int reloads = 0, stopSignal = 0;
    ProcessSignals signals(
        context,
        [&](int signal) {
            stopSignal = signal;
            context.stop();
        },
        [&] {
            ++reloads;
            std::raise(SIGTERM);
        });
    std::raise(SIGHUP);
    context.run_for(5s);
    CHECK(reloads == 1);
    CHECK(stopSignal == SIGTERM);
}
