#include "gateway/session/redis_session_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "gateway/session/session_ttl.hpp"

#include <openssl/sha.h>

#include <cstring>
#include <map>

namespace sesame::session {
namespace {

using Command = RedisClient::Command;
// Commands are built in a local before `co_await`: g++ 12 rejects a braced list of string
// literals inside a co_await expression ("array used as initializer", GCC PR 105406 family).

// Appends a visit to the session's list with the session's own remaining TTL, in one atomic
// step, and refuses when the session is gone (so a late ticket cannot resurrect a visits list).
constexpr const char* addVisitScript = R"lua(
local ttl = redis.call('TTL', KEYS[1])
if ttl == -2 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
return 1
)lua";

// Gives one back to a throttling counter, only while its window runs and above 0: a DECR on a
// key whose window ended would create it at -1 with no expiry, an extra attempt for good.
constexpr const char* decrementScript = R"lua(
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count and count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
)lua";

// Stores an artefact of a session and records it in the session's sorted set (by expiry time, so
// that expired entries are pruned on the way and the set stays as small as the live tickets),
// only if the session exists. One script: atomic with deleteSessionScript below, on any node.
// With a fourth key, the visit (ARGV[6]) is appended to the session's visits as addVisitScript
// does, in the same step.
constexpr const char* putSessionArtefactScript = R"lua(
local ttl = redis.call('TTL', KEYS[1])
if ttl == -2 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[2], 'NX')
redis.call('EXPIRE', KEYS[3], ARGV[2], 'GT')
if KEYS[4] then
  redis.call('RPUSH', KEYS[4], ARGV[6])
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[7]), -1)
  if ttl > 0 then redis.call('EXPIRE', KEYS[4], ttl) end
end
return 1
)lua";

// Deletes a session with its visits, its outstanding artefacts (their keys are named from the
// set's members and the prefix: Sesame runs on one Redis with Sentinel, never Redis Cluster, where
// undeclared keys would not be allowed) and its index entry, in one atomic step.
constexpr const char* deleteSessionScript = R"lua(
for _, member in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  redis.call('DEL', ARGV[1] .. member)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if KEYS[4] then redis.call('SREM', KEYS[4], ARGV[2]) end
return 1
)lua";

std::string seconds(std::int64_t s) {
    return std::to_string(s);
}

std::optional<core::Session> decodeSession(const std::string& text) {
    error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec) return std::nullopt;
    auto session = core::sessionFromJson(value);
    if (!session) return std::nullopt;
    return std::move(*session);
}

std::string encode(const core::Session& s) {
    return boost::json::serialize(core::toJson(s));
}

CounterState counterState(const RedisReply& count, const RedisReply& ttl) {
    CounterState state;
    if (count.isInteger()) state.count = count.asInteger();
    if (count.isString())
        std::from_chars(count.text().data(), count.text().data() + count.text().size(),
                        state.count);
    // TTL is -2 for a missing key and -1 for one without expiry: no window left either way.
    state.ttl = std::chrono::seconds(ttl.isInteger() && ttl.asInteger() > 0 ? ttl.asInteger() : 0);
    return state;
}

}  // namespace

RedisSessionStore::RedisSessionStore(RedisClient& client, const core::Clock& clock,
                                     core::CounterFamily* errors)
    : RedisSessionStore(client, clock, client.config().keyPrefix, errors) {}

RedisSessionStore::RedisSessionStore(RedisClient& client, const core::Clock& clock,
                                     std::string keyPrefix, core::CounterFamily* errors)
    : client_(client), clock_(clock), prefix_(std::move(keyPrefix)), errors_(errors) {}

std::string RedisSessionStore::userKey(const std::string& login) const {
    return prefix_ + "user:" + lowerLogin(login);
}

std::string RedisSessionStore::artefactKey(ArtefactKind kind, const std::string& id) const {
    return prefix_ + std::string(artefactPrefix(kind)) + ":" + id;
}

namespace {
// The SHA-1 of a script, in lower-case hex, as SCRIPT LOAD and EVALSHA name it; computed once.
const std::string& scriptSha(const char* script) {
    static const std::map<const char*, std::string> shas = [] {
        std::map<const char*, std::string> out;
        for (const char* text :
             {addVisitScript, decrementScript, putSessionArtefactScript, deleteSessionScript}) {
            unsigned char digest[SHA_DIGEST_LENGTH];
            SHA1(reinterpret_cast<const unsigned char*>(text), std::strlen(text), digest);
            static constexpr char hex[] = "0123456789abcdef";
            std::string sha;
            for (unsigned char b : digest) {
                sha.push_back(hex[b >> 4]);
                sha.push_back(hex[b & 15]);
            }
            out.emplace(text, std::move(sha));
        }
        return out;
    }();
    return shas.at(script);
}
}  // namespace

Task<Result<RedisReply>> RedisSessionStore::evalScript(const char* script, Command keysAndArgs) {
    Command command{"EVALSHA", scriptSha(script)};
    command.insert(command.end(), keysAndArgs.begin(), keysAndArgs.end());
    auto reply = co_await client_.command(command);
    if (reply && reply->isError() && reply->text().starts_with("NOSCRIPT")) {
        command[0] = "EVAL";
        command[1] = script;
        reply = co_await client_.command(std::move(command));
    }
    co_return reply;
}

Result<RedisReply> RedisSessionStore::checked(Result<RedisReply> reply, const char* operation) {
    if (reply && reply->isError()) {
        if (errors_) errors_->inc({operation});
        return RedisErrc::error_reply;
    }
    return reply;
}

Result<std::vector<RedisReply>> RedisSessionStore::checked(Result<std::vector<RedisReply>> replies,
                                                           const char* operation) {
    if (!replies) return replies;
    for (const auto& r : *replies) {
        if (r.isError()) {
            if (errors_) errors_->inc({operation});
            return RedisErrc::error_reply;
        }
    }
    return replies;
}

Task<Result<void>> RedisSessionStore::createSession(const core::Session& session) {
    std::int64_t now = clock_.nowSeconds();
    std::int64_t ttl = sessionTtl(session, timeouts(), now);
    if (ttl <= 0 || session.id.empty()) co_return core::Errc::invalid_argument;
    std::vector<Command> commands{
        {"SET", sessionKey(session.id), encode(withLastSeen(session)), "EX", seconds(ttl)}};
    std::string login = indexLogin(session);
    if (!login.empty()) {
        // The index lives as long as the longest-lived session in it: NX sets the first expiry,
        // GT only ever lengthens it.
        std::string indexTtl = seconds(session.createdAt + timeouts().absolute.count() - now);
        std::string key = userKey(login);
        commands.push_back({"SADD", key, session.id});
        commands.push_back({"EXPIRE", key, indexTtl, "NX"});
        commands.push_back({"EXPIRE", key, indexTtl, "GT"});
    }
    auto replies = checked(co_await client_.transaction(std::move(commands)), "create_session");
    if (!replies) co_return replies.error();
    co_return Result<void>{};
}

Task<Result<std::optional<core::Session>>> RedisSessionStore::readSession(const std::string& id) {
    using Found = std::optional<core::Session>;
    Command get{"GET", sessionKey(id)};
    auto reply = checked(co_await client_.command(std::move(get)), "find_session");
    if (!reply) co_return reply.error();
    if (!reply->isString()) co_return Found{};
    auto session = decodeSession(reply->text());
    if (!session) {
        if (errors_) errors_->inc({"find_session"});
        co_return RedisErrc::corrupt_value;
    }
    if (sessionEnded(*session, timeouts(), clock_.nowSeconds())) {
        auto deleted = co_await deleteSession(id);
        if (!deleted) co_return deleted.error();
        co_return Found{};
    }
    co_return Found{std::move(*session)};
}

Task<Result<std::optional<core::Session>>> RedisSessionStore::findSession(const std::string& id) {
    using Found = std::optional<core::Session>;
    auto session = co_await readSession(id);
    if (!session || !*session) co_return session;
    std::int64_t now = clock_.nowSeconds();
    if (!refreshDue(**session, timeouts(), now)) co_return session;
    // Refresh the idle timeout, never past the absolute deadline. XX: a session deleted by a
    // concurrent logout since the GET stays deleted.
    (*session)->lastSeenAt = now;
    std::string ttl = seconds(sessionTtl(**session, timeouts(), now));
    std::vector<Command> refresh{{"SET", sessionKey(id), encode(**session), "EX", ttl, "XX"},
                                 {"EXPIRE", visitsKey(id), ttl}};
    auto refreshed = checked(co_await client_.pipeline(std::move(refresh)), "find_session");
    if (!refreshed) co_return refreshed.error();
    if (refreshed->front().isNil()) co_return Found{};  // logged out meanwhile
    co_return session;
}

Task<Result<void>> RedisSessionStore::deleteSession(const std::string& id) {
    Command get{"GET", sessionKey(id)};
    auto reply = checked(co_await client_.command(std::move(get)), "delete_session");
    if (!reply) co_return reply.error();
    std::optional<core::Session> session;
    if (reply->isString()) session = decodeSession(reply->text());
    Command eval{session ? "4" : "3", sessionKey(id), visitsKey(id), artefactsKey(id)};
    if (session) eval.push_back(userKey(indexLogin(*session)));
    eval.push_back(prefix_);
    eval.push_back(id);
    auto done =
        checked(co_await evalScript(deleteSessionScript, std::move(eval)), "delete_session");
    if (!done) co_return done.error();
    co_return Result<void>{};
}

Task<Result<void>> RedisSessionStore::addVisit(const std::string& sessionId,
                                               const core::ServiceVisit& visit) {
    Command eval{"2", sessionKey(sessionId), visitsKey(sessionId),
                 boost::json::serialize(core::toJson(visit)), std::to_string(maxVisits)};
    auto reply = checked(co_await evalScript(addVisitScript, std::move(eval)), "add_visit");
    if (!reply) co_return reply.error();
    if (reply->asInteger() == 0) co_return core::Errc::not_found;
    co_return Result<void>{};
}

Task<Result<std::vector<core::ServiceVisit>>> RedisSessionStore::visits(
    const std::string& sessionId) {
    Command range{"LRANGE", visitsKey(sessionId), "0", "-1"};
    auto reply = checked(co_await client_.command(std::move(range)), "visits");
    if (!reply) co_return reply.error();
    std::vector<core::ServiceVisit> out;
    for (const auto& element : reply->elements()) {
        error_code ec;
        auto value = boost::json::parse(element.text(), ec);
        auto visit = ec ? Result<core::ServiceVisit>(RedisErrc::corrupt_value)
                        : core::serviceVisitFromJson(value);
        // One bad entry must not stop single logout to the other services.
        if (!visit) {
            if (errors_) errors_->inc({"visits"});
            continue;
        }
        out.push_back(std::move(*visit));
    }
    co_return out;
}

Task<Result<std::vector<core::Session>>> RedisSessionStore::sessionsOfUser(
    const std::string& login) {
    std::string index = userKey(login);
    Command smembers{"SMEMBERS", index};
    auto members = checked(co_await client_.command(std::move(smembers)), "sessions_of_user");
    if (!members) co_return members.error();
    std::vector<core::Session> out;
    if (members->elements().empty()) co_return out;
    std::vector<Command> reads;
    for (const auto& id : members->elements()) reads.push_back({"GET", sessionKey(id.text())});
    auto sessions = checked(co_await client_.pipeline(std::move(reads)), "sessions_of_user");
    if (!sessions) co_return sessions.error();
    Command prune{"SREM", index};
    for (std::size_t i = 0; i < sessions->size(); ++i) {
        const RedisReply& r = (*sessions)[i];
        auto session = r.isString() ? decodeSession(r.text()) : std::nullopt;
        if (session)
            out.push_back(std::move(*session));
        else if (r.isNil())
            prune.push_back(members->elements()[i].text());  // expired: the index forgets it
    }
    if (prune.size() > 2) {
        auto pruned = checked(co_await client_.command(std::move(prune)), "sessions_of_user");
        if (!pruned) co_return pruned.error();
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.createdAt < b.createdAt; });
    co_return out;
}

Task<Result<void>> RedisSessionStore::putArtefact(ArtefactKind kind, const std::string& id,
                                                  const std::string& value,
                                                  std::chrono::seconds ttl) {
    if (ttl.count() <= 0) co_return core::Errc::invalid_argument;
    Command set{"SET", artefactKey(kind, id), value, "EX", seconds(ttl.count())};
    auto reply = checked(co_await client_.command(std::move(set)), "put_artefact");
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

Task<Result<bool>> RedisSessionStore::rememberOnce(ArtefactKind kind, const std::string& id,
                                                   std::chrono::seconds ttl) {
    if (ttl.count() <= 0)
        co_return Result<bool>(boost::system::in_place_error,
                               make_error_code(core::Errc::invalid_argument));
    Command set{"SET", artefactKey(kind, id), "1", "EX", seconds(ttl.count()), "NX"};
    auto reply = checked(co_await client_.command(std::move(set)), "remember_once");
    if (!reply) co_return Result<bool>(boost::system::in_place_error, reply.error());
    co_return !reply->isNil();  // nil: the key was already there
}

Task<Result<void>> RedisSessionStore::putSessionArtefact(
    ArtefactKind kind, const std::string& id, const std::string& value, std::chrono::seconds ttl,
    const std::string& sessionId, const std::optional<core::ServiceVisit>& visit) {
    if (ttl.count() <= 0) co_return core::Errc::invalid_argument;
    std::int64_t now = clock_.nowSeconds();
    Command eval{visit ? "4" : "3", sessionKey(sessionId), artefactKey(kind, id),
                 artefactsKey(sessionId)};
    if (visit) eval.push_back(visitsKey(sessionId));
    eval.push_back(value);
    eval.push_back(seconds(ttl.count()));
    eval.push_back(seconds(now));
    eval.push_back(seconds(now + ttl.count()));
    eval.push_back(std::string(artefactPrefix(kind)) + ":" + id);
    if (visit) {
        eval.push_back(boost::json::serialize(core::toJson(*visit)));
        eval.push_back(std::to_string(maxVisits));
    }
    auto reply =
        checked(co_await evalScript(putSessionArtefactScript, std::move(eval)), "put_artefact");
    if (!reply) co_return reply.error();
    if (!reply->isInteger() || reply->asInteger() == 0) co_return core::Errc::not_found;
    co_return Result<void>{};
}

Task<Result<std::optional<std::string>>> RedisSessionStore::readArtefact(const char* command,
                                                                         ArtefactKind kind,
                                                                         const std::string& id,
                                                                         const char* operation) {
    Command read{command, artefactKey(kind, id)};
    auto reply = checked(co_await client_.command(std::move(read)), operation);
    if (!reply) co_return reply.error();
    if (!reply->isString()) co_return std::optional<std::string>{};
    co_return std::optional<std::string>{reply->text()};
}

Task<Result<std::optional<std::string>>> RedisSessionStore::takeArtefact(ArtefactKind kind,
                                                                         const std::string& id) {
    // GETDEL (Redis >= 6.2) reads and deletes in one step: of concurrent takes, one wins.
    co_return co_await readArtefact("GETDEL", kind, id, "take_artefact");
}

Task<Result<std::optional<std::string>>> RedisSessionStore::peekArtefact(ArtefactKind kind,
                                                                         const std::string& id) {
    co_return co_await readArtefact("GET", kind, id, "peek_artefact");
}

Task<Result<void>> RedisSessionStore::deleteArtefact(ArtefactKind kind, const std::string& id) {
    Command del{"DEL", artefactKey(kind, id)};
    auto reply = checked(co_await client_.command(std::move(del)), "delete_artefact");
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

Task<Result<CounterState>> RedisSessionStore::increment(const std::string& key,
                                                        std::chrono::seconds window) {
    if (window.count() <= 0) co_return core::Errc::invalid_argument;
    std::string k = counterKey(key);
    // One transaction: the window starts at the first increment (EXPIRE NX) and a crash between
    // INCR and EXPIRE cannot leave a counter that never expires.
    std::vector<Command> commands{
        {"INCR", k}, {"EXPIRE", k, seconds(window.count()), "NX"}, {"TTL", k}};
    auto replies = checked(co_await client_.transaction(std::move(commands)), "increment");
    if (!replies) co_return replies.error();
    if (replies->size() != 3) co_return RedisErrc::protocol_error;
    co_return counterState((*replies)[0], (*replies)[2]);
}

Task<Result<void>> RedisSessionStore::decrement(const std::string& key) {
    Command eval{"1", counterKey(key)};
    auto reply = checked(co_await evalScript(decrementScript, std::move(eval)), "decrement");
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

Task<Result<CounterState>> RedisSessionStore::counter(const std::string& key) {
    std::string k = counterKey(key);
    std::vector<Command> commands{{"GET", k}, {"TTL", k}};
    auto replies = checked(co_await client_.pipeline(std::move(commands)), "counter");
    if (!replies) co_return replies.error();
    co_return counterState((*replies)[0], (*replies)[1]);
}

Task<Result<void>> RedisSessionStore::resetCounter(const std::string& key) {
    Command del{"DEL", counterKey(key)};
    auto reply = checked(co_await client_.command(std::move(del)), "reset_counter");
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

Task<Result<void>> RedisSessionStore::ping() {
    Command ping{"PING"};
    auto reply = checked(co_await client_.command(std::move(ping)), "ping");
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

}  // namespace sesame::session
