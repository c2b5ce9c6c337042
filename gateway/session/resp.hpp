#pragma once
// RESP encoding and decoding through hiredis. Debian 12's hiredis (0.14.1) has no TLS in its
// async context, so Sesame uses only its protocol parts (the reader and the command formatter)
// and carries the bytes itself on Asio (redis_client.cpp). This file and resp.cpp are the only
// place that touches hiredis pointers; each one is owned by an RAII type here.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/session/redis_reply.hpp"

struct redisReader;  // hiredis/read.h

namespace sesame::session {

// One command as RESP bytes ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"); arguments are binary-safe.
std::string formatCommand(const std::vector<std::string>& args);

// Incremental reply parser: feed bytes as they arrive, take whole replies out.
class RespReader {
  public:
    RespReader();  // throws std::bad_alloc when hiredis cannot allocate
    Result<void> feed(std::string_view bytes);
    // The next whole reply, nullopt when more bytes are needed, protocol_error on garbage.
    Result<std::optional<RedisReply>> next();
    std::string lastError() const;  // hiredis' description of the protocol error

  private:
    struct Free {
        void operator()(redisReader* reader) const;
    };
    std::unique_ptr<redisReader, Free> reader_;
};

}  // namespace sesame::session
