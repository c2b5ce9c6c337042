// Compact JWS (RFC 7515 §7.1): signing through cjose, and a strict reading before cjose ever sees
// a token: what is refused here never reaches a signature check.
#include <openssl/err.h>

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "gateway/jose/cjose_handles.hpp"
#include "gateway/jose/jose_internal.hpp"

namespace sesame::jose {
namespace {

// Client assertions, id_token_hints and logout tokens arrive before authentication: 16 kB holds
// any honest one (an ID token with every ENT claim is under 4 kB) and bounds the work.
constexpr std::size_t maxCompactBytes = 16 * 1024;

struct Parts {
    DecodedJws decoded;
    std::string signature;
};

Result<Parts> readCompact(std::string_view compact) {
    if (compact.size() > maxCompactBytes) return Errc::malformed;
    const auto first = compact.find('.');
    const auto second = first == std::string_view::npos ? first : compact.find('.', first + 1);
    if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos)
        return Errc::malformed;  // a JWE has five parts, a JWS three
    auto headerText = base64UrlDecode(compact.substr(0, first));
    auto header = headerText ? parseObject(*headerText) : std::nullopt;
    if (!header) return Errc::malformed;
    const auto* alg = header->if_contains("alg");
    if (!alg || !alg->is_string()) return Errc::malformed;
    auto algorithm = algorithmFromName(alg->get_string());
    if (!algorithm) return Errc::algorithm_refused;  // none, HS*, unknown (RFC 8725 §3.1)
    // RFC 7515 §4.1.11: an extension we do not understand must not be ignored; Sesame
    // understands none.
    if (header->contains("crit")) return Errc::malformed;
    std::string kid;
    if (const auto* member = header->if_contains("kid")) {
        if (!member->is_string()) return Errc::malformed;
        kid = member->get_string();
    }
    auto payloadText = base64UrlDecode(compact.substr(first + 1, second - first - 1));
    auto claims = payloadText ? parseObject(*payloadText) : std::nullopt;
    if (!claims) return Errc::malformed;
    auto signature = base64UrlDecode(compact.substr(second + 1));
    if (!signature || signature->empty()) return Errc::malformed;
    return Parts{DecodedJws{std::move(*header), std::move(*claims), *algorithm, std::move(kid)},
                 std::move(*signature)};
}

// RFC 7518 §3.4: an ECDSA signature is R and S, each exactly the size of the curve's order;
// cjose would read any even length.
bool signatureSizeFits(const Jwk& key, std::size_t size) {
    const auto& impl = key.impl();
    if (impl.type != KeyType::ec) return true;  // OpenSSL's RSA_verify checks the modulus size
    return size == 2 * ((impl.bits + 7) / 8);
}

std::vector<const Jwk*> candidateKeys(const DecodedJws& decoded, const std::vector<Jwk>& keys) {
    std::vector<const Jwk*> out;
    for (const auto& key : keys)
        if (decoded.kid.empty() ? key.suits(decoded.algorithm) : key.kid() == decoded.kid)
            out.push_back(&key);
    return out;
}

}  // namespace

Result<std::string> sign(const Jwk& key, Algorithm algorithm, const boost::json::object& claims,
                         std::string_view typ) {
    return guarded([&]() -> Result<std::string> {
        if (!key.isPrivate()) return Errc::key_not_private;
        if (!key.suits(algorithm)) return Errc::algorithm_refused;
        cjose_err err{};
        CjoseHeader header(cjose_header_new(&err));
        const std::string alg(algorithmName(algorithm));
        const std::string type(typ);
        bool built = header && cjose_header_set(header.get(), CJOSE_HDR_ALG, alg.c_str(), &err) &&
                     cjose_header_set(header.get(), CJOSE_HDR_KID, key.kid().c_str(), &err) &&
                     (type.empty() || cjose_header_set(header.get(), "typ", type.c_str(), &err));
        if (!built) return Errc::signing_failed;
        const std::string payload = boost::json::serialize(claims);
        CjoseJws jws(cjose_jws_sign(key.impl().key.get(), header.get(),
                                    reinterpret_cast<const std::uint8_t*>(payload.data()),
                                    payload.size(), &err));
        const char* compact = nullptr;
        bool signedOk = jws && cjose_jws_export(jws.get(), &compact, &err) && compact;
        ERR_clear_error();
        if (!signedOk) return Errc::signing_failed;
        return std::string(compact);
    });
}

Result<DecodedJws> decode(std::string_view compact) {
    return guarded([&]() -> Result<DecodedJws> {
        auto parts = readCompact(compact);
        if (!parts) return parts.error();
        return std::move(parts->decoded);
    });
}

Result<DecodedJws> verify(std::string_view compact, const std::vector<Jwk>& keys,
                          const std::vector<Algorithm>& allowed) {
    return guarded([&]() -> Result<DecodedJws> {
        auto parts = readCompact(compact);
        if (!parts) return parts.error();
        const auto& decoded = parts->decoded;
        // RFC 8725 §3.1: the verifier, not the token, chooses the algorithms.
        if (std::find(allowed.begin(), allowed.end(), decoded.algorithm) == allowed.end())
            return Errc::algorithm_refused;
        auto candidates = candidateKeys(decoded, keys);
        if (candidates.empty()) return Errc::unknown_key;
        cjose_err err{};
        CjoseJws jws(cjose_jws_import(compact.data(), compact.size(), &err));
        if (!jws) {
            ERR_clear_error();
            return Errc::malformed;
        }
        bool anySuits = false;
        for (const Jwk* key : candidates) {
            // The key named by kid must be one for this algorithm: an RSA key never checks an
            // HMAC, an EC key of another curve never checks ES256 (RFC 8725 §3.1).
            if (!key->suits(decoded.algorithm)) continue;
            anySuits = true;
            if (!signatureSizeFits(*key, parts->signature.size())) continue;
            if (cjose_jws_verify(jws.get(), key->impl().key.get(), &err)) {
                ERR_clear_error();
                return std::move(parts->decoded);
            }
        }
        ERR_clear_error();
        return anySuits ? Errc::signature_invalid : Errc::algorithm_refused;
    });
}

}  // namespace sesame::jose
