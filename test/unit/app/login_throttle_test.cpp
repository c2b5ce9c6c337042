// Throttling of logins (gateway/app): every attempt is counted before the directory is asked,
// per account (refused past its limit) and per client address (slowed down past its budget,
// never refused), each in its own window; on the in-memory store with a manual clock.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/app/login_throttle.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "test/unit/connectors/yaml_node.hpp"

using namespace sesame;
using namespace std::chrono_literals;

namespace {
template <class T>
T run(boost::asio::awaitable<T> task) {
    boost::asio::io_context context;
    auto future = boost::asio::co_spawn(context, std::move(task), boost::asio::use_future);
    context.run();
    return future.get();
}

app::ThrottleVerdict verdictOf(app::LoginThrottle& t, const std::string& dir,
                               const std::string& login, const std::string& address) {
    auto verdict = run(t.reserve({dir}, login, address));
    REQUIRE(verdict.has_value());
    return *verdict;
}

bool allowed(app::LoginThrottle& t, const std::string& dir, const std::string& login,
             const std::string& address) {
    return verdictOf(t, dir, login, address).allowed;
}

// Allowed at once: neither refused nor slowed down.
bool atOnce(app::LoginThrottle& t, const std::string& dir, const std::string& login,
            const std::string& address) {
    auto verdict = verdictOf(t, dir, login, address);
    return verdict.allowed && verdict.delay == 0ms;
}

// An attempt the directory then refuses: the verdict it had before being checked.
app::ThrottleVerdict failed(app::LoginThrottle& t, const std::string& dir, const std::string& login,
                            const std::string& address) {
    auto verdict = verdictOf(t, dir, login, address);
    REQUIRE(run(t.recordFailure(address)).has_value());
    return verdict;
}

bool failedAtOnce(app::LoginThrottle& t, const std::string& dir, const std::string& login,
                  const std::string& address) {
    auto verdict = failed(t, dir, login, address);
    return verdict.allowed && verdict.delay == 0ms;
}
}  // namespace

TEST_CASE("the account is throttled after its attempts, until the window passes", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{3, 15min}, {100, 15min}});
    for (int i = 0; i < 3; ++i) CHECK(allowed(throttle, "academie", "Prof.Herriot", "10.0.0.1"));
    // The same account whatever its case and surrounding spaces, from anywhere.
    auto verdict = run(throttle.reserve({"academie"}, " prof.herriot ", "10.0.0.2"));
    REQUIRE(verdict.has_value());
    CHECK_FALSE(verdict->allowed);
    CHECK(verdict->retryAfter > 14min);
    CHECK(allowed(throttle, "academie", "dir.herriot", "10.0.0.1"));
    CHECK(allowed(throttle, "commune", "prof.herriot", "10.0.0.1"));
    clock.advance(15 * 60 + 1);
    CHECK(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
}

TEST_CASE("attempts are counted before the directory answers", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{3, 15min}, {100, 15min}});
    // Five attempts sent at once, none answered yet: only three may reach the directory.
    int passed = 0;
    for (int i = 0; i < 5; ++i) passed += allowed(throttle, "ent", "eleve.herriot", "10.0.0.1");
    CHECK(passed == 3);
}

TEST_CASE("one address guessing many accounts is slowed down, never refused", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::ThrottleConfig config{{5, 15min}, {4, 10min}};
    config.perAddress.delayStep = 2s;
    config.perAddress.maxDelay = 5s;
    app::LoginThrottle throttle(store, config);
    for (int i = 0; i < 4; ++i)
        CHECK(failedAtOnce(throttle, "ent", "eleve" + std::to_string(i), "192.0.2.7"));
    // Each failure beyond the free four adds two seconds, up to five.
    std::vector<std::chrono::milliseconds> delays;
    for (int i = 0; i < 4; ++i) {
        auto verdict = failed(throttle, "ent", "other" + std::to_string(i), "192.0.2.7");
        CHECK(verdict.allowed);
        delays.push_back(verdict.delay);
    }
    CHECK(delays == std::vector<std::chrono::milliseconds>{2s, 4s, 5s, 5s});
    CHECK(atOnce(throttle, "ent", "someone.else", "192.0.2.8"));
    // Attempts still being checked are no failures: only answers count.
    for (int i = 0; i < 10; ++i)
        CHECK(atOnce(throttle, "ent", "pupil" + std::to_string(i), "192.0.2.9"));
    clock.advance(10 * 60 + 1);
    CHECK(atOnce(throttle, "ent", "again", "192.0.2.7"));
}

TEST_CASE("the delay grows by one step per failure beyond the budget, up to its cap", "[unit]") {
    app::AddressBudget budget{10, 15min, 1s, 10s};
    CHECK(budget.delayFor(1) == 0ms);
    CHECK(budget.delayFor(10) == 0ms);
    CHECK(budget.delayFor(11) == 1s);
    CHECK(budget.delayFor(13) == 3s);
    CHECK(budget.delayFor(20) == 10s);
    CHECK(budget.delayFor(1'000'000'000) == 10s);
}

TEST_CASE("a configured network range gets its own larger budget", "[unit]") {
    core::ConfigErrors errors;
    auto config = app::ThrottleConfig::parse(test::yamlNode(R"(
per_address: { attempts: 2, window: 15m, delay_step: 1s, max_delay: 10s }
networks:
  - range: 10.0.0.0/8
    per_address: { attempts: 300 }
  - range: "2001:db8:42::/48"
    per_address: { attempts: 100, delay_step: 2s }
)"),
                                             errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    CHECK(config.budgetFor("10.20.30.40").attempts == 300);
    CHECK(config.budgetFor("10.20.30.40").maxDelay == 10s);  // the rest from per_address
    CHECK(config.budgetFor("2001:db8:42:1::9").attempts == 100);
    CHECK(config.budgetFor("2001:db8:42:1::9").delayStep == 2s);
    CHECK(config.budgetFor("192.0.2.1").attempts == 2);
    CHECK(config.budgetFor("2001:db8:43::1").attempts == 2);

    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, config);
    for (int i = 0; i < 250; ++i)
        REQUIRE(failedAtOnce(throttle, "ent", "eleve" + std::to_string(i), "10.1.1.1"));
    CHECK(failedAtOnce(throttle, "ent", "a", "192.0.2.1"));
    CHECK(failedAtOnce(throttle, "ent", "b", "192.0.2.1"));
    CHECK(verdictOf(throttle, "ent", "c", "192.0.2.1").delay == 1s);
}

TEST_CASE("wrong throttling settings are reported with their key", "[unit]") {
    core::ConfigErrors errors;
    (void)app::ThrottleConfig::parse(test::yamlNode(R"(
per_address: { attempts: 0, delay_step: 5s, max_delay: 2s }
busy_retry_after: 0s
max_waiting_per_account: 0
max_waiting: 0
networks:
  - range: 10.0.0.0/33
  - range: not-a-network
    per_address: { max_delay: 25s }
)"),
                                     errors);
    auto text = errors.format();
    INFO(text);
    CHECK(text.find("per_address.attempts") != std::string::npos);
    CHECK(text.find("per_address.max_delay") != std::string::npos);
    CHECK(text.find("busy_retry_after") != std::string::npos);
    CHECK(text.find("networks[0].range") != std::string::npos);
    CHECK(text.find("'not-a-network'") != std::string::npos);
    CHECK(text.find("max_waiting_per_account") != std::string::npos);
    CHECK(text.find("max_waiting:") != std::string::npos);
    // Past HAProxy's server timeout a delayed login would get a 504 from it instead.
    CHECK(text.find("networks[1].per_address.max_delay: must be at most 20s") != std::string::npos);
}

TEST_CASE("one client behind a shared address cannot use up the waits of the others", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::ThrottleConfig config{{50, 15min}, {1, 15min}};
    config.maxWaitingPerAccount = 2;
    app::LoginThrottle throttle(store, config);
    const std::string school = "192.0.2.7";
    REQUIRE(failedAtOnce(throttle, "ent", "eleve.presse", school));  // the school is now slowed
    auto pupil = verdictOf(throttle, "ent", "eleve.presse", school);
    auto other = verdictOf(throttle, "ent", "eleve.calme", school);
    REQUIRE(pupil.delay > 0ms);
    REQUIRE(pupil.maxWaiting == 2);
    REQUIRE(pupil.maxWaitingOnNode == 10'000);
    // The same account spelt otherwise is the same waiter.
    CHECK(verdictOf(throttle, "ent", " Eleve.Presse", school).waiter == pupil.waiter);

    app::DelayedLogins delayed;
    auto first = delayed.enter(pupil.waiter, pupil.maxWaiting, pupil.maxWaitingOnNode);
    auto second = delayed.enter(pupil.waiter, pupil.maxWaiting, pupil.maxWaitingOnNode);
    REQUIRE(first);
    REQUIRE(second);
    // The pupil's third login waiting at once is refused, the rest of the school's are not.
    CHECK_FALSE(delayed.enter(pupil.waiter, pupil.maxWaiting, pupil.maxWaitingOnNode));
    CHECK(delayed.enter(other.waiter, other.maxWaiting, other.maxWaitingOnNode));
    CHECK(delayed.waiting(pupil.waiter) == 2);
    second.reset();
    CHECK(delayed.enter(pupil.waiter, pupil.maxWaiting, pupil.maxWaitingOnNode));
    first.reset();
    CHECK(delayed.waiting(pupil.waiter) == 0);
    CHECK(delayed.waitingOnNode() == 0);
}

TEST_CASE("the node bounds its waiting logins in all", "[unit]") {
    app::DelayedLogins delayed;
    std::vector<app::DelayedLogins::Wait> waits;
    for (int i = 0; i < 3; ++i) {
        auto wait = delayed.enter("waiter" + std::to_string(i), 2, 3);
        REQUIRE(wait);
        waits.push_back(std::move(*wait));
    }
    CHECK(delayed.waitingOnNode() == 3);
    CHECK_FALSE(delayed.enter("someone.else", 2, 3));
    waits.pop_back();
    CHECK(delayed.enter("someone.else", 2, 3));
}

TEST_CASE("a slowed login waits on a timer, or is told at once when its waiter waits enough",
          "[unit]") {
    app::DelayedLogins delayed;
    app::ThrottleVerdict none;
    CHECK(run(delayed.waitOut("192.0.2.7", none)));
    app::ThrottleVerdict slowed;
    slowed.delay = 5ms;
    slowed.waiter = "addr:192.0.2.7 acct::eleve";
    slowed.maxWaiting = 1;
    slowed.maxWaitingOnNode = 10;
    CHECK(run(delayed.waitOut("192.0.2.7", slowed)));
    CHECK(delayed.waiting(slowed.waiter) == 0);
    auto waiting = delayed.enter(slowed.waiter, 1, 10);  // another login of the same waiter
    REQUIRE(waiting);
    CHECK_FALSE(run(delayed.waitOut("192.0.2.7", slowed)));
    auto elsewhere = slowed;
    elsewhere.waiter = "addr:192.0.2.8 acct::eleve";
    CHECK(run(delayed.waitOut("192.0.2.8", elsewhere)));
}

TEST_CASE("an attempt given back after its window ended gives no extra attempt", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    REQUIRE(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
    clock.advance(15 * 60 + 1);  // a long delay: the window ends before the attempt is given back
    REQUIRE(run(throttle.giveBack({"academie"}, "prof.herriot")).has_value());
    CHECK(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
    CHECK(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
    CHECK_FALSE(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
}

TEST_CASE("an account is counted per directory, whichever portal choice leads to it", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    // A choice "enseignants" and a choice "tous" both reach the academy's directory.
    REQUIRE(run(throttle.reserve({"academie"}, "prof.herriot", "10.0.0.1"))->allowed);
    REQUIRE(run(throttle.reserve({"academie", "commune"}, "prof.herriot", "10.0.0.1"))->allowed);
    auto third = run(throttle.reserve({"commune", "academie"}, "prof.herriot", "10.0.0.1"));
    REQUIRE(third.has_value());
    CHECK_FALSE(third->allowed);
    // The refused attempt was not counted on the other directory.
    CHECK(run(throttle.reserve({"commune"}, "prof.herriot", "10.0.0.1"))->allowed);
    // A success through the choice clears the account in each of its directories.
    REQUIRE(run(throttle.recordSuccess({"academie", "commune"}, "prof.herriot")).has_value());
    CHECK(run(throttle.reserve({"academie"}, "prof.herriot", "10.0.0.1"))->allowed);
}

TEST_CASE("login starts are counted per address, an IPv6 client by its /64", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::ThrottleConfig config;
    config.loginStartsPerAddress = {2, 1min};
    app::LoginThrottle throttle(store, config);
    auto start = [&](const std::string& address) {
        auto allowed = run(throttle.reserveLoginStart(address));
        REQUIRE(allowed.has_value());
        return *allowed;
    };
    CHECK(start("2001:db8:1:2::1"));
    CHECK(start("2001:db8:1:2::2"));
    CHECK_FALSE(start("2001:db8:1:2:ffff::3"));  // a new address of the same /64
    CHECK(start("2001:db8:1:3::1"));
    CHECK(start("192.0.2.1"));
}

TEST_CASE("logins the directory takes for the same account share its counter", "[unit]") {
    auto key = [](const std::string& login) { return app::LoginThrottle::accountKey("d", login); };
    // RFC 4518: case folding, NFKC (full-width forms), mapped-out characters, spaces.
    CHECK(key("\xEF\xBD\x90rof.herriot") == key("prof.herriot"));  // U+FF50 full-width p
    CHECK(key("ＰＲＯＦ．ＨＥＲＲＩＯＴ") == key("prof.herriot"));
    CHECK(key("Prof.Her\xC2\xADriot") == key("prof.herriot"));              // soft hyphen
    CHECK(key("prof.\xE2\x80\x8Bherriot") == key("prof.herriot"));          // zero-width space
    CHECK(key("\xC2\xA0prof.herriot\xE3\x80\x80") == key("prof.herriot"));  // NBSP, ideographic
    CHECK(key("jean  \tdupont") == key("Jean Dupont"));
    CHECK(key("STRASSE") == key("stra\xC3\x9F"
                                "e"));  // ß folds to ss
    CHECK(key("prof.herriot") != key("prof.herriet"));
    CHECK(app::LoginThrottle::accountKey("a", "x") != app::LoginThrottle::accountKey("b", "x"));
}

TEST_CASE("an IPv6 client is counted by its /64", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{50, 15min}, {2, 10min}});
    CHECK(failedAtOnce(throttle, "ent", "a", "2001:db8:1:2::1"));
    CHECK(failedAtOnce(throttle, "ent", "b", "2001:db8:1:2:aaaa::9"));
    CHECK_FALSE(atOnce(throttle, "ent", "c", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    CHECK(atOnce(throttle, "ent", "c", "2001:db8:1:3::1"));  // another /64
}

TEST_CASE("successes do not use up an address: a whole school logs in behind one", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{5, 15min}, {3, 15min}});
    for (int i = 0; i < 30; ++i) {
        const std::string pupil = "eleve" + std::to_string(i);
        REQUIRE(atOnce(throttle, "ent", pupil, "192.0.2.1"));
        REQUIRE(run(throttle.recordSuccess({"ent"}, pupil)).has_value());
    }
    CHECK(atOnce(throttle, "ent", "one.more", "192.0.2.1"));
}

TEST_CASE("a success clears the account's failures", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    REQUIRE(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));  // a failure
    REQUIRE(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));  // then the right one
    REQUIRE(run(throttle.recordSuccess({"ent"}, "parent.herriot")).has_value());
    CHECK(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));
    CHECK(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));
}

TEST_CASE("an attempt no directory could judge is given back", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    for (int i = 0; i < 5; ++i) {
        REQUIRE(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
        REQUIRE(run(throttle.giveBack({"academie"}, "prof.herriot")).has_value());
    }
    CHECK(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
}

TEST_CASE("a store outage is reported, not taken for 'allowed'", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    store.setAvailable(false);
    app::LoginThrottle throttle(store, {});
    CHECK_FALSE(run(throttle.reserve({"ent"}, "x", "10.0.0.1")).has_value());
}
