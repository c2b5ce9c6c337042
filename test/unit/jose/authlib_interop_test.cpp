// An independent implementation checks our tokens, and ours checks its: Debian's python3-authlib
// (the library the OIDC interop tests drive) verifies a token Sesame signed with nothing but the
// JWKS Sesame publishes, and Sesame verifies a token authlib signed with authlib's JWKS.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "gateway/jose/jose.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"
#include "test/unit/session/result_printing.hpp"

using namespace sesame::jose;
using sesame::testing::TempDir;
namespace json = boost::json;

namespace {

// Debian's interpreter, where python3-authlib is installed (a python3 first in PATH, such as a
// pyenv shim, may not have it).
constexpr const char* python = "/usr/bin/python3";

// argv: jwks file, token file, algorithm. Prints the verified claims as JSON.
constexpr std::string_view verifyScript = R"(
import json, sys
from authlib.jose import JsonWebToken
jwks = json.load(open(sys.argv[1]))
token = open(sys.argv[2]).read()
claims = JsonWebToken([sys.argv[3]]).decode(token, jwks)
print(json.dumps(dict(claims), sort_keys=True))
)";

// argv: algorithm. Prints a JWKS line, then a token signed by a new key; the header has no kid
// when the algorithm ends in "-nokid".
constexpr std::string_view signScript = R"(
import json, sys
from authlib.jose import JsonWebKey, JsonWebToken
alg = sys.argv[1].replace("-nokid", "")
key = JsonWebKey.generate_key("RSA", 2048, is_private=True) if alg.startswith("RS") \
    else JsonWebKey.generate_key("EC", "P-256", is_private=True)
public = key.as_dict(is_private=False)
header = {"alg": alg} if sys.argv[1].endswith("-nokid") else {"alg": alg, "kid": public["kid"]}
token = JsonWebToken([alg]).encode(header, {"iss": "authlib", "sub": "rp-1"}, key)
print(json.dumps({"keys": [public]}))
print(token.decode())
)";

sesame::testing::CommandResult runPython(const TempDir& dir, std::string_view script,
                                         std::vector<std::string> args) {
    static int runs = 0;
    const std::string name = "authlib-" + std::to_string(++runs);  // its own output files
    sesame::testing::writeFile(dir / (name + ".py"), script);
    args.insert(args.begin(), (dir / (name + ".py")).string());
    return sesame::testing::runCommand({python, std::move(args), {}, {}, dir.path(), name});
}

}  // namespace

TEST_CASE("python3-authlib verifies RS256 and ES256 tokens with the JWKS Sesame publishes",
          "[unit][jose][authlib]") {
    TempDir dir("sesame-authlib");
    auto ring = KeyRing::load(dir / "keys", {}, std::chrono::system_clock::now());
    REQUIRE(ring);
    sesame::testing::writeFile(dir / "jwks.json", ring->jwksJson());
    const json::object claims{{"iss", "https://sesame.example/oidc"},
                              {"sub", "f3b2c1"},
                              {"aud", "demo-rp"},
                              {"nonce", "é-ü"}};
    for (auto algorithm : {Algorithm::rs256, Algorithm::es256}) {
        CAPTURE(algorithmName(algorithm));
        auto token = sign(*ring->active(algorithm), algorithm, claims);
        REQUIRE(token);
        sesame::testing::writeFile(dir / "token", *token);
        auto result = runPython(dir, verifyScript,
                                {(dir / "jwks.json").string(), (dir / "token").string(),
                                 std::string(algorithmName(algorithm))});
        INFO(result.output);
        REQUIRE(result.exitCode == 0);
        CHECK(json::parse(result.output) == claims);

        // The check can fail: one changed claim and authlib refuses the token too.
        auto parts = *token;
        auto dot = parts.find('.');
        parts[dot + 5] = parts[dot + 5] == 'A' ? 'B' : 'A';
        sesame::testing::writeFile(dir / "token", parts);
        auto refused = runPython(dir, verifyScript,
                                 {(dir / "jwks.json").string(), (dir / "token").string(),
                                  std::string(algorithmName(algorithm))});
        CHECK(refused.exitCode != 0);
    }
}

TEST_CASE("Sesame verifies RS256 and ES256 tokens python3-authlib signed, with or without kid",
          "[unit][jose][authlib]") {
    TempDir dir("sesame-authlib");
    for (std::string alg : {"RS256", "ES256", "ES256-nokid"}) {
        CAPTURE(alg);
        auto result = runPython(dir, signScript, {alg});
        INFO(result.output);
        REQUIRE(result.exitCode == 0);
        auto newline = result.output.find('\n');
        REQUIRE(newline != std::string::npos);
        auto keys = Jwk::setFromJson(result.output.substr(0, newline));
        REQUIRE(keys);
        REQUIRE(keys->size() == 1);
        std::string token = result.output.substr(newline + 1);
        while (!token.empty() && token.back() == '\n') token.pop_back();

        auto algorithm = algorithmFromName(alg.substr(0, 5));
        REQUIRE(algorithm);
        auto verified = verify(token, *keys, {*algorithm});
        INFO((verified ? std::string() : verified.error().message()));
        REQUIRE(verified);
        CHECK(verified->claims.at("sub").as_string() == "rp-1");
    }
}
