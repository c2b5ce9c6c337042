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

#include "gateway/core/form_post.hpp"
#include "gateway/core/http_message.hpp"
#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"
#include "gateway/core/session.hpp"

namespace sesame::core {

// What a login in progress must remember; saved in Redis while the person is at the portal.
// The fields every protocol shares are named here; the rest is the protocol's own `params`.
struct FlowState {
    std::string protocol;   // the endpoint's protocol(): who resumes the flow
    std::string serviceId;  // registry id of the service that asked
    std::string service;    // the service as it asked (CAS service URL, SAML entityID...)
    // Fresh credentials demanded (CAS renew=true, SAML ForceAuthn, OIDC prompt=login/max_age).
    bool forceAuthentication = false;
    // No interaction allowed (CAS gateway=true, SAML IsPassive, OIDC prompt=none).
    bool passive = false;
    // Requested authentication context (SAML RequestedAuthnContext, OIDC acr_values), in the
    // protocol's own names, and how to compare (SAML: exact, minimum, maximum, better).
    std::vector<std::string> authnContexts;
    std::string authnComparison;
    // Levels the request itself demands, on top of the service's registry minimums (names of
    // the assurance and habilitation ladders; empty: none).
    std::string minimumAssurance;
    std::string minimumLevel;
    // What the service knows of the person before the login (OIDC login_hint): the portal fills
    // the login field with it; never trusted as an identity.
    std::string loginHint;
    // The languages the service prefers for the pages (OIDC ui_locales: "en fr-FR"), best first;
    // the portal shows the first it speaks unless the person chose one.
    std::string uiLocales;
    Parameters params;  // protocol parameters needed to resume (CAS method=POST, RelayState...)
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

// The person asked to log out (CAS /logout, SAML SLO, OIDC end_session). gateway/app ends the
// SSO session and tells every service of it (single logout: back-channel messages and
// front-channel frames, from every endpoint), then answers with, in this order: the initiating
// endpoint's completeLogout(initiator) (a SAML LogoutResponse to the SP that asked), a redirect
// to `redirectTo` when the endpoint vouched for it (a registered service), or the portal's
// logged-out page.
struct LogoutRequested {
    std::string redirectTo;  // empty: no redirect
    // The service that started the logout, told by completeLogout rather than by a logout
    // message of its own; its protocol's parameters to answer it (InResponseTo, RelayState...).
    std::optional<FlowState> initiator;
};

using EndpointReply =
    std::variant<HttpResponse, NeedsAuthentication, UserFacingError, LogoutRequested>;

// A message to send on the back channel (single logout), produced by an endpoint.
struct BackChannelMessage {
    std::string url;
    std::string contentType;
    std::string body;
    std::string soapAction;  // SOAPAction header for SOAP bindings; empty: none
    std::string service;     // the visit's service it tells (ServiceVisit::service)
};

// A front-channel logout message: loaded by the browser in a hidden frame of the logout page
// (a SAML HTTP-Redirect LogoutRequest URL), so that one service that does not answer never
// holds up the others (the page moves on after a few seconds whatever the frames do).
struct FrontChannelMessage {
    std::string url;
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
    // The messages that end this session at the services that received its tickets (visits of
    // other protocols are skipped by each endpoint).
    virtual std::vector<BackChannelMessage> logoutMessages(
        const std::vector<ServiceVisit>& visits) = 0;
    // The same through the browser, for services that only take logout that way.
    virtual std::vector<FrontChannelMessage> frontChannelLogout(
        const std::vector<ServiceVisit>& visits) {
        (void)visits;
        return {};
    }
    // The answer to the service that started a logout (LogoutRequested::initiator), once every
    // other service was told: a form the browser posts, or a redirect when it has no fields;
    // nullopt: the portal's logged-out page.
    virtual std::optional<FormPost> completeLogout(const FlowState& initiator) {
        (void)initiator;
        return std::nullopt;
    }
    // A refusal by policy told to the service too (a SAML RequestDenied Response), offered by the
    // portal's refusal page as its way back; nullopt: the protocol has no such message (CAS).
    virtual std::optional<FormPost> refusal(const FlowState& flow) {
        (void)flow;
        return std::nullopt;
    }
};

}  // namespace sesame::core
