#pragma once
// CAS tickets: their ids and what each one vouches for, as stored in the SessionStore.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/identity.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/result.hpp"

namespace sesame::cas {

// "ST-", "PT-", "PGT-", "PGTIOU-" followed by 43 characters from [A-Za-z0-9]: 256 bits from the
// CSPRNG, in the alphabet CAS 3.0 §3.7 allows (core::ticketId, which the SSO session id shares).
std::string newTicketId(std::string_view prefix);
inline constexpr std::size_t ticketRandomLength = core::ticketTokenLength;
inline constexpr std::size_t maxTicketLength = 256;  // CAS 3.0 §3.1.1: what services accept

// What a service ticket, a proxy ticket or a proxy-granting ticket vouches for. Stored as JSON
// under its id (ArtefactKind serviceTicket / proxyTicket / proxyGrantingTicket).
struct TicketGrant {
    std::string service;    // ST/PT: the service it was issued for; PGT: the proxying service
    std::string serviceId;  // registry id of that service
    std::string sessionId;  // the SSO session it came from (single logout, PGT lifetime)
    std::string user;       // release.user
    core::AttributeSet attributes;
    bool freshLogin = false;  // issued right after credentials were presented (renew)
    std::int64_t authTime = 0;
    std::string authMethod;
    std::int64_t issuedAt = 0;
    // PT and PGT: the proxy callback URLs the authentication went through, most recent first
    // (CAS 3.0 §2.6.2).
    std::vector<std::string> proxies;
};

std::string serialize(const TicketGrant& grant);
Result<TicketGrant> parseTicketGrant(std::string_view json);

}  // namespace sesame::cas
