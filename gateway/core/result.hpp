#pragma once
// Errors on the request path are values (architecture.md, "Conventions"): every fallible call
// returns a Result<T>, whose error is an error_code from a per-module enum with its category,
// as Beast does in http/error.hpp. Exceptions are kept for broken invariants only.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <system_error>

namespace sesame {

template <class T>
using Result = boost::system::result<T, boost::system::error_code>;
using boost::system::error_code;

namespace core {

// Errors that any module may report; modules add their own enums for what is theirs.
enum class Errc {
    ok = 0,
    unavailable,          // a dependency (Redis, a directory) cannot be reached now
    timeout,              // a dependency did not answer in time
    not_found,            // the thing asked for does not exist (or expired)
    invalid_argument,     // the caller gave something malformed
    invalid_credentials,  // login or password wrong (never says which)
    throttled,            // too many attempts: retry later
    forbidden,            // authenticated but not allowed
    internal,             // broken invariant, caught at the boundary
};

const boost::system::error_category& coreCategory() noexcept;

inline error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), coreCategory()};
}

}  // namespace core
}  // namespace sesame

template <>
struct boost::system::is_error_code_enum<sesame::core::Errc> : std::true_type {};
