#include <catch2/catch.hpp>

#include <boost/beast/http/parser.hpp>

#include "gateway/http/error.hpp"
#include "gateway/http/exchange.hpp"
#include "test/unit/core/captured_stderr.hpp"

using namespace sesame;
using namespace sesame::http;
namespace bhttp = boost::beast::http;

namespace {
BeastRequest request(std::string target, unsigned version = 11) {
    BeastRequest r{bhttp::verb::get, target, version};
    r.set(bhttp::field::host, "sso.test");
    return r;
}
Peer peer() {
    return {boost::asio::ip::make_address("127.0.0.1"), true, "127.0.0.1"};
}
ServerConfig config() {
    ServerConfig c;
    c.publicUrl = "https://sso.test:8443/cas";
    return c;
}
using BeastResponse = bhttp::response<bhttp::string_body>;
// What a client reads: the encoder's bytes through Beast's response parser.
BeastResponse parsed(const WireResponse& wire, bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);  // a response to HEAD has no body whatever its Content-Length
    parser.eager(true);
    boost::beast::error_code ec;
    std::string bytes = wire.head + wire.body;
    std::size_t used = parser.put(boost::asio::buffer(bytes), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(parser.is_done());
    CHECK(used == bytes.size());  // nothing after the message
    return parser.release();
}
std::string value(const BeastResponse& r, std::string_view name) {
    auto it = r.find(name);
    return it == r.end() ? std::string{} : std::string(it->value());
}
}  // namespace

TEST_CASE("a Beast request becomes a neutral request", "[unit][http]") {
    auto in = request("/cas/login?service=https%3A%2F%2Fent.test%2F&renew=true");
    in.set("X-Custom", "v");
    auto out = decodeRequest(in, peer(), {});
    REQUIRE(out.has_value());
    CHECK(out->method == "GET");
    CHECK(out->path == "/cas/login");
    CHECK(out->rawTarget == "/cas/login?service=https%3A%2F%2Fent.test%2F&renew=true");
    CHECK(out->param("service") == "https://ent.test/");
    CHECK(out->param("renew") == "true");
    CHECK(out->header("x-custom") == "v");
    CHECK(out->header("host") == "sso.test");
    CHECK(out->scheme == "https");
    CHECK(out->host == "sso.test");
    CHECK(out->clientAddress == "127.0.0.1");
}

TEST_CASE("query parameters are decoded as forms are, repeats kept", "[unit][http]") {
    auto out = decodeRequest(request("/cas/validate?a=1&&b=x+y%2Bz&flag&a=%C3%A9&e="), peer(), {});
    REQUIRE(out.has_value());
    CHECK(out->query ==
          core::Parameters{{"a", "1"}, {"b", "x y+z"}, {"flag", ""}, {"a", "é"}, {"e", ""}});
    bool repeated = false;
    CHECK(out->param("a", &repeated) == "1");
    CHECK(repeated);
    CHECK(decodeRequest(request("/cas/validate?ticket=ST-1%"), peer(), {}).error() ==
          Errc::malformed_target);
}

TEST_CASE("malformed requests are errors", "[unit][http]") {
    CHECK(decodeRequest(request("/a%zz"), peer(), {}).error() == Errc::malformed_target);
    CHECK(decodeRequest(request("http://other.test/"), peer(), {}).error() ==
          Errc::malformed_target);
    CHECK(decodeRequest(request("/a%00b"), peer(), {}).error() == Errc::malformed_encoding);
    BeastRequest noHost{bhttp::verb::get, "/", 11};
    CHECK(decodeRequest(noHost, peer(), {}).error() == Errc::missing_host);
    BeastRequest oldClient{bhttp::verb::get, "/", 10};
    CHECK(decodeRequest(oldClient, peer(), {}).has_value());  // HTTP/1.0 may omit Host
    auto badHost = request("/");
    badHost.set(bhttp::field::host, "a b");
    CHECK(decodeRequest(badHost, peer(), {}).error() == Errc::missing_host);
}

TEST_CASE("the encoder adds security headers, cookies and the request id", "[unit][http]") {
    ResponseEncoder encoder(config());
    auto response = core::HttpResponse::text(200, "<p>ok</p>", "text/html; charset=utf-8");
    response.cookies.push_back({"SESAME", "v", "/", std::chrono::seconds(60)});
    auto out = parsed(encoder.encode(response, {11, true, false, "rid"}));
    CHECK(out.result_int() == 200);
    CHECK(out.reason() == "OK");
    CHECK(out.body() == "<p>ok</p>");
    CHECK(value(out, "Content-Type") == "text/html; charset=utf-8");
    CHECK(value(out, "Content-Length") == "9");
    CHECK(value(out, "X-Request-Id") == "rid");
    CHECK(value(out, "Set-Cookie") ==
          "SESAME=v; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax");
    CHECK(value(out, "Content-Security-Policy").find("form-action 'self' https://sso.test:8443;") !=
          std::string::npos);
    CHECK(out.keep_alive());
    std::string date = value(out, "Date");  // "Tue, 01 Dec 2026 08:01:52 GMT"
    CHECK(date.size() == 29);
    CHECK(date.substr(date.size() - 4) == " GMT");
}

TEST_CASE("the encoder drops headers that would split the response", "[unit][http]") {
    ResponseEncoder encoder(config());
    auto response = core::HttpResponse::redirect("https://ent.test/\r\nSet-Cookie: evil=1");
    response.header("Bad Name", "x");
    auto out = parsed(encoder.encode(response, {11, true, false, "rid"}));
    CHECK(out.result_int() == 302);
    CHECK(out.find("Location") == out.end());
    CHECK(out.find("Set-Cookie") == out.end());
}

TEST_CASE("the encoder answers HEAD with the length and no body", "[unit][http]") {
    ResponseEncoder encoder(config());
    auto wire = encoder.encode(core::HttpResponse::text(200, "12345"), {11, false, true, "rid"});
    CHECK(wire.body.empty());
    auto out = parsed(wire, true);
    CHECK(value(out, "Content-Length") == "5");
    CHECK(out.body().empty());
    CHECK_FALSE(out.keep_alive());
}

TEST_CASE("a handler status outside HTTP's range becomes 500", "[unit][http]") {
    ResponseEncoder encoder(config());
    core::HttpResponse response;
    response.status = 42;
    CHECK(parsed(encoder.encode(response, {11, true, false, "rid"})).result_int() == 500);
}

TEST_CASE("a handler's 1xx status is never written as a final response: 500 instead",
          "[unit][http]") {
    // A 1xx is informational (RFC 9110 §15.2): a client would wait for the final answer that
    // never comes.
    ResponseEncoder encoder(config());
    for (int status : {100, 101, 103, 199}) {
        INFO(status);
        auto response = core::HttpResponse::text(status, "early");
        WireResponse wire;
        auto logged = test::capturedStderr([&] {
            wire = encoder.encode(response, {11, true, false, "rid"});
        });
        CHECK(parsed(wire).result_int() == 500);
        CHECK(logged.find("\"event\":\"handler_bad_status\"") != std::string::npos);
        CHECK(logged.find("\"status\":\"" + std::to_string(status) + "\"") != std::string::npos);
    }
}

TEST_CASE("the encoder frames keep-alive as each HTTP version expects", "[unit][http]") {
    ResponseEncoder encoder(config());
    auto ok = [] { return core::HttpResponse::text(200, "ok"); };
    auto v11 = encoder.encode(ok(), {11, true, false, "rid"});
    CHECK(v11.head.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(v11.head.find("Connection:") == std::string::npos);  // persistent by default
    CHECK(parsed(v11).keep_alive());
    auto v11close = parsed(encoder.encode(ok(), {11, false, false, "rid"}));
    CHECK(value(v11close, "Connection") == "close");
    auto v10 = encoder.encode(ok(), {10, true, false, "rid"});
    CHECK(v10.head.starts_with("HTTP/1.0 200 OK\r\n"));
    CHECK(value(parsed(v10), "Connection") == "keep-alive");
    CHECK_FALSE(parsed(encoder.encode(ok(), {10, false, false, "rid"})).keep_alive());
}

TEST_CASE("the encoder sends no content on 204 and 304, and keeps its own framing",
          "[unit][http]") {
    ResponseEncoder encoder(config());
    for (int status : {204, 304}) {
        auto response = core::HttpResponse::text(status, "dropped");
        response.header("Content-Length", "99").header("X-Request-Id", "forged");
        auto wire = encoder.encode(response, {11, true, false, "rid"});
        CHECK(wire.body.empty());
        CHECK(wire.head.find("Content-Length") == std::string::npos);
        CHECK(wire.head.find("forged") == std::string::npos);
        CHECK(wire.head.ends_with("\r\n\r\n"));
        CHECK(value(parsed(wire), "X-Request-Id") == "rid");
    }
}
