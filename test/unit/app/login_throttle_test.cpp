// Throttling of failed logins (gateway/app): per account and per client address, each in its
// own window, on the in-memory store with a manual clock.
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
}  // namespace

TEST_CASE("the account is throttled after its attempts, until the window passes", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{3, 15min}, {100, 15min}});
    for (int i = 0; i < 3; ++i) {
        CHECK(run(throttle.check("academie", "Prof.Herriot", "10.0.0.1"))->allowed);
        REQUIRE(run(throttle.recordFailure("academie", "Prof.Herriot", "10.0.0.1")).has_value());
    }
    auto verdict = run(throttle.check("academie", "prof.herriot", "10.0.0.2"));
    REQUIRE(verdict.has_value());
    CHECK_FALSE(verdict->allowed);  // the login is the same whatever its case, from anywhere
    CHECK(verdict->retryAfter > 14min);
    CHECK(run(throttle.check("academie", "dir.herriot", "10.0.0.1"))->allowed);
    CHECK(run(throttle.check("commune", "prof.herriot", "10.0.0.1"))->allowed);
    clock.advance(15 * 60 + 1);
    CHECK(run(throttle.check("academie", "prof.herriot", "10.0.0.1"))->allowed);
}

TEST_CASE("one address guessing many accounts is throttled too", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{5, 15min}, {4, 10min}});
    for (int i = 0; i < 4; ++i)
        REQUIRE(run(throttle.recordFailure("ent", "eleve" + std::to_string(i), "192.0.2.7"))
                    .has_value());
    auto verdict = run(throttle.check("ent", "someone.else", "192.0.2.7"));
    REQUIRE(verdict.has_value());
    CHECK_FALSE(verdict->allowed);
    CHECK(verdict->retryAfter <= 10min);
    CHECK(run(throttle.check("ent", "someone.else", "192.0.2.8"))->allowed);
}

TEST_CASE("a success clears the account's failures", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    app::LoginThrottle throttle(store, app::ThrottleConfig{{2, 15min}, {100, 15min}});
    REQUIRE(run(throttle.recordFailure("ent", "parent.herriot", "10.0.0.1")).has_value());
    REQUIRE(run(throttle.recordSuccess("ent", "parent.herriot")).has_value());
    REQUIRE(run(throttle.recordFailure("ent", "parent.herriot", "10.0.0.1")).has_value());
    CHECK(run(throttle.check("ent", "parent.herriot", "10.0.0.1"))->allowed);
}

TEST_CASE("a store outage is reported, not taken for 'allowed'", "[unit]") {
    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    store.setAvailable(false);
    app::LoginThrottle throttle(store, {});
    CHECK_FALSE(run(throttle.check("ent", "x", "10.0.0.1")).has_value());
}
