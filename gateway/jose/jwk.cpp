// JSON Web Keys (RFC 7517) over cjose: import, generation, export and RFC 7638 thumbprints.
#include <openssl/err.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>

#include "gateway/core/base64.hpp"
#include "gateway/jose/cjose_handles.hpp"
#include "gateway/jose/jose_internal.hpp"

namespace sesame::jose {
namespace {

// RSA keys under 2048 bits are refused (NIST SP 800-131A; RFC 7518 §3.3 requires 2048).
constexpr std::size_t minimumRsaBits = 2048;

// The members cjose reads for each key type. Only these are handed to cjose, re-serialised from
// what Boost.JSON parsed: cjose imports exactly the key this file checked.
constexpr std::array<std::string_view, 8> rsaMembers{"n", "e", "d", "p", "q", "dp", "dq", "qi"};
constexpr std::array<std::string_view, 4> ecMembers{"crv", "x", "y", "d"};

cjose_jwk_ec_curve curveOf(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::es256:
            return CJOSE_JWK_EC_P_256;
        case Algorithm::es384:
            return CJOSE_JWK_EC_P_384;
        case Algorithm::es512:
            return CJOSE_JWK_EC_P_521;
        default:
            return CJOSE_JWK_EC_INVALID;
    }
}

bool typeSuits(KeyType type, cjose_jwk_ec_curve curve, Algorithm algorithm) {
    if (type == KeyType::ec) return curveOf(algorithm) == curve;
    return curveOf(algorithm) == CJOSE_JWK_EC_INVALID;  // RS* and PS*
}

const boost::json::string* stringMember(const boost::json::object& json, std::string_view name) {
    const auto* value = json.if_contains(name);
    return value ? value->if_string() : nullptr;
}

// cjose's JSON export of a key (private members included or not), as an object.
std::optional<boost::json::object> exported(const cjose_jwk_t* key, bool withPrivate) {
    cjose_err err{};
    CjoseText text(cjose_jwk_to_json(key, withPrivate, &err));
    if (!text) return std::nullopt;
    return parseObject(text.get());
}

// RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace (Boost.JSON
// keeps insertion order and writes none).
std::optional<boost::json::object> requiredMembers(const boost::json::object& json, KeyType type) {
    static constexpr std::array<std::string_view, 3> rsa{"e", "kty", "n"};
    static constexpr std::array<std::string_view, 4> ec{"crv", "kty", "x", "y"};
    boost::json::object out;
    auto copy = [&](auto names) {
        for (auto name : names) {
            const auto* value = stringMember(json, name);
            if (!value) return false;
            out[name] = *value;
        }
        return true;
    };
    if (!(type == KeyType::rsa ? copy(rsa) : copy(ec))) return std::nullopt;
    return out;
}

// RFC 7638 §3.1: SHA-256 of the required members, base64url.
std::string thumbprintOf(const boost::json::object& requiredMembers) {
    return core::base64UrlEncode(digest(EVP_sha256(), boost::json::serialize(requiredMembers)));
}

Result<Jwk> fromCjose(CjoseKey key, std::optional<Algorithm> algorithm, std::string kid) {
    cjose_err err{};
    auto impl = std::make_shared<Jwk::Impl>();
    switch (cjose_jwk_get_kty(key.get(), &err)) {
        case CJOSE_JWK_KTY_RSA:
            impl->type = KeyType::rsa;
            break;
        case CJOSE_JWK_KTY_EC:
            impl->type = KeyType::ec;
            impl->curve = cjose_jwk_EC_get_curve(key.get(), &err);
            if (impl->curve == CJOSE_JWK_EC_INVALID) return Errc::key_unsupported;
            break;
        default:
            return Errc::key_unsupported;  // "oct": no shared secrets as keys
    }
    impl->bits = cjose_jwk_get_keysize(key.get(), &err);
    if (impl->type == KeyType::rsa && impl->bits < minimumRsaBits) return Errc::key_unsupported;
    if (algorithm && !typeSuits(impl->type, impl->curve, *algorithm)) return Errc::key_unsupported;
    auto everything = exported(key.get(), true);
    if (!everything) return Errc::key_unsupported;
    auto required = requiredMembers(*everything, impl->type);
    if (!required) return Errc::key_unsupported;
    impl->isPrivate = everything->contains("d");
    impl->publicMembers = std::move(*required);
    impl->algorithm = algorithm;
    impl->kid = kid.empty() ? thumbprintOf(impl->publicMembers) : std::move(kid);
    impl->key = std::move(key);
    return Jwk(std::move(impl));
}

Result<Jwk> importMembers(const boost::json::object& json) {
    const auto* kty = stringMember(json, "kty");
    if (!kty || (*kty != "RSA" && *kty != "EC")) return Errc::key_unsupported;
    // RFC 7517 §4.2: a key meant for encryption is not a signature key.
    if (const auto* use = json.if_contains("use"); use && !(use->is_string() && *use == "sig"))
        return Errc::key_unsupported;
    std::optional<Algorithm> algorithm;
    if (const auto* alg = json.if_contains("alg")) {
        if (!alg->is_string()) return Errc::key_unsupported;
        algorithm = algorithmFromName(alg->get_string());
        if (!algorithm) return Errc::key_unsupported;  // HS*, none, RSA-OAEP...
    }
    std::string kid;
    if (const auto* member = json.if_contains("kid")) {
        if (!member->is_string()) return Errc::key_unsupported;
        kid = member->get_string();
    }
    boost::json::object members;
    members["kty"] = *kty;
    // Every member cjose decodes is canonical base64url first: cjose's decoder aborts the
    // process on some malformed text (a '=' after 4n+1 characters), and a JWKS may come from
    // anywhere.
    auto copy = [&](auto names) {
        for (auto name : names) {
            const auto* value = json.if_contains(name);
            if (!value) continue;
            const auto* text = value->if_string();
            if (!text) return false;
            bool valid = name == "crv" ? (*text == "P-256" || *text == "P-384" || *text == "P-521")
                                       : base64UrlDecode(*text).has_value();
            if (!valid) return false;
            members[name] = *text;
        }
        return true;
    };
    if (!(*kty == "RSA" ? copy(rsaMembers) : copy(ecMembers))) return Errc::key_unsupported;
    std::string text = boost::json::serialize(members);
    cjose_err err{};
    CjoseKey key(cjose_jwk_import(text.data(), text.size(), &err));
    ERR_clear_error();  // cjose leaves OpenSSL's queue to its caller
    if (!key) return Errc::key_unsupported;
    return fromCjose(std::move(key), algorithm, std::move(kid));
}

}  // namespace

Result<Jwk> Jwk::generate(Algorithm algorithm) {
    return guarded([&]() -> Result<Jwk> {
        cjose_err err{};
        static constexpr std::uint8_t f4[] = {0x01, 0x00, 0x01};  // e = 65537
        CjoseKey key(curveOf(algorithm) == CJOSE_JWK_EC_INVALID
                         ? cjose_jwk_create_RSA_random(minimumRsaBits, f4, sizeof f4, &err)
                         : cjose_jwk_create_EC_random(curveOf(algorithm), &err));
        ERR_clear_error();
        if (!key) return Errc::signing_failed;
        return fromCjose(std::move(key), algorithm, {});
    });
}

Result<Jwk> Jwk::fromJson(std::string_view json) {
    return guarded([&]() -> Result<Jwk> {
        auto object = parseObject(json);
        if (!object) return Errc::malformed;
        return importMembers(*object);
    });
}

Result<std::vector<Jwk>> Jwk::setFromJson(std::string_view json) {
    return guarded([&]() -> Result<std::vector<Jwk>> {
        auto object = parseObject(json);
        const auto* keys = object ? object->if_contains("keys") : nullptr;
        if (!keys || !keys->is_array()) return Errc::malformed;
        std::vector<Jwk> out;
        for (const auto& entry : keys->get_array()) {
            // RFC 7517 §5: a key that cannot be used is ignored, the set is still usable.
            if (!entry.is_object()) continue;
            if (auto key = importMembers(entry.get_object())) out.push_back(std::move(*key));
        }
        return out;
    });
}

const std::string& Jwk::kid() const {
    return impl_->kid;
}

std::optional<Algorithm> Jwk::algorithm() const {
    return impl_->algorithm;
}

bool Jwk::isPrivate() const {
    return impl_->isPrivate;
}

bool Jwk::suits(Algorithm algorithm) const {
    if (impl_->algorithm && *impl_->algorithm != algorithm) return false;  // RFC 7517 §4.4
    return typeSuits(impl_->type, impl_->curve, algorithm);
}

std::string Jwk::thumbprint() const {
    return thumbprintOf(impl_->publicMembers);
}

boost::json::object Jwk::publicJson() const {
    boost::json::object out;
    out["kty"] = impl_->publicMembers.at("kty");
    for (const auto& member : impl_->publicMembers)
        if (member.key() != "kty") out[member.key()] = member.value();
    out["kid"] = impl_->kid;
    out["use"] = "sig";
    if (impl_->algorithm) out["alg"] = algorithmName(*impl_->algorithm);
    return out;
}

std::string Jwk::privateJson() const {
    auto everything = exported(impl_->key.get(), true);
    if (!everything) throw std::bad_alloc();  // exported once already at import
    (*everything)["kid"] = impl_->kid;
    if (impl_->algorithm) (*everything)["alg"] = algorithmName(*impl_->algorithm);
    return boost::json::serialize(*everything);
}

}  // namespace sesame::jose
