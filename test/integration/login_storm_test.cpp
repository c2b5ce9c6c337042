// Login storms and throttling as people notice them, against a real Sesame, slapd and Redis:
// when a directory's queue is full the excess gets "try again in N seconds" at once (503 +
// Retry-After, the login kept, never the password) while people who already have a session keep
// getting tickets; one address that fails many logins is slowed down, not refused, and a
// configured network gets its larger budget; a full-width login counts against the account the
// directory finds for it.
#include <signal.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

const std::string service = "http://127.0.0.1:9/app-a/";  // a demo registry URL; nothing there

std::string casLogin(SesameInstance& sesame) {
    return sesame.casUrl() + "/login?service=" + percentEncode(service);
}

// The login form of `choice` for a new login, as a browser reaches it from the service.
Response formFor(Browser& browser, SesameInstance& sesame, const std::string& choice,
                 const Fields& headers = {}) {
    auto portal = browser.get(casLogin(sesame), headers);
    while (portal.isRedirect() && portal.location().rfind(sesame.baseUrl(), 0) == 0)
        portal = browser.get(portal.location(), headers);
    auto page = loginForm(browser, portal, choice);
    if (!findForm(page.body, "/login")) throw HarnessError("no login form:\n" + page.body);
    return page;
}

Response submit(Browser& browser, const Response& page, const std::string& login,
                const std::string& password, const Fields& headers = {}) {
    auto form = findForm(page.body, "/login");
    if (!form) throw HarnessError("no login form:\n" + page.body);
    form->set("login", login).set("password", password);
    return browser.post(resolveUrl(page.url, form->action), form->fields, headers);
}

// The value of one series in /metrics ("name{labels}"), -1 when it is not there.
double metric(SesameInstance& sesame, const std::string& series) {
    Browser browser;
    auto text = browser.get(sesame.baseUrl() + "/metrics").body;
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

// Log lines of `event` about `client`.
int logLines(SesameInstance& sesame, const std::string& event, const std::string& client) {
    std::ifstream in(sesame.process().stderrPath());
    int n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.find("\"event\":\"" + event + "\"") != std::string::npos &&
            line.find("\"client\":\"" + client + "\"") != std::string::npos)
            ++n;
    return n;
}

// slapd frozen (SIGSTOP): connections stay open and every LDAP call waits, as under a load it
// cannot keep up with. Thawed when the scope ends, whatever happened.
class FrozenSlapd {
  public:
    explicit FrozenSlapd(const SlapdServer& slapd) {
        std::ifstream in(slapd.dataDir() / "slapd.pid");
        if (!(in >> pid_)) throw HarnessError("no slapd.pid in " + slapd.dataDir().string());
        stopProcess(pid_);
    }
    ~FrozenSlapd() { thaw(); }
    void thaw() {
        if (pid_ > 0) ::kill(pid_, SIGCONT);  // a destructor: no wait that could throw
        pid_ = 0;
    }

  private:
    pid_t pid_ = 0;
};

// The academy's directory with one bind at a time and two logins waiting (three fill it), and
// the given LDAP timeout.
SesameOptions smallQueue(const SlapdServer& slapd, const std::string& timeout) {
    return SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                         slapd.url(),
                         {{"    pool_size: 4                # binds at once (threads)\n"
                           "    queue_size: 64 ",
                           "    pool_size: 1\n    queue_size: 2 "},
                          {"timeout: 3s", "timeout: " + timeout}},
                         true};
}

}  // namespace

TEST_CASE("a login storm: the excess is told at once to retry, SSO goes on",
          "[interop][ldap][redis]") {
    SlapdServer slapd;
    // One bind at a time and two waiting for the academy's directory: three logins fill it.
    SesameInstance sesame{smallQueue(slapd, "20s")};

    // Someone logged in before the storm.
    Browser signedIn;
    REQUIRE(submit(signedIn, formFor(signedIn, sesame, director.choice), director.login, "demo")
                .isRedirect());

    // The directory stops keeping up: three logins take every place of its queue.
    FrozenSlapd frozen(slapd);
    std::vector<std::future<Response>> held;
    for (int i = 0; i < 3; ++i)
        held.push_back(std::async(std::launch::async, [&] {
            Browser b(BrowserOptions{{}, std::chrono::seconds(60)});
            return submit(b, formFor(b, sesame, teacher.choice), teacher.login, "demo");
        }));
    const std::string depth = "sesame_password_queue_depth{directory=\"academie\"}";
    waitUntil([&] { return metric(sesame, depth) == 2; }, std::chrono::seconds(20),
              "two logins waiting for the academy's only thread", &sesame.process());

    // The next ones are answered at once: 503, Retry-After, the French page, the login kept.
    for (int i = 0; i < 4; ++i) {
        Browser late;
        auto page = formFor(late, sesame, teacher.choice);
        auto shed = submit(late, page, "prof.herriot", "secret-typed");
        CHECK(shed.status == 503);
        CHECK(shed.header("Retry-After") == std::optional<std::string>("5"));
        INFO(textContent(shed.body));
        CHECK(textContent(shed.body).find("Beaucoup de personnes se connectent") !=
              std::string::npos);
        auto form = findForm(shed.body, "/login");
        REQUIRE(form);
        CHECK(form->value("login") == std::optional<std::string>("prof.herriot"));
        CHECK(form->value("choice") == std::optional<std::string>("academie"));
        CHECK(form->value("password").value_or("").empty());
        CHECK(shed.body.find("secret-typed") == std::string::npos);
    }
    {
        Browser english;
        auto page = formFor(english, sesame, teacher.choice, {{"Accept-Language", "en"}});
        auto shed = submit(english, page, "prof.herriot", "x", {{"Accept-Language", "en"}});
        CHECK(shed.status == 503);
        CHECK(textContent(shed.body).find("Many people are signing in") != std::string::npos);
    }

    // Meanwhile the person with a session gets tickets, and services validate them.
    for (int i = 0; i < 5; ++i) {
        auto redirect = signedIn.get(casLogin(sesame));
        REQUIRE(redirect.isRedirect());
        auto ticket = queryParameter(redirect.location(), "ticket").value_or("");
        REQUIRE(ticket.rfind("ST-", 0) == 0);
        Browser serviceSide;
        auto validation = serviceSide.get(sesame.casUrl() + "/p3/serviceValidate?service=" +
                                          percentEncode(service) + "&ticket=" + ticket);
        CHECK(validation.body.find("<cas:user>dir.herriot</cas:user>") != std::string::npos);
    }
    CHECK(metric(sesame, "sesame_logins_shed_total{directory=\"academie\"}") >= 5);

    // The directory catches up: the logins that waited go through.
    frozen.thaw();
    for (auto& login : held) {
        auto answer = login.get();
        CHECK(answer.isRedirect());
        CHECK(queryParameter(answer.location(), "ticket").value_or("").rfind("ST-", 0) == 0);
    }
    CHECK(metric(sesame, depth) == 0);
}

TEST_CASE("a choice's second directory kept full does not make guesses on its first one free",
          "[interop][ldap][redis]") {
    SlapdServer slapd;
    // The partners' choice asks the local directory, then the academy's: one bind at a time
    // there, none waiting, so one login held on a frozen slapd fills it.
    SesameInstance sesame{SesameOptions{
        requiredEnv("SESAME_TEST_REDIS"),
        slapd.url(),
        {{"      directories: [partenaires]", "      directories: [partenaires, academie]"},
         {"    pool_size: 4                # binds at once (threads)\n"
          "    queue_size: 64 ",
          "    pool_size: 1\n    queue_size: 0 "},
         {"timeout: 3s", "timeout: 20s"},
         {"per_account: { attempts: 5", "per_account: { attempts: 3"}},
        true}};
    FrozenSlapd frozen(slapd);
    auto held = std::async(std::launch::async, [&] {
        Browser b(BrowserOptions{{}, std::chrono::seconds(60)});
        return submit(b, formFor(b, sesame, teacher.choice), teacher.login, "demo");
    });
    // Its check has reached the academy's only thread (and waits there on slapd).
    const std::string started = "sesame_password_queue_wait_seconds_count{directory=\"academie\"}";
    waitUntil([&] { return metric(sesame, started) == 1; }, std::chrono::seconds(20),
              "the academy's only place taken", &sesame.process());

    // Someone keeping the academy's directory full guesses a partner's password: every guess,
    // the right one too, is told to retry; none is judged uncounted by the local directory.
    for (const std::string& guess : {"guess-1", "guess-2", "guess-3", "guess-4", "demo"}) {
        Browser attacker;
        auto answer =
            submit(attacker, formFor(attacker, sesame, partner.choice), partner.login, guess);
        INFO(guess);
        CHECK(answer.status == 503);
    }

    // Once the directory frees its place, the partner logs in: the refused guesses did not lock
    // the account either.
    frozen.thaw();
    CHECK(held.get().isRedirect());
    Browser person;
    auto ok = submit(person, formFor(person, sesame, partner.choice), partner.login, "demo");
    CHECK(ok.isRedirect());
}

TEST_CASE(
    "one address failing many logins is slowed down, not refused; a school's range has "
    "its larger budget",
    "[interop][ldap][redis]") {
    // Sesame behind a proxy on loopback: the client address is taken from X-Forwarded-For.
    SesameInstance sesame{SesameOptions{
        requiredEnv("SESAME_TEST_REDIS"),
        requiredEnv("SESAME_TEST_LDAP"),
        {{"trusted_proxies: []", "trusted_proxies: [127.0.0.1]"},
         {"per_address: { attempts: 50, window: 15m, delay_step: 1s, max_delay: 10s }",
          "per_address: { attempts: 2, window: 15m, delay_step: 5s, max_delay: 5s }"},
         {"max_waiting_per_account: 2", "max_waiting_per_account: 1"},
         {"networks: []",
          "networks: [{ range: 198.51.100.0/24, per_address: { attempts: 100 } }]"}},
        true}};
    auto from = [](const std::string& address) { return Fields{{"X-Forwarded-For", address}}; };
    auto fail = [&](const std::string& address, int n) {
        Browser b;
        auto page = formFor(b, sesame, pupil.choice, from(address));
        return submit(b, page, "inconnu." + std::to_string(n), "wrong", from(address));
    };

    // Past its two free failures, the address is slowed down: still answered, never refused.
    const std::string school = "192.0.2.10";
    for (int i = 0; i < 3; ++i) CHECK(fail(school, i).status == 401);
    CHECK(logLines(sesame, "login_delayed", school) == 1);

    // A pupil's login waits; the same pupil's next one at the same time is told at once to retry
    // (max_waiting_per_account: 1)...
    auto waiting = std::async(std::launch::async, [&] { return fail(school, 3); });
    waitUntil([&] { return logLines(sesame, "login_delayed", school) == 2; },
              std::chrono::seconds(20), "the second delayed login", &sesame.process());
    Browser impatient;
    auto page = formFor(impatient, sesame, pupil.choice, from(school));
    auto refused = submit(impatient, page, "Inconnu.3", "wrong", from(school));
    CHECK(refused.status == 429);
    CHECK(refused.header("Retry-After") == std::optional<std::string>("5"));
    CHECK(textContent(refused.body).find("depuis votre réseau") != std::string::npos);
    auto form = findForm(refused.body, "/login");
    REQUIRE(form);
    CHECK(form->value("login") == std::optional<std::string>("Inconnu.3"));
    // ...but another pupil behind the same address waits alongside, not refused.
    auto other = std::async(std::launch::async, [&] { return fail(school, 4); });
    waitUntil([&] { return logLines(sesame, "login_delayed", school) == 3; },
              std::chrono::seconds(20), "another pupil's delayed login", &sesame.process());
    CHECK(waiting.get().status == 401);
    CHECK(other.get().status == 401);

    // An address of the configured range has a hundred free failures.
    const std::string academy = "198.51.100.7";
    for (int i = 0; i < 5; ++i) CHECK(fail(academy, 100 + i).status == 401);
    CHECK(logLines(sesame, "login_delayed", academy) == 0);
    // Another address outside it is not slowed by the first one's failures.
    CHECK(fail("203.0.113.5", 200).status == 401);
    CHECK(logLines(sesame, "login_delayed", "203.0.113.5") == 0);
}

TEST_CASE("a full-width login is the account the directory finds, and counts against it",
          "[interop][ldap][redis]") {
    SesameInstance sesame{
        SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                      requiredEnv("SESAME_TEST_LDAP"),
                      {{"per_account: { attempts: 5", "per_account: { attempts: 3"}},
                      true}};
    const std::string fullWidth = "\xEF\xBD\x90rof.herriot";  // U+FF50, then "rof.herriot"
    // slapd's caseIgnoreMatch finds prof.herriot's entry for it.
    Browser first;
    auto ok = submit(first, formFor(first, sesame, teacher.choice), fullWidth, "demo");
    REQUIRE(ok.isRedirect());
    CHECK(queryParameter(ok.location(), "ticket").value_or("").rfind("ST-", 0) == 0);

    // Three wrong passwords for prof.herriot lock the account...
    for (int i = 0; i < 3; ++i) {
        Browser b;
        CHECK(submit(b, formFor(b, sesame, teacher.choice), "prof.herriot", "wrong").status == 401);
    }
    // ...also under its full-width spelling, right password or not.
    Browser guesser;
    auto locked = submit(guesser, formFor(guesser, sesame, teacher.choice), fullWidth, "demo");
    CHECK(locked.status == 429);
    CHECK(textContent(locked.body).find("Réessayez dans") != std::string::npos);
}

TEST_CASE("SIGTERM with a password check stuck at a frozen directory: a clean stop",
          "[interop][ldap][redis]") {
    // The directory's timeout outlasts the 10 s grace of a stop: the check is still running on
    // the directory's thread when the workers' event loops stop.
    SlapdServer slapd;
    SesameInstance sesame{smallQueue(slapd, "12s")};
    FrozenSlapd frozen(slapd);
    // One login on the directory's only thread, one waiting behind it.
    std::vector<std::future<void>> held;
    for (int i = 0; i < 2; ++i)
        held.push_back(std::async(std::launch::async, [&] {
            Browser b(BrowserOptions{{}, std::chrono::seconds(60)});
            try {
                (void)submit(b, formFor(b, sesame, teacher.choice), teacher.login, "demo");
            } catch (const std::exception&) {
                // The stop closes the connection: what the browser sees is not the point here.
            }
        }));
    waitUntil(
        [&] { return metric(sesame, "sesame_password_queue_depth{directory=\"academie\"}") == 1; },
        std::chrono::seconds(20), "one login checking, one waiting", &sesame.process());

    ::kill(sesame.process().pid(), SIGTERM);
    // Documented: requests get 10 s, then a check still at a directory gets its timeout (12 s).
    REQUIRE(sesame.process().waitForExit(std::chrono::seconds(10 + 12 + 8)));
    INFO(sesame.logTail(20));
    CHECK(sesame.process().exitCode() == 0);  // not 128 + SIGSEGV/SIGABRT
    CHECK(sesame.logTail(5).find("\"event\":\"stopped\"") != std::string::npos);
    frozen.thaw();
    for (auto& login : held) login.get();
}
