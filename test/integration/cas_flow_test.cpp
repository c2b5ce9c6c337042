// The whole browser flow, through real parts: a browser (test/support Browser) opens a demo ENT
// service behind Apache httpd + mod_auth_cas, is sent to Sesame (a real `sesame serve` process),
// logs in against the demo slapd or the local accounts, and lands back in the service, which
// shows what mod_auth_cas received from /cas/p3/serviceValidate. Sessions live in a real Redis.
#include <catch2/catch.hpp>

#include <regex>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

// One Sesame and one Apache for the test cases of this file that do not break anything.
struct DemoEnvironment {
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                      requiredEnv("SESAME_TEST_LDAP"),
                      {{"per_account: { attempts: 5", "per_account: { attempts: 3"}},
                      true}};
    ApacheCasService apache{ApacheCasOptions{sesame.casUrl(), sesame.caFile()}};
};

DemoEnvironment& demo() {
    static DemoEnvironment environment;
    return environment;
}

Browser newBrowser() {
    return Browser{};
}

// Opens `location` of the demo service and expects to be sent to Sesame's portal.
Response openService(Browser& browser, const std::string& location) {
    auto r = browser.follow(browser.get(demo().apache.serviceUrl(location)), 10);
    return r;
}

bool onSesame(const Response& r) {
    return r.url.rfind(demo().sesame.baseUrl(), 0) == 0;
}

}  // namespace

TEST_CASE("each demo person logs in through mod_auth_cas and the service shows who they are",
          "[interop][ldap][redis]") {
    for (const auto* person : {&teacher, &director, &communeAgent, &partner, &pupil, &parent}) {
        DYNAMIC_SECTION(person->login) {
            Browser browser = newBrowser();
            auto portal = openService(browser, "app1");
            REQUIRE(onSesame(portal));
            REQUIRE(portal.status == 200);
            auto landed = logIn(browser, portal, *person);
            INFO(textContent(landed.body));
            REQUIRE(landed.status == 200);
            CHECK(landed.url.rfind(demo().apache.serviceUrl("app1"), 0) == 0);
            auto text = textContent(landed.body);
            CHECK(text.find(person->login) != std::string::npos);
            CHECK(text.find(person->profile) != std::string::npos);
            CHECK(text.find(person->habilitation) != std::string::npos);
            if (person == &teacher || person == &director || person == &pupil)
                CHECK(text.find("0690001A") != std::string::npos);
        }
    }
}

TEST_CASE("a second CAS service opens without credentials (single sign-on)",
          "[interop][ldap][redis]") {
    Browser browser = newBrowser();
    auto landed = logIn(browser, openService(browser, "app1"), teacher);
    REQUIRE(landed.status == 200);
    auto second = openService(browser, "app2");
    INFO(textContent(second.body));
    CHECK(second.status == 200);
    CHECK(second.url.rfind(demo().apache.serviceUrl("app2"), 0) == 0);
    CHECK(textContent(second.body).find("prof.herriot") != std::string::npos);
    // No login form was shown on the way.
    for (const auto& hop : second.hops) CHECK(hop.url.find("/login?flow=") == std::string::npos);
}

TEST_CASE("a pupil who opens a staff-only service gets a French page saying what is needed",
          "[interop][ldap][redis]") {
    Browser browser = newBrowser();
    REQUIRE(logIn(browser, openService(browser, "app1"), pupil).status == 200);
    auto refused = openService(browser, "staff");
    CHECK(refused.status == 403);
    CHECK(onSesame(refused));
    auto text = textContent(refused.body);
    INFO(text);
    CHECK(refused.body.find("lang=\"fr\"") != std::string::npos);
    CHECK(text.find("Enseignant") != std::string::npos);  // an accepted profile, by name
    // A teacher is let in.
    Browser teacherBrowser = newBrowser();
    auto staff = logIn(teacherBrowser, openService(teacherBrowser, "staff"), teacher);
    CHECK(staff.status == 200);
    CHECK(textContent(staff.body).find("prof.herriot") != std::string::npos);
}

TEST_CASE("Se déconnecter ends the Sesame session and every mod_auth_cas session it opened",
          "[interop][ldap][redis]") {
    Browser browser = newBrowser();
    REQUIRE(logIn(browser, openService(browser, "app1"), director).status == 200);
    REQUIRE(openService(browser, "app2").status == 200);
    auto logout = browser.follow(browser.get(demo().sesame.casUrl() + "/logout?service=" +
                                             percentEncode(demo().apache.serviceUrl("app1"))),
                                 10);
    INFO(textContent(logout.body));
    // Both services were told: their next request goes back to Sesame, which asks who you are.
    for (const char* location : {"app1", "app2"}) {
        auto again = openService(browser, location);
        CHECK(onSesame(again));
        CHECK(again.body.find("choice=") != std::string::npos);
    }
}

// The portal's /logout confirmation, as a person goes through it: GET shows the question, the
// button POSTs the form with its token.
Response confirmLogout(Browser& browser) {
    auto question = browser.get(demo().sesame.baseUrl() + "/logout");
    REQUIRE(question.status == 200);
    auto form = findForm(question.body, "/logout");
    REQUIRE(form);
    CHECK(form->method == "POST");
    return browser.post(resolveUrl(question.url, form->action), form->fields);
}

// Whether the browser's Sesame session still gives tickets (single sign-on).
bool hasSession(Browser& browser) {
    auto r = browser.get(demo().sesame.casUrl() +
                         "/login?service=" + percentEncode(demo().apache.serviceUrl("app1")));
    return r.isRedirect() && r.location().find("ticket=ST-") != std::string::npos;
}

TEST_CASE("the logged-out page names the services that were told", "[interop][ldap][redis]") {
    Browser browser;
    REQUIRE(logIn(browser, openService(browser, "app1"), partner).status == 200);
    REQUIRE(openService(browser, "app2").status == 200);
    auto page = confirmLogout(browser);
    CHECK(page.status == 200);
    auto text = textContent(page.body);
    INFO(text);
    CHECK(text.find("Service de démonstration") != std::string::npos);
    CHECK(text.find(demo().apache.serviceUrl("app1")) != std::string::npos);
    CHECK(text.find(demo().apache.serviceUrl("app2")) != std::string::npos);
}

// A link or an image on another site (<img src="https://sesame/logout">) must not sign people
// out: the portal's logout is a POST with a token tied to the session; only the CAS protocol's
// own /cas/logout stays a GET (CAS 3.0 §2.3), as services link to it.
TEST_CASE("the portal's logout needs the POST of its confirmation form with the session's token",
          "[interop][ldap][redis]") {
    Browser browser;
    REQUIRE(logIn(browser, openService(browser, "app1"), teacher).status == 200);
    REQUIRE(openService(browser, "app2").status == 200);
    const auto logoutUrl = demo().sesame.baseUrl() + "/logout";

    // A cross-site GET (no Referer, no token) shows the question, in French first.
    auto question = browser.get(logoutUrl, {{"Sec-Fetch-Site", "cross-site"}});
    INFO(textContent(question.body));
    CHECK(question.status == 200);
    CHECK(question.body.find("lang=\"fr\"") != std::string::npos);
    CHECK(textContent(question.body).find("Se déconnecter") != std::string::npos);
    CHECK(hasSession(browser));

    // A POST without the token, or with another one, changes nothing.
    auto noToken = browser.post(logoutUrl, {});
    CHECK(noToken.status == 403);
    CHECK(hasSession(browser));
    auto wrongToken = browser.post(logoutUrl, {{"csrf", "not-the-token"}});
    CHECK(wrongToken.status == 403);
    CHECK(hasSession(browser));
    // Another person's token does not work either.
    Browser other;
    REQUIRE(logIn(other, openService(other, "app1"), director).status == 200);
    auto otherForm = findForm(other.get(logoutUrl).body, "/logout");
    REQUIRE(otherForm);
    CHECK(browser.post(logoutUrl, otherForm->fields).status == 403);
    CHECK(hasSession(browser));
    CHECK(hasSession(other));

    // The form's POST ends the session everywhere: Sesame's and both services'.
    auto done = confirmLogout(browser);
    CHECK(done.status == 200);
    CHECK_FALSE(hasSession(browser));
    for (const char* location : {"app1", "app2"}) {
        auto again = openService(browser, location);
        CHECK(onSesame(again));
        CHECK(again.body.find("choice=") != std::string::npos);
    }
    CHECK(hasSession(other));
}

TEST_CASE("renew=true asks for credentials again, gateway=true returns without a ticket",
          "[interop][ldap][redis]") {
    const std::string service = demo().apache.serviceUrl("app1");
    Browser browser = newBrowser();
    // gateway without a session: straight back to the service, no ticket.
    auto passive = browser.get(demo().sesame.casUrl() +
                               "/login?gateway=true&service=" + percentEncode(service));
    REQUIRE(passive.isRedirect());
    CHECK(passive.location() == service);

    REQUIRE(logIn(browser, openService(browser, "app1"), teacher).status == 200);
    // With a session, a plain login gives a ticket at once ...
    auto sso = browser.get(demo().sesame.casUrl() + "/login?service=" + percentEncode(service));
    REQUIRE(sso.isRedirect());
    CHECK(sso.location().find("ticket=ST-") != std::string::npos);
    // ... but renew=true shows the portal again.
    auto renew = browser.follow(
        browser.get(demo().sesame.casUrl() + "/login?renew=true&service=" + percentEncode(service)),
        5);
    CHECK(onSesame(renew));
    CHECK(renew.status == 200);
    CHECK(renew.body.find("choice=") != std::string::npos);
}

TEST_CASE("mod_auth_cas validating with SAML 1.1 (/samlValidate) and with CAS 2.0 /serviceValidate",
          "[interop][ldap][redis]") {
    for (auto validation : {CasValidation::samlValidate, CasValidation::serviceValidate}) {
        DYNAMIC_SECTION("validation " << static_cast<int>(validation)) {
            ApacheCasService apache{
                ApacheCasOptions{demo().sesame.casUrl(), demo().sesame.caFile(), validation}};
            Browser browser;
            auto portal = browser.follow(browser.get(apache.serviceUrl("app1")), 10);
            REQUIRE(onSesame(portal));
            auto landed = logIn(browser, portal, director);
            INFO(textContent(landed.body));
            REQUIRE(landed.status == 200);
            CHECK(landed.url.rfind(apache.serviceUrl("app1"), 0) == 0);
            CHECK(textContent(landed.body).find("dir.herriot") != std::string::npos);
            // Attributes arrive both ways, also over SAML 1.1 to this http:// service: the
            // back channel that carries them is Sesame's own https.
            REQUIRE(apache.serviceUrl("app1").rfind("http://", 0) == 0);
            CHECK(textContent(landed.body).find("National_DIR") != std::string::npos);
        }
    }
}

TEST_CASE("session cookie and security headers are those of a production gateway",
          "[interop][ldap][redis]") {
    Browser browser;
    auto portal = openService(browser, "app1");
    for (const char* header : {"Content-Security-Policy", "Strict-Transport-Security",
                               "X-Content-Type-Options", "X-Request-Id"})
        CHECK(portal.header(header));
    CHECK(portal.header("Cache-Control").value_or("").find("no-store") != std::string::npos);
    CHECK(portal.header("Content-Security-Policy").value_or("").find("frame-ancestors 'none'") !=
          std::string::npos);

    auto form = loginForm(browser, portal, teacher.choice);
    // The form's POST is answered by a redirect to the service: browsers check that redirect
    // against the form page's CSP form-action, which must name the service's origin.
    CHECK(form.header("Content-Security-Policy")
              .value_or("")
              .find("form-action 'self' " + demo().apache.baseUrl()) != std::string::npos);
    auto fields = findForm(form.body, "/login");
    REQUIRE(fields);
    fields->set("login", teacher.login).set("password", "demo");
    auto posted = browser.post(resolveUrl(form.url, fields->action), fields->fields);
    REQUIRE(posted.isRedirect());
    // Both cookies carry the __Host- prefix (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain,
    // so that no other host of the domain (a compromised school site) can set or shadow them.
    std::string sessionCookie;
    for (const auto& c : posted.headerValues("Set-Cookie"))
        if (c.rfind("__Host-SESAME=", 0) == 0) sessionCookie = c;
    INFO(sessionCookie);
    CHECK(sessionCookie.find("; Secure") != std::string::npos);
    CHECK(sessionCookie.find("; Path=/;") != std::string::npos);
    CHECK(sessionCookie.find("Domain") == std::string::npos);
    CHECK(sessionCookie.find("; HttpOnly") != std::string::npos);
    CHECK(sessionCookie.find("; SameSite=Lax") != std::string::npos);
    CHECK(sessionCookie.size() > std::string("__Host-SESAME=").size() + 40);  // 256-bit id
    CHECK(browser.cookies().value("127.0.0.1", "__Host-SESAME_FLOW"));
    for (const auto& c : browser.cookies().all())
        if (c.name.find("SESAME") != std::string::npos) CHECK(c.name.rfind("__Host-", 0) == 0);

    // What the operators see: the login and the tickets counted.
    Browser ops;
    auto metrics = ops.get(demo().sesame.baseUrl() + "/metrics").body;
    CHECK(metrics.find("sesame_logins_total{directory=\"academie\",result=\"success\"}") !=
          std::string::npos);
    CHECK(metrics.find("sesame_tickets_issued_total") != std::string::npos);
    CHECK(metrics.find("sesame_tickets_validated_total") != std::string::npos);
    CHECK(metrics.find("sesame_http_request_duration_seconds_bucket") != std::string::npos);
}

TEST_CASE("no link or form of a portal page leaves the site, whatever path was asked",
          "[interop][redis]") {
    const auto base = demo().sesame.baseUrl();
    const std::regex target("(?:href|action)=\"([^\"]*)\"");
    for (const char* path : {"//evil.example/", "//evil.example/login", "/%2F%2Fevil.example/",
                             "/%5Cevil.example/", "///evil.example/?lang=en"}) {
        DYNAMIC_SECTION(path) {
            Browser browser;
            auto page = browser.get(base + path);
            INFO(page.body);
            CHECK(page.status == 404);
            std::size_t links = 0;
            for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), target);
                 it != std::sregex_iterator(); ++it, ++links) {
                auto resolved = resolveUrl(page.url, decodeEntities((*it)[1].str()));
                INFO(resolved);
                CHECK(Url::parse(resolved).origin() == base);
            }
            CHECK(links >= 2);  // the stylesheet and the language switch at least
        }
    }
}
