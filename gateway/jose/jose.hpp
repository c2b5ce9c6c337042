#pragma once
// JOSE for both OpenID Connect sides (protocols/oidc, the OP; connectors/oidc, the RP to come),
// written once over cjose (RAII here, nowhere else): JSON Web Keys (RFC 7517) with their RFC 7638
// thumbprints as `kid`, compact JWS (RFC 7515) signing and strict verification, and the OP's
// signing key ring (generated at first start, rotated, previous public keys published until
// every token they signed has expired). Claims are Boost.JSON objects; cjose only signs bytes.
#include <boost/json/object.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/jose/jose_error.hpp"

namespace sesame::jose {

// JWS algorithms (RFC 7518 §3.1). Sesame signs with rs256 or es256; verification accepts only
// the algorithms its caller lists, and never `none` nor an HMAC algorithm with a public key.
enum class Algorithm { rs256, rs384, rs512, ps256, ps384, ps512, es256, es384, es512 };
std::string_view algorithmName(Algorithm algorithm);                // "RS256"
std::optional<Algorithm> algorithmFromName(std::string_view name);  // nullopt: none, HS*, unknown

// A JSON Web Key: RSA (2048 bits or more) or EC (P-256, P-384, P-521), public or with its private
// part. Immutable and cheap to copy (shared); usable by several threads at once.
class Jwk {
  public:
    // A new key for `algorithm`: RSA-2048 for RS*/PS*, the algorithm's curve for ES*.
    static Result<Jwk> generate(Algorithm algorithm);
    // A JWK as JSON (RFC 7517 §4): "kty" RSA or EC only (an "oct" key is refused: no shared
    // secrets as keys); "alg" and "kid" kept when present, "kid" computed (thumbprint) when absent.
    static Result<Jwk> fromJson(std::string_view json);
    // The keys of a JWK Set ({"keys":[...]}); keys of other types are skipped, not errors.
    static Result<std::vector<Jwk>> setFromJson(std::string_view json);

    const std::string& kid() const;
    std::optional<Algorithm> algorithm() const;  // from "alg" (or given when generated)
    bool isPrivate() const;
    // RSA for RS*/PS*, EC of the right curve for ES*; and the key's own "alg" when it names one
    // (RFC 7517 §4.4).
    bool suits(Algorithm algorithm) const;
    std::string thumbprint() const;  // RFC 7638, SHA-256, base64url
    // Public members only, with "kid", "alg", "use":"sig": what a JWKS publishes.
    boost::json::object publicJson() const;
    // Every member, private included: for the key file only, never a log or a page.
    std::string privateJson() const;

    struct Impl;
    explicit Jwk(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    const Impl& impl() const { return *impl_; }

  private:
    std::shared_ptr<const Impl> impl_;
};

// Signs `claims` as a compact JWS with protected header {"alg", "kid", "typ"} (typ omitted when
// empty; "at+jwt" for RFC 9068 access tokens, "logout+jwt" for back-channel logout tokens,
// "JWT" otherwise).
Result<std::string> sign(const Jwk& key, Algorithm algorithm, const boost::json::object& claims,
                         std::string_view typ = "JWT");

// A compact JWS taken apart without checking its signature: to find who sent it ("iss", "kid")
// before choosing the keys to check it with. Refuses (error) what is not three base64url parts,
// a header or payload that is not a JSON object, an "alg" of none/HS*/unknown, a "crit" header,
// and anything over 16 kB.
struct DecodedJws {
    boost::json::object header;
    boost::json::object claims;
    Algorithm algorithm;
    std::string kid;  // empty when the header has none
};
Result<DecodedJws> decode(std::string_view compact);

// Decodes, then checks the signature with the key of `keys` whose kid is the header's (or, when
// the header has no kid, each key that suits the algorithm in turn), only for an algorithm of
// `allowed`. Errors never say which check failed beyond "signature" / "algorithm" / "format" /
// "unknown key" (Errc::signature_invalid, algorithm_refused, malformed, unknown_key: on the last
// one an RP refetches the OP's JWKS).
Result<DecodedJws> verify(std::string_view compact, const std::vector<Jwk>& keys,
                          const std::vector<Algorithm>& allowed);

// The OP's signing keys: one active key per algorithm Sesame signs with (RS256, ES256), the
// keys that signed before and may still be in unexpired tokens, and none other.
//
// Files: <directory>/<kid>.jwk, mode 0600, each the private JWK with two more members,
// "sesame_created" and (once replaced) "sesame_retired", seconds since the epoch. load():
//   - creates the directory (0700) and a key per algorithm that has none (first start);
//   - refuses (error) a key file readable by group or others, like the SAML keys;
//   - a key whose age passed `rotateAfter` is replaced: a new one is written, the old one gets
//     "sesame_retired" (written once, by the first node that loads it; a second node that
//     loads the same directory sees the same files);
//   - a retired key is published (verifies) for `keepPublished` after its retirement (the longest
//     token lifetime plus clock skew), then its file is deleted.
// Two nodes share the directory by copying it (docs/operations.md): rotation is a file event,
// not a node's private decision, so that both publish the same set.
struct KeyRingPolicy {
    std::vector<Algorithm> algorithms{Algorithm::rs256, Algorithm::es256};
    std::chrono::seconds rotateAfter{std::chrono::hours(24 * 90)};
    std::chrono::seconds keepPublished{std::chrono::hours(24)};
};
class KeyRing {
  public:
    static Result<KeyRing> load(const std::filesystem::path& directory, const KeyRingPolicy& policy,
                                std::chrono::system_clock::time_point now);
    const Jwk* active(Algorithm algorithm) const;  // null when that algorithm has no key
    const std::vector<Jwk>& published() const;     // active and retired, public parts verify
    std::string jwksJson() const;                  // {"keys":[publicJson()...]}

  private:
    std::vector<std::pair<Algorithm, Jwk>> active_;
    std::vector<Jwk> published_;
};

// at_hash / c_hash (OIDC Core §3.1.3.6): base64url of the left half of the hash of `value` with
// the hash of `algorithm` (SHA-256 for RS256/ES256/PS256...).
std::string halfHash(Algorithm algorithm, std::string_view value);

// PKCE (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) == challenge, compared in constant time; a
// verifier that is not 43-128 characters of [A-Za-z0-9-._~] never matches.
bool pkceS256Matches(std::string_view verifier, std::string_view challenge);

}  // namespace sesame::jose
