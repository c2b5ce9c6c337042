// RedisSessionStore against the real redis-server of SESAME_TEST_REDIS: one-time tickets under
// concurrency, session timeouts as Redis applies them, the per-user index, visits, throttling.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "gateway/core/clock.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/redis_session_store.hpp"
#include "test/unit/session/redis_server.hpp"
#include "test/unit/session/result_printing.hpp"
#include "test/unit/session/run_task.hpp"

using namespace sesame;
using namespace sesame::session;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::runTask;

namespace {
// Artefact kinds as their owners name them; the store knows only the prefix.
constexpr ArtefactKind ticketKind{"st"};
constexpr ArtefactKind otherTicketKind{"pt"};
constexpr ArtefactKind reusableKind{"pgt"};
constexpr ArtefactKind flowKind{"flow"};

core::Session makeSession(std::string id, std::string login, std::int64_t now) {
    core::Session s;
    s.id = std::move(id);
    s.identity.subject = "subject-" + login;
    s.identity.login = std::move(login);
    s.identity.displayName = "Marie Herriot";
    s.createdAt = now;
    s.lastSeenAt = now;
    s.language = "fr";
    return s;
}

struct Fixture {
    explicit Fixture(RedisConfig config = test::sharedRedis())
        : client(io.get_executor(), std::move(config), &errors), store(client, clock, &errors) {
        REQUIRE(client.start());
        store.setTimeouts(timeouts);
    }
    template <class T>
    T run(asio::awaitable<T> task) {
        return runTask(io, std::move(task));
    }
    std::optional<core::Session> find(const std::string& id) {
        auto r = run(store.findSession(id));
        INFO(client.lastError());
        REQUIRE(r);
        return *r;
    }
    std::int64_t ttl(const std::string& key) {
        auto r = run(client.command({"TTL", key}));
        REQUIRE(r);
        return r->asInteger();
    }

    asio::io_context io;
    core::CounterFamily errors{"sesame_redis_errors_total", "test", {"operation"}};
    core::ManualClock clock{core::SystemClock().nowSeconds()};
    RedisClient client;
    SessionTimeouts timeouts{100s, 150s};
    RedisSessionStore store;
};

}  // namespace

TEST_CASE("redis: 50 concurrent takes of one ticket give exactly one value", "[redis]") {
    Fixture f;
    REQUIRE(f.run(f.store.putArtefact(ticketKind, "ST-once", "prof.herriot", 30s)));
    // Keys are where docs/operations.md says.
    CHECK(f.ttl(f.client.config().keyPrefix + "st:ST-once") > 0);

    int values = 0, empties = 0, finished = 0;
    for (int i = 0; i < 50; ++i) {
        asio::co_spawn(
            f.io,
            [&]() -> asio::awaitable<void> {
                auto taken = co_await f.store.takeArtefact(ticketKind, "ST-once");
                if (taken && *taken) ++values;
                if (taken && !*taken) ++empties;
                ++finished;
            },
            asio::detached);
    }
    while (finished < 50) f.io.run_one();
    CHECK(values == 1);
    CHECK(empties == 49);
}

TEST_CASE("redis: artefacts peek, delete and expire in their own namespaces", "[redis]") {
    Fixture f;
    REQUIRE(f.run(f.store.putArtefact(reusableKind, "PGT-1", "pgt", 60s)));
    CHECK(f.run(f.store.peekArtefact(reusableKind, "PGT-1"))->value() == "pgt");
    CHECK(f.run(f.store.peekArtefact(reusableKind, "PGT-1"))->value() == "pgt");
    CHECK_FALSE(f.run(f.store.peekArtefact(otherTicketKind, "PGT-1"))->has_value());
    auto ttl = f.ttl(f.store.artefactKey(reusableKind, "PGT-1"));
    CHECK(ttl > 55);
    CHECK(ttl <= 60);
    REQUIRE(f.run(f.store.deleteArtefact(reusableKind, "PGT-1")));
    CHECK_FALSE(f.run(f.store.peekArtefact(reusableKind, "PGT-1"))->has_value());
    CHECK(f.run(f.store.putArtefact(flowKind, "f", "v", 0s)).error() ==
          core::Errc::invalid_argument);
}

TEST_CASE("redis: a session ends when Redis expires it", "[redis]") {
    core::SystemClock system;
    Fixture f;
    auto now = system.nowSeconds();
    // Logged in 149 s ago with a 150 s absolute timeout: one second left, whatever the idle.
    auto s = makeSession("sess-expiring", "prof.herriot", now - 149);
    s.lastSeenAt = now;
    f.clock = core::ManualClock(now);
    REQUIRE(f.run(f.store.createSession(s)));
    CHECK(f.ttl(f.store.sessionKey("sess-expiring")) <= 1);
    // Wait for Redis' own expiry (PTTL polled, not a fixed sleep), then the session is gone.
    bool gone = f.run([](Fixture& f) -> asio::awaitable<bool> {
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (int i = 0; i < 300; ++i) {
            RedisClient::Command exists{"EXISTS", f.store.sessionKey("sess-expiring")};
            auto r = co_await f.client.command(std::move(exists));
            if (r && r->asInteger() == 0) co_return true;
            pause.expires_after(20ms);
            co_await pause.async_wait(asio::use_awaitable);
        }
        co_return false;
    }(f));
    REQUIRE(gone);
    CHECK_FALSE(f.find("sess-expiring"));
}

TEST_CASE("redis: use refreshes the idle timeout but never past the absolute one", "[redis]") {
    Fixture f;
    auto s = makeSession("sess-idle", "prof.herriot", f.clock.nowSeconds());
    REQUIRE(f.run(f.store.createSession(s)));
    const auto key = f.store.sessionKey("sess-idle");
    CHECK(f.ttl(key) > 95);
    CHECK(f.ttl(key) <= 100);

    f.clock.advance(60);
    auto found = f.find("sess-idle");
    REQUIRE(found);
    CHECK(found->lastSeenAt == f.clock.nowSeconds());
    CHECK(found->identity.displayName == "Marie Herriot");
    CHECK(f.ttl(key) > 85);  // min(idle 100, 150 - 60 = 90)
    CHECK(f.ttl(key) <= 90);

    f.clock.advance(80);
    REQUIRE(f.find("sess-idle"));
    CHECK(f.ttl(key) <= 10);  // 150 - 140: the absolute deadline holds

    f.clock.advance(10);  // 150 s after the login
    CHECK_FALSE(f.find("sess-idle"));
    CHECK(f.ttl(key) == -2);  // removed, not left to expire
}

TEST_CASE("redis: a session unused for longer than the idle timeout is gone", "[redis]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("sess-unused", "x", f.clock.nowSeconds()))));
    f.clock.advance(100);
    CHECK_FALSE(f.find("sess-unused"));
}

TEST_CASE("redis: the per-user index lists sessions, prunes ended ones, and revokes", "[redis]") {
    Fixture f;
    auto now = f.clock.nowSeconds();
    REQUIRE(f.run(f.store.createSession(makeSession("u-a", "Prof.Herriot", now))));
    REQUIRE(f.run(f.store.createSession(makeSession("u-b", "prof.herriot", now + 1))));
    REQUIRE(f.run(f.store.createSession(makeSession("u-c", "prof.herriot", now + 2))));
    REQUIRE(f.run(f.store.createSession(makeSession("u-d", "eleve.herriot", now))));
    const auto index = f.store.userKey("PROF.herriot");
    CHECK(index == f.client.config().keyPrefix + "user:prof.herriot");
    CHECK(f.ttl(index) > 145);  // the absolute timeout: as long as any session can live

    auto listed = f.run(f.store.sessionsOfUser("PROF.HERRIOT"));
    REQUIRE(listed);
    REQUIRE(listed->size() == 3);
    CHECK((*listed)[0].id == "u-a");
    CHECK((*listed)[2].id == "u-c");

    // A session that ended on its own (expired key) is pruned from the index when listed.
    REQUIRE(f.run(f.client.command({"DEL", f.store.sessionKey("u-b")})));
    listed = f.run(f.store.sessionsOfUser("prof.herriot"));
    REQUIRE(listed->size() == 2);
    CHECK(f.run(f.client.command({"SISMEMBER", index, "u-b"}))->asInteger() == 0);

    // Revoke: `sesame sessions revoke prof.herriot`.
    for (const auto& s : *listed) REQUIRE(f.run(f.store.deleteSession(s.id)));
    CHECK(f.run(f.store.sessionsOfUser("prof.herriot"))->empty());
    CHECK_FALSE(f.find("u-a"));
    CHECK(f.run(f.client.command({"EXISTS", index}))->asInteger() == 0);
    CHECK(f.find("u-d"));  // another user keeps theirs
    REQUIRE(f.run(f.store.deleteSession("u-d")));
    REQUIRE(f.run(f.store.deleteSession("u-d")));  // idempotent
}

TEST_CASE("redis: visits are kept in order with their session's lifetime", "[redis]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("v-1", "prof.herriot", f.clock.nowSeconds()))));
    core::ServiceVisit ent{"cas", "ent", "https://ent.example/", "ST-1", "", {}};
    core::ServiceVisit notes{
        "cas", "notes", "https://notes.example/", "ST-2", "https://notes.example/slo", {}};
    REQUIRE(f.run(f.store.addVisit("v-1", ent)));
    REQUIRE(f.run(f.store.addVisit("v-1", notes)));
    auto visits = f.run(f.store.visits("v-1"));
    REQUIRE(visits);
    REQUIRE(visits->size() == 2);
    CHECK((*visits)[0].serviceId == "ent");
    CHECK((*visits)[1].logoutUrl == "https://notes.example/slo");
    auto listTtl = f.ttl(f.store.visitsKey("v-1"));
    CHECK(listTtl > 95);
    CHECK(listTtl <= f.ttl(f.store.sessionKey("v-1")));

    auto late = f.run(f.store.addVisit("no-such-session", ent));
    REQUIRE_FALSE(late);
    CHECK(late.error() == core::Errc::not_found);
    CHECK(f.ttl(f.store.visitsKey("no-such-session")) == -2);  // nothing created

    REQUIRE(f.run(f.store.deleteSession("v-1")));
    CHECK(f.run(f.store.visits("v-1"))->empty());
}

TEST_CASE("redis: a session keeps only its last maxVisits visits", "[redis]") {
    Fixture f;
    REQUIRE(
        f.run(f.store.createSession(makeSession("v-cap", "eleve.herriot", f.clock.nowSeconds()))));
    for (std::size_t i = 0; i < session::maxVisits + 20; ++i) {
        core::ServiceVisit v{"cas", "ent", "https://ent.example/", "ST-" + std::to_string(i),
                             "",    {}};
        REQUIRE(f.run(f.store.addVisit("v-cap", v)));
    }
    auto visits = f.run(f.store.visits("v-cap"));
    REQUIRE(visits);
    REQUIRE(visits->size() == session::maxVisits);
    CHECK(visits->front().sessionIndex == "ST-20");  // the oldest went first
    CHECK(visits->back().sessionIndex == "ST-" + std::to_string(session::maxVisits + 19));
    REQUIRE(f.run(f.store.deleteSession("v-cap")));
}

TEST_CASE("redis: a count given back never outlives its window nor goes below 0", "[redis]") {
    Fixture f;
    const std::string key = "acct:given.back";
    REQUIRE(f.run(f.store.resetCounter(key)));
    REQUIRE(f.run(f.store.increment(key, 900s)));
    REQUIRE(f.run(f.store.increment(key, 900s)));
    REQUIRE(f.run(f.store.decrement(key)));
    auto c = f.run(f.store.counter(key));
    REQUIRE(c);
    CHECK(c->count == 1);
    CHECK(c->ttl > 890s);  // the window it had
    REQUIRE(f.run(f.store.decrement(key)));
    REQUIRE(f.run(f.store.decrement(key)));  // already at 0
    CHECK(f.run(f.store.counter(key))->count == 0);
    // The window ended (the key expired) before the attempt was given back: nothing is created,
    // so the next attempt starts a window of its own at 1.
    REQUIRE(f.run(f.store.resetCounter(key)));
    REQUIRE(f.run(f.store.decrement(key)));
    c = f.run(f.store.counter(key));
    REQUIRE(c);
    CHECK(c->count == 0);
    CHECK(c->ttl == 0s);
    CHECK(f.run(f.store.increment(key, 900s))->count == 1);
    REQUIRE(f.run(f.store.resetCounter(key)));
}

TEST_CASE("redis: throttling counters count in a window that starts at the first attempt",
          "[redis]") {
    Fixture f;
    for (int i = 1; i <= 3; ++i) {
        auto c = f.run(f.store.increment("account:prof.herriot", 900s));
        REQUIRE(c);
        CHECK(c->count == i);
        CHECK(c->ttl > 890s);
        CHECK(c->ttl <= 900s);
    }
    // A later, shorter window does not move the one already running (EXPIRE NX).
    CHECK(f.run(f.store.increment("account:prof.herriot", 10s))->ttl > 890s);
    auto c = f.run(f.store.counter("account:prof.herriot"));
    REQUIRE(c);
    CHECK(c->count == 4);
    REQUIRE(f.run(f.store.resetCounter("account:prof.herriot")));
    c = f.run(f.store.counter("account:prof.herriot"));
    CHECK(c->count == 0);
    CHECK(c->ttl == 0s);
}

TEST_CASE("redis: the store fails with unavailable when Redis is away, and counts it", "[redis]") {
    RedisConfig config;
    config.port = test::freePort();
    config.timeout = 500ms;
    Fixture f(config);
    auto pong = f.run(f.store.ping());
    REQUIRE_FALSE(pong);
    CHECK(pong.error() == core::Errc::unavailable);
    auto taken = f.run(f.store.takeArtefact(ticketKind, "ST-x"));
    CHECK(taken.error() == core::Errc::unavailable);
    CHECK(f.errors.value({"getdel"}) >= 1);
}

TEST_CASE("redis: a session's tickets go with it at logout, and none is stored after it",
          "[redis]") {
    Fixture f;
    auto now = f.clock.nowSeconds();
    REQUIRE(f.run(f.store.createSession(makeSession("sess-tickets", "prof.herriot", now))));
    REQUIRE(
        f.run(f.store.putSessionArtefact(ticketKind, "ST-bound", "grant", 10s, "sess-tickets")));
    REQUIRE(f.run(
        f.store.putSessionArtefact(reusableKind, "PGT-bound", "grant", 100s, "sess-tickets")));
    // The set lives as long as its longest-lived artefact.
    CHECK(f.ttl(f.store.artefactsKey("sess-tickets")) > 10);
    REQUIRE(f.run(f.store.deleteSession("sess-tickets")));
    auto st = f.run(f.store.takeArtefact(ticketKind, "ST-bound"));
    REQUIRE(st);
    CHECK_FALSE(*st);
    auto pgt = f.run(f.store.peekArtefact(reusableKind, "PGT-bound"));
    REQUIRE(pgt);
    CHECK_FALSE(*pgt);
    CHECK(f.ttl(f.store.artefactsKey("sess-tickets")) == -2);
    auto late =
        f.run(f.store.putSessionArtefact(ticketKind, "ST-late", "grant", 10s, "sess-tickets"));
    CHECK(late.error() == core::Errc::not_found);
    auto absent = f.run(f.store.peekArtefact(ticketKind, "ST-late"));
    REQUIRE(absent);
    CHECK_FALSE(*absent);
}

TEST_CASE("redis: a session is rewritten at most once a minute by its use (2 h idle)", "[redis]") {
    Fixture f;
    const SessionTimeouts hours{7200s, 36000s};
    const auto login = f.clock.nowSeconds();
    f.store.setTimeouts(hours);
    REQUIRE(f.run(f.store.createSession(makeSession("sess-lazy", "prof.herriot", login))));
    f.clock.advance(30);
    auto early = f.run(f.store.findSession("sess-lazy"));
    REQUIRE(early);
    REQUIRE(*early);
    CHECK((*early)->lastSeenAt == login);  // within the interval: one GET, no rewrite
    f.clock.advance(31);
    REQUIRE(f.run(f.store.findSession("sess-lazy")));
    auto stored = f.run(f.store.readSession("sess-lazy"));
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->lastSeenAt == login + 61);  // rewritten once the interval has passed
}

TEST_CASE("redis: a ticket stored with its visit records the visit, with the session's TTL",
          "[redis]") {
    Fixture f;
    auto now = f.clock.nowSeconds();
    REQUIRE(f.run(f.store.createSession(makeSession("sess-visit", "prof.herriot", now))));
    core::ServiceVisit visit{"cas", "app1", "https://ent.example/app1/", "ST-visited", "", {}};
    REQUIRE(f.run(
        f.store.putSessionArtefact(ticketKind, "ST-visited", "grant", 10s, "sess-visit", visit)));
    auto visits = f.run(f.store.visits("sess-visit"));
    REQUIRE(visits);
    REQUIRE(visits->size() == 1);
    CHECK(visits->front().sessionIndex == "ST-visited");
    CHECK(visits->front().service == "https://ent.example/app1/");
    CHECK(f.ttl(f.store.visitsKey("sess-visit")) > 90);  // the session's, not the ticket's 10 s
    REQUIRE(f.run(f.store.deleteSession("sess-visit")));
    auto late = f.run(
        f.store.putSessionArtefact(ticketKind, "ST-after", "grant", 10s, "sess-visit", visit));
    CHECK(late.error() == core::Errc::not_found);
    CHECK(f.ttl(f.store.visitsKey("sess-visit")) == -2);  // no visit list resurrected
}

TEST_CASE("redis: of concurrent rememberOnce of one id exactly one is first", "[redis]") {
    Fixture f;
    const std::string id = "_replay-" + std::to_string(f.clock.nowSeconds());
    int first = 0, again = 0, finished = 0;
    for (int i = 0; i < 20; ++i)
        asio::co_spawn(
            f.io,
            [&]() -> asio::awaitable<void> {
                auto r = co_await f.store.rememberOnce(ticketKind, id, 30s);
                if (r && *r) ++first;
                if (r && !*r) ++again;
                ++finished;
            },
            asio::detached);
    while (finished < 20) f.io.run_one();
    CHECK(first == 1);
    CHECK(again == 19);
    auto ttl = f.ttl(f.store.artefactKey(ticketKind, id));
    CHECK(ttl > 0);
    CHECK(ttl <= 30);
}

TEST_CASE("redis: the scripts run by their SHA-1, and again by their text after SCRIPT FLUSH",
          "[redis]") {
    Fixture f;
    auto calls = [&](const char* command) {
        auto stats = f.run(f.client.command({"INFO", "commandstats"}));
        REQUIRE(stats);
        auto text = stats->text();
        auto at = text.find(std::string("cmdstat_") + command + ":calls=");
        if (at == std::string::npos) return 0L;
        return std::stol(text.substr(text.find('=', at) + 1));
    };
    auto issueAndEnd = [&](const std::string& id) {
        auto session = makeSession(id, id, f.clock.nowSeconds());
        REQUIRE(f.run(f.store.createSession(session)));
        REQUIRE(f.run(f.store.putSessionArtefact(ticketKind, "ST-" + id, "v", 30s, session.id)));
        REQUIRE(f.run(f.store.deleteSession(session.id)));
        CHECK_FALSE(f.run(f.store.peekArtefact(ticketKind, "ST-" + id)).value().has_value());
    };
    REQUIRE(f.run(f.client.command({"SCRIPT", "FLUSH"})));  // a restarted or new master
    auto evals = calls("eval");
    issueAndEnd("scripts-1");  // NOSCRIPT, then each script's text once
    CHECK(calls("eval") == evals + 2);
    evals = calls("eval");
    auto shas = calls("evalsha");
    issueAndEnd("scripts-2");
    CHECK(calls("eval") == evals);        // no text sent again
    CHECK(calls("evalsha") == shas + 2);  // putSessionArtefact and deleteSession
    CHECK(f.errors.value({"put_artefact"}) == 0);
    CHECK(f.errors.value({"delete_session"}) == 0);
}
