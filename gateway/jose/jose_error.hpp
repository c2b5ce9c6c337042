#pragma once
// Errors of the JOSE wrapper, as an enum + category (gateway/core/result.hpp pattern). A refused
// token says only which kind of check refused it (format, algorithm, key, signature): enough for
// a log line and the protocol's error, never an oracle for whoever forged it.
#include "gateway/core/result.hpp"

namespace sesame::jose {

enum class Errc {
    ok = 0,
    // Tokens (jose.hpp: decode, verify).
    malformed,          // not three canonical base64url parts, a header or payload that is not a
                        // JSON object, a "crit" header, or over 16 kB
    algorithm_refused,  // none, HS*, unknown, not in the caller's list, or not the key's
    unknown_key,        // no key of the set has the header's kid (or suits its algorithm): an
                        // RP refetches the OP's JWKS on this one
    signature_invalid,  // the signature does not verify with the key
    // Keys (jose.hpp: Jwk, sign, KeyRing).
    key_unsupported,   // not RSA or EC, RSA under 2048 bits, another curve, "use" not "sig", an
                       // "alg" that is no JWS signature algorithm, or JSON that is no JWK
    key_not_private,   // signing needs the private part
    signing_failed,    // cjose or OpenSSL could not sign (a broken key or library)
    key_file_exposed,  // a key file readable by group or others, or a key directory others
                       // may write to
    key_unreadable,    // a key file that cannot be read or is not one of our private JWKs
    key_write_failed,  // a generated key or its retirement could not be written
};

const boost::system::error_category& joseCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), joseCategory()};
}

}  // namespace sesame::jose

template <>
struct boost::system::is_error_code_enum<sesame::jose::Errc> : std::true_type {};
