// Redis replies: the RESP bytes read from a Redis (or Sentinel) connection, through hiredis'
// reader and the conversion to session::RedisReply (resp.cpp), fed in two pieces split where
// the first input byte says (bytes arrive in TCP segments of any size).
#include <cstdint>
#include <string_view>

#include "gateway/session/resp.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::size_t split = data[0] % (text.size() + 1);
    session::RespReader reader;
    int replies = 0;
    for (std::string_view piece : {text.substr(0, split), text.substr(split)}) {
        if (!reader.feed(piece)) return 0;
        for (;;) {
            auto reply = reader.next();
            if (!reply) {
                reader.lastError();
                return 0;  // a protocol error: the client drops the connection
            }
            if (!*reply) break;  // needs more bytes
            session::describe(**reply);
            ++replies;
        }
    }
    // A reply takes at least 3 bytes (":1\r\n" is the shortest but one: "+\r\n").
    FUZZ_CHECK(replies * 3 <= static_cast<int>(text.size()));
    return 0;
}
