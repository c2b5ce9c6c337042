// phpCAS 1.6 (Debian php-cas), the CAS client of Moodle, GLPI and most PHP services of schools,
// used unchanged the way a vendor's application uses it (etc/demo/apache/phpcas/index.php under
// mod_php at /php/), against a real Sesame, the demo slapd and a real Redis. What phpCAS needs
// from a CAS server, read in /usr/share/php/CAS/source/CAS/Client.php, is in
// etc/demo/apache/README.md; each expectation below says which part of phpCAS it exercises.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <filesystem>
#include <regex>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

const char* const phpSessionCookie = "SESAMEPHPCAS";  // session.name in httpd.conf.in

// One Sesame and one Apache (mod_auth_cas locations and the phpCAS page) for the whole file.
struct PhpEnvironment {
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    ApacheCasService apache{ApacheCasOptions{sesame.casUrl(), sesame.caFile()}};
};

PhpEnvironment& demo() {
    if (!ApacheCasService::phpAvailable())
        throw HarnessError(
            "mod_php or phpCAS is missing (/usr/lib/apache2/modules/libphp*.so, "
            "/usr/share/php/CAS.php): install libapache2-mod-php php-cas php-xml php-curl "
            "(scripts/install-deps.sh)");
    static PhpEnvironment environment;
    return environment;
}

std::string phpUrl() {
    return demo().apache.serviceUrl("php");
}

bool onSesame(const Response& r) {
    return r.url.rfind(demo().sesame.baseUrl(), 0) == 0;
}

// What to read when phpCAS and Sesame disagree.
std::string logs() {
    return "--- sesame\n" + demo().sesame.logTail(20) + "--- apache error.log\n" +
           demo().apache.errorLogTail(10) + "--- php_error.log\n" +
           demo().apache.phpErrorLogTail(10);
}

// The ticket phpCAS validated: the hop that came back to /php/?ticket=ST-...
std::string ticketOf(const Response& landed) {
    for (const auto& hop : landed.hops)
        if (hop.url.rfind(phpUrl() + "?", 0) == 0)
            if (auto t = queryParameter(hop.url, "ticket")) return *t;
    return {};
}

std::string phpSession(const Browser& browser) {
    return browser.cookies().value("127.0.0.1", phpSessionCookie).value_or("");
}

bool phpSessionExists(const std::string& id) {
    return !id.empty() && std::filesystem::exists(demo().apache.phpSessionDir() / ("sess_" + id));
}

// What PHP keeps in that session (phpCAS's user and attributes once logged in).
std::string phpSessionData(const std::string& id) {
    return phpSessionExists(id) ? readFile(demo().apache.phpSessionDir() / ("sess_" + id)) : "";
}

std::string sha256Hex(const std::string& text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

// Opens /php/ and logs `person` in on Sesame's portal; returns the page phpCAS lands on.
Response logInThroughPhp(Browser& browser, const DemoPerson& person) {
    auto portal = browser.follow(browser.get(phpUrl()), 10);
    INFO(logs());
    REQUIRE(onSesame(portal));
    return logIn(browser, portal, person);
}

}  // namespace

TEST_CASE("a demo person logs in to a phpCAS application, which shows who she is",
          "[interop][ldap][redis]") {
    for (const auto* person : {&teacher, &parent}) {
        DYNAMIC_SECTION(person->login) {
            Browser browser;
            auto portal = browser.follow(browser.get(phpUrl()), 10);
            INFO(logs());
            REQUIRE(onSesame(portal));
            // phpCAS sends the service URL built from its service base URL and the request path.
            REQUIRE(portal.hops.size() >= 2);
            CHECK(queryParameter(portal.hops[1].url, "service").value_or("") == phpUrl());

            auto landed = logIn(browser, portal, *person);
            auto text = textContent(landed.body);
            INFO(text);
            REQUIRE(landed.status == 200);
            // phpCAS validated the ticket on /cas/p3/serviceValidate, then sent the browser to
            // the same URL without it (CAS_Client::isAuthenticated, _clearTicketsFromUrl).
            CHECK(landed.url == phpUrl());
            const std::string ticket = ticketOf(landed);
            CHECK(ticket.rfind("ST-", 0) == 0);
            // phpCAS::getUser() and phpCAS::getAttributes(), parsed from the CAS 3.0 response.
            CHECK(landed.body.find("id=\"remote-user\">" + person->login + "<") !=
                  std::string::npos);
            for (const char* name : {"ENTPersonProfils", "habilitation", "displayName"})
                CHECK(text.find(name) != std::string::npos);
            CHECK(text.find(person->profile) != std::string::npos);
            CHECK(text.find(person->habilitation) != std::string::npos);
            if (person == &teacher) {
                CHECK(landed.body.find(
                          "<th scope=\"row\">ENTPersonStructRattachRNE</th><td>0690001A<") !=
                      std::string::npos);
                CHECK(text.find("Camille Durand") != std::string::npos);  // UTF-8 kept
            }

            // The PHP session was renamed after the ticket, with the salt (setSessionIdSalt):
            // its id cannot be computed from a ticket seen in a log.
            const std::string session = phpSession(browser);
            CHECK(std::regex_match(session, std::regex("[0-9a-f]{64}")));
            CHECK(session != sha256Hex(ticket));
            CHECK(phpSessionExists(session));

            // A second visit is served from the PHP session: no trip to Sesame.
            auto again = browser.get(phpUrl());
            CHECK(again.status == 200);
            CHECK(again.body.find("id=\"remote-user\">" + person->login + "<") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("Sesame's logout reaches phpCAS by single logout, after SSO from a mod_auth_cas service",
          "[interop][ldap][redis]") {
    Browser browser;
    auto app1 =
        logIn(browser, browser.follow(browser.get(demo().apache.serviceUrl("app1")), 10), director);
    REQUIRE(app1.status == 200);

    // Single sign-on: the phpCAS application opens without a login form.
    auto php = browser.follow(browser.get(phpUrl()), 10);
    INFO(textContent(php.body) << "\n" << logs());
    REQUIRE(php.status == 200);
    CHECK(php.url == phpUrl());
    CHECK(php.body.find("id=\"remote-user\">dir.herriot<") != std::string::npos);
    for (const auto& hop : php.hops) CHECK(hop.url.find("/login?flow=") == std::string::npos);
    const std::string session = phpSession(browser);
    REQUIRE(phpSessionData(session).find("dir.herriot") != std::string::npos);

    // Logging out on Sesame only: the application is never visited on the way.
    auto logout = browser.follow(browser.get(demo().sesame.casUrl() + "/logout"), 5);
    CHECK(logout.status == 200);
    {
        INFO("Sesame's back-channel POST logoutRequest=<samlp:LogoutRequest> to "
             << phpUrl()
             << " must make phpCAS destroy the PHP session sha256(salt + ticket) it opened: "
                "phpCAS reads the ticket with the regular expression "
                "<samlp:SessionIndex>(.*)</samlp:SessionIndex> (literal samlp: prefix, no "
                "attribute) after urldecode()-ing the already decoded parameter, and obeys only "
                "senders listed in handleLogoutRequests(true, SESAME_LOGOUT_CLIENTS) "
                "(CAS_Client::handleLogoutRequests; CAS Protocol 3.0 §2.3.3 and Appendix C)");
        CHECK_FALSE(phpSessionExists(session));
    }
    // The browser still sends its old cookie, and phpCAS sends it back to Sesame, which asks
    // who you are.
    auto again = browser.get(phpUrl());
    REQUIRE(again.isRedirect());
    CHECK(again.location().rfind(demo().sesame.casUrl() + "/login?service=", 0) == 0);
    auto portal = browser.follow(again, 10);
    CHECK(onSesame(portal));
    CHECK(portal.body.find("choice=") != std::string::npos);
    // And the mod_auth_cas service was told as well.
    CHECK(onSesame(browser.follow(browser.get(demo().apache.serviceUrl("app1")), 10)));
}

TEST_CASE("the phpCAS page's Se déconnecter ends its session and Sesame's",
          "[interop][ldap][redis]") {
    Browser browser;
    auto landed = logInThroughPhp(browser, teacher);
    REQUIRE(landed.status == 200);
    const std::string session = phpSession(browser);
    REQUIRE(phpSessionData(session).find("prof.herriot") != std::string::npos);
    std::smatch link;
    REQUIRE(std::regex_search(landed.body, link, std::regex("href=\"([^\"]*)\">Se déconnecter<")));

    auto out =
        browser.follow(browser.get(resolveUrl(landed.url, decodeEntities(link[1].str()))), 10);
    INFO(textContent(out.body) << "\n" << logs());
    // phpCAS::logoutWithRedirectService: /cas/logout?service=<the page>, back to the page, which
    // sends the browser to Sesame's portal again: nobody is logged in any more.
    bool sawLogout = false;
    for (const auto& hop : out.hops)
        if (hop.url.rfind(demo().sesame.casUrl() + "/logout?service=", 0) == 0) sawLogout = true;
    CHECK(sawLogout);
    // phpCAS destroyed its session before leaving; PHP may reopen an empty one under the same id
    // when the browser comes back with its old cookie (phpCAS's save handler accepts any id).
    CHECK(phpSessionData(session).find("prof.herriot") == std::string::npos);
    CHECK(onSesame(out));
    CHECK(out.body.find("choice=") != std::string::npos);
}

TEST_CASE("phpCAS refuses forged, replayed and other services' tickets", "[interop][ldap][redis]") {
    auto refused = [](Browser& browser, const std::string& ticket, const char* code) {
        auto r = browser.get(phpUrl() + "?ticket=" + ticket);
        auto text = textContent(r.body);
        INFO(text << "\n" << logs());
        CHECK(r.status == 401);
        CHECK(text.find("Connexion refusée") != std::string::npos);
        CHECK(text.find(std::string("[") + code + "]") != std::string::npos);
        CHECK(r.body.find("remote-user") == std::string::npos);
        // Nobody was logged in: the next visit goes to Sesame.
        auto next = browser.get(phpUrl());
        REQUIRE(next.isRedirect());
        CHECK(next.location().rfind(demo().sesame.casUrl() + "/login?service=", 0) == 0);
    };

    SECTION("a forged ticket") {
        Browser browser;
        // The shape of Sesame's tickets (ST- and 43 letters or digits), never issued.
        refused(browser, "ST-forged" + std::string(37, 'x'), "INVALID_TICKET");
    }
    SECTION("a ticket phpCAS already validated, replayed in another browser") {
        Browser person;
        auto landed = logInThroughPhp(person, teacher);
        REQUIRE(landed.status == 200);
        const std::string ticket = ticketOf(landed);
        REQUIRE(!ticket.empty());
        Browser attacker;
        refused(attacker, ticket, "INVALID_TICKET");
    }
    SECTION("a ticket issued for another service (a mod_auth_cas one)") {
        Browser person;
        REQUIRE(logInThroughPhp(person, teacher).status == 200);
        auto sso = person.get(demo().sesame.casUrl() +
                              "/login?service=" + percentEncode(demo().apache.serviceUrl("app1")));
        REQUIRE(sso.isRedirect());
        const std::string ticket = queryParameter(sso.location(), "ticket").value_or("");
        REQUIRE(ticket.rfind("ST-", 0) == 0);
        Browser attacker;
        refused(attacker, ticket, "INVALID_SERVICE");
    }
}
