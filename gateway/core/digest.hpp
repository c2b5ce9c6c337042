#pragma once
// Hashes and comparisons of secrets, through OpenSSL, written once: SHA-256 of a value (keys of
// one-time artefacts derived from a secret, so that Redis never holds the secret itself),
// HMAC-SHA256 over parts (pseudonymous identifiers), and the constant-time comparison every
// secret a client presents goes through.
#include <initializer_list>
#include <string>
#include <string_view>

namespace sesame::core {

std::string sha256(std::string_view bytes);  // 32 raw bytes
// HMAC-SHA256 keyed by `key` over the parts, each followed by a NUL byte (no part can be made to
// look like two); 32 raw bytes.
std::string hmacSha256(std::string_view key, std::initializer_list<std::string_view> parts);
// Equal in time that depends on the lengths only (CRYPTO_memcmp).
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sesame::core
