// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the client sends the person to
// end_session_endpoint; Sesame ends the SSO session and tells every service of it (back-channel
// and front-channel, every protocol: gateway/app), then goes back to the client's registered
// post_logout_redirect_uri.
#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"

namespace sesame::oidc {
namespace {
const core::Logger log{"oidc"};

std::string audienceOf(const boost::json::object& claims) {
    const auto* aud = claims.if_contains("aud");
    if (aud && aud->is_string()) return std::string(aud->get_string());
    if (aud && aud->is_array() && aud->get_array().size() == 1 && aud->get_array()[0].is_string())
        return std::string(aud->get_array()[0].get_string());
    return {};
}

}  // namespace

core::EndpointReply OidcEndpoint::endSession(const core::HttpRequest& request,
                                             const std::optional<core::Session>& session) const {
    const auto& params = request.method == "POST" ? request.form : request.query;
    bool repeated = false;
    auto get = [&](std::string_view name) {
        bool twice = false;
        auto v = core::findParameter(params, name, &twice);
        repeated = repeated || twice;
        return v;
    };
    auto hint = get("id_token_hint");
    auto clientId = get("client_id");
    auto redirect = get("post_logout_redirect_uri");
    auto state = get("state");
    core::LogoutRequested reply;
    // The client is named by the ID token we issued to it (an expired one is fine: the person
    // may come back hours later) or by client_id; both must agree.
    std::string client;
    bool vouched = false;  // an ID token we issued names the client
    if (hint && config_.keys) {
        auto verified = jose::verify(*hint, config_.keys->published(),
                                     {jose::Algorithm::rs256, jose::Algorithm::es256});
        // An ID token (typ JWT: not an access or logout token) of ours, for a registered client,
        // and of this browser's session: any other signed token (a pupil's own ID token in a
        // link) must not log someone else out without asking.
        const auto* iss = verified ? verified->claims.if_contains("iss") : nullptr;
        const auto* typ = verified ? verified->header.if_contains("typ") : nullptr;
        const auto* sid = verified ? verified->claims.if_contains("sid") : nullptr;
        if (verified && iss && iss->is_string() && iss->get_string() == config_.issuer && typ &&
            typ->is_string() && typ->get_string() == "JWT" &&
            findClient(audienceOf(verified->claims))) {
            client = audienceOf(verified->claims);
            vouched = !session || (sid && sid->is_string() &&
                                   sid->get_string() == sessionIdFor(session->id, config_));
        } else {
            log.info("end_session_hint_refused", {});
        }
    }
    if (clientId && !client.empty() && *clientId != client) {
        client.clear();
        vouched = false;
    }
    // Without an ID token of ours, a link on any site could end the person's session: the
    // portal asks first (its logout page, with its CSRF token), as RP-Initiated Logout §2 says.
    if (!vouched && session) {
        log.info("end_session_asks", {});
        auto r = core::HttpResponse::redirect("/logout", 303);
        r.authenticationPage = true;
        return r;
    }
    if (clientId && !hint) client = *clientId;
    if (redirect && !repeated) {
        auto found = findClient(client);
        if (found && found->settings->hasPostLogoutRedirectUri(*redirect)) {
            reply.redirectTo = *redirect;
            if (state && state->size() <= 2048)
                reply.redirectTo = core::appendQuery(reply.redirectTo, "state", *state);
        } else {
            log.info("post_logout_redirect_refused", {{"client", client}});
        }
    }
    return reply;
}

}  // namespace sesame::oidc
