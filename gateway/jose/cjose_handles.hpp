#pragma once
// cjose's objects behind unique_ptr, and Jwk's state: the one place of Sesame that holds cjose
// pointers (architecture.md: each C library is wrapped at one place). Internal to gateway/jose.
#include <cjose/cjose.h>

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>

#include "gateway/jose/jose.hpp"

namespace sesame::jose {

struct JwkRelease {
    void operator()(cjose_jwk_t* key) const { cjose_jwk_release(key); }
};
struct JwsRelease {
    void operator()(cjose_jws_t* jws) const { cjose_jws_release(jws); }
};
struct HeaderRelease {
    void operator()(cjose_header_t* header) const { cjose_header_release(header); }
};
// What cjose allocates for its caller (cjose_jwk_to_json's text) goes back to cjose's allocator.
struct CjoseFree {
    void operator()(char* text) const { cjose_get_dealloc()(text); }
};
using CjoseKey = std::unique_ptr<cjose_jwk_t, JwkRelease>;
using CjoseJws = std::unique_ptr<cjose_jws_t, JwsRelease>;
using CjoseHeader = std::unique_ptr<cjose_header_t, HeaderRelease>;
using CjoseText = std::unique_ptr<char, CjoseFree>;

enum class KeyType { rsa, ec };

// Written once when the key is imported or generated, read-only afterwards: cjose's sign and
// verify take the key as const, so one Impl serves every thread.
struct Jwk::Impl {
    CjoseKey key;
    KeyType type = KeyType::rsa;
    cjose_jwk_ec_curve curve = CJOSE_JWK_EC_INVALID;  // EC keys only
    std::size_t bits = 0;                             // RSA modulus or EC field size
    bool isPrivate = false;
    std::optional<Algorithm> algorithm;
    std::string kid;
    boost::json::object publicMembers;  // RFC 7638's required members, as cjose exports them
};

}  // namespace sesame::jose
