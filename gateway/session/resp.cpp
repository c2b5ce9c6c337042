#include "gateway/session/resp.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <string_view>

#include "gateway/session/redis_errc.hpp"

namespace sesame::session {
namespace {

struct ReplyFree {
    void operator()(void* reply) const { freeReplyObject(reply); }
};
using OwnedReply = std::unique_ptr<void, ReplyFree>;

struct CommandFree {
    void operator()(char* command) const { redisFreeCommand(command); }
};

// hiredis 0.14 allocates an array reply's element table as soon as it reads the count, before any
// element arrives: "*922337203\r\n", 12 bytes from the peer, asks for 7 GB (found by
// test/fuzz, resp_reply). Sesame's longest array replies (a user's sessions, a session's visits)
// are far shorter; a longer one fails like garbage: protocol_error, the connection is dropped.
constexpr int maxArrayElements = 1 << 20;
const redisReplyObjectFunctions* hiredisFunctions = nullptr;  // hiredis' own, set once

void* createBoundedArray(const redisReadTask* task, int elements) {
    if (elements > maxArrayElements) return nullptr;  // hiredis reports it as out of memory
    return hiredisFunctions->createArray(task, elements);
}

redisReplyObjectFunctions* boundedFunctions(redisReplyObjectFunctions* defaults) {
    static redisReplyObjectFunctions bounded = [defaults] {
        hiredisFunctions = defaults;
        redisReplyObjectFunctions copy = *defaults;
        copy.createArray = createBoundedArray;
        return copy;
    }();
    return &bounded;
}

RedisReply convert(const redisReply& r) {
    switch (r.type) {
        case REDIS_REPLY_STRING:
            return RedisReply::string(std::string(r.str, r.len));
        case REDIS_REPLY_STATUS:
            return RedisReply::status(std::string(r.str, r.len));
        case REDIS_REPLY_ERROR:
            return RedisReply::error(std::string(r.str, r.len));
        case REDIS_REPLY_INTEGER:
            return RedisReply::integer(r.integer);
        case REDIS_REPLY_ARRAY: {
            std::vector<RedisReply> elements;
            elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i) elements.push_back(convert(*r.element[i]));
            return RedisReply::array(std::move(elements));
        }
        default:
            return RedisReply::nil();
    }
}

}  // namespace

std::string formatCommand(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    char* raw = nullptr;
    int length =
        redisFormatCommandArgv(&raw, static_cast<int>(args.size()), argv.data(), lengths.data());
    std::unique_ptr<char, CommandFree> owned(raw);
    if (length < 0 || !raw) throw std::bad_alloc();
    return std::string(raw, static_cast<std::size_t>(length));
}

void RespReader::Free::operator()(redisReader* reader) const {
    redisReaderFree(reader);
}

RespReader::RespReader() : reader_(redisReaderCreate()) {
    if (!reader_) throw std::bad_alloc();
    reader_->fn = boundedFunctions(reader_->fn);
}

Result<void> RespReader::feed(std::string_view bytes) {
    if (redisReaderFeed(reader_.get(), bytes.data(), bytes.size()) != REDIS_OK)
        return RedisErrc::protocol_error;
    return {};
}

Result<std::optional<RedisReply>> RespReader::next() {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) return RedisErrc::protocol_error;
    if (!raw) return std::optional<RedisReply>{};
    OwnedReply owned(raw);
    return std::optional<RedisReply>{convert(*static_cast<redisReply*>(raw))};
}

std::string RespReader::lastError() const {
    // The only allocation that can be refused on purpose is createBoundedArray's.
    if (std::string_view(reader_->errstr) == "Out of memory")
        return "array reply longer than " + std::to_string(maxArrayElements) +
               " elements, or out of memory";
    return reader_->errstr;
}

}  // namespace sesame::session
