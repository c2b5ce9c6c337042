#include "gateway/session/resp.hpp"

#include <hiredis/hiredis.h>

#include <new>

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
    return reader_->errstr;
}

}  // namespace sesame::session
