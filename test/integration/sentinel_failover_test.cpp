// A real Sesame process on Redis Sentinel (a master, a replica, three redis-sentinel): a failover
// under a steady login and validation load, and a ticket the failover lost. What people notice:
// sessions opened before still work after, logins work again once the sentinels have switched,
// nothing but the documented 503 page or CAS error while they switch, and no crash.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;
using Clock = std::chrono::steady_clock;

namespace {
const std::string service = "http://127.0.0.1:9/app/";

SesameOptions onSentinels(const SentinelDeployment& d) {
    SesameOptions options;
    options.ldapUrl = requiredEnv("SESAME_TEST_LDAP");
    options.sentinelMaster = d.masterName();
    options.sentinels = d.sentinelAddresses();
    return options;
}

std::string loginUrl(SesameInstance& sesame) {
    return sesame.casUrl() + "/login?service=" + percentEncode(service);
}

std::string validate(SesameInstance& sesame, const std::string& ticket, int* status = nullptr) {
    Browser b;
    auto r = b.get(sesame.casUrl() + "/serviceValidate?service=" + percentEncode(service) +
                   "&ticket=" + percentEncode(ticket));
    if (status) *status = r.status;
    return r.body;
}

// A ticket for `service` from an open session (single sign-on: no form).
std::string ticketFor(Browser& browser, SesameInstance& sesame) {
    auto r = browser.get(loginUrl(sesame));
    if (!r.isRedirect()) throw HarnessError("no SSO redirect: " + std::to_string(r.status));
    return queryParameter(r.location(), "ticket").value_or("");
}

std::string loggedInTicket(Browser& browser, SesameInstance& sesame) {
    auto r = browser.get(loginUrl(sesame));
    for (int i = 0; i < 5 && r.isRedirect() && r.location().rfind(sesame.baseUrl(), 0) == 0; ++i)
        r = browser.get(r.location());
    auto landed = logIn(browser, r, teacher, "demo", false);
    if (!landed.isRedirect())
        throw HarnessError("login refused: " + std::to_string(landed.status) + "\n" +
                           textContent(landed.body));
    return queryParameter(landed.location(), "ticket").value_or("");
}

// People logging in (portal, form, ticket) and their service validating the ticket, in a loop,
// each response checked: success, or the documented 503 while Redis switches.
class Load {
  public:
    Load(SesameInstance& sesame, int people) : sesame_(sesame) {
        for (int i = 0; i < people; ++i) threads_.emplace_back([this] { loop(); });
    }
    ~Load() { stop(); }
    void stop() {
        running_ = false;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    int successes() const { return successes_; }
    int unavailable() const { return unavailable_; }
    Clock::time_point lastSuccessStart() {
        std::lock_guard lock(mutex_);
        return lastSuccessStart_;
    }
    std::vector<std::string> unexpected() {
        std::lock_guard lock(mutex_);
        return unexpected_;
    }

  private:
    // False when the attempt cannot go on; a 5xx other than 503 is recorded as unexpected.
    bool acceptable(const Response& r, const char* step) {
        if (r.status == 503) {
            ++unavailable_;
            return false;
        }
        if (r.status >= 500) {
            std::lock_guard lock(mutex_);
            unexpected_.push_back(std::string(step) + " gave " + std::to_string(r.status));
            return false;
        }
        return true;
    }
    void attempt() {
        const auto started = Clock::now();
        Browser browser;
        auto r = browser.get(loginUrl(sesame_));
        for (int i = 0; i < 5 && r.isRedirect() && r.location().rfind(sesame_.baseUrl(), 0) == 0;
             ++i) {
            if (!acceptable(r, "portal")) return;
            r = browser.get(r.location());
        }
        if (!acceptable(r, "portal")) return;
        auto page = loginForm(browser, r, teacher.choice);
        if (!acceptable(page, "choice")) return;
        auto form = findForm(page.body, "/login");
        if (!form) return;
        form->set("login", teacher.login).set("password", "demo");
        auto posted = browser.post(resolveUrl(page.url, form->action), form->fields);
        if (!acceptable(posted, "login") || !posted.isRedirect()) return;
        auto ticket = queryParameter(posted.location(), "ticket").value_or("");
        Browser serviceSide;
        auto v = serviceSide.get(sesame_.casUrl() + "/serviceValidate?service=" +
                                 percentEncode(service) + "&ticket=" + percentEncode(ticket));
        if (!acceptable(v, "serviceValidate")) return;
        if (v.body.find("<cas:user>prof.herriot</cas:user>") == std::string::npos) {
            // A ticket just issued must validate: anything else is a wrong answer.
            std::lock_guard lock(mutex_);
            unexpected_.push_back("a fresh ticket did not validate: " + v.body);
            return;
        }
        ++successes_;
        std::lock_guard lock(mutex_);
        lastSuccessStart_ = std::max(lastSuccessStart_, started);
    }
    void loop() {
        while (running_) {
            try {
                attempt();
            } catch (const HarnessError& e) {
                // A connection cut or refused is a crash or a hang: never expected.
                std::lock_guard lock(mutex_);
                unexpected_.push_back(e.what());
            }
        }
    }

    SesameInstance& sesame_;
    std::atomic<bool> running_{true};
    std::atomic<int> successes_{0};
    std::atomic<int> unavailable_{0};
    std::mutex mutex_;
    Clock::time_point lastSuccessStart_{};
    std::vector<std::string> unexpected_;
    std::vector<std::thread> threads_;
};
}  // namespace

TEST_CASE(
    "a Redis failover under login and validation load: sessions kept, logins back, no 5xx "
    "but 503",
    "[interop][redis][ldap][sentinel]") {
    SentinelDeployment d;
    SesameInstance sesame{onSentinels(d)};

    // People logged in before the failover, their sessions on the replica too.
    std::vector<std::unique_ptr<Browser>> before;
    for (int i = 0; i < 3; ++i) {
        before.push_back(std::make_unique<Browser>());
        auto ticket = loggedInTicket(*before.back(), sesame);
        REQUIRE(validate(sesame, ticket).find("<cas:user>prof.herriot</cas:user>") !=
                std::string::npos);
    }
    d.waitForReplication();

    Load load(sesame, 3);
    waitUntil([&] { return load.successes() >= 5; }, std::chrono::seconds(20),
              "the load to run before the failover", &sesame.process());
    d.failover();
    const auto switched = Clock::now();
    // New logins work again once the sentinels have switched (a login started after).
    waitUntil([&] { return load.lastSuccessStart() > switched; }, std::chrono::seconds(15),
              "a login started after the failover to succeed", &sesame.process());
    load.stop();

    const auto unexpected = load.unexpected();
    INFO("successes " << load.successes() << ", 503 " << load.unavailable());
    for (const auto& u : unexpected) UNSCOPED_INFO(u);
    CHECK(unexpected.empty());
    CHECK(sesame.running());
    for (auto& browser : before) {
        auto ticket = ticketFor(*browser, sesame);  // still logged in: no form
        CHECK(validate(sesame, ticket).find("<cas:user>prof.herriot</cas:user>") !=
              std::string::npos);
    }
}

TEST_CASE("a ticket the failover lost is refused like an unknown one",
          "[interop][redis][ldap][sentinel]") {
    SentinelDeployment d;
    SesameInstance sesame{onSentinels(d)};
    Browser browser;
    loggedInTicket(browser, sesame);
    d.waitForReplication();  // the session is on the replica too

    // Replication stops: the next ticket is written on the master only, then the master dies.
    // (The replica is paused before its link is cut, so that it cannot reconnect and catch up;
    // a pause alone would not do: the bytes already sent would wait in its socket.)
    auto& oldMaster = d.master();
    auto& replica = d.replica();
    const int oldPort = oldMaster.port();
    replica.pause();
    REQUIRE(oldMaster.command({"CLIENT", "KILL", "TYPE", "replica"}) == "1");
    const std::string lost = ticketFor(browser, sesame);
    REQUIRE(lost.rfind("ST-", 0) == 0);
    try {
        oldMaster.command({"SHUTDOWN", "NOSAVE", "NOW"});
    } catch (const HarnessError&) {
        // The connection closes as the server exits: that is the answer.
    }
    replica.resume();
    d.waitForNewMaster(oldPort, std::chrono::seconds(20));

    int status = 0;
    std::string body;
    waitUntil(
        [&] {
            body = validate(sesame, lost, &status);
            return status != 503;
        },
        std::chrono::seconds(15), "validation to answer after the failover", &sesame.process());
    INFO(body);
    CHECK(status == 200);
    CHECK(body.find("code=\"INVALID_TICKET\"") != std::string::npos);
    CHECK(sesame.running());
    // The session was replicated: it still gives tickets that validate.
    std::string again;
    waitUntil(
        [&] {
            try {
                again = ticketFor(browser, sesame);
                return true;
            } catch (const HarnessError&) {
                return false;
            }
        },
        std::chrono::seconds(10), "single sign-on after the failover", &sesame.process());
    CHECK(validate(sesame, again).find("<cas:user>prof.herriot</cas:user>") != std::string::npos);
}
