#pragma once
// SessionStore in process memory, with the same semantics as RedisSessionStore (TTLs on the
// given Clock, atomic take, per-user index, fixed-window counters). For unit tests of the
// modules that use a store; never for production (nothing is shared between processes).
#include <map>
#include <set>

#include "gateway/core/clock.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::session {

class MemorySessionStore final : public SessionStore {
  public:
    explicit MemorySessionStore(const core::Clock& clock) : clock_(clock) {}

    // While false, every call fails with core::Errc::unavailable, as when Redis is down.
    void setAvailable(bool available) { available_ = available; }

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

  private:
    struct StoredSession {
        core::Session session;
        std::int64_t expiresAt = 0;
    };
    struct StoredVisits {
        std::vector<core::ServiceVisit> visits;
        std::int64_t expiresAt = 0;
    };
    struct StoredIndex {
        std::set<std::string> ids;
        std::int64_t expiresAt = 0;
    };
    struct StoredValue {
        std::string value;
        std::int64_t expiresAt = 0;
    };
    struct StoredCounter {
        std::int64_t count = 0;
        std::int64_t expiresAt = 0;
    };

    std::int64_t now() const { return clock_.nowSeconds(); }
    std::optional<error_code> refuse();
    void expire();
    void recordVisit(const std::string& sessionId,
                     const core::ServiceVisit&
                         visit);  // drops whatever has expired at now(), as Redis would have
    static std::string artefactKey(ArtefactKind kind, const std::string& id);

    const core::Clock& clock_;
    bool available_ = true;
    std::map<std::string, StoredSession> sessions_;
    std::map<std::string, StoredVisits> visits_;
    std::map<std::string, StoredIndex> users_;
    std::map<std::string, StoredValue> artefacts_;
    std::map<std::string, std::set<std::string>> sessionArtefacts_;  // session id -> artefact keys
    std::map<std::string, StoredCounter> counters_;
};

}  // namespace sesame::session
