// The OP's key ring on disk: first start, file modes, rotation by file events, retirement and
// deletion, and the same JWKS for every node that loads the directory. Times are given, never
// waited for.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "gateway/jose/jose.hpp"
#include "test/support/temp_dir.hpp"
#include "test/unit/session/result_printing.hpp"

using namespace sesame::jose;
using sesame::testing::TempDir;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::chrono::system_clock::time_point t0{std::chrono::seconds(1'800'000'000)};

mode_t modeOf(const fs::path& file) {
    struct stat st {};
    REQUIRE(stat(file.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::set<std::string> keyFiles(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory))
        names.insert(entry.path().filename().string());
    return names;
}

std::set<std::string> kids(const std::vector<Jwk>& keys) {
    std::set<std::string> out;
    for (const auto& key : keys) out.insert(key.kid());
    return out;
}

KeyRing loaded(const fs::path& directory, std::chrono::system_clock::time_point now,
               const KeyRingPolicy& policy = {}) {
    auto ring = KeyRing::load(directory, policy, now);
    INFO((ring ? std::string() : ring.error().message()));
    REQUIRE(ring);
    return std::move(*ring);
}

}  // namespace

TEST_CASE("first start: an RS256 and an ES256 key, files 0600 in a 0700 directory",
          "[unit][jose]") {
    TempDir dir("sesame-keyring");
    const fs::path keys = dir / "oidc" / "keys";
    auto ring = loaded(keys, t0);

    CHECK(modeOf(keys) == 0700);
    const Jwk* rs256 = ring.active(Algorithm::rs256);
    const Jwk* es256 = ring.active(Algorithm::es256);
    REQUIRE(rs256);
    REQUIRE(es256);
    CHECK(ring.active(Algorithm::ps256) == nullptr);
    CHECK(rs256->isPrivate());
    CHECK(keyFiles(keys) == std::set<std::string>{rs256->kid() + ".jwk", es256->kid() + ".jwk"});
    for (const auto& name : keyFiles(keys)) CHECK(modeOf(keys / name) == 0600);
    CHECK(kids(ring.published()) == std::set<std::string>{rs256->kid(), es256->kid()});

    // The JWKS publishes public halves that verify what the active keys sign.
    auto jwks = Jwk::setFromJson(ring.jwksJson());
    REQUIRE(jwks);
    REQUIRE(jwks->size() == 2);
    for (const auto& key : *jwks) CHECK_FALSE(key.isPrivate());
    CHECK(ring.jwksJson().find("\"d\"") == std::string::npos);
    for (auto algorithm : {Algorithm::rs256, Algorithm::es256}) {
        auto token = sign(*ring.active(algorithm), algorithm, {{"sub", "x"}});
        REQUIRE(token);
        CHECK(verify(*token, *jwks, {algorithm}));
    }
}

TEST_CASE("the next start reads the same keys: two loads, one JWKS", "[unit][jose]") {
    TempDir dir("sesame-keyring");
    auto first = loaded(dir / "keys", t0);
    auto second = loaded(dir / "keys", t0 + 1h);
    CHECK(second.jwksJson() == first.jwksJson());
    CHECK(second.active(Algorithm::rs256)->kid() == first.active(Algorithm::rs256)->kid());
    CHECK(keyFiles(dir / "keys").size() == 2);
}

TEST_CASE("a key file or directory open to others is refused", "[unit][jose]") {
    TempDir dir("sesame-keyring");
    const fs::path keys = dir / "keys";
    auto ring = loaded(keys, t0);
    const fs::path file = keys / (ring.active(Algorithm::es256)->kid() + ".jwk");

    REQUIRE(chmod(file.c_str(), 0644) == 0);
    CHECK(KeyRing::load(keys, {}, t0).error() == Errc::key_file_exposed);
    REQUIRE(chmod(file.c_str(), 0640) == 0);
    CHECK(KeyRing::load(keys, {}, t0).error() == Errc::key_file_exposed);
    REQUIRE(chmod(file.c_str(), 0600) == 0);
    CHECK(KeyRing::load(keys, {}, t0));

    REQUIRE(chmod(keys.c_str(), 0777) == 0);
    CHECK(KeyRing::load(keys, {}, t0).error() == Errc::key_file_exposed);
    REQUIRE(chmod(keys.c_str(), 0700) == 0);
}

TEST_CASE("a key file that is not one of our private keys is refused", "[unit][jose]") {
    TempDir dir("sesame-keyring");
    const fs::path keys = dir / "keys";
    auto ring = loaded(keys, t0);
    const std::string kid = ring.active(Algorithm::rs256)->kid();

    // Renamed: its name no longer says its kid.
    fs::rename(keys / (kid + ".jwk"), keys / "renamed.jwk");
    CHECK(KeyRing::load(keys, {}, t0).error() == Errc::key_unreadable);
    fs::remove(keys / "renamed.jwk");

    // A public key where a private one belongs.
    auto publicHalf = boost::json::serialize(ring.active(Algorithm::es256)->publicJson());
    sesame::testing::writeFile(keys / "public.jwk", publicHalf);
    REQUIRE(chmod((keys / "public.jwk").c_str(), 0600) == 0);
    CHECK(KeyRing::load(keys, {}, t0).error() == Errc::key_unreadable);
}

TEST_CASE("rotation: a new key after rotateAfter, the old one published for keepPublished",
          "[unit][jose]") {
    TempDir dir("sesame-keyring");
    const fs::path keys = dir / "keys";
    const KeyRingPolicy policy{{Algorithm::rs256, Algorithm::es256}, 24h * 90, 24h};
    auto first = loaded(keys, t0, policy);
    const std::string oldRs = first.active(Algorithm::rs256)->kid();
    const std::string oldEs = first.active(Algorithm::es256)->kid();
    auto oldToken = sign(*first.active(Algorithm::es256), Algorithm::es256, {{"sub", "x"}});
    REQUIRE(oldToken);

    // Not yet due.
    auto early = loaded(keys, t0 + 24h * 90 - 1s, policy);
    CHECK(early.active(Algorithm::rs256)->kid() == oldRs);
    CHECK(early.published().size() == 2);

    // Due: new active keys, the old ones still verify.
    const auto rotation = t0 + 24h * 90;
    auto rotated = loaded(keys, rotation, policy);
    const std::string newRs = rotated.active(Algorithm::rs256)->kid();
    const std::string newEs = rotated.active(Algorithm::es256)->kid();
    CHECK(newRs != oldRs);
    CHECK(newEs != oldEs);
    CHECK(kids(rotated.published()) == std::set<std::string>{oldRs, oldEs, newRs, newEs});
    CHECK(verify(*oldToken, rotated.published(), {Algorithm::es256}));
    CHECK(keyFiles(keys).size() == 4);

    // The retirement is in the files: a node loading the directory later agrees, and does not
    // retire or rotate again.
    auto otherNode = loaded(keys, rotation + 1h, policy);
    CHECK(otherNode.jwksJson() == rotated.jwksJson());
    CHECK(otherNode.active(Algorithm::rs256)->kid() == newRs);

    // keepPublished after the retirement: the old keys are gone, files included.
    auto later = loaded(keys, rotation + 24h - 1s, policy);
    CHECK(later.published().size() == 4);
    auto cleaned = loaded(keys, rotation + 24h, policy);
    CHECK(kids(cleaned.published()) == std::set<std::string>{newRs, newEs});
    CHECK(keyFiles(keys) == std::set<std::string>{newRs + ".jwk", newEs + ".jwk"});
    CHECK(verify(*oldToken, cleaned.published(), {Algorithm::es256}).error() == Errc::unknown_key);
}

TEST_CASE("an algorithm dropped from the policy: its key is retired, then deleted",
          "[unit][jose]") {
    TempDir dir("sesame-keyring");
    const fs::path keys = dir / "keys";
    auto both = loaded(keys, t0);
    const std::string es = both.active(Algorithm::es256)->kid();

    const KeyRingPolicy rsaOnly{{Algorithm::rs256}, 24h * 90, 24h};
    auto ring = loaded(keys, t0 + 1h, rsaOnly);
    CHECK(ring.active(Algorithm::es256) == nullptr);
    CHECK(kids(ring.published()).count(es) == 1);
    auto later = loaded(keys, t0 + 1h + 24h, rsaOnly);
    CHECK(kids(later.published()).count(es) == 0);
    CHECK(later.published().size() == 1);
}
