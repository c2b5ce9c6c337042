// What people see when a dependency fails, and that Sesame comes back by itself: Redis stopped
// in the middle of the day, one LDAP directory down while the others keep working; and hostile
// input that must leave the process and other people's sessions untouched.
#include <catch2/catch.hpp>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {
const std::string service = "http://127.0.0.1:9/app/";

Response portalFor(Browser& browser, SesameInstance& sesame) {
    auto r = browser.get(sesame.casUrl() + "/login?service=" + percentEncode(service));
    for (int i = 0; i < 5 && r.isRedirect() && r.location().rfind(sesame.baseUrl(), 0) == 0; ++i)
        r = browser.get(r.location());
    return r;
}

int readyz(SesameInstance& sesame) {
    Browser b;
    try {
        return b.get(sesame.baseUrl() + "/readyz").status;
    } catch (const HarnessError&) {
        return 0;
    }
}
}  // namespace

TEST_CASE("Redis stopped: a clear 503 and a failing /readyz; back by itself when Redis returns",
          "[interop][redis][ldap]") {
    RedisServer redis;
    SesameInstance sesame{SesameOptions{
        "127.0.0.1:" + std::to_string(redis.port()), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    Browser browser;
    auto landed = logIn(browser, portalFor(browser, sesame), partner, "demo", false);
    REQUIRE(landed.isRedirect());

    redis.stop();
    waitUntil([&] { return readyz(sesame) == 503; }, std::chrono::seconds(10), "/readyz to fail");
    // What docs/operations.md says /readyz reports: no reason in the answer (it is often reachable
    // from outside), the reason in the log.
    CHECK(Browser{}.get(sesame.baseUrl() + "/readyz").body == "not ready\n");
    CHECK(sesame.logTail(200).find("\"component\":\"readiness\",\"event\":\"not_ready\"") !=
          std::string::npos);
    auto during = browser.get(sesame.casUrl() + "/login?service=" + percentEncode(service));
    CHECK(during.status == 503);
    CHECK(textContent(during.body).find("indisponible") != std::string::npos);
    CHECK(sesame.running());

    redis.start();
    waitUntil([&] { return readyz(sesame) == 200; }, std::chrono::seconds(15),
              "/readyz to pass again after Redis came back", &sesame.process());
    Browser fresh;
    auto again = logIn(fresh, portalFor(fresh, sesame), partner, "demo", false);
    CHECK(again.isRedirect());
    CHECK(queryParameter(again.location(), "ticket").value_or("").rfind("ST-", 0) == 0);
}

TEST_CASE("an LDAP directory down: a clear message there, the other directories keep working",
          "[interop][redis][ldap]") {
    SlapdServer slapd;
    SesameInstance sesame{SesameOptions{requiredEnv("SESAME_TEST_REDIS"), slapd.url(), {}, true}};
    slapd.stop();
    Browser browser;
    auto refused = logIn(browser, portalFor(browser, sesame), teacher, "demo", false);
    CHECK(refused.status == 503);
    CHECK(textContent(refused.body).find("ne répond pas") != std::string::npos);
    // /readyz checks Redis only: a load balancer must not take every node out for one directory.
    CHECK(readyz(sesame) == 200);
    // Local accounts do not depend on it.
    Browser other;
    CHECK(logIn(other, portalFor(other, sesame), partner, "demo", false).isRedirect());
    // The directory comes back: no restart of Sesame needed.
    slapd.start();
    Browser later;
    auto back = logIn(later, portalFor(later, sesame), teacher, "demo", false);
    CHECK(back.isRedirect());
}

TEST_CASE("hostile input gets the protocol's error and leaves other sessions untouched",
          "[interop][redis][ldap]") {
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    // Someone is logged in, and must stay so whatever happens below.
    Browser bystander;
    REQUIRE(logIn(bystander, portalFor(bystander, sesame), teacher, "demo", false).isRedirect());

    RawOptions tls;
    tls.tls = true;
    SECTION("malformed HTTP") {
        auto reply =
            rawExchange("127.0.0.1", sesame.port(), "GARBAGE \x01\x02 nonsense\r\n\r\n", tls);
        CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
    }
    SECTION("oversized headers") {
        std::string request =
            "GET /cas/login HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
        CHECK(rawExchange("127.0.0.1", sesame.port(), request, tls).rfind("HTTP/1.1 431", 0) == 0);
    }
    SECTION("oversized body") {
        Browser b;
        auto r = b.postRaw(sesame.baseUrl() + "/login", "application/x-www-form-urlencoded",
                           std::string(200000, 'a'));
        CHECK(r.status == 413);
    }
    SECTION("an unregistered service: an error page and no redirect") {
        Browser b;
        auto r = b.get(sesame.casUrl() +
                       "/login?service=" + percentEncode("https://evil.example/steal"));
        CHECK(r.status == 400);
        CHECK_FALSE(r.header("Location"));
        CHECK(textContent(r.body).find("https://evil.example/steal") != std::string::npos);
        auto logout = b.get(sesame.casUrl() +
                            "/logout?service=" + percentEncode("https://evil.example/steal"));
        CHECK_FALSE(logout.header("Location"));
    }
    SECTION("markup in parameters is escaped") {
        Browser b;
        auto r = b.get(sesame.casUrl() + "/login?service=" +
                       percentEncode("https://x.example/<script>alert(1)</script>"));
        CHECK(r.body.find("<script>") == std::string::npos);
        auto v = b.get(sesame.casUrl() +
                       "/serviceValidate?service=" + percentEncode("http://127.0.0.1:9/<b>") +
                       "&ticket=" + percentEncode("ST-<x>\"&"));
        CHECK(v.body.find("<b>") == std::string::npos);
        CHECK(v.body.find("INVALID_TICKET") != std::string::npos);
    }
    SECTION("repeated and missing parameters, invalid percent-encoding and UTF-8") {
        Browser b;
        auto repeated = b.get(sesame.casUrl() + "/serviceValidate?service=a&service=b&ticket=ST-1");
        CHECK(repeated.body.find("INVALID_REQUEST") != std::string::npos);
        auto missing = b.get(sesame.casUrl() + "/p3/serviceValidate");
        CHECK(missing.body.find("INVALID_REQUEST") != std::string::npos);
        auto badEscape = rawExchange(
            "127.0.0.1", sesame.port(),
            "GET /cas/login?service=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            tls);
        CHECK(badEscape.rfind("HTTP/1.1 400", 0) == 0);
        auto badUtf8 =
            b.get(sesame.casUrl() + "/login?service=http%3A%2F%2F127.0.0.1%3A9%2F%FF%FE");
        CHECK(badUtf8.status == 400);
        CHECK_FALSE(badUtf8.header("Location"));
    }
    SECTION("a forged login form (no CSRF token) is refused") {
        Browser b;
        auto page = loginForm(b, portalFor(b, sesame), "partenaire");
        auto form = findForm(page.body, "/login");
        REQUIRE(form);
        form->set("csrf", "forged").set("login", "anim.periscolaire").set("password", "demo");
        auto r = b.post(resolveUrl(page.url, form->action), form->fields);
        CHECK(r.status == 403);
    }
    // Whatever happened, Sesame is up and the bystander still has single sign-on.
    CHECK(sesame.running());
    auto sso = bystander.get(sesame.casUrl() + "/login?service=" + percentEncode(service));
    REQUIRE(sso.isRedirect());
    CHECK(sso.location().find("ticket=ST-") != std::string::npos);
}
