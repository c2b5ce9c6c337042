#pragma once
// The contract of a downstream protocol (CAS now; SAML 2.0 IdP and OIDC OP next). As Lasso's
// profiles, an endpoint does no transport of its own: it turns a neutral request into a reply or
// into "needs authentication" with a serialisable flow, and later resumes that flow with an
// authenticated session and what the policy released. gateway/app carries the rest (LoginFlow).
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gateway/core/http_message.hpp"
#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"
#include "gateway/core/session.hpp"

namespace sesame::core {

// What a login in progress must remember; saved in Redis while the person is at the portal.
struct FlowState {
    std::string protocol;   // "cas"
    std::string serviceId;  // registry id of the service that asked
    std::string service;    // the service URL exactly as requested
    bool renew = false;     // the service demands fresh credentials (CAS renew=true)
    bool passive = false;   // no interaction allowed (CAS gateway=true)
    Parameters params;      // protocol parameters needed to resume (CAS method=POST...)
};
boost::json::value toJson(const FlowState& flow);
Result<FlowState> flowStateFromJson(const boost::json::value& value);

// What the policy lets this service see: the user id under the service's chosen attribute and
// the released attributes under the names the service expects.
struct Release {
    std::string user;
    AttributeSet attributes;
};

struct NeedsAuthentication {
    FlowState flow;
};

// A page the person must read (unknown service, malformed login request); rendered by the
// portal in the person's language from a message key.
struct UserFacingError {
    int status = 400;
    std::string messageKey;  // e.g. "error.service_unknown"
    std::string detail;      // shown escaped, e.g. the offending service URL
};

// The person asked to log out (CAS /logout, later SAML SLO and OIDC end_session). gateway/app
// ends the SSO session and sends every endpoint's logoutMessages(), then redirects to
// `redirectTo` when the endpoint vouched for it (a registered service), else shows the portal's
// logged-out page.
struct LogoutRequested {
    std::string redirectTo;  // empty: no redirect
};

using EndpointReply =
    std::variant<HttpResponse, NeedsAuthentication, UserFacingError, LogoutRequested>;

// A message to send on the back channel (single logout), produced by an endpoint.
struct BackChannelMessage {
    std::string url;
    std::string contentType;
    std::string body;
};

class Endpoint {
  public:
    virtual ~Endpoint() = default;
    virtual std::string_view protocol() const = 0;  // "cas"
    virtual std::string_view basePath() const = 0;  // "/cas"
    // Any request under basePath(). `session` is the browser's SSO session, if any.
    virtual boost::asio::awaitable<EndpointReply> handle(const HttpRequest& request,
                                                         const std::optional<Session>& session) = 0;
    // The person is authenticated and the policy permitted: the protocol's reply (a redirect
    // with a ticket). `freshLogin` is true when credentials were just presented.
    virtual boost::asio::awaitable<Result<HttpResponse>> resume(const FlowState& flow,
                                                                const Session& session,
                                                                const Release& release,
                                                                bool freshLogin) = 0;
    // A passive request without a session: back to the service without authentication.
    virtual HttpResponse resumeUnauthenticated(const FlowState& flow) = 0;
    // The messages that end this session at the services that received its tickets.
    virtual std::vector<BackChannelMessage> logoutMessages(
        const std::vector<ServiceVisit>& visits) = 0;
};

}  // namespace sesame::core
