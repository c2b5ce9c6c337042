// CAS protocol behaviour a client library notices, against a real Sesame with real Redis and
// slapd: tickets are single-use (also under 50 concurrent validations), bound to their service,
// the proxy flow (PGT -> PT -> proxyValidate), throttling, and hostile input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include "test/integration/demo_people.hpp"
#include "test/integration/https_callback.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

using namespace sesame::testing;

namespace {

SesameInstance& gateway() {
    static SesameInstance instance{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                      requiredEnv("SESAME_TEST_LDAP"),
                      {{"per_account: { attempts: 5", "per_account: { attempts: 3"}},
                      true}};
    return instance;
}

// A service URL of the demo registry (any loopback URL); nothing listens there: tests read the
// ticket from Sesame's redirect without following it.
const std::string serviceA = "http://127.0.0.1:9/app-a/";
const std::string serviceB = "http://127.0.0.1:9/app-b/";

std::string casLogin(const std::string& service, const std::string& extra = {}) {
    return gateway().casUrl() + "/login?service=" + percentEncode(service) + extra;
}

// Follows redirects while they stay on Sesame; returns the first response that does not. The
// Location is looked at as sent: a service URL need not be one the harness can parse.
Response followOnSesame(Browser& browser, Response r) {
    auto onSesame = [](const Response& r) {
        auto to = r.header("Location").value_or("");
        return r.isRedirect() && (to.rfind(gateway().baseUrl(), 0) == 0 ||
                                  (to.rfind("/", 0) == 0 && to.rfind("//", 0) != 0));
    };
    for (int hop = 0; hop < 10 && onSesame(r); ++hop) r = browser.get(r.location());
    return r;
}

// The ticket Sesame appended to a service URL (the last parameter it adds).
std::string ticketIn(const std::string& location) {
    auto at = location.rfind("ticket=");
    return at == std::string::npos ? "" : location.substr(at + 7, location.find('&', at) - at - 7);
}

// Logs `person` in for `service` and returns the ticket Sesame redirected to the service with.
std::string ticketFor(Browser& browser, const std::string& service,
                      const DemoPerson& person = teacher) {
    auto portal = followOnSesame(browser, browser.get(casLogin(service)));
    if (portal.isRedirect()) return ticketIn(*portal.header("Location"));
    auto page = loginForm(browser, portal, person.choice);
    auto form = findForm(page.body, "/login");
    if (!form) throw HarnessError("no login form:\n" + textContent(page.body));
    form->set("login", person.login).set("password", "demo");
    auto posted =
        followOnSesame(browser, browser.post(resolveUrl(page.url, form->action), form->fields));
    if (!posted.isRedirect())
        throw HarnessError("no redirect after login:\n" + textContent(posted.body));
    return ticketIn(*posted.header("Location"));
}

std::string validate(const std::string& path, const std::string& service, const std::string& ticket,
                     const std::string& extra = {}) {
    Browser b;
    return b
        .get(gateway().casUrl() + path + "?service=" + percentEncode(service) +
             "&ticket=" + percentEncode(ticket) + extra)
        .body;
}

bool success(const std::string& xml) {
    return xml.find("<cas:authenticationSuccess>") != std::string::npos;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    auto start = text.find(open);
    if (start == std::string::npos) return {};
    start += open.size();
    return text.substr(start, text.find(close, start) - start);
}

// A proxy-granting ticket for `service`, from a fresh ticket of the browser's session validated
// with the callback's pgtUrl.
std::string pgtFor(Browser& browser, HttpsCallback& callback, const std::string& service) {
    auto validated = validate("/p3/serviceValidate", service, ticketFor(browser, service),
                              "&pgtUrl=" + percentEncode(callback.url("/pgtCallback")));
    if (!success(validated)) throw HarnessError("no PGT:\n" + validated);
    auto targets = callback.targets();
    if (targets.empty()) throw HarnessError("the pgtUrl callback was not called");
    return queryParameter("https://x" + targets.back(), "pgtId").value_or("");
}

std::string proxyTicket(const std::string& pgt, const std::string& target) {
    Browser backend;
    return between(backend
                       .get(gateway().casUrl() + "/proxy?pgt=" + percentEncode(pgt) +
                            "&targetService=" + percentEncode(target))
                       .body,
                   "<cas:proxyTicket>", "</cas:proxyTicket>");
}

// A command to the Redis server Sesame uses (what an operator would see with redis-cli).
std::string redis(const std::vector<std::string>& command) {
    auto address = requiredEnv("SESAME_TEST_REDIS");
    auto colon = address.rfind(':');
    std::vector<std::string> args{"-h", address.substr(0, colon), "-p", address.substr(colon + 1)};
    args.insert(args.end(), command.begin(), command.end());
    TempDir logs;
    auto result = runCommand(ProcessSpec{"redis-cli", args, {}, {}, logs.path(), "redis-cli"});
    if (result.exitCode != 0) throw HarnessError("redis-cli failed: " + result.output);
    return result.output;
}

}  // namespace

TEST_CASE("a service ticket validates once, for its own service only", "[interop][redis]") {
    Browser browser;
    auto ticket = ticketFor(browser, serviceA);
    REQUIRE(ticket.rfind("ST-", 0) == 0);
    CHECK(ticket.size() >= 3 + 22);  // >= 128 bits of base64url

    auto first = validate("/p3/serviceValidate", serviceA, ticket);
    INFO(first);
    REQUIRE(success(first));
    CHECK(first.find("<cas:user>prof.herriot</cas:user>") != std::string::npos);
    CHECK(first.find("National_ENS") != std::string::npos);

    auto second = validate("/p3/serviceValidate", serviceA, ticket);
    CHECK(second.find("code=\"INVALID_TICKET\"") != std::string::npos);

    auto other = ticketFor(browser, serviceA);
    auto wrongService = validate("/serviceValidate", serviceB, other);
    CHECK(wrongService.find("code=\"INVALID_SERVICE\"") != std::string::npos);
    // ... and the ticket is gone after that attempt (CAS 3.0 §3.1.2).
    CHECK(validate("/serviceValidate", serviceA, other).find("INVALID_TICKET") !=
          std::string::npos);

    CHECK(validate("/serviceValidate", serviceA, "").find("INVALID_REQUEST") != std::string::npos);
    auto json =
        validate("/p3/serviceValidate", serviceA, ticketFor(browser, serviceA), "&format=JSON");
    CHECK(json.find("\"authenticationSuccess\"") != std::string::npos);
    auto v1 = validate("/validate", serviceA, ticketFor(browser, serviceA));
    CHECK(v1 == "yes\nprof.herriot\n");
}

TEST_CASE("fifty concurrent validations of one ticket give exactly one success",
          "[interop][redis]") {
    Browser browser;
    auto ticket = ticketFor(browser, serviceA);
    std::atomic<int> successes{0}, refusals{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
        threads.emplace_back([&] {
            auto body = validate("/serviceValidate", serviceA, ticket);
            if (success(body)) ++successes;
            if (body.find("INVALID_TICKET") != std::string::npos) ++refusals;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(successes == 1);
    CHECK(refusals == 49);
}

TEST_CASE("proxy flow: pgtUrl callback, PGT, proxy ticket, proxyValidate", "[interop][redis]") {
    HttpsCallback callback(gateway().caFile(), gateway().keyFile());
    Browser browser;
    auto ticket = ticketFor(browser, serviceA);
    auto pgtUrl = callback.url("/pgtCallback");
    auto validated =
        validate("/p3/serviceValidate", serviceA, ticket, "&pgtUrl=" + percentEncode(pgtUrl));
    INFO(validated);
    REQUIRE(success(validated));
    auto iouStart = validated.find("<cas:proxyGrantingTicket>");
    REQUIRE(iouStart != std::string::npos);
    auto targets = callback.targets();
    REQUIRE(targets.size() == 1);
    auto pgt = queryParameter("https://x" + targets[0], "pgtId");
    auto iou = queryParameter("https://x" + targets[0], "pgtIou");
    REQUIRE(pgt);
    REQUIRE(iou);
    CHECK(validated.find(*iou) != std::string::npos);

    Browser backend;
    auto proxy = backend.get(gateway().casUrl() + "/proxy?pgt=" + percentEncode(*pgt) +
                             "&targetService=" + percentEncode(serviceB));
    INFO(proxy.body);
    auto ptStart = proxy.body.find("<cas:proxyTicket>");
    REQUIRE(ptStart != std::string::npos);
    auto pt = proxy.body.substr(ptStart + 17, proxy.body.find("</cas:proxyTicket>") - ptStart - 17);
    CHECK(pt.rfind("PT-", 0) == 0);
    // A proxy ticket is not a service ticket (CAS 3.0 §2.5) ...
    CHECK(validate("/serviceValidate", serviceB, pt).find("INVALID_TICKET_SPEC") !=
          std::string::npos);
    // ... and validates at proxyValidate, once, showing the proxy chain.
    auto pt2 = backend
                   .get(gateway().casUrl() + "/proxy?pgt=" + percentEncode(*pgt) +
                        "&targetService=" + percentEncode(serviceB))
                   .body;
    auto pt2Start = pt2.find("<cas:proxyTicket>");
    REQUIRE(pt2Start != std::string::npos);
    auto pt2Id = pt2.substr(pt2Start + 17, pt2.find("</cas:proxyTicket>") - pt2Start - 17);
    auto proxied = validate("/p3/proxyValidate", serviceB, pt2Id);
    INFO(proxied);
    CHECK(success(proxied));
    CHECK(proxied.find("<cas:proxy>") != std::string::npos);
    CHECK(validate("/p3/proxyValidate", serviceB, pt2Id).find("INVALID_TICKET") !=
          std::string::npos);

    // A pgtUrl that is not https gets no PGT.
    auto plain = validate("/p3/serviceValidate", serviceA, ticketFor(browser, serviceA),
                          "&pgtUrl=" + percentEncode("http://127.0.0.1:9/cb"));
    CHECK(plain.find("<cas:proxyGrantingTicket>") == std::string::npos);
}

TEST_CASE("failed logins are throttled per account with a message saying when to retry",
          "[interop][ldap][redis]") {
    Browser browser;
    auto portal = followOnSesame(browser, browser.get(casLogin(serviceA)));
    DemoPerson target = communeAgent;
    for (int i = 0; i < 3; ++i) {
        auto failed = logIn(browser, portal, target, "wrong-password");
        CHECK(failed.status == 401);
        CHECK(textContent(failed.body).find("incorrect") != std::string::npos);
    }
    // Even the right password is refused now, without asking the directory.
    auto throttled = logIn(browser, portal, target, "demo");
    CHECK(throttled.status == 429);
    auto text = textContent(throttled.body);
    INFO(text);
    CHECK(text.find("Réessayez dans") != std::string::npos);
    // Another account from the same browser is not affected.
    auto other = logIn(browser, portal, partner, "demo", false);
    CHECK(other.isRedirect());
}

TEST_CASE("unknown account and wrong password give the same message", "[interop][ldap][redis]") {
    Browser a, b;
    auto unknown = logIn(a, followOnSesame(a, a.get(casLogin(serviceA))),
                         DemoPerson{"personne.inconnue", "academie", "", ""});
    auto wrong = logIn(b, followOnSesame(b, b.get(casLogin(serviceA))),
                       DemoPerson{"dir.herriot", "academie", "", ""}, "pas-le-bon");
    CHECK(unknown.status == wrong.status);
    auto message = [](const Response& r) {
        auto text = textContent(r.body);
        auto at = text.find("Identifiant ou mot de passe incorrect");
        return at == std::string::npos ? std::string{} : text.substr(at, 60);
    };
    CHECK_FALSE(message(unknown).empty());
    CHECK(message(unknown) == message(wrong));
}

TEST_CASE("a service URL the URL parser refuses (PHP arrays, a bare %) gets its single logout",
          "[interop][ldap][redis]") {
    // GLPI and other PHP services register URLs such as `?criteria[0][field]=1&a[]=2` and may
    // carry a bare `%`: RFC 3986 refuses the brackets in a query and the lone `%`.
    HttpsCallback service(gateway().caFile(), gateway().keyFile());
    const std::string glpi =
        service.url("/glpi/front/ticket.php?criteria[0][field]=12&a[]=1&q=50%");
    Browser browser;
    auto ticket = ticketFor(browser, glpi);
    REQUIRE(ticket.rfind("ST-", 0) == 0);
    // The request would time out (10 s) if /logout waited for its 15 s bound.
    auto logout = browser.get(gateway().casUrl() + "/logout");
    CHECK(logout.status == 200);
    auto targets = service.targets();
    REQUIRE(targets.size() == 1);
    CHECK(targets[0] == "/glpi/front/ticket.php?criteria[0][field]=12&a[]=1&q=50%");
}

TEST_CASE("tickets of a session that logged out no longer validate (ST, PT and PGT)",
          "[interop][ldap][redis]") {
    HttpsCallback callback(gateway().caFile(), gateway().keyFile());
    Browser browser;
    auto pgt = pgtFor(browser, callback, serviceA);
    REQUIRE(pgt.rfind("PGT-", 0) == 0);
    auto pt = proxyTicket(pgt, serviceB);
    REQUIRE(pt.rfind("PT-", 0) == 0);
    auto st = ticketFor(browser, serviceA);
    REQUIRE(st.rfind("ST-", 0) == 0);

    REQUIRE(browser.get(gateway().casUrl() + "/logout").status == 200);

    auto stAfter = validate("/p3/serviceValidate", serviceA, st);
    INFO(stAfter);
    CHECK(stAfter.find("code=\"INVALID_TICKET\"") != std::string::npos);
    auto ptAfter = validate("/p3/proxyValidate", serviceB, pt);
    INFO(ptAfter);
    CHECK(ptAfter.find("code=\"INVALID_TICKET\"") != std::string::npos);
    CHECK(proxyTicket(pgt, serviceB).empty());
}

TEST_CASE("a service polling /proxy with a PGT does not keep the person's session alive",
          "[interop][ldap][redis]") {
    HttpsCallback callback(gateway().caFile(), gateway().keyFile());
    Browser browser;
    auto pgt = pgtFor(browser, callback, serviceA);
    auto sessionId = browser.cookies().value("127.0.0.1", "__Host-SESAME");
    REQUIRE(sessionId);
    const std::string key = gateway().keyPrefix() + "sess:" + *sessionId;
    // The session as if the person had left a while ago: 100 s of idle time left.
    REQUIRE(redis({"EXPIRE", key, "100"}).find("1") != std::string::npos);
    REQUIRE(proxyTicket(pgt, serviceB).rfind("PT-", 0) == 0);
    auto ttl = std::stoi(redis({"TTL", key}));
    CHECK(ttl > 0);
    CHECK(ttl <= 100);  // a refresh would have put back the idle timeout (2 h)
}

TEST_CASE("two concurrent submits of one login flow: exactly one opens a session",
          "[interop][ldap][redis]") {
    Browser browser;
    auto portal = followOnSesame(browser, browser.get(casLogin(serviceA)));
    auto page = loginForm(browser, portal, teacher.choice);
    auto form = findForm(page.body, "/login");
    REQUIRE(form);
    form->set("login", teacher.login).set("password", "demo");
    const std::string action = resolveUrl(page.url, form->action);
    std::vector<Response> answers(2);
    std::vector<std::thread> threads;
    for (auto& answer : answers) {
        threads.emplace_back(
            [&, copy = browser]() mutable { answer = copy.post(action, form->fields); });
    }
    for (auto& t : threads) t.join();
    int sessions = 0;
    for (const auto& answer : answers) {
        auto opened = answer.headerValues("Set-Cookie");
        sessions += std::count_if(opened.begin(), opened.end(), [](const std::string& c) {
            return c.rfind("__Host-SESAME=", 0) == 0 && c.rfind("__Host-SESAME=;", 0) != 0;
        });
    }
    CHECK(sessions == 1);
    int redirected = (answers[0].isRedirect() ? 1 : 0) + (answers[1].isRedirect() ? 1 : 0);
    CHECK(redirected == 1);
}

TEST_CASE("the SSO cookie's value keeps to CAS 3.0's ticket alphabet [A-Za-z0-9-]",
          "[interop][ldap][redis]") {
    // CAS 3.0 §3.6 and §3.7: ticket-granting values are made of A-Z, a-z, 0-9 and '-'. A
    // base64url value holds a '_' one time in two: ten logins find it almost surely.
    for (int i = 0; i < 10; ++i) {
        Browser browser;
        REQUIRE(ticketFor(browser, serviceA).rfind("ST-", 0) == 0);
        auto value = browser.cookies().value("127.0.0.1", "__Host-SESAME");
        REQUIRE(value);
        INFO(*value);
        CHECK(value->size() >= 32);
        CHECK(std::all_of(value->begin(), value->end(),
                          [](unsigned char c) { return std::isalnum(c) || c == '-'; }));
    }
}

namespace {

struct KeyRow {
    std::string pattern;  // as written, "<p>sess:<id>:visits"
    std::regex name;      // what a key of this row looks like under the instance's prefix
    std::string type;     // as Redis TYPE names it
    bool seen = false;
};

// The rows of the "Redis keys" table of docs/operations.md.
std::vector<KeyRow> documentedKeys(const std::string& prefix) {
    std::string doc = readFile(sourceDir() / "docs" / "operations.md");
    auto section = doc.find("\n## Redis keys");
    REQUIRE(section != std::string::npos);
    std::istringstream lines(doc.substr(section, doc.find("\n## ", section + 1) - section));
    std::vector<KeyRow> rows;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("| `<p>", 0) != 0) continue;
        auto cells = line.substr(2);
        std::string pattern = between(cells, "`", "`");
        std::string type = cells.substr(cells.find('|') + 2);
        type = type.rfind("sorted set", 0) == 0 ? "zset"
               : type.rfind("string", 0) == 0   ? "string"
               : type.rfind("list", 0) == 0     ? "list"
               : type.rfind("set", 0) == 0      ? "set"
                                                : type.substr(0, type.find(' '));
        // <p> is the prefix; <key> (throttling) may hold ':'; other placeholders do not.
        std::string name =
            std::regex_replace(pattern.substr(3), std::regex(R"([.\\^$|()\[\]*+?{}])"), R"(\$&)");
        name = std::regex_replace(name, std::regex("<key>"), ".+");
        name = std::regex_replace(name, std::regex("<[a-z]+>"), "[^:]+");
        rows.push_back(
            {pattern,
             std::regex(std::regex_replace(prefix, std::regex(R"([.\-])"), R"(\$&)") + name),
             type});
    }
    return rows;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("docs/operations.md's Redis key table names every key Sesame writes, with its type",
          "[interop][ldap][redis]") {
    // A Sesame of its own: its keys are only those this test makes.
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"), requiredEnv("SESAME_TEST_LDAP"), {}, true}};
    HttpsCallback callback(sesame.caFile(), sesame.keyFile());
    auto casUrl = sesame.casUrl();
    auto get = [](const std::string& url) { return Browser{}.get(url).body; };
    // Every kind of key at once: a session with visits, an unvalidated ST, a PGT and a PT,
    // a login in progress, and throttling counters (a failed login, login starts).
    Browser person;
    auto portal = person.follow(person.get(casUrl + "/login?service=" + percentEncode(serviceA)));
    auto signedIn = logIn(person, portal, teacher, "demo", false);
    REQUIRE(signedIn.isRedirect());
    auto first = ticketIn(*signedIn.header("Location"));
    auto validated =
        get(casUrl + "/p3/serviceValidate?service=" + percentEncode(serviceA) + "&ticket=" + first +
            "&pgtUrl=" + percentEncode(callback.url("/pgtCallback")));
    REQUIRE(success(validated));
    REQUIRE_FALSE(callback.targets().empty());
    auto pgt = queryParameter("https://x" + callback.targets().back(), "pgtId").value_or("");
    auto proxied = get(casUrl + "/proxy?pgt=" + percentEncode(pgt) +
                       "&targetService=" + percentEncode(serviceB));
    REQUIRE(proxied.find("<cas:proxyTicket>") != std::string::npos);
    auto again = person.get(casUrl + "/login?service=" + percentEncode(serviceA));
    REQUIRE(ticketIn(again.header("Location").value_or("")).rfind("ST-", 0) == 0);
    Browser other;
    auto otherPortal =
        other.follow(other.get(casUrl + "/login?service=" + percentEncode(serviceA)));
    CHECK(logIn(other, otherPortal, director, "not-the-password").status == 401);

    auto rows = documentedKeys(sesame.keyPrefix());
    REQUIRE(rows.size() >= 5);
    auto keys = lines(redis({"--scan", "--pattern", sesame.keyPrefix() + "*"}));
    REQUIRE_FALSE(keys.empty());
    for (const auto& key : keys) {
        INFO(key);
        auto row = std::find_if(rows.begin(), rows.end(),
                                [&](const KeyRow& r) { return std::regex_match(key, r.name); });
        REQUIRE(row != rows.end());  // a key the table does not name
        row->seen = true;
        auto type = lines(redis({"TYPE", key}));
        REQUIRE(type.size() == 1);
        CHECK(type[0] == row->type);
        CHECK(std::stoll(redis({"TTL", key})) > 0);  // "Every key has a TTL"
    }
    for (const auto& row : rows) {
        INFO(row.pattern);
        // A row no key matches: the table names a key Sesame does not write. The SAML rows are
        // checked by the SAML tests, which make those keys; the OIDC rows are not checked here
        // (this test makes no OIDC key).
        if (row.pattern.rfind("<p>saml-", 0) != 0 && row.pattern.rfind("<p>oidc-", 0) != 0)
            CHECK(row.seen);
    }
}

TEST_CASE("a logout whose single-logout sends are all refused at once does not wait",
          "[interop][ldap][redis]") {
    // A logout_url with user info passes the registry's http(s) check but the back channel refuses
    // it before any I/O: the logout round has nothing pending and must answer at once (the
    // browser's 10 s timeout would fail this test if it waited for the round's 15 s bound).
    TempDir services;
    std::filesystem::copy_file(sourceDir() / "etc" / "services" / "demo-loopback.yml",
                               services.path() / "demo-loopback.yml");
    writeFile(services.path() / "sync.yml", R"(id: refused-at-once
protocol: cas
url_pattern: '^https://127\.0\.0\.1:1/sync/.*$'
logout_url: 'https://user@127.0.0.1:1/slo'
evaluation_order: 1
)");
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                      requiredEnv("SESAME_TEST_LDAP"),
                      {{"services_dir: " + (sourceDir() / "etc" / "services").string(),
                        "services_dir: " + services.path().string()}},
                      true}};
    Browser browser;
    const std::string service = "https://127.0.0.1:1/sync/app";
    auto portal =
        browser.follow(browser.get(sesame.casUrl() + "/login?service=" + percentEncode(service)));
    auto signedIn = logIn(browser, portal, teacher, "demo", false);
    REQUIRE(signedIn.isRedirect());
    REQUIRE(ticketIn(*signedIn.header("Location")).rfind("ST-", 0) == 0);
    auto logout = browser.get(sesame.casUrl() + "/logout");
    CHECK(logout.status == 200);
}
