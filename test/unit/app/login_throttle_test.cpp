// Throttling of logins (gateway/app): every attempt is counted before the directory is asked,
// per account and per client address, each in its own window; on the in-memory store with a
// manual clock.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/app/login_throttle.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/session/memory_session_store.hpp"

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

bool allowed(app::LoginThrottle& t, const std::string& dir, const std::string& login,
             const std::string& address) {
    auto verdict = run(t.reserve(dir, login, address));
    REQUIRE(verdict.has_value());
    return verdict->allowed;
}
}  // namespace

TEST_CASE("the account is throttled after its attempts, until the window passes", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{3, 15min}, {100, 15min}});
    for (int i = 0; i < 3; ++i) CHECK(allowed(throttle, "academie", "Prof.Herriot", "10.0.0.1"));
    // The same account whatever its case and surrounding spaces, from anywhere.
    auto verdict = run(throttle.reserve("academie", " prof.herriot ", "10.0.0.2"));
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

TEST_CASE("one address guessing many accounts is throttled too", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{5, 15min}, {4, 10min}});
    for (int i = 0; i < 4; ++i)
        CHECK(allowed(throttle, "ent", "eleve" + std::to_string(i), "192.0.2.7"));
    auto verdict = run(throttle.reserve("ent", "someone.else", "192.0.2.7"));
    REQUIRE(verdict.has_value());
    CHECK_FALSE(verdict->allowed);
    CHECK(verdict->retryAfter <= 10min);
    CHECK(allowed(throttle, "ent", "someone.else", "192.0.2.8"));
}

TEST_CASE("an IPv6 client is counted by its /64", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{50, 15min}, {2, 10min}});
    CHECK(allowed(throttle, "ent", "a", "2001:db8:1:2::1"));
    CHECK(allowed(throttle, "ent", "b", "2001:db8:1:2:aaaa::9"));
    CHECK_FALSE(allowed(throttle, "ent", "c", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    CHECK(allowed(throttle, "ent", "c", "2001:db8:1:3::1"));  // another /64
}

TEST_CASE("successes do not use up an address: a whole school logs in behind one", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{5, 15min}, {3, 15min}});
    for (int i = 0; i < 30; ++i) {
        const std::string pupil = "eleve" + std::to_string(i);
        REQUIRE(allowed(throttle, "ent", pupil, "192.0.2.1"));
        REQUIRE(run(throttle.recordSuccess("ent", pupil, "192.0.2.1")).has_value());
    }
    CHECK(allowed(throttle, "ent", "one.more", "192.0.2.1"));
}

TEST_CASE("a success clears the account's failures", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    REQUIRE(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));  // a failure
    REQUIRE(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));  // then the right one
    REQUIRE(run(throttle.recordSuccess("ent", "parent.herriot", "10.0.0.1")).has_value());
    CHECK(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));
    CHECK(allowed(throttle, "ent", "parent.herriot", "10.0.0.1"));
}

TEST_CASE("an attempt no directory could judge is given back", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    for (int i = 0; i < 5; ++i) {
        REQUIRE(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
        REQUIRE(run(throttle.giveBack("academie", "prof.herriot", "10.0.0.1")).has_value());
    }
    CHECK(allowed(throttle, "academie", "prof.herriot", "10.0.0.1"));
}

TEST_CASE("a store outage is reported, not taken for 'allowed'", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    store.setAvailable(false);
    app::LoginThrottle throttle(store, {});
    CHECK_FALSE(run(throttle.reserve("ent", "x", "10.0.0.1")).has_value());
}
