#pragma once
// Where sessions, one-time artefacts (each protocol's tickets and codes, login flows) and
// throttling counters live. The store knows no protocol: artefacts come with their owner's prefix.
// RedisSessionStore is the real one; MemorySessionStore serves unit tests of logic only.
// Every call is a coroutine on the caller's executor: no blocking call on an I/O thread.
// Key schema: docs/operations.md ("Redis keys").
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/core/session.hpp"

namespace sesame::session {

template <class T>
using Task = boost::asio::awaitable<T>;
using sesame::Result;

struct SessionTimeouts {
    std::chrono::seconds idle{std::chrono::hours(2)};       // since the last request
    std::chrono::seconds absolute{std::chrono::hours(10)};  // since the login
};

// One-time and short-lived things, each in the key namespace of the module that owns it: the
// owner names it ("flow" for gateway/app's login flow; each protocol its own, listed in
// docs/operations.md) and the store only puts it before the id. Prefixes are letters, digits
// and '-' only, so that "<prefix>:<id>" cannot be read two ways.
struct ArtefactKind {
    std::string_view prefix;
    friend auto operator<=>(const ArtefactKind&, const ArtefactKind&) = default;
};

inline constexpr std::size_t maxVisits = 100;

struct CounterState {
    std::int64_t count = 0;
    std::chrono::seconds ttl{0};  // time left in the window
};

class SessionStore {
  public:
    virtual ~SessionStore() = default;

    // The store owns the session timeouts: set at start and on every configuration reload (a
    // session's idle and absolute deadlines are counted with the values of the latest picture).
    void setTimeouts(SessionTimeouts timeouts) { timeouts_ = timeouts; }
    SessionTimeouts timeouts() const { return timeouts_; }

    // Writes the session and adds it to its user's index (by login, lower-cased).
    virtual Task<Result<void>> createSession(const core::Session& session) = 0;
    // The session if it exists and neither timeout has passed; refreshes the idle timeout, at
    // most once per refreshInterval (session_ttl.hpp) so that a person opening services one
    // after the other costs one read, not a read and a rewrite each. For requests the person
    // makes (the browser's cookie).
    virtual Task<Result<std::optional<core::Session>>> findSession(const std::string& id) = 0;
    // The same without refreshing the idle timeout: for back-channel calls (CAS /proxy), where a
    // service acts and the person may have left. A service polling with a PGT must not keep a
    // session alive.
    virtual Task<Result<std::optional<core::Session>>> readSession(const std::string& id) = 0;
    // Removes the session, its visits, its index entry and the artefacts stored with
    // putSessionArtefact that are still there (logout: its unvalidated tickets stop working).
    // Idempotent.
    virtual Task<Result<void>> deleteSession(const std::string& id) = 0;
    // Remembers that a service received a ticket in this session (for single logout). Only the
    // last maxVisits are kept: one cookie must not make Redis hold, and logout send, without
    // bound (a page reloaded all day issues a ticket each time).
    virtual Task<Result<void>> addVisit(const std::string& sessionId,
                                        const core::ServiceVisit& visit) = 0;
    virtual Task<Result<std::vector<core::ServiceVisit>>> visits(const std::string& sessionId) = 0;
    // Session ids of a user, from the per-user index (never a key scan). Stale ids pruned.
    virtual Task<Result<std::vector<core::Session>>> sessionsOfUser(const std::string& login) = 0;

    virtual Task<Result<void>> putArtefact(ArtefactKind kind, const std::string& id,
                                           const std::string& value, std::chrono::seconds ttl) = 0;
    // An artefact that vouches for a session (a ticket, a code): stored only while the session
    // exists (core::Errc::not_found otherwise) and deleted with it by deleteSession, in one atomic
    // step each, so that a ticket issued concurrently with a logout is either refused or deleted.
    // Validation stays one GETDEL: the cost is paid at issuance and at logout, not on the
    // serviceValidate path. With a `visit`, the service is recorded for single logout in the
    // same step (as addVisit): issuing a ticket to a service costs one round trip.
    virtual Task<Result<void>> putSessionArtefact(
        ArtefactKind kind, const std::string& id, const std::string& value,
        std::chrono::seconds ttl, const std::string& sessionId,
        const std::optional<core::ServiceVisit>& visit = std::nullopt) = 0;
    // Remembers `id` until `ttl` passes, once: true the first time, false while it is remembered
    // (Redis SET NX). For message ids that must never be accepted twice (a replayed SAML
    // request, a reused client assertion), whichever node sees the copy.
    virtual Task<Result<bool>> rememberOnce(ArtefactKind kind, const std::string& id,
                                            std::chrono::seconds ttl) = 0;
    // Atomic read-and-delete (Redis GETDEL): of two concurrent takes, exactly one gets the value.
    virtual Task<Result<std::optional<std::string>>> takeArtefact(ArtefactKind kind,
                                                                  const std::string& id) = 0;
    // Read without consuming (a PGT serves many /proxy calls).
    virtual Task<Result<std::optional<std::string>>> peekArtefact(ArtefactKind kind,
                                                                  const std::string& id) = 0;
    virtual Task<Result<void>> deleteArtefact(ArtefactKind kind, const std::string& id) = 0;

    // Fixed-window counter for throttling: adds one, starting the window on first use.
    virtual Task<Result<CounterState>> increment(const std::string& key,
                                                 std::chrono::seconds window) = 0;
    // Gives one back (an attempt that was not made) to a counter whose window still runs and that
    // is above 0; nothing otherwise: a window that ended meanwhile is not started again below 0.
    virtual Task<Result<void>> decrement(const std::string& key) = 0;
    virtual Task<Result<CounterState>> counter(const std::string& key) = 0;
    virtual Task<Result<void>> resetCounter(const std::string& key) = 0;

    // Reachability, for /readyz.
    virtual Task<Result<void>> ping() = 0;

  private:
    SessionTimeouts timeouts_;
};

inline std::string_view artefactPrefix(ArtefactKind kind) {
    return kind.prefix;
}

}  // namespace sesame::session
