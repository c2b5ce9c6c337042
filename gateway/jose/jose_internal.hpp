#pragma once
// What the files of gateway/jose share and nobody else sees.
#include <openssl/evp.h>

#include <boost/json/object.hpp>

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/jose/jose_error.hpp"

namespace sesame::jose {

// EVP_Digest of `value` (algorithm.cpp).
std::string digest(const EVP_MD* md, std::string_view value);

// RFC 7515 §2: base64url without padding, and only its canonical spelling (unused low bits of
// the last character zero): one token, one key member, has one spelling. Also what keeps cjose's
// decoder, which aborts on a length of 4n+1 before a '=', from ever seeing other text.
std::optional<std::string> base64UrlDecode(std::string_view text);

// A JSON text that is one object (Boost.JSON: strict UTF-8, no comments, bounded depth).
std::optional<boost::json::object> parseObject(std::string_view text);

// Nothing thrown inside (Boost.JSON, std::bad_alloc, a broken invariant) leaves the library: the
// caller gets an error value, as on every other failure (architecture.md, "Conventions").
template <class Call>
auto guarded(Call call) -> decltype(call()) {
    try {
        return call();
    } catch (const std::exception&) {
        return core::Errc::internal;
    }
}

}  // namespace sesame::jose
