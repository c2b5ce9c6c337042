#pragma once
// Argon2id password hashes in the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash),
// the format `sesame passwd` prints and local account files hold. Hashing and verifying cost
// tens of milliseconds of CPU on purpose: callers keep them off the event loop.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace sesame::local {

// OWASP Password Storage Cheat Sheet, Argon2id: "m=19456 (19 MiB), t=2, p=1" as a minimum.
struct HashCost {
    std::uint32_t memoryKib = 19456;
    std::uint32_t iterations = 2;
    std::uint32_t parallelism = 1;
    bool operator==(const HashCost&) const = default;
};

// A PHC string with a fresh 16-byte salt from OpenSSL's CSPRNG and a 32-byte hash.
// Errc::internal if the CSPRNG or libargon2 fail (they do not in practice).
Result<std::string> hashPassword(std::string_view password, HashCost cost = {});

// True when `password` matches; false on mismatch and on any malformed hash.
bool verifyPassword(const std::string& phc, std::string_view password);

// The cost of a well-formed argon2id PHC string (version 19), or nothing when it is not one.
std::optional<HashCost> parseArgon2idHash(std::string_view phc);

}  // namespace sesame::local
