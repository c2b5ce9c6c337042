#pragma once
// SessionStore on Redis (key schema: docs/operations.md, "Redis keys"). Every key starts with a
// configurable prefix ("sesame:" by default) so that several deployments can share one Redis.
// No KEYS or SCAN anywhere: listings go through the per-user index set.
// Same threading rule as RedisClient: use it from the thread that runs the client's executor.
#include <string>

#include "gateway/core/clock.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/redis_client.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::session {

class RedisSessionStore final : public SessionStore {
  public:
    // Keys under client.config().keyPrefix. `errors` counts replies that are Redis errors or do
    // not decode, by store operation ("find_session"...); transport failures are counted by the
    // client.
    RedisSessionStore(RedisClient& client, const core::Clock& clock,
                      core::CounterFamily* errors = nullptr);
    RedisSessionStore(RedisClient& client, const core::Clock& clock, std::string keyPrefix,
                      core::CounterFamily* errors = nullptr);

    Task<Result<void>> createSession(const core::Session& session) override;
    Task<Result<std::optional<core::Session>>> findSession(const std::string& id) override;
    Task<Result<std::optional<core::Session>>> readSession(const std::string& id) override;
    Task<Result<void>> deleteSession(const std::string& id) override;
    Task<Result<void>> addVisit(const std::string& sessionId,
                                const core::ServiceVisit& visit) override;
    Task<Result<std::vector<core::ServiceVisit>>> visits(const std::string& sessionId) override;
    Task<Result<std::vector<core::Session>>> sessionsOfUser(const std::string& login) override;

    Task<Result<void>> putArtefact(ArtefactKind kind, const std::string& id,
                                   const std::string& value, std::chrono::seconds ttl) override;
    Task<Result<void>> putSessionArtefact(
        ArtefactKind kind, const std::string& id, const std::string& value,
        std::chrono::seconds ttl, const std::string& sessionId,
        const std::optional<core::ServiceVisit>& visit = std::nullopt) override;
    Task<Result<bool>> rememberOnce(ArtefactKind kind, const std::string& id,
                                    std::chrono::seconds ttl) override;
    Task<Result<std::optional<std::string>>> takeArtefact(ArtefactKind kind,
                                                          const std::string& id) override;
    Task<Result<std::optional<std::string>>> peekArtefact(ArtefactKind kind,
                                                          const std::string& id) override;
    Task<Result<void>> deleteArtefact(ArtefactKind kind, const std::string& id) override;

    Task<Result<CounterState>> increment(const std::string& key,
                                         std::chrono::seconds window) override;
    Task<Result<void>> decrement(const std::string& key) override;
    Task<Result<CounterState>> counter(const std::string& key) override;
    Task<Result<void>> resetCounter(const std::string& key) override;

    Task<Result<void>> ping() override;

    // The key names (documented in docs/operations.md).
    std::string sessionKey(const std::string& id) const { return prefix_ + "sess:" + id; }
    std::string visitsKey(const std::string& id) const { return sessionKey(id) + ":visits"; }
    // The session's outstanding artefacts (sorted set: "<kind>:<id>" by expiry time).
    std::string artefactsKey(const std::string& id) const { return sessionKey(id) + ":artefacts"; }
    std::string userKey(const std::string& login) const;  // login lower-cased
    std::string artefactKey(ArtefactKind kind, const std::string& id) const;
    std::string counterKey(const std::string& key) const { return prefix_ + "throttle:" + key; }

  private:
    using Command = RedisClient::Command;
    // EVALSHA of the script's SHA-1, and EVAL of its text when the server does not hold it yet
    // (NOSCRIPT: a restarted Redis, a new master after a failover): the script's text crosses
    // the network once per server, not with every call. `keysAndArgs` starts with numkeys.
    Task<Result<RedisReply>> evalScript(const char* script, Command keysAndArgs);
    Result<RedisReply> checked(Result<RedisReply> reply, const char* operation);
    Result<std::vector<RedisReply>> checked(Result<std::vector<RedisReply>> replies,
                                            const char* operation);
    Task<Result<std::optional<std::string>>> readArtefact(const char* command, ArtefactKind kind,
                                                          const std::string& id,
                                                          const char* operation);

    RedisClient& client_;
    const core::Clock& clock_;
    std::string prefix_;
    core::CounterFamily* errors_;
};

}  // namespace sesame::session
