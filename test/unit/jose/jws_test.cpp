// Compact JWS: what Sesame signs verifies, and what an attacker builds by hand is refused before
// or at the signature check (RFC 7515, RFC 8725's attacks); the half hashes and PKCE against the
// specifications' own examples.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "gateway/jose/jose.hpp"
#include "test/unit/jose/jose_test_tokens.hpp"
#include "test/unit/session/result_printing.hpp"

using namespace sesame::jose;
using namespace sesame::jose::testing;
namespace json = boost::json;

namespace {

json::object someClaims() {
    return {{"iss", "https://sesame.example/oidc"},
            {"sub", "f3b2c1"},
            {"aud", "demo-rp"},
            {"exp", 1'900'000'000},
            {"nonce", "n-0S6_WzA2Mj"}};
}

const Jwk& keyFor(Algorithm algorithm) {
    static const Jwk rsa = Jwk::generate(Algorithm::rs256).value();
    static const Jwk ec = Jwk::generate(Algorithm::es256).value();
    return algorithm == Algorithm::es256 ? ec : rsa;
}

// The public half only, as a relying party reads it from the JWKS.
Jwk publicOf(const Jwk& key) {
    auto set = Jwk::setFromJson(json::serialize(json::object{{"keys", {key.publicJson()}}}));
    REQUIRE(set);
    REQUIRE(set->size() == 1);
    return set->front();
}

std::string signedToken(Algorithm algorithm, const json::object& claims = someClaims()) {
    auto token = sign(keyFor(algorithm), algorithm, claims);
    REQUIRE(token);
    return *token;
}

// A character of a base64url text replaced by another one (middle of the text: all its bits
// are used).
std::string flipped(std::string text) {
    auto& c = text[text.size() / 2];
    c = c == 'A' ? 'B' : 'A';
    return text;
}

}  // namespace

TEST_CASE("RS256 and ES256 tokens verify with the public key from the JWKS", "[unit][jose]") {
    for (auto algorithm : {Algorithm::rs256, Algorithm::es256}) {
        CAPTURE(algorithmName(algorithm));
        const Jwk& key = keyFor(algorithm);
        auto token = sign(key, algorithm, someClaims(), "logout+jwt");
        REQUIRE(token);

        auto verified = verify(*token, {publicOf(key)}, {Algorithm::rs256, Algorithm::es256});
        REQUIRE(verified);
        CHECK(verified->claims == someClaims());
        CHECK(verified->algorithm == algorithm);
        CHECK(verified->kid == key.kid());
        CHECK(verified->header.at("alg").as_string() == algorithmName(algorithm));
        CHECK(verified->header.at("typ").as_string() == "logout+jwt");

        auto decoded = decode(*token);
        REQUIRE(decoded);
        CHECK(decoded->claims == someClaims());
    }
}

TEST_CASE("the typ header is JWT by default and absent when empty", "[unit][jose]") {
    auto withDefault = decode(signedToken(Algorithm::rs256));
    REQUIRE(withDefault);
    CHECK(withDefault->header.at("typ").as_string() == "JWT");
    auto without = sign(keyFor(Algorithm::rs256), Algorithm::rs256, someClaims(), "");
    REQUIRE(without);
    auto decoded = decode(*without);
    REQUIRE(decoded);
    CHECK_FALSE(decoded->header.contains("typ"));
}

TEST_CASE("signing needs the private key and a key of the algorithm", "[unit][jose]") {
    Jwk rsa = keyFor(Algorithm::rs256);
    CHECK(sign(publicOf(rsa), Algorithm::rs256, someClaims()).error() == Errc::key_not_private);
    CHECK(sign(rsa, Algorithm::es256, someClaims()).error() == Errc::algorithm_refused);
    CHECK(sign(keyFor(Algorithm::es256), Algorithm::es384, someClaims()).error() ==
          Errc::algorithm_refused);
}

TEST_CASE("a token whose header, payload or signature was changed is refused", "[unit][jose]") {
    for (auto algorithm : {Algorithm::rs256, Algorithm::es256}) {
        CAPTURE(algorithmName(algorithm));
        auto parts = splitCompact(signedToken(algorithm));
        REQUIRE(parts.size() == 3);
        const std::vector<Jwk> keys{publicOf(keyFor(algorithm))};
        const std::vector<Algorithm> allowed{algorithm};

        json::object richer = someClaims();
        richer["sub"] = "another-person";
        auto payload = join(parts[0], part(json::serialize(richer)), parts[2]);
        CHECK(verify(payload, keys, allowed).error() == Errc::signature_invalid);

        auto headerText = bytesOf(parts[0]);
        REQUIRE(headerText);
        json::object header = json::parse(*headerText).as_object();
        header["typ"] = "at+jwt";
        auto changedHeader = join(part(json::serialize(header)), parts[1], parts[2]);
        CHECK(verify(changedHeader, keys, allowed).error() == Errc::signature_invalid);

        auto signature = join(parts[0], parts[1], flipped(parts[2]));
        CHECK(verify(signature, keys, allowed).error() == Errc::signature_invalid);

        CHECK(verify(join(parts[0], parts[1], parts[2]), keys, allowed));  // the original does
    }
}

TEST_CASE("a second spelling of the same signature is refused", "[unit][jose]") {
    // RS256 signatures are 256 bytes: the last base64url character carries 2 bits and 4 unused
    // ones. Setting an unused bit spells the same bytes differently; only the canonical
    // spelling is a token.
    auto parts = splitCompact(signedToken(Algorithm::rs256));
    std::string signature = parts[2];
    std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto index = alphabet.find(signature.back());
    REQUIRE(index != std::string::npos);
    signature.back() = alphabet[index | 1];
    auto result =
        verify(join(parts[0], parts[1], signature), {keyFor(Algorithm::rs256)}, {Algorithm::rs256});
    CHECK(result.error() == Errc::malformed);
}

TEST_CASE("an ES256 signature longer than R and S is refused, even if cjose would accept it",
          "[unit][jose]") {
    auto parts = splitCompact(signedToken(Algorithm::es256));
    auto raw = bytesOf(parts[2]);
    REQUIRE(raw);
    REQUIRE(raw->size() == 64);
    // 0x00 R 0x00 S: the same integers, 33 bytes each.
    std::string padded =
        std::string(1, '\0') + raw->substr(0, 32) + std::string(1, '\0') + raw->substr(32);
    auto token = join(parts[0], parts[1], sesame::core::base64UrlEncode(padded));
    CHECK(verify(token, {keyFor(Algorithm::es256)}, {Algorithm::es256}).error() ==
          Errc::signature_invalid);
}

TEST_CASE("alg none is refused by decode and verify", "[unit][jose]") {
    auto payload = part(json::serialize(someClaims()));
    for (const auto* header : {R"({"alg":"none"})", R"({"alg":"none","typ":"JWT"})",
                               R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
        CAPTURE(header);
        for (const std::string& signature : {std::string(), part("x")}) {
            auto token = join(part(header), payload, signature);
            CHECK(decode(token).error() == Errc::algorithm_refused);
            CHECK(verify(token, {keyFor(Algorithm::rs256)}, {Algorithm::rs256}).error() ==
                  Errc::algorithm_refused);
        }
    }
}

TEST_CASE("an HS256 token keyed with the public key is refused (key confusion)", "[unit][jose]") {
    // RFC 8725 §2.1: a verifier that let the token choose HMAC would check it with the RSA
    // public key's bytes as the secret. Whatever bytes the attacker picks, HS* never verifies.
    const Jwk& key = keyFor(Algorithm::rs256);
    auto publicJwk = json::serialize(key.publicJson());
    auto n = bytesOf(std::string(key.publicJson().at("n").as_string()));
    for (const std::string& secret : {publicJwk, n.value_or(std::string())}) {
        for (std::string_view alg : {"HS256", "HS384", "HS512"}) {
            auto header =
                part(R"({"alg":")" + std::string(alg) + R"(","kid":")" + key.kid() + R"("})");
            auto payload = part(json::serialize(someClaims()));
            auto token = join(header, payload, hs256(header + "." + payload, secret));
            CHECK(decode(token).error() == Errc::algorithm_refused);
            CHECK(verify(token, {publicOf(key)}, {Algorithm::rs256}).error() ==
                  Errc::algorithm_refused);
        }
    }
}

TEST_CASE("only the caller's algorithms verify, and only with a key of that algorithm",
          "[unit][jose]") {
    auto rs256 = signedToken(Algorithm::rs256);
    CHECK(verify(rs256, {keyFor(Algorithm::rs256)}, {Algorithm::es256}).error() ==
          Errc::algorithm_refused);
    CHECK(verify(rs256, {keyFor(Algorithm::rs256)}, {}).error() == Errc::algorithm_refused);
    CHECK(algorithmFromName("HS256") == std::nullopt);
    CHECK(algorithmFromName("none") == std::nullopt);
    CHECK(algorithmFromName("rs256") ==
          std::nullopt);  // names are case-sensitive (RFC 7515 §4.1.1)
    CHECK(algorithmFromName("PS256") == Algorithm::ps256);

    // The header names the EC key's kid but says RS256: the EC key never checks it.
    const Jwk& ec = keyFor(Algorithm::es256);
    auto parts = splitCompact(rs256);
    auto header = part(R"({"alg":"RS256","kid":")" + ec.kid() + R"("})");
    CHECK(verify(join(header, parts[1], parts[2]), {ec}, {Algorithm::rs256}).error() ==
          Errc::algorithm_refused);
}

TEST_CASE("a kid that names no key of the set is refused", "[unit][jose]") {
    auto token = signedToken(Algorithm::rs256);
    auto other = Jwk::generate(Algorithm::rs256);
    REQUIRE(other);
    CHECK(verify(token, {*other}, {Algorithm::rs256}).error() == Errc::unknown_key);
    CHECK(verify(token, {}, {Algorithm::rs256}).error() == Errc::unknown_key);
}

TEST_CASE("a token without kid is checked with each key of its algorithm", "[unit][jose]") {
    // Sesame always writes a kid; another library may not (authlib_interop_test.cpp verifies
    // one). Here the header lost its kid, so the signature covers other bytes: every key of
    // the algorithm is tried, none verifies; with no key of the algorithm, none is tried.
    auto parts = splitCompact(signedToken(Algorithm::es256));
    auto header = part(R"({"alg":"ES256"})");
    auto forged = join(header, parts[1], parts[2]);
    auto other = Jwk::generate(Algorithm::es256);
    REQUIRE(other);
    CHECK(verify(forged, {*other, keyFor(Algorithm::es256)}, {Algorithm::es256}).error() ==
          Errc::signature_invalid);
    CHECK(verify(forged, {keyFor(Algorithm::rs256)}, {Algorithm::es256}).error() ==
          Errc::unknown_key);
}

TEST_CASE("what is not a compact JWS of JSON objects under 16 kB is malformed", "[unit][jose]") {
    auto parts = splitCompact(signedToken(Algorithm::rs256));
    const std::vector<Jwk> keys{keyFor(Algorithm::rs256)};
    auto refused = [&](const std::string& token) {
        CAPTURE(token.substr(0, 80));
        CHECK(decode(token).error() == Errc::malformed);
        CHECK(verify(token, keys, {Algorithm::rs256}).error() == Errc::malformed);
    };
    refused("");
    refused(parts[0] + "." + parts[1]);
    refused(join(parts[0], parts[1], parts[2]) + ".AAAA.BBBB");  // a JWE's five parts
    refused(join(parts[0], parts[1], parts[2] + "="));           // padding
    refused(join(parts[0], parts[1] + " ", parts[2]));
    refused(join(part("[1,2]"), parts[1], parts[2]));
    refused(join(parts[0], part("[1,2]"), parts[2]));
    refused(join(parts[0], part("\"a string\""), parts[2]));
    refused(join(parts[0], part("{\"sub\":\"x\""), parts[2]));
    refused(join(parts[0], part("{\"sub\":\"\xff\"}"), parts[2]));  // not UTF-8
    refused(join(part(R"({"alg":"RS256","crit":["exp"],"exp":1})"), parts[1], parts[2]));
    refused(join(part(R"({"typ":"JWT"})"), parts[1], parts[2]));  // no alg
    refused(join(part(R"({"alg":256})"), parts[1], parts[2]));
    refused(join(part(R"({"alg":"RS256","kid":7})"), parts[1], parts[2]));

    json::object big = someClaims();
    big["padding"] = std::string(16 * 1024, 'x');
    auto oversized = sign(keyFor(Algorithm::rs256), Algorithm::rs256, big);
    REQUIRE(oversized);  // Sesame's own signing has no limit: the limit is on what it reads
    refused(*oversized);
}

TEST_CASE("at_hash and c_hash: OpenID Connect Core's examples", "[unit][jose]") {
    // OIDC Core 1.0 A.3 (access token) and A.4 (code); both checked with
    // `printf %s <value> | openssl dgst -sha256 -binary | head -c 16 | base64url`.
    CHECK(halfHash(Algorithm::rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") ==
          "77QmUPtjPfzWtF2AnpK9RQ");
    CHECK(
        halfHash(Algorithm::es256, "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk") ==
        "LDktKdoQak3Pk0cnXxCltA");
    // SHA-384 for the *384 algorithms: the left 24 bytes (openssl dgst -sha384 | head -c 24).
    CHECK(halfHash(Algorithm::ps384, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") ==
          "jtAeDp945y1dDqU3nkIVGNZP1HjH_MFs");
}

TEST_CASE("PKCE S256: RFC 7636 Appendix B, and verifiers that never match", "[unit][jose]") {
    const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    CHECK(pkceS256Matches(verifier, challenge));
    CHECK_FALSE(pkceS256Matches(verifier, challenge.substr(1)));
    CHECK_FALSE(pkceS256Matches(verifier, flipped(challenge)));
    CHECK_FALSE(pkceS256Matches(flipped(verifier), challenge));
    CHECK_FALSE(pkceS256Matches(verifier, verifier));                 // "plain" is not S256
    CHECK_FALSE(pkceS256Matches(verifier.substr(0, 42), challenge));  // under 43 characters
    CHECK_FALSE(pkceS256Matches(std::string(129, 'a'), challenge));
    CHECK_FALSE(pkceS256Matches(verifier + "+", challenge));  // outside [A-Za-z0-9-._~]
    CHECK_FALSE(pkceS256Matches("", ""));
}
