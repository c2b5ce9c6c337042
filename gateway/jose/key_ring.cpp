// The OP's signing keys on disk (jose.hpp, KeyRing): one private JWK per file, generated at first
// start, rotated and retired by writing the files themselves, so that every node that loads the
// directory publishes the same set.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>

#include "gateway/jose/jose.hpp"
#include "gateway/jose/jose_internal.hpp"

namespace sesame::jose {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view createdMember = "sesame_created";
constexpr std::string_view retiredMember = "sesame_retired";
constexpr std::size_t maxKeyFileBytes = 64 * 1024;  // an RSA-4096 private JWK is about 3.2 kB

struct StoredKey {
    Jwk jwk;
    Algorithm algorithm;
    boost::json::object file;  // the whole file, to write it back with "sesame_retired"
    std::int64_t created;
    std::optional<std::int64_t> retired;
    fs::path path;
};

std::int64_t secondsOf(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::optional<std::int64_t> integerMember(const boost::json::object& file, std::string_view name) {
    const auto* value = file.if_contains(name);
    if (!value || !value->is_int64()) return std::nullopt;
    return value->get_int64();
}

// The directory is made 0700; one that others may write to is refused, since whoever can add a
// file there can add a signing key.
Result<void> prepareDirectory(const fs::path& directory) {
    std::error_code ec;
    if (directory.has_parent_path()) fs::create_directories(directory.parent_path(), ec);
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) return Errc::key_write_failed;
    struct stat st {};
    if (::stat(directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Errc::key_unreadable;
    if ((st.st_mode & 022) != 0) return Errc::key_file_exposed;
    return {};
}

Result<std::string> readPrivateFile(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errc::key_unreadable;
    struct stat st {};
    // OpenSSH's rule for private keys, as for the SAML keys: group or others may not read it.
    if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::size_t>(st.st_size) > maxKeyFileBytes) {
        bool exposed = (st.st_mode & 077) != 0;
        ::close(fd);
        return exposed ? Errc::key_file_exposed : Errc::key_unreadable;
    }
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::read(fd, text.data() + done, text.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (done != text.size()) return Errc::key_unreadable;
    return text;
}

Result<StoredKey> readKeyFile(const fs::path& path) {
    auto text = readPrivateFile(path);
    if (!text) return text.error();
    auto file = parseObject(*text);
    if (!file) return Errc::key_unreadable;
    auto created = integerMember(*file, createdMember);
    auto jwk = Jwk::fromJson(*text);
    if (!created || !jwk || !jwk->isPrivate() || !jwk->algorithm() ||
        path.stem().string() != jwk->kid())
        return Errc::key_unreadable;
    auto algorithm = *jwk->algorithm();
    auto retired = integerMember(*file, retiredMember);
    return StoredKey{std::move(*jwk), algorithm, std::move(*file), *created, retired, path};
}

bool writeAll(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Written whole to a temporary file (mkstemp: 0600 from its creation) then given its name: a
// reader never sees half a key. A new key is linked (link(2) never replaces: of two nodes
// generating at once, the first file stays); a retirement replaces the file (rename(2)).
Result<void> writeKeyFile(const fs::path& path, const boost::json::object& file, bool replace) {
    const std::string text = boost::json::serialize(file);
    std::string temporary = path.string() + ".XXXXXX";
    int fd = ::mkstemp(temporary.data());
    if (fd < 0) return Errc::key_write_failed;
    bool written = ::fchmod(fd, 0600) == 0 && writeAll(fd, text) && ::fsync(fd) == 0;
    ::close(fd);
    bool published =
        written && (replace ? ::rename(temporary.c_str(), path.c_str()) == 0
                            : (::link(temporary.c_str(), path.c_str()) == 0 || errno == EEXIST));
    if (!(replace && published)) ::unlink(temporary.c_str());
    if (!published) return Errc::key_write_failed;
    return {};
}

Result<StoredKey> createKey(const fs::path& directory, Algorithm algorithm, std::int64_t now) {
    auto jwk = Jwk::generate(algorithm);
    if (!jwk) return jwk.error();
    auto file = parseObject(jwk->privateJson());
    if (!file) return Errc::key_write_failed;
    (*file)[createdMember] = now;
    auto path = directory / (jwk->kid() + ".jwk");
    if (auto written = writeKeyFile(path, *file, false); !written) return written.error();
    return StoredKey{std::move(*jwk), algorithm, std::move(*file), now, std::nullopt, path};
}

Result<void> retire(StoredKey& key, std::int64_t now) {
    key.file[retiredMember] = now;
    key.retired = now;
    return writeKeyFile(key.path, key.file, true);
}

// Newest first, then by kid: every node orders the same files the same way.
bool newerFirst(const StoredKey& a, const StoredKey& b) {
    auto at = a.retired.value_or(a.created), bt = b.retired.value_or(b.created);
    return at != bt ? at > bt : a.jwk.kid() < b.jwk.kid();
}

Result<std::vector<StoredKey>> readDirectory(const fs::path& directory) {
    std::vector<StoredKey> keys;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
        if (entry.path().extension() != ".jwk") continue;  // temporaries end in .jwk.XXXXXX
        auto key = readKeyFile(entry.path());
        if (!key) return key.error();
        keys.push_back(std::move(*key));
    }
    if (ec) return Errc::key_unreadable;
    std::sort(keys.begin(), keys.end(), newerFirst);
    return keys;
}

// A retired key is deleted once every token it signed has expired.
Result<void> deleteExpired(std::vector<StoredKey>& keys, std::int64_t now,
                           std::chrono::seconds keepPublished) {
    for (auto it = keys.begin(); it != keys.end();) {
        if (!it->retired || now < *it->retired + keepPublished.count()) {
            ++it;
            continue;
        }
        std::error_code ec;
        fs::remove(it->path, ec);  // already gone: another node deleted it
        if (ec) return Errc::key_write_failed;
        it = keys.erase(it);
    }
    return {};
}

}  // namespace

Result<KeyRing> KeyRing::load(const std::filesystem::path& directory, const KeyRingPolicy& policy,
                              std::chrono::system_clock::time_point now) {
    return guarded([&]() -> Result<KeyRing> {
        if (auto ready = prepareDirectory(directory); !ready) return ready.error();
        auto keys = readDirectory(directory);
        if (!keys) return keys.error();
        const std::int64_t nowSeconds = secondsOf(now);
        if (auto deleted = deleteExpired(*keys, nowSeconds, policy.keepPublished); !deleted)
            return deleted.error();

        KeyRing ring;
        for (auto& key : *keys) {
            if (key.retired) continue;
            bool wanted = std::find(policy.algorithms.begin(), policy.algorithms.end(),
                                    key.algorithm) != policy.algorithms.end();
            bool taken = std::any_of(ring.active_.begin(), ring.active_.end(),
                                     [&](const auto& a) { return a.first == key.algorithm; });
            bool due = nowSeconds - key.created >= policy.rotateAfter.count();
            if (wanted && !taken && !due) {
                ring.active_.emplace_back(key.algorithm, key.jwk);
                continue;
            }
            // Replaced, or a second current key of one algorithm (two nodes started at once
            // before copying), or an algorithm no longer signed with: published until
            // keepPublished has passed. The replacement is written first, so a crash in between
            // leaves two current keys (solved at the next load), never none.
            if (wanted && !taken) {
                auto replacement = createKey(directory, key.algorithm, nowSeconds);
                if (!replacement) return replacement.error();
                ring.active_.emplace_back(key.algorithm, replacement->jwk);
            }
            if (auto retired = retire(key, nowSeconds); !retired) return retired.error();
        }
        for (auto algorithm : policy.algorithms) {
            if (ring.active(algorithm)) continue;
            auto key = createKey(directory, algorithm, nowSeconds);  // first start
            if (!key) return key.error();
            ring.active_.emplace_back(algorithm, key->jwk);
        }
        // Published: the active keys in the policy's order, then the retired ones, newest first.
        std::sort(ring.active_.begin(), ring.active_.end(), [&](const auto& a, const auto& b) {
            auto rank = [&](Algorithm x) {
                return std::find(policy.algorithms.begin(), policy.algorithms.end(), x) -
                       policy.algorithms.begin();
            };
            return rank(a.first) < rank(b.first);
        });
        for (const auto& [algorithm, jwk] : ring.active_) ring.published_.push_back(jwk);
        std::sort(keys->begin(), keys->end(), newerFirst);  // retirements of this load included
        for (const auto& key : *keys)
            if (key.retired) ring.published_.push_back(key.jwk);
        return ring;
    });
}

const Jwk* KeyRing::active(Algorithm algorithm) const {
    for (const auto& [candidate, jwk] : active_)
        if (candidate == algorithm) return &jwk;
    return nullptr;
}

const std::vector<Jwk>& KeyRing::published() const {
    return published_;
}

std::string KeyRing::jwksJson() const {
    boost::json::array keys;
    for (const auto& jwk : published_) keys.push_back(jwk.publicJson());
    return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
}

}  // namespace sesame::jose
