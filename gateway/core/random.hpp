#pragma once
// Every secret Sesame hands out (session ids, tickets, CSRF tokens, flow ids) comes from here:
// OpenSSL's CSPRNG (RAND_bytes), never std::rand or a seeded engine.
#include <cstddef>
#include <string>
#include <string_view>

namespace sesame::core {

// `bytes` random bytes, base64url without padding. 32 bytes = 256 bits.
std::string randomToken(std::size_t bytes = 32);
// A ticket id such as "ST-<43 base64url characters>" (CAS protocol 3.0 §3.7: at least 32
// characters; here 256 bits, far above the 128 required by the issue).
std::string ticketId(std::string_view prefix, std::size_t bytes = 32);

std::string base64UrlEncode(std::string_view data);

}  // namespace sesame::core
