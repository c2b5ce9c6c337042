#pragma once
// Test doubles for the CAS endpoint: an in-memory SessionStore (until gateway/session's
// MemorySessionStore exists) that yields to the executor before every operation, so that
// concurrent coroutines really interleave, and a recording BackChannel.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::cas::test {

namespace asio = boost::asio;
using session::ArtefactKind;
using session::Task;

inline Task<void> yieldOnce() {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

class FakeSessionStore final : public session::SessionStore {
  public:
    explicit FakeSessionStore(const core::Clock& clock) : clock_(clock) {}
    bool down = false;  // every call fails with core::Errc::unavailable
    std::map<std::string, core::Session> sessions;
    std::map<std::string, std::vector<core::ServiceVisit>> visitsBySession;

    Task<Result<void>> createSession(const core::Session& s) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        sessions[s.id] = s;
        co_return Result<void>{};
    }
    Task<Result<std::optional<core::Session>>> findSession(const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        auto it = sessions.find(id);
        if (it == sessions.end()) co_return std::optional<core::Session>{};
        co_return std::optional<core::Session>{it->second};
    }
    Task<Result<std::optional<core::Session>>> readSession(const std::string& id) override {
        co_return co_await findSession(id);  // this fake keeps no idle timeout
    }
    Task<Result<void>> deleteSession(const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        sessions.erase(id);
        visitsBySession.erase(id);
        for (const auto& key : ofSession_[id]) artefacts_.erase(key);
        ofSession_.erase(id);
        co_return Result<void>{};
    }
    Task<Result<void>> addVisit(const std::string& id, const core::ServiceVisit& v) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        visitsBySession[id].push_back(v);
        co_return Result<void>{};
    }
    Task<Result<std::vector<core::ServiceVisit>>> visits(const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        co_return visitsBySession[id];
    }
    Task<Result<std::vector<core::Session>>> sessionsOfUser(const std::string&) override {
        co_return std::vector<core::Session>{};
    }
    Task<Result<void>> putArtefact(ArtefactKind kind, const std::string& id,
                                   const std::string& value, std::chrono::seconds ttl) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        artefacts_[{kind, id}] = {value, clock_.nowSeconds() + ttl.count()};
        co_return Result<void>{};
    }
    Task<Result<void>> putSessionArtefact(
        ArtefactKind kind, const std::string& id, const std::string& value,
        std::chrono::seconds ttl, const std::string& sessionId,
        const std::optional<core::ServiceVisit>& visit = std::nullopt) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        if (!sessions.contains(sessionId)) co_return core::Errc::not_found;
        artefacts_[{kind, id}] = {value, clock_.nowSeconds() + ttl.count()};
        ofSession_[sessionId].emplace_back(kind, id);
        if (visit) visitsBySession[sessionId].push_back(*visit);
        co_return Result<void>{};
    }
    Task<Result<bool>> rememberOnce(ArtefactKind kind, const std::string& id,
                                    std::chrono::seconds ttl) override {
        co_await yieldOnce();
        if (down)
            co_return Result<bool>(boost::system::in_place_error,
                                   make_error_code(core::Errc::unavailable));
        if (live(kind, id)) co_return false;
        artefacts_[{kind, id}] = {"1", clock_.nowSeconds() + ttl.count()};
        co_return true;
    }
    Task<Result<std::optional<std::string>>> takeArtefact(ArtefactKind kind,
                                                          const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        auto value = live(kind, id);
        artefacts_.erase({kind, id});
        co_return value;
    }
    Task<Result<std::optional<std::string>>> peekArtefact(ArtefactKind kind,
                                                          const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        co_return live(kind, id);
    }
    Task<Result<void>> deleteArtefact(ArtefactKind kind, const std::string& id) override {
        co_await yieldOnce();
        if (down) co_return core::Errc::unavailable;
        artefacts_.erase({kind, id});
        co_return Result<void>{};
    }
    Task<Result<session::CounterState>> increment(const std::string&,
                                                  std::chrono::seconds) override {
        co_return session::CounterState{};
    }
    Task<Result<void>> decrement(const std::string&) override { co_return Result<void>{}; }
    Task<Result<session::CounterState>> counter(const std::string&) override {
        co_return session::CounterState{};
    }
    Task<Result<void>> resetCounter(const std::string&) override { co_return Result<void>{}; }
    Task<Result<void>> ping() override {
        if (down) co_return core::Errc::unavailable;
        co_return Result<void>{};
    }

    std::size_t count(ArtefactKind kind) const {
        std::size_t n = 0;
        for (const auto& [key, v] : artefacts_)
            if (key.first == kind && v.second >= clock_.nowSeconds()) ++n;
        return n;
    }
    std::optional<std::string> raw(ArtefactKind kind, const std::string& id) const {
        return live(kind, id);
    }

  private:
    std::optional<std::string> live(ArtefactKind kind, const std::string& id) const {
        auto it = artefacts_.find({kind, id});
        if (it == artefacts_.end() || it->second.second < clock_.nowSeconds()) return std::nullopt;
        return it->second.first;
    }
    const core::Clock& clock_;
    std::map<std::pair<ArtefactKind, std::string>, std::pair<std::string, std::int64_t>> artefacts_;
    std::map<std::string, std::vector<std::pair<ArtefactKind, std::string>>> ofSession_;
};

class FakeBackChannel final : public core::BackChannel {
  public:
    int status = 200;
    bool unreachable = false;
    std::vector<core::OutboundRequest> sent;
    asio::awaitable<Result<core::OutboundResponse>> send(core::OutboundRequest request) override {
        sent.push_back(request);
        if (unreachable) co_return core::Errc::unavailable;
        co_return core::OutboundResponse{status, "ok"};
    }
};

}  // namespace sesame::cas::test
