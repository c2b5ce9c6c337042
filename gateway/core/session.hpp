#pragma once
// The unified SSO session: one per browser, whatever directory authenticated it. Stored in Redis
// by gateway/session (key schema in docs/operations.md), read by every protocol endpoint.
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/core/http_message.hpp"
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

// A service that was given this session's identity: single logout will reach it. The protocol
// that issued it fills it and is the only one to read `sessionIndex` and `details`.
struct ServiceVisit {
    std::string protocol;      // the endpoint's protocol() ("cas", "saml"...)
    std::string serviceId;     // registry id
    std::string service;       // what the service is known by (its URL, entityID, client_id)
    std::string sessionIndex;  // what the service knows this login by (a CAS ticket, a SAML
                               // SessionIndex, an OIDC sid): logout messages name it
    std::string logoutUrl;     // where the back-channel logout goes (empty: protocol's default)
    Parameters details;        // what else the protocol needs at logout (a SAML NameID...)
};

boost::json::value toJson(const Session& session);
Result<Session> sessionFromJson(const boost::json::value& value);
boost::json::value toJson(const ServiceVisit& visit);
// Ordered pairs as a JSON array of [name, value]; entries of another shape are skipped.
boost::json::value parametersToJson(const Parameters& parameters);
Parameters parametersFromJson(const boost::json::value* value);
Result<ServiceVisit> serviceVisitFromJson(const boost::json::value& value);

}  // namespace sesame::core
