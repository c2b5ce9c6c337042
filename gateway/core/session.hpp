#pragma once
// The unified SSO session: one per browser, whatever directory authenticated it. Stored in Redis
// by gateway/session (key schema in docs/operations.md), read by every protocol endpoint.
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"

namespace sesame::core {

struct Session {
    std::string id;  // CSPRNG token, the value of the session cookie; rotated at every login
    Identity identity;
    std::int64_t createdAt = 0;   // unix seconds: start of the absolute timeout
    std::int64_t lastSeenAt = 0;  // unix seconds: start of the idle timeout
    std::string language;         // "fr" or "en", as the person chose
};

// A service that received a ticket in this session: single logout will call it back.
struct ServiceVisit {
    std::string protocol;   // "cas"
    std::string serviceId;  // registry id
    std::string service;    // the service URL the ticket was issued for
    std::string ticket;     // the ticket id (CAS SessionIndex of the logoutRequest)
    std::string logoutUrl;  // where to POST the logout request (defaults to the service URL)
};

boost::json::value toJson(const Session& session);
Result<Session> sessionFromJson(const boost::json::value& value);
boost::json::value toJson(const ServiceVisit& visit);
Result<ServiceVisit> serviceVisitFromJson(const boost::json::value& value);

}  // namespace sesame::core
