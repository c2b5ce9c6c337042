#include "connectors/local/password_hash.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "gateway/core/result.hpp"

namespace sesame::local {
namespace {

constexpr std::size_t saltBytes = 16;  // RFC 9106 §3.1: 128 bits of salt are recommended
constexpr std::size_t hashBytes = 32;

bool isBase64NoPad(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
}

std::optional<std::uint32_t> parameter(std::string_view field, std::string_view name) {
    if (field.substr(0, name.size()) != name) return std::nullopt;
    field.remove_prefix(name.size());
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (ec != std::errc{} || p != field.data() + field.size() || v == 0) return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

}  // namespace

Result<std::string> hashPassword(std::string_view password, HashCost cost) {
    unsigned char salt[saltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) return core::Errc::internal;
    std::string encoded(argon2_encodedlen(cost.iterations, cost.memoryKib, cost.parallelism,
                                          saltBytes, hashBytes, Argon2_id),
                        '\0');
    int rc = argon2id_hash_encoded(cost.iterations, cost.memoryKib, cost.parallelism,
                                   password.data(), password.size(), salt, sizeof salt, hashBytes,
                                   encoded.data(), encoded.size());
    if (rc != ARGON2_OK) return core::Errc::internal;
    encoded.resize(encoded.find('\0'));
    return encoded;
}

bool verifyPassword(const std::string& phc, std::string_view password) {
    return argon2id_verify(phc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::optional<HashCost> parseArgon2idHash(std::string_view phc) {
    // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
    auto fields = split(phc, '$');
    if (fields.size() != 6 || !fields[0].empty() || fields[1] != "argon2id" || fields[2] != "v=19")
        return std::nullopt;
    auto params = split(fields[3], ',');
    if (params.size() != 3) return std::nullopt;
    auto m = parameter(params[0], "m=");
    auto t = parameter(params[1], "t=");
    auto p = parameter(params[2], "p=");
    if (!m || !t || !p || !isBase64NoPad(fields[4]) || !isBase64NoPad(fields[5]))
        return std::nullopt;
    return HashCost{*m, *t, *p};
}

}  // namespace sesame::local
