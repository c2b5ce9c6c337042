// MemorySessionStore keeps the SessionStore promises that other modules' unit tests rely on:
// timeouts on the given clock, one-time artefacts, the per-user index, throttling windows.
#include <catch2/catch.hpp>

#include "gateway/core/clock.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "test/unit/session/result_printing.hpp"
#include "test/unit/session/run_task.hpp"

using namespace sesame;
using namespace sesame::session;
using namespace std::chrono_literals;
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
    s.createdAt = now;
    s.lastSeenAt = now;
    s.language = "fr";
    return s;
}

struct Fixture {
    boost::asio::io_context io;
    core::ManualClock clock;
    MemorySessionStore store{clock};
    SessionTimeouts timeouts{100s, 250s};
    Fixture() { store.setTimeouts(timeouts); }

    template <class T>
    T run(boost::asio::awaitable<T> task) {
        return runTask(io, std::move(task));
    }
    std::optional<core::Session> find(const std::string& id) {
        auto r = run(store.findSession(id));
        REQUIRE(r);
        return *r;
    }
};

}  // namespace

TEST_CASE("memory: a session ends after the idle timeout unless it is used", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", f.clock.nowSeconds()))));
    f.clock.advance(99);
    auto found = f.find("s1");
    REQUIRE(found);
    CHECK(found->lastSeenAt == f.clock.nowSeconds());  // the idle timeout starts again
    f.clock.advance(99);
    CHECK(f.find("s1"));
    f.clock.advance(100);
    CHECK_FALSE(f.find("s1"));
}

TEST_CASE("memory: use never extends a session past its absolute timeout", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", f.clock.nowSeconds()))));
    for (int i = 0; i < 4; ++i) {  // seen every 60 s: never idle, up to 240 s old
        f.clock.advance(60);
        REQUIRE(f.find("s1"));
    }
    f.clock.advance(10);  // 250 s after the login
    CHECK_FALSE(f.find("s1"));
}

TEST_CASE("memory: a session created without lastSeenAt counts as seen at its login", "[unit]") {
    Fixture f;
    auto s = makeSession("s1", "prof.herriot", f.clock.nowSeconds());
    s.lastSeenAt = 0;
    REQUIRE(f.run(f.store.createSession(s)));
    auto found = f.find("s1");
    REQUIRE(found);
    CHECK(found->lastSeenAt == s.createdAt);
}

TEST_CASE("memory: a session already past its absolute timeout is refused", "[unit]") {
    Fixture f;
    auto old = makeSession("s1", "prof.herriot", f.clock.nowSeconds() - 250);
    auto r = f.run(f.store.createSession(old));
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::invalid_argument);
}

TEST_CASE("memory: the per-user index lists a user's sessions and forgets ended ones", "[unit]") {
    Fixture f;
    auto now = f.clock.nowSeconds();
    REQUIRE(f.run(f.store.createSession(makeSession("a", "Prof.Herriot", now))));
    REQUIRE(f.run(f.store.createSession(makeSession("b", "prof.herriot", now + 1))));
    REQUIRE(f.run(f.store.createSession(makeSession("c", "eleve.herriot", now))));

    auto listed = f.run(f.store.sessionsOfUser("PROF.HERRIOT"));
    REQUIRE(listed);
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[0].id == "a");
    CHECK((*listed)[1].id == "b");

    // Revoke: every session of the user ends, other users keep theirs.
    for (const auto& s : *listed) REQUIRE(f.run(f.store.deleteSession(s.id)));
    CHECK(f.run(f.store.sessionsOfUser("prof.herriot"))->empty());
    CHECK_FALSE(f.find("a"));
    CHECK(f.find("c"));
    REQUIRE(f.run(f.store.deleteSession("a")));  // idempotent
}

TEST_CASE("memory: visits follow their session and end with it", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", f.clock.nowSeconds()))));
    core::ServiceVisit v1{"cas", "ent", "https://ent.example/", "ST-1", "", {}};
    core::ServiceVisit v2{"cas", "notes", "https://notes.example/", "ST-2", "", {}};
    REQUIRE(f.run(f.store.addVisit("s1", v1)));
    REQUIRE(f.run(f.store.addVisit("s1", v2)));
    auto visits = f.run(f.store.visits("s1"));
    REQUIRE(visits);
    REQUIRE(visits->size() == 2);
    CHECK((*visits)[1].sessionIndex == "ST-2");

    auto missing = f.run(f.store.addVisit("nope", v1));
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == core::Errc::not_found);

    REQUIRE(f.run(f.store.deleteSession("s1")));
    CHECK(f.run(f.store.visits("s1"))->empty());
}

TEST_CASE("memory: an artefact is taken once and expires", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.putArtefact(ticketKind, "ST-1", "value", 30s)));
    CHECK(f.run(f.store.peekArtefact(ticketKind, "ST-1"))->value() == "value");
    // Kinds are separate namespaces.
    CHECK_FALSE(f.run(f.store.takeArtefact(otherTicketKind, "ST-1"))->has_value());
    CHECK(f.run(f.store.takeArtefact(ticketKind, "ST-1"))->value() == "value");
    CHECK_FALSE(f.run(f.store.takeArtefact(ticketKind, "ST-1"))->has_value());

    REQUIRE(f.run(f.store.putArtefact(flowKind, "f1", "flow", 30s)));
    f.clock.advance(30);
    CHECK_FALSE(f.run(f.store.takeArtefact(flowKind, "f1"))->has_value());
}

TEST_CASE("memory: a throttling counter counts within its window, then starts again", "[unit]") {
    Fixture f;
    for (int i = 1; i <= 3; ++i) {
        auto c = f.run(f.store.increment("login:prof.herriot", 900s));
        REQUIRE(c);
        CHECK(c->count == i);
        f.clock.advance(100);
    }
    auto c = f.run(f.store.counter("login:prof.herriot"));
    REQUIRE(c);
    CHECK(c->count == 3);
    CHECK(c->ttl == 600s);  // the window started at the first attempt, later ones do not move it
    f.clock.advance(600);
    CHECK(f.run(f.store.counter("login:prof.herriot"))->count == 0);
    CHECK(f.run(f.store.increment("login:prof.herriot", 900s))->count == 1);
    REQUIRE(f.run(f.store.resetCounter("login:prof.herriot")));
    CHECK(f.run(f.store.counter("login:prof.herriot"))->count == 0);
}

TEST_CASE("memory: a count given back never outlives its window nor goes below 0", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.increment("acct:prof.herriot", 900s)));
    REQUIRE(f.run(f.store.increment("acct:prof.herriot", 900s)));
    REQUIRE(f.run(f.store.decrement("acct:prof.herriot")));
    auto c = f.run(f.store.counter("acct:prof.herriot"));
    REQUIRE(c);
    CHECK(c->count == 1);
    CHECK(c->ttl == 900s);
    REQUIRE(f.run(f.store.decrement("acct:prof.herriot")));
    REQUIRE(f.run(f.store.decrement("acct:prof.herriot")));  // already at 0
    CHECK(f.run(f.store.counter("acct:prof.herriot"))->count == 0);
    CHECK(f.run(f.store.increment("acct:prof.herriot", 900s))->count == 1);
    // The window ended before the attempt was given back: no counter at -1 with a new window.
    f.clock.advance(900);
    REQUIRE(f.run(f.store.decrement("acct:prof.herriot")));
    CHECK(f.run(f.store.increment("acct:prof.herriot", 900s))->count == 1);
}

TEST_CASE("memory: while unavailable every call fails as Redis being down would", "[unit]") {
    Fixture f;
    f.store.setAvailable(false);
    auto r = f.run(f.store.ping());
    REQUIRE_FALSE(r);
    CHECK(r.error() == core::Errc::unavailable);
    CHECK(f.run(f.store.takeArtefact(ticketKind, "x")).error() == core::Errc::unavailable);
    f.store.setAvailable(true);
    CHECK(f.run(f.store.ping()));
}

TEST_CASE("an artefact kind is the prefix its owner names", "[unit]") {
    CHECK(artefactPrefix(ticketKind) == "st");
    CHECK(artefactPrefix(flowKind) == "flow");
    CHECK(ticketKind != otherTicketKind);
}

TEST_CASE("memory: a session's tickets go with it, and none is stored after it", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", f.clock.nowSeconds()))));
    REQUIRE(f.run(f.store.putSessionArtefact(ticketKind, "ST-1", "g", 10s, "s1")));
    REQUIRE(f.run(f.store.deleteSession("s1")));
    auto taken = f.run(f.store.takeArtefact(ticketKind, "ST-1"));
    REQUIRE(taken);
    CHECK_FALSE(*taken);
    auto late = f.run(f.store.putSessionArtefact(ticketKind, "ST-2", "g", 10s, "s1"));
    CHECK(late.error() == core::Errc::not_found);
}

TEST_CASE("memory: a session is rewritten at most once a minute by its use (2 h idle)", "[unit]") {
    Fixture f;
    const SessionTimeouts hours{7200s, 36000s};
    const auto login = f.clock.nowSeconds();
    f.store.setTimeouts(hours);
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", login))));
    f.clock.advance(30);
    auto early = f.run(f.store.findSession("s1"));
    REQUIRE(early);
    REQUIRE(*early);
    CHECK((*early)->lastSeenAt == login);  // within the interval: no rewrite
    f.clock.advance(31);
    auto later = f.run(f.store.findSession("s1"));
    REQUIRE(later);
    REQUIRE(*later);
    CHECK((*later)->lastSeenAt == login + 61);
    auto stored = f.run(f.store.readSession("s1"));
    REQUIRE(stored);
    REQUIRE(*stored);
    CHECK((*stored)->lastSeenAt == login + 61);
}

TEST_CASE("memory: a ticket stored with its visit records the visit in the same step", "[unit]") {
    Fixture f;
    REQUIRE(f.run(f.store.createSession(makeSession("s1", "prof.herriot", f.clock.nowSeconds()))));
    core::ServiceVisit visit{"cas", "app1", "https://ent.example/app1/", "ST-1", "", {}};
    REQUIRE(f.run(f.store.putSessionArtefact(ticketKind, "ST-1", "g", 10s, "s1", visit)));
    auto visits = f.run(f.store.visits("s1"));
    REQUIRE(visits);
    REQUIRE(visits->size() == 1);
    CHECK(visits->front().sessionIndex == "ST-1");
    REQUIRE(f.run(f.store.deleteSession("s1")));
    auto late = f.run(f.store.putSessionArtefact(ticketKind, "ST-2", "g", 10s, "s1", visit));
    CHECK(late.error() == core::Errc::not_found);
    auto none = f.run(f.store.visits("s1"));
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("memory: an id is remembered once until it expires", "[unit]") {
    Fixture f;
    CHECK(f.run(f.store.rememberOnce(ticketKind, "_id1", 10s)).value());
    CHECK_FALSE(f.run(f.store.rememberOnce(ticketKind, "_id1", 10s)).value());
    CHECK(f.run(f.store.rememberOnce(otherTicketKind, "_id1", 10s)).value());  // another kind
    f.clock.advance(11);
    CHECK(f.run(f.store.rememberOnce(ticketKind, "_id1", 10s)).value());
}
