// The authorization endpoint (OIDC Core §3.1.2): checks the request, hands the login to the
// portal (NeedsAuthentication), then answers the client's redirect_uri with a code.
#include <boost/json/serialize.hpp>

#include "gateway/core/form_post.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/text.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"

namespace sesame::oidc {
namespace {
using boost::asio::awaitable;
using core::HttpResponse;
const core::Logger log{"oidc"};

core::UserFacingError page(std::string key, std::string detail = {}) {
    return core::UserFacingError{400, std::move(key), std::move(detail)};
}

std::string param(const core::FlowState& flow, std::string_view name) {
    return core::findParameter(flow.params, name).value_or("");
}

// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters of the base64url alphabet.
bool validChallenge(const std::string& challenge) {
    return challenge.size() == 43 &&
           challenge.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos;
}

// The parameters of an authorization request, from the query (GET) or the form (POST), each at
// most once (OIDC Core §3.1.2.1: parameters MUST NOT be included more than once).
struct AuthorizationRequest {
    core::Parameters values;
    bool repeated = false;
    std::optional<std::string> get(std::string_view name) {
        bool twice = false;
        auto v = core::findParameter(values, name, &twice);
        repeated = repeated || twice;
        return v;
    }
};

}  // namespace

awaitable<core::EndpointReply> OidcEndpoint::authorize(
    const core::HttpRequest& request, const std::optional<core::Session>& session) {
    if (request.method != "GET" && request.method != "POST")
        co_return page("error.invalid_request");
    AuthorizationRequest in{request.method == "POST" ? request.form : request.query};
    // Until the client and its redirect_uri are known, errors are pages, never redirects
    // (RFC 6749 §4.1.2.1): an attacker must not make Sesame redirect anywhere.
    auto clientId = in.get("client_id").value_or("");
    auto client = findClient(clientId);
    if (!client) {
        log.info("authorize_refused", {{"reason", "unknown client"}, {"client", clientId}});
        co_return page("error.oidc_unknown_client", clientId);
    }
    auto redirectUri = in.get("redirect_uri").value_or("");
    if (in.repeated || !client->settings->hasRedirectUri(redirectUri)) {
        log.info("authorize_refused",
                 {{"reason", "redirect_uri not registered"}, {"client", clientId}});
        co_return page("error.oidc_redirect_uri", redirectUri);
    }
    core::FlowState flow;
    flow.protocol = "oidc";
    flow.serviceId = client->service->id;
    flow.service = clientId;
    flow.params = {{"redirect_uri", redirectUri}};
    auto state = in.get("state");
    if (state) flow.params.emplace_back("state", *state);
    auto mode = in.get("response_mode").value_or("query");
    flow.params.emplace_back("response_mode", mode == "form_post" ? "form_post" : "query");
    auto refuse = [&](std::string_view error, std::string_view description) -> core::EndpointReply {
        log.info("authorize_refused", {{"reason", std::string(description)}, {"client", clientId}});
        return answerClient(
            flow, {{"error", std::string(error)}, {"error_description", std::string(description)}},
            session ? session->language : "fr");
    };
    if (state && state->size() > 2048) co_return refuse("invalid_request", "state too long");
    if (mode != "query" && mode != "form_post")
        co_return refuse("invalid_request", "response_mode must be query or form_post");
    if (in.get("request"))
        co_return refuse("request_not_supported", "request objects are not supported");
    if (in.get("request_uri"))
        co_return refuse("request_uri_not_supported", "request_uri is not supported");
    if (!client->settings->allows("authorization_code"))
        co_return refuse("unauthorized_client", "this client may not use the code flow");
    if (in.get("response_type").value_or("") != "code")
        co_return refuse("unsupported_response_type", "only response_type=code is supported");
    auto asked = parseScope(in.get("scope").value_or(""));
    if (!asked) co_return refuse("invalid_scope", "malformed scope");
    auto scopes = grantedScopes(*asked, *client->settings, config_);
    if (scopes.empty() || scopes.front() != "openid")
        co_return refuse("invalid_scope", "the openid scope is required");
    flow.params.emplace_back("scope", joinScope(scopes));

    // PKCE (RFC 7636): S256 only (plain gives nothing against an attacker who reads the
    // request); required of public clients.
    auto challenge = in.get("code_challenge");
    auto method = in.get("code_challenge_method");
    if (challenge) {
        if (method.value_or("plain") != "S256")
            co_return refuse("invalid_request", "code_challenge_method must be S256");
        if (!validChallenge(*challenge))
            co_return refuse("invalid_request", "malformed code_challenge");
        flow.params.emplace_back("code_challenge", *challenge);
    } else if (method) {
        co_return refuse("invalid_request", "code_challenge_method without code_challenge");
    } else if (client->settings->isPublic()) {
        co_return refuse("invalid_request", "a public client must use PKCE (S256)");
    }
    if (auto nonce = in.get("nonce")) {
        if (nonce->size() > 512) co_return refuse("invalid_request", "nonce too long");
        flow.params.emplace_back("nonce", *nonce);
    }

    // prompt (OIDC Core §3.1.2.1): none = no interaction; login = fresh credentials.
    auto prompt = parseScope(in.get("prompt").value_or(""));
    if (!prompt) co_return refuse("invalid_request", "malformed prompt");
    for (const auto& p : *prompt) {
        if (p == "none")
            flow.passive = true;
        else if (p == "login")
            flow.forceAuthentication = true;
        else if (p != "consent" && p != "select_account")
            co_return refuse("invalid_request", "unknown prompt value");
    }
    if (flow.passive && prompt->size() > 1)
        co_return refuse("invalid_request", "prompt=none cannot be combined");
    if (auto maxAge = in.get("max_age")) {
        std::int64_t seconds = -1;
        if (maxAge->empty() || maxAge->size() > 9 ||
            maxAge->find_first_not_of("0123456789") != std::string::npos)
            co_return refuse("invalid_request", "max_age must be a number of seconds");
        seconds = std::stoll(*maxAge);
        if (session && clock_.nowSeconds() - session->identity.authTime > seconds)
            flow.forceAuthentication = true;
        flow.params.emplace_back("max_age", *maxAge);
    }
    if (flow.passive && (!session || flow.forceAuthentication))
        co_return refuse("login_required", "the person must log in");
    // acr_values: the names of the assurance ladder (eidas1...); the strongest asked applies,
    // as a minimum (voluntary claim: a login below it is stepped up, OIDC Core §5.5.1.1).
    if (auto acr = in.get("acr_values")) {
        auto values = parseScope(*acr);
        if (!values) co_return refuse("invalid_request", "malformed acr_values");
        int best = -1;
        for (const auto& v : *values) {
            flow.authnContexts.push_back(v);
            if (int rank = assurance_.rank(v); rank > best) {
                best = rank;
                flow.minimumAssurance = v;
            }
        }
    }
    if (auto hint = in.get("login_hint"); hint && hint->size() <= 256 && core::isValidUtf8(*hint))
        flow.loginHint = *hint;
    if (auto locales = in.get("ui_locales"); locales && locales->size() <= 256)
        flow.uiLocales = *locales;
    if (in.repeated) co_return refuse("invalid_request", "a parameter was given twice");
    co_return core::NeedsAuthentication{std::move(flow)};
}

// The answer to the client: its redirect_uri with the fields in the query (response_mode=query)
// or posted by the browser (form_post), always with `state` and `iss` (RFC 9207).
HttpResponse OidcEndpoint::answerClient(const core::FlowState& flow, core::Parameters fields,
                                        std::string_view language) const {
    if (auto state = core::findParameter(flow.params, "state"))
        fields.emplace_back("state", *state);
    fields.emplace_back("iss", config_.issuer);
    auto redirectUri = param(flow, "redirect_uri");
    HttpResponse r;
    if (param(flow, "response_mode") == "form_post") {
        r = core::renderAutoPost(core::FormPost{redirectUri, std::move(fields)}, language);
    } else {
        for (const auto& [name, value] : fields)
            redirectUri = core::appendQuery(std::move(redirectUri), name, value);
        r = HttpResponse::redirect(std::move(redirectUri), 303);
    }
    r.authenticationPage = true;
    return r;
}

awaitable<Result<HttpResponse>> OidcEndpoint::resume(const core::FlowState& flow,
                                                     const core::Session& session,
                                                     const core::Release& release,
                                                     bool freshLogin) {
    (void)freshLogin;
    auto client = findClient(flow.service);
    if (!client || client->service->id != flow.serviceId)
        co_return HttpResponse::text(400, "Unknown client\n");
    Grant grant;
    grant.clientId = flow.service;
    grant.serviceId = flow.serviceId;
    grant.subject = subjectFor(release, *client->settings, config_);
    grant.ssoSessionId = session.id;
    grant.sid = sessionIdFor(session.id, config_);
    grant.scopes = *parseScope(param(flow, "scope"));
    grant.claims = claimsFor(release, *client->service, grant.scopes, config_);
    grant.authTime = session.identity.authTime;
    grant.acr = session.identity.assurance;
    if (!session.identity.authMethod.empty())
        grant.amr.push_back(
            session.identity.authMethod == "password" ? "pwd" : session.identity.authMethod);
    grant.redirectUri = param(flow, "redirect_uri");
    grant.nonce = param(flow, "nonce");
    grant.codeChallenge = param(flow, "code_challenge");
    if (grant.subject.empty())
        co_return answerClient(flow, {{"error", "access_denied"}}, session.language);

    auto code = core::randomToken(32);
    std::optional<core::ServiceVisit> visit;
    if (client->service->singleLogout)
        visit = core::ServiceVisit{"oidc",
                                   client->service->id,
                                   grant.clientId,
                                   grant.sid,
                                   client->settings->backchannelLogoutUri,
                                   {{"sub", grant.subject}}};
    auto stored = co_await store_.putSessionArtefact(codes, storageId(code), toJsonText(grant),
                                                     config_.codeLifetime, session.id, visit);
    if (!stored) co_return stored.error();
    log.info("code_issued", {{"client", grant.clientId}, {"scope", param(flow, "scope")}});
    co_return answerClient(flow, {{"code", code}}, session.language);
}

HttpResponse OidcEndpoint::resumeUnauthenticated(const core::FlowState& flow) {
    return answerClient(
        flow, {{"error", "login_required"}, {"error_description", "the person must log in"}}, "fr");
}

std::optional<core::FormPost> OidcEndpoint::refusal(const core::FlowState& flow) {
    core::Parameters fields{{"error", "access_denied"},
                            {"error_description", "access refused by the ENT's policy"}};
    if (auto state = core::findParameter(flow.params, "state"))
        fields.emplace_back("state", *state);
    fields.emplace_back("iss", config_.issuer);
    auto redirectUri = param(flow, "redirect_uri");
    if (param(flow, "response_mode") == "form_post")
        return core::FormPost{redirectUri, std::move(fields)};
    // A link (a form without fields): the fields ride in the query.
    for (const auto& [name, value] : fields)
        redirectUri = core::appendQuery(std::move(redirectUri), name, value);
    return core::FormPost{redirectUri, {}};
}

}  // namespace sesame::oidc
