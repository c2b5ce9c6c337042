#pragma once
// Every secret Sesame hands out (session ids, tickets, CSRF tokens, flow ids) comes from here:
// OpenSSL's CSPRNG (RAND_bytes), never std::rand or a seeded engine.
#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/base64.hpp"  // base64UrlEncode, which tokens are written in

namespace sesame::core {

// `bytes` random bytes, base64url without padding. 32 bytes = 256 bits. For values no protocol
// constrains (CSRF tokens, flow ids).
std::string randomToken(std::size_t bytes = 32);
// `characters` characters drawn uniformly from [A-Za-z0-9]: 43 of them carry 43 × log2(62) ≈ 256
// bits. CAS 3.0 §3.6 and §3.7 allow only A-Z, a-z, 0-9 and '-' in tickets and ticket-granting
// values (mod_auth_cas' validCASTicketFormat refuses anything else): the alphabet of CAS ticket
// ids and of the SSO session id (the ticket-granting cookie).
inline constexpr std::size_t ticketTokenLength = 43;
std::string ticketToken(std::size_t characters = ticketTokenLength);
// "ST-" + ticketToken(): a CAS ticket id such as "ST-<43 characters>" (§3.7: at least 32).
std::string ticketId(std::string_view prefix);

}  // namespace sesame::core
