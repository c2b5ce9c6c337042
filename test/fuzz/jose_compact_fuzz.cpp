// What an OIDC endpoint reads before anybody is authenticated: a compact JWS (client assertions
// at the token endpoint, id_token_hint at the end-session endpoint, logout tokens at an RP),
// taken apart by jose::decode and checked by jose::verify against a fixed JWK Set (RS256 and
// ES256 public keys, below). The seeds were signed by python3-authlib with the private halves
// (not committed: to make new signed seeds, replace the set with new keys). An input that is a
// JSON object is also read as a JWK Set (jose::Jwk::setFromJson), as an RP reads an OP's.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/serialize.hpp>

#include "gateway/jose/jose.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

namespace {

constexpr std::string_view trustedJwks =
    R"({"keys":[{"n":"r2JwZR46L00usRNC80Fpf7U8_fC-moMWzyGEToI6IxgfpbecbMY4jJPTejFBRuVVTm7rEyVRyqHFwHf9Cn9TLUmrkCRKg8a7Z30Fae667EKLP9u9yPO4rWryzZY8vgStg_Hd-Jo9WftPGwZq-eCMoKt3PM_Wl-8x3T384brUeD3pgjDpz-mCB_lu29u3uAHj7AJP-i2WS495Q1fEQywpgkKS_TKDxZm2Ya3jc8Hp1ioP-0LDNdFEydWJ81X5In2WU4YjKeCXlIoWJpOjV-8lDzu1f9BQG6zqgf73_Vgg7A64s_389rPZrOgrh0zkp9MQq4YTMK6Pjn9s_tzdnsHAgQ","e":"AQAB","kty":"RSA","kid":"tXaCnYgz4nWkIOaI_XN0AUhXw4A4okg41n8G96pstSs","use":"sig","alg":"RS256"},{"crv":"P-256","x":"53Rq_-T1Cmr9BFtCqEFzeRe-wuQtshLv03-0E5kG8mo","y":"9sYiHQ-Aj_uGLm-8k1LewUnOBaWeN3N5vFb8IqltUPU","kty":"EC","kid":"Qg9T6QF7_UnL3BaJF6N-y5QYqJsjMCRp4KzzXf5qN_I","use":"sig","alg":"ES256"}]})";

const std::vector<jose::Jwk>& trusted() {
    static const std::vector<jose::Jwk> keys = jose::Jwk::setFromJson(trustedJwks).value();
    return keys;
}

// Sesame's own signing key: whatever claims were accepted are signed again and read back equal.
const jose::Jwk& ownKey() {
    static const jose::Jwk key = jose::Jwk::generate(jose::Algorithm::es256).value();
    return key;
}

const std::vector<jose::Algorithm> allowed{jose::Algorithm::rs256, jose::Algorithm::es256};

void compact(std::string_view input) {
    auto decoded = jose::decode(input);
    auto verified = jose::verify(input, trusted(), allowed);
    if (!decoded) {
        // verify refuses, for the same reason, whatever decode refuses.
        FUZZ_CHECK(!verified && verified.error() == decoded.error());
        return;
    }
    FUZZ_CHECK(input.size() <= 16 * 1024);
    FUZZ_CHECK(!decoded->header.contains("crit"));
    if (verified) {
        // Only an allowed algorithm, only a key of the set, and the claims decode gave.
        FUZZ_CHECK(verified->claims == decoded->claims);
        FUZZ_CHECK(verified->algorithm == jose::Algorithm::rs256 ||
                   verified->algorithm == jose::Algorithm::es256);
        bool named = verified->kid.empty();
        for (const auto& key : trusted()) named = named || key.kid() == verified->kid;
        FUZZ_CHECK(named);
    }
    auto again = jose::sign(ownKey(), jose::Algorithm::es256, decoded->claims);
    FUZZ_CHECK(again.has_value());
    if (again->size() > 16 * 1024) return;  // our longer header pushed it over the limit
    auto back = jose::verify(*again, {ownKey()}, {jose::Algorithm::es256});
    FUZZ_CHECK(back.has_value() && back->claims == decoded->claims);
}

void keySet(std::string_view input) {
    auto keys = jose::Jwk::setFromJson(input);
    if (!keys) return;
    for (const auto& key : *keys) {
        // A key that was accepted is published, and read back as the same key.
        auto published = jose::Jwk::fromJson(boost::json::serialize(key.publicJson()));
        FUZZ_CHECK(published.has_value());
        FUZZ_CHECK(published->thumbprint() == key.thumbprint());
        FUZZ_CHECK(published->kid() == key.kid());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    compact(input);
    if (!input.empty() && input.front() == '{') keySet(input);
    return 0;
}
