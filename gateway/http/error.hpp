#pragma once
// Errors of the HTTP layer, as values (architecture.md, "Conventions"), with their own category
// in the manner of Beast's http/error.hpp. Each one becomes a 4xx reply in one place
// (exchange.cpp) or a Result for the caller of the back channel.
#include <boost/system/error_code.hpp>
#include <type_traits>

namespace sesame::http {

enum class Errc {
    ok = 0,
    malformed_target = 1,  // request-target not in origin-form (RFC 9112 §3.2.1)
    malformed_encoding,    // a bad percent-escape in the path or query (RFC 3986 §2.1)
    malformed_form,        // an application/x-www-form-urlencoded body that does not decode
    missing_host,          // HTTP/1.1 without Host (RFC 9112 §3.2: a 400)
    malformed_url,         // an outbound URL that is not an absolute http(s) URL
    tls_setup,             // a certificate, key or CA file that could not be loaded
    bind_failed,           // the listening address could not be bound
};

const boost::system::error_category& httpCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), httpCategory()};
}

}  // namespace sesame::http

template <>
struct boost::system::is_error_code_enum<sesame::http::Errc> : std::true_type {};
