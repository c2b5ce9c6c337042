// JSON Web Keys: RFC 7638's thumbprint example, what is refused as a key, and the round trips
// between the private file form and the published form.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <string>

#include "gateway/core/base64.hpp"
#include "gateway/jose/jose.hpp"
#include "test/unit/jose/jose_test_tokens.hpp"
#include "test/unit/session/result_printing.hpp"

using namespace sesame::jose;
namespace json = boost::json;

namespace {

// RFC 7638 §3.1 (the key of RFC 7517 Appendix A.1).
constexpr std::string_view rfc7638Key =
    R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
constexpr std::string_view rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

std::string withMember(std::string_view key, std::string_view name, json::value value) {
    auto object = json::parse(key).as_object();
    object[name] = std::move(value);
    return json::serialize(object);
}

// An RSA public JWK of `bits` bits, made by OpenSSL (not by the library under test).
std::string rsaPublicJwk(unsigned bits) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), EVP_PKEY_free);
    REQUIRE(key);
    auto member = [&](const char* name) {
        BIGNUM* bn = nullptr;
        REQUIRE(EVP_PKEY_get_bn_param(key.get(), name, &bn) == 1);
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(bn);
        return sesame::core::base64UrlEncode(bytes);
    };
    return json::serialize(json::object{{"kty", "RSA"},
                                        {"n", member(OSSL_PKEY_PARAM_RSA_N)},
                                        {"e", member(OSSL_PKEY_PARAM_RSA_E)}});
}

}  // namespace

TEST_CASE("the thumbprint of RFC 7638's example key", "[unit][jose]") {
    auto key = Jwk::fromJson(rfc7638Key);
    REQUIRE(key);
    CHECK(key->thumbprint() == rfc7638Thumbprint);
    CHECK(key->kid() == "2011-04-29");  // a kid that is given is kept
    CHECK(key->algorithm() == Algorithm::rs256);
    CHECK_FALSE(key->isPrivate());

    // Without a kid, the thumbprint is the kid; the optional members never change it.
    auto object = json::parse(rfc7638Key).as_object();
    object.erase("kid");
    object["use"] = "sig";
    auto unnamed = Jwk::fromJson(json::serialize(object));
    REQUIRE(unnamed);
    CHECK(unnamed->kid() == rfc7638Thumbprint);
}

TEST_CASE("a JWK that is not an RSA (2048 bits or more) or EC signature key is refused",
          "[unit][jose]") {
    CHECK(Jwk::fromJson(R"({"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"})").error() ==
          Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "use", "enc")).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "alg", "HS256")).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "alg", "RSA-OAEP")).error() ==
          Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "alg", "ES256")).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "n", 12)).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "n", "not base64url!")).error() ==
          Errc::key_unsupported);
    CHECK(Jwk::fromJson(R"({"kty":"EC","crv":"P-256K","x":"AA","y":"AA"})").error() ==
          Errc::key_unsupported);
    CHECK(Jwk::fromJson("[]").error() == Errc::malformed);
    CHECK(Jwk::fromJson("{").error() == Errc::malformed);

    CHECK(Jwk::fromJson(rsaPublicJwk(1024)).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(rsaPublicJwk(2040)).error() == Errc::key_unsupported);
    CHECK(Jwk::fromJson(rsaPublicJwk(2048)));
}

TEST_CASE("a JWK member that is not canonical base64url is refused before cjose reads it",
          "[unit][jose]") {
    // cjose 0.6.2's decoder aborts the process (assert) on a '=' after 4n+1 characters: found
    // by the jose_compact fuzzer in a JWK Set (corpus: jwks-equals-sign-aborted-cjose).
    std::string n(json::parse(rfc7638Key).at("n").as_string());
    for (std::string bad : {n.substr(0, 281) + "=" + n.substr(282),
                            n.substr(0, 341) + "==", n.substr(0, 5), n + "="}) {
        CAPTURE(bad.size());
        CHECK(Jwk::fromJson(withMember(rfc7638Key, "n", json::string(bad))).error() ==
              Errc::key_unsupported);
        auto set = Jwk::setFromJson(json::serialize(
            json::object{{"keys", {json::parse(withMember(rfc7638Key, "n", json::string(bad)))}}}));
        REQUIRE(set);
        CHECK(set->empty());
    }
    CHECK(Jwk::fromJson(withMember(rfc7638Key, "e", "AQAB=")).error() == Errc::key_unsupported);
    // Canonical base64url of a leading zero octet is still the key: the thumbprint is taken
    // from cjose's minimal export (RFC 7638 §3.2.1's "e" without leading zeros).
    auto padded = Jwk::fromJson(withMember(rfc7638Key, "e", "AAEAAQ"));
    REQUIRE(padded);
    CHECK(padded->thumbprint() == rfc7638Thumbprint);
}

TEST_CASE("an EC key whose point is not on its curve is refused", "[unit][jose]") {
    auto key = Jwk::generate(Algorithm::es256);
    REQUIRE(key);
    auto object = key->publicJson();
    std::string y = std::string(object.at("y").as_string());
    y[10] = y[10] == 'A' ? 'B' : 'A';
    object["y"] = y;
    CHECK(Jwk::fromJson(json::serialize(object)).error() == Errc::key_unsupported);
}

TEST_CASE("a JWK Set keeps the signature keys and skips the others", "[unit][jose]") {
    auto ec = Jwk::generate(Algorithm::es256);
    REQUIRE(ec);
    json::array keys{json::parse(rfc7638Key),
                     json::parse(R"({"kty":"oct","k":"c2VjcmV0"})"),
                     json::parse(withMember(rfc7638Key, "use", "enc")),
                     json::parse(rsaPublicJwk(1024)),
                     "not a key",
                     ec->publicJson()};
    auto set = Jwk::setFromJson(json::serialize(json::object{{"keys", keys}}));
    REQUIRE(set);
    REQUIRE(set->size() == 2);
    CHECK((*set)[0].kid() == "2011-04-29");
    CHECK((*set)[1].kid() == ec->kid());

    CHECK(Jwk::setFromJson(R"({"keys":{}})").error() == Errc::malformed);
    CHECK(Jwk::setFromJson(R"([])").error() == Errc::malformed);
    auto empty = Jwk::setFromJson(R"({"keys":[]})");
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("generated keys: RSA-2048 or the algorithm's curve, kid = thumbprint", "[unit][jose]") {
    for (auto algorithm : {Algorithm::rs256, Algorithm::ps256, Algorithm::es256, Algorithm::es384,
                           Algorithm::es512}) {
        CAPTURE(algorithmName(algorithm));
        auto key = Jwk::generate(algorithm);
        REQUIRE(key);
        CHECK(key->isPrivate());
        CHECK(key->algorithm() == algorithm);
        CHECK(key->kid() == key->thumbprint());
        CHECK(key->suits(algorithm));

        auto published = key->publicJson();
        CHECK_FALSE(published.contains("d"));
        CHECK_FALSE(published.contains("p"));
        CHECK(published.at("use").as_string() == "sig");
        CHECK(published.at("alg").as_string() == algorithmName(algorithm));
        CHECK(published.at("kid").as_string() == key->kid());

        // The file form reads back as the same private key; the published form as its public
        // half, with the same kid.
        auto again = Jwk::fromJson(key->privateJson());
        REQUIRE(again);
        CHECK(again->isPrivate());
        CHECK(again->kid() == key->kid());
        CHECK(again->publicJson() == published);
        auto half = Jwk::fromJson(json::serialize(published));
        REQUIRE(half);
        CHECK_FALSE(half->isPrivate());
        CHECK(half->thumbprint() == key->thumbprint());
    }
    auto rsa = Jwk::generate(Algorithm::rs256);
    REQUIRE(rsa);
    auto modulus =
        sesame::jose::testing::bytesOf(std::string(rsa->publicJson().at("n").as_string()));
    REQUIRE(modulus);
    CHECK(modulus->size() == 256);
}

TEST_CASE("a key suits its type's algorithms, and only its own alg when it names one",
          "[unit][jose]") {
    auto unnamed = Jwk::fromJson(rsaPublicJwk(2048));
    REQUIRE(unnamed);
    CHECK(unnamed->suits(Algorithm::rs256));
    CHECK(unnamed->suits(Algorithm::ps512));
    CHECK_FALSE(unnamed->suits(Algorithm::es256));

    auto named = Jwk::fromJson(rfc7638Key);  // "alg":"RS256"
    REQUIRE(named);
    CHECK(named->suits(Algorithm::rs256));
    CHECK_FALSE(named->suits(Algorithm::ps256));

    auto p256 = Jwk::generate(Algorithm::es256);
    REQUIRE(p256);
    CHECK(p256->suits(Algorithm::es256));
    CHECK_FALSE(p256->suits(Algorithm::es384));
    CHECK_FALSE(p256->suits(Algorithm::rs256));
}
