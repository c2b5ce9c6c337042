#include "gateway/session/memory_session_store.hpp"

#include "gateway/session/session_ttl.hpp"

namespace sesame::session {
namespace {
template <class Map>
void dropExpired(Map& map, std::int64_t now) {
    std::erase_if(map, [now](const auto& entry) { return now >= entry.second.expiresAt; });
}
}  // namespace

// Every call first behaves as Redis would: refused while "down", expired keys gone.
std::optional<error_code> MemorySessionStore::refuse() {
    if (!available_) return make_error_code(core::Errc::unavailable);
    expire();
    return std::nullopt;
}

void MemorySessionStore::expire() {
    std::int64_t t = now();
    dropExpired(sessions_, t);
    dropExpired(visits_, t);
    dropExpired(users_, t);
    dropExpired(artefacts_, t);
    dropExpired(counters_, t);
}

std::string MemorySessionStore::artefactKey(ArtefactKind kind, const std::string& id) {
    return std::string(artefactPrefix(kind)) + ":" + id;
}

Task<Result<void>> MemorySessionStore::createSession(const core::Session& session) {
    if (auto refused = refuse()) co_return *refused;
    std::int64_t t = now();
    std::int64_t ttl = sessionTtl(session, timeouts(), t);
    if (ttl <= 0 || session.id.empty()) co_return core::Errc::invalid_argument;
    sessions_[session.id] = {withLastSeen(session), t + ttl};
    std::string login = indexLogin(session);
    if (!login.empty()) {
        auto& index = users_[login];
        index.ids.insert(session.id);
        index.expiresAt =
            std::max(index.expiresAt, session.createdAt + timeouts().absolute.count());
    }
    co_return Result<void>{};
}

Task<Result<std::optional<core::Session>>> MemorySessionStore::readSession(const std::string& id) {
    if (auto refused = refuse()) co_return *refused;
    auto it = sessions_.find(id);
    if (it == sessions_.end()) co_return std::optional<core::Session>{};
    if (sessionEnded(it->second.session, timeouts(), now())) {
        co_await deleteSession(id);
        co_return std::optional<core::Session>{};
    }
    co_return std::optional<core::Session>{it->second.session};
}

Task<Result<std::optional<core::Session>>> MemorySessionStore::findSession(const std::string& id) {
    auto found = co_await readSession(id);
    if (!found || !*found) co_return found;
    auto it = sessions_.find(id);
    std::int64_t t = now();
    if (!refreshDue(it->second.session, timeouts(), t)) co_return found;
    it->second.session.lastSeenAt = t;
    it->second.expiresAt = t + sessionTtl(it->second.session, timeouts(), t);
    if (auto v = visits_.find(id); v != visits_.end()) v->second.expiresAt = it->second.expiresAt;
    co_return std::optional<core::Session>{it->second.session};
}

Task<Result<void>> MemorySessionStore::deleteSession(const std::string& id) {
    if (auto refused = refuse()) co_return *refused;
    if (auto it = sessions_.find(id); it != sessions_.end()) {
        if (auto u = users_.find(indexLogin(it->second.session)); u != users_.end()) {
            u->second.ids.erase(id);
            if (u->second.ids.empty()) users_.erase(u);
        }
        sessions_.erase(it);
    }
    visits_.erase(id);
    if (auto owned = sessionArtefacts_.find(id); owned != sessionArtefacts_.end()) {
        for (const auto& key : owned->second) artefacts_.erase(key);
        sessionArtefacts_.erase(owned);
    }
    co_return Result<void>{};
}

Task<Result<void>> MemorySessionStore::addVisit(const std::string& sessionId,
                                                const core::ServiceVisit& visit) {
    if (auto refused = refuse()) co_return *refused;
    if (!sessions_.contains(sessionId)) co_return core::Errc::not_found;
    recordVisit(sessionId, visit);
    co_return Result<void>{};
}

void MemorySessionStore::recordVisit(const std::string& sessionId,
                                     const core::ServiceVisit& visit) {
    auto& stored = visits_[sessionId];
    stored.visits.push_back(visit);
    if (stored.visits.size() > maxVisits)
        stored.visits.erase(stored.visits.begin(),
                            stored.visits.end() - static_cast<std::ptrdiff_t>(maxVisits));
    stored.expiresAt = sessions_.at(sessionId).expiresAt;
}

Task<Result<std::vector<core::ServiceVisit>>> MemorySessionStore::visits(
    const std::string& sessionId) {
    if (auto refused = refuse()) co_return *refused;
    auto it = visits_.find(sessionId);
    if (it == visits_.end()) co_return std::vector<core::ServiceVisit>{};
    co_return it->second.visits;
}

Task<Result<std::vector<core::Session>>> MemorySessionStore::sessionsOfUser(
    const std::string& login) {
    if (auto refused = refuse()) co_return *refused;
    std::vector<core::Session> out;
    auto u = users_.find(lowerLogin(login));
    if (u == users_.end()) co_return out;
    for (auto id = u->second.ids.begin(); id != u->second.ids.end();) {
        auto s = sessions_.find(*id);
        if (s == sessions_.end()) {
            id = u->second.ids.erase(id);  // pruned, as RedisSessionStore does
            continue;
        }
        out.push_back(s->second.session);
        ++id;
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.createdAt < b.createdAt; });
    co_return out;
}

Task<Result<void>> MemorySessionStore::putArtefact(ArtefactKind kind, const std::string& id,
                                                   const std::string& value,
                                                   std::chrono::seconds ttl) {
    if (auto refused = refuse()) co_return *refused;
    if (ttl.count() <= 0) co_return core::Errc::invalid_argument;
    artefacts_[artefactKey(kind, id)] = {value, now() + ttl.count()};
    co_return Result<void>{};
}

Task<Result<bool>> MemorySessionStore::rememberOnce(ArtefactKind kind, const std::string& id,
                                                    std::chrono::seconds ttl) {
    if (auto refused = refuse()) co_return Result<bool>(boost::system::in_place_error, *refused);
    if (ttl.count() <= 0)
        co_return Result<bool>(boost::system::in_place_error,
                               make_error_code(core::Errc::invalid_argument));
    auto key = artefactKey(kind, id);
    if (artefacts_.contains(key)) co_return false;  // refuse() dropped what expired
    artefacts_[key] = {"1", now() + ttl.count()};
    co_return true;
}

Task<Result<void>> MemorySessionStore::putSessionArtefact(
    ArtefactKind kind, const std::string& id, const std::string& value, std::chrono::seconds ttl,
    const std::string& sessionId, const std::optional<core::ServiceVisit>& visit) {
    if (auto refused = refuse()) co_return *refused;
    if (ttl.count() <= 0) co_return core::Errc::invalid_argument;
    if (!sessions_.contains(sessionId)) co_return core::Errc::not_found;
    artefacts_[artefactKey(kind, id)] = {value, now() + ttl.count()};
    auto& owned = sessionArtefacts_[sessionId];
    std::erase_if(owned, [this](const std::string& key) { return !artefacts_.contains(key); });
    owned.insert(artefactKey(kind, id));
    if (visit) recordVisit(sessionId, *visit);
    co_return Result<void>{};
}

Task<Result<std::optional<std::string>>> MemorySessionStore::takeArtefact(ArtefactKind kind,
                                                                          const std::string& id) {
    if (auto refused = refuse()) co_return *refused;
    auto it = artefacts_.find(artefactKey(kind, id));
    if (it == artefacts_.end()) co_return std::optional<std::string>{};
    std::string value = std::move(it->second.value);
    artefacts_.erase(it);
    co_return std::optional<std::string>{std::move(value)};
}

Task<Result<std::optional<std::string>>> MemorySessionStore::peekArtefact(ArtefactKind kind,
                                                                          const std::string& id) {
    if (auto refused = refuse()) co_return *refused;
    auto it = artefacts_.find(artefactKey(kind, id));
    if (it == artefacts_.end()) co_return std::optional<std::string>{};
    co_return std::optional<std::string>{it->second.value};
}

Task<Result<void>> MemorySessionStore::deleteArtefact(ArtefactKind kind, const std::string& id) {
    if (auto refused = refuse()) co_return *refused;
    artefacts_.erase(artefactKey(kind, id));
    co_return Result<void>{};
}

Task<Result<CounterState>> MemorySessionStore::increment(const std::string& key,
                                                         std::chrono::seconds window) {
    if (auto refused = refuse()) co_return *refused;
    if (window.count() <= 0) co_return core::Errc::invalid_argument;
    auto [it, fresh] = counters_.try_emplace(key);
    if (fresh) it->second.expiresAt = now() + window.count();  // the window starts at first use
    ++it->second.count;
    co_return CounterState{it->second.count, std::chrono::seconds(it->second.expiresAt - now())};
}

Task<Result<void>> MemorySessionStore::decrement(const std::string& key) {
    if (auto refused = refuse()) co_return *refused;
    auto it = counters_.find(key);
    if (it != counters_.end() && it->second.count > 0) --it->second.count;
    co_return Result<void>{};
}

Task<Result<CounterState>> MemorySessionStore::counter(const std::string& key) {
    if (auto refused = refuse()) co_return *refused;
    auto it = counters_.find(key);
    if (it == counters_.end()) co_return CounterState{};
    co_return CounterState{it->second.count, std::chrono::seconds(it->second.expiresAt - now())};
}

Task<Result<void>> MemorySessionStore::resetCounter(const std::string& key) {
    if (auto refused = refuse()) co_return *refused;
    counters_.erase(key);
    co_return Result<void>{};
}

Task<Result<void>> MemorySessionStore::ping() {
    if (auto refused = refuse()) co_return *refused;
    co_return Result<void>{};
}

}  // namespace sesame::session
