// The test browser's cookie jar decides what Sesame's tests believe about sessions: a jar that sent
// a deleted or foreign cookie would make a logout or isolation test pass for the wrong reason.
#include <catch2/catch.hpp>

#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"

using namespace sesame::testing;

namespace {
Url url(const char* text) {
    return Url::parse(text);
}
}  // namespace

TEST_CASE("cookies are sent back only to their host and path", "[unit][cookies]") {
    CookieJar jar;
    jar.store(url("https://127.0.0.1:8443/cas/login"), "TGC=abc; Path=/cas; Secure; HttpOnly");
    jar.store(url("http://127.0.0.1:8080/app1/"), "MOD_AUTH_CAS_APP1=1111;Path=/app1/");

    CHECK(jar.cookieHeader(url("https://127.0.0.1:8443/cas/login?service=x")) == "TGC=abc");
    CHECK(jar.cookieHeader(url("https://127.0.0.1:8443/cas")) == "TGC=abc");
    CHECK(jar.cookieHeader(url("https://127.0.0.1:8443/cassis")).empty());
    CHECK(jar.cookieHeader(url("https://localhost:8443/cas/login")).empty());
    CHECK(jar.cookieHeader(url("http://127.0.0.1:8080/app1/whoami")) == "MOD_AUTH_CAS_APP1=1111");
    CHECK(jar.cookieHeader(url("http://127.0.0.1:8080/app2/")).empty());
    CHECK(jar.cookieHeader(url("http://127.0.0.1:8080/app1")).empty());
}

TEST_CASE("a Secure cookie is neither sent over http nor accepted from it", "[unit][cookies]") {
    CookieJar jar;
    jar.store(url("https://ent.example/cas/login"), "TGC=abc; Path=/; Secure");
    CHECK(jar.cookieHeader(url("http://ent.example/cas/login")).empty());
    CHECK(jar.cookieHeader(url("https://ent.example/cas/login")) == "TGC=abc");

    jar.store(url("http://ent.example/"), "evil=1; Secure");
    CHECK_FALSE(jar.value("ent.example", "evil"));
}

TEST_CASE("loopback over http is a secure origin for cookies, as browsers have it",
          "[unit][cookies]") {
    // Secure Contexts §3.2: http://127.0.0.1 and http://localhost are potentially trustworthy;
    // Chromium keeps and sends their Secure cookies (an SP on loopback with SameSite=None).
    CookieJar jar;
    jar.store(url("http://127.0.0.1:8081/saml-app/"),
              "mellon-cookie=1; Path=/; Secure; SameSite=None");
    CHECK(jar.cookieHeader(url("http://127.0.0.1:8081/saml-app/")) == "mellon-cookie=1");
}

TEST_CASE("Max-Age=0 and a past Expires delete a cookie", "[unit][cookies]") {
    CookieJar jar;
    const Url cas = url("https://127.0.0.1:8443/cas/login");
    jar.store(cas, "TGC=abc; Path=/cas");
    jar.store(cas, "other=1; Path=/cas");
    REQUIRE(jar.size() == 2);

    jar.store(cas, "TGC=; Path=/cas; Max-Age=0");
    CHECK_FALSE(jar.value("127.0.0.1", "TGC"));
    CHECK(jar.cookieHeader(cas) == "other=1");

    // mod_auth_cas expires its cookie with an RFC 822 date in the past.
    jar.store(cas, "other=; Path=/cas; expires=Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(jar.size() == 0);
}

TEST_CASE("a cookie with the same name, host and path replaces the old one", "[unit][cookies]") {
    CookieJar jar;
    const Url cas = url("https://127.0.0.1/cas/login");
    jar.store(cas, "SESSION=old; Path=/");
    jar.store(cas, "SESSION=new; Path=/");
    jar.store(cas, "SESSION=deeper; Path=/cas");
    CHECK(jar.size() == 2);
    // Longest path first, as browsers order them.
    CHECK(jar.cookieHeader(cas) == "SESSION=deeper; SESSION=new");
}

TEST_CASE("without Path a cookie gets the request's directory", "[unit][cookies]") {
    CookieJar jar;
    jar.store(url("https://127.0.0.1/cas/login"), "a=1");
    CHECK(jar.all().at(0).path == "/cas");
    CHECK(jar.cookieHeader(url("https://127.0.0.1/cas/logout")) == "a=1");
    CHECK(jar.cookieHeader(url("https://127.0.0.1/other")).empty());
    jar.store(url("https://127.0.0.1/cas/login"), "broken-without-equals; Path=/");
    CHECK(jar.size() == 1);
}

TEST_CASE("URLs resolve like a browser's", "[unit][url]") {
    const Url u = url("https://127.0.0.1:8443/cas/login?service=http%3A%2F%2Fx%2F");
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 8443);
    CHECK(u.path() == "/cas/login");
    CHECK(u.query() == "service=http%3A%2F%2Fx%2F");
    CHECK(u.origin() == "https://127.0.0.1:8443");
    CHECK(url("http://localhost/").origin() == "http://localhost");
    CHECK(resolveUrl("https://h:1/cas/login", "/app1/?ticket=ST-1") ==
          "https://h:1/app1/?ticket=ST-1");
    CHECK(resolveUrl("https://h/cas/login", "logout") == "https://h/cas/logout");
    CHECK(resolveUrl("https://h/cas/login", "http://other/x") == "http://other/x");
    CHECK(queryParameter(u.toString(), "service") == std::optional<std::string>("http://x/"));
    CHECK_FALSE(queryParameter(u.toString(), "ticket"));
    CHECK(formEncode({{"a b", "é&="}}) == "a%20b=%C3%A9%26%3D");
    CHECK_THROWS_AS(Url::parse("/relative"), HarnessError);
    CHECK_THROWS_AS(Url::parse("ftp://h/"), HarnessError);
}

TEST_CASE("response headers are looked up without regard to case", "[unit][http]") {
    Response r;
    r.url = "https://127.0.0.1/cas/login";
    r.status = 302;
    r.headers = {{"location", "/app1/"}, {"Set-Cookie", "a=1"}, {"SET-COOKIE", "b=2"}};
    CHECK(r.header("Location") == std::optional<std::string>("/app1/"));
    CHECK(r.headerValues("set-cookie").size() == 2);
    CHECK(r.isRedirect());
    CHECK(r.location() == "https://127.0.0.1/app1/");
    r.headers.clear();
    CHECK_THROWS_AS(r.location(), HarnessError);
}
