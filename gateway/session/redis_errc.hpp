#pragma once
// Errors of gateway/session that are not core ones. Transport trouble is always reported as
// core::Errc::unavailable (cannot reach Redis now) or core::Errc::timeout (no reply in time), so
// that callers such as /readyz and the 503 page test one code whatever the cause.
#include "gateway/core/result.hpp"

namespace sesame::session {

enum class RedisErrc {
    ok = 0,
    protocol_error,         // the server sent bytes that are not RESP, or an unexpected reply
    error_reply,            // Redis answered with an error (-ERR, -WRONGTYPE...)
    authentication_failed,  // AUTH refused or NOAUTH: wrong or missing password
    corrupt_value,          // a stored value that does not decode (JSON of a session, a visit)
    tls_setup_failed,       // CA file, certificate or key could not be loaded
};

const boost::system::error_category& redisCategory() noexcept;

inline error_code make_error_code(RedisErrc e) noexcept {
    return {static_cast<int>(e), redisCategory()};
}

}  // namespace sesame::session

template <>
struct boost::system::is_error_code_enum<sesame::session::RedisErrc> : std::true_type {};
