// Algorithm names (RFC 7518 §3.1), the half hashes of OIDC Core and PKCE's S256 (RFC 7636).
#include <openssl/evp.h>

#include <array>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"
#include "gateway/jose/jose.hpp"
#include "gateway/jose/jose_internal.hpp"

namespace sesame::jose {
namespace {

struct AlgorithmNaming {
    Algorithm algorithm;
    std::string_view name;
};

// Only asymmetric signatures: "none" and HS256/384/512 have no entry, so no name maps to them.
constexpr std::array<AlgorithmNaming, 9> algorithmNames{{
    {Algorithm::rs256, "RS256"},
    {Algorithm::rs384, "RS384"},
    {Algorithm::rs512, "RS512"},
    {Algorithm::ps256, "PS256"},
    {Algorithm::ps384, "PS384"},
    {Algorithm::ps512, "PS512"},
    {Algorithm::es256, "ES256"},
    {Algorithm::es384, "ES384"},
    {Algorithm::es512, "ES512"},
}};

// The hash inside each signature algorithm (RFC 7518 §3.3-3.5).
const EVP_MD* digestOf(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::rs384:
        case Algorithm::ps384:
        case Algorithm::es384:
            return EVP_sha384();
        case Algorithm::rs512:
        case Algorithm::ps512:
        case Algorithm::es512:
            return EVP_sha512();
        default:
            return EVP_sha256();
    }
}

// RFC 7636 §4.1: code-verifier = 43*128unreserved.
bool isPkceVerifier(std::string_view verifier) {
    if (verifier.size() < 43 || verifier.size() > 128) return false;
    for (char c : verifier) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (!unreserved) return false;
    }
    return true;
}

}  // namespace

std::string_view algorithmName(Algorithm algorithm) {
    for (const auto& naming : algorithmNames)
        if (naming.algorithm == algorithm) return naming.name;
    return algorithmNames.front().name;
}

std::optional<Algorithm> algorithmFromName(std::string_view name) {
    for (const auto& naming : algorithmNames)
        if (naming.name == name) return naming.algorithm;
    return std::nullopt;
}

std::string halfHash(Algorithm algorithm, std::string_view value) {
    std::string hash = digest(digestOf(algorithm), value);
    return core::base64UrlEncode(std::string_view(hash).substr(0, hash.size() / 2));
}

bool pkceS256Matches(std::string_view verifier, std::string_view challenge) {
    if (!isPkceVerifier(verifier)) return false;
    std::string expected = core::base64UrlEncode(digest(EVP_sha256(), verifier));
    // The lengths are public (43 characters for SHA-256); the content is compared in constant time.
    return core::constantTimeEquals(expected, challenge);
}

}  // namespace sesame::jose
