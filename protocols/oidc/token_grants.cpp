// The token endpoint's two grants besides codes (RFC 6749 §6 and §4.4): refresh_token, with
// rotation and reuse detection (OAuth 2.0 Security BCP, RFC 9700 §4.14.2), and
// client_credentials, a token for the client itself.
//
// Refresh token lifecycle (grant.hpp; docs/operations.md, "Redis keys"):
//   oidc-rt:<sha256(rt)>        = grant id, bound to the SSO session, refresh_token_lifetime
//   oidc-rt-spent:<sha256(rt)>  = grant id once the token is used, refresh_token_lifetime
// A token is used once: its use writes the spent marker, then takes the token (GETDEL). Whoever
// presents a token that is spent (a thief or the client, whichever comes second) revokes the
// grant: every access and refresh token of it stops working. The marker is written before the
// take, so that of two concurrent uses the one that loses the GETDEL always finds it.
#include <algorithm>

#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"

namespace sesame::oidc {
namespace {
using boost::asio::awaitable;
using core::HttpResponse;
const core::Logger log{"oidc"};

HttpResponse unavailable() {
    return OidcEndpoint::oauthError(503, "temporarily_unavailable", "try again later");
}

HttpResponse invalidGrant(std::string_view description) {
    return OidcEndpoint::oauthError(400, "invalid_grant", description);
}

bool contains(const std::vector<std::string>& values, std::string_view value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

// The `scope` parameter as a list: nullopt when absent, an error answer when malformed or given
// twice.
std::optional<std::vector<std::string>> askedScopes(const core::HttpRequest& request,
                                                    std::optional<HttpResponse>& error) {
    bool repeated = false;
    auto text = request.formParam("scope", &repeated);
    if (!text) return std::nullopt;
    auto scopes = parseScope(*text);
    if (repeated || !scopes || scopes->empty()) {
        error = OidcEndpoint::oauthError(400, "invalid_scope", "scope is malformed");
        return std::nullopt;
    }
    return scopes;
}

}  // namespace

awaitable<HttpResponse> OidcEndpoint::refreshGrant(const core::HttpRequest& request,
                                                   const Client& client) {
    const auto& clientId = client.settings->clientId;
    if (!client.settings->allows("refresh_token"))
        co_return oauthError(400, "unauthorized_client", "this client may not refresh");
    bool repeated = false;
    auto token = request.formParam("refresh_token", &repeated).value_or("");
    if (repeated || token.empty() || token.size() > 128)
        co_return oauthError(400, "invalid_request", "refresh_token missing or malformed");
    std::optional<HttpResponse> scopeError;
    auto asked = askedScopes(request, scopeError);
    if (scopeError) co_return *scopeError;

    const auto id = storageId(token);
    auto grantId = co_await store_.peekArtefact(refreshTokens, id);
    if (!grantId) co_return unavailable();
    if (!*grantId) {
        // Unknown, expired, logged out, or used before: in the last case the grant is revoked.
        auto spent = co_await store_.peekArtefact(spentRefreshTokens, id);
        if (spent && *spent) {
            co_await store_.deleteArtefact(grants, **spent);
            log.warning("refresh_token_reused", {{"client", clientId}});
        }
        co_return invalidGrant("the refresh token is invalid, expired or used");
    }
    auto record = co_await store_.peekArtefact(grants, **grantId);
    if (!record) co_return unavailable();
    if (!*record) co_return invalidGrant("the grant was revoked or its session has ended");
    auto grant = grantFromJsonText(**record);
    if (!grant) co_return invalidGrant("the grant is unreadable");
    if (grant->clientId != clientId) {
        // Not consumed: a client that does not own the token must not spend its owner's.
        log.warning("refresh_token_of_another_client", {{"client", clientId}});
        co_return invalidGrant("the refresh token was issued to another client");
    }
    // Never longer than the SSO session: a logout deleted the grant, but a session that timed
    // out left it behind.
    auto session = co_await store_.readSession(grant->ssoSessionId);
    if (!session) co_return unavailable();
    if (!*session) {
        co_await store_.deleteArtefact(grants, **grantId);
        co_return invalidGrant("the session has ended");
    }
    std::vector<std::string> scopes = grant->scopes;
    if (asked) {  // RFC 6749 §6: narrower, never wider; for this access token only
        for (const auto& s : *asked)
            if (!contains(grant->scopes, s))
                co_return oauthError(400, "invalid_scope", "scope exceeds the granted scope");
        scopes.clear();
        for (const auto& s : grant->scopes)  // in the grant's order, openid first
            if (contains(*asked, s)) scopes.push_back(s);
    }

    auto marked = co_await store_.putArtefact(spentRefreshTokens, id, **grantId,
                                              config_.refreshTokenLifetime);
    if (!marked) co_return unavailable();
    auto taken = co_await store_.takeArtefact(refreshTokens, id);
    if (!taken) co_return unavailable();
    if (!*taken) {  // a concurrent use took it first: reuse, the grant goes
        co_await store_.deleteArtefact(grants, **grantId);
        log.warning("refresh_token_reused", {{"client", clientId}});
        co_return invalidGrant("the refresh token is invalid, expired or used");
    }

    // OIDC Core §12.2: a new ID token with the same sub, sid and auth_time, without nonce.
    Grant issued = std::move(*grant);
    issued.scopes = std::move(scopes);
    issued.nonce.clear();
    log.info("refresh_token_used", {{"client", clientId}});
    co_return co_await issueTokens(issued, **grantId, client, contains(issued.scopes, "openid"));
}

awaitable<HttpResponse> OidcEndpoint::clientCredentialsGrant(const core::HttpRequest& request,
                                                             const Client& client) {
    const auto& settings = *client.settings;
    if (settings.isPublic() || !settings.allows("client_credentials"))
        co_return oauthError(400, "unauthorized_client", "this client may not use this grant");
    // No person is involved: none of the scopes that carry a person's claims (the provider's
    // scopes, openid and offline_access included), only the client's own API scopes.
    auto forService = [&](const std::string& s) {
        return s != "openid" && !config_.scopes.contains(s) && settings.allowsScope(s);
    };
    std::optional<HttpResponse> scopeError;
    auto asked = askedScopes(request, scopeError);
    if (scopeError) co_return *scopeError;
    Grant grant;
    if (asked) {
        for (const auto& s : *asked)
            if (!forService(s))
                co_return oauthError(400, "invalid_scope", "scope not allowed to this client");
        grant.scopes = *asked;
    } else {
        std::copy_if(settings.scopes.begin(), settings.scopes.end(),
                     std::back_inserter(grant.scopes), forService);
    }
    grant.clientId = settings.clientId;
    grant.serviceId = client.service->id;
    grant.subject = settings.clientId;
    const auto grantId = core::randomToken(32);
    auto stored = co_await store_.putArtefact(grants, grantId, toJsonText(grant),
                                              config_.accessTokenLifetime + config_.clockSkew);
    if (!stored) co_return unavailable();
    co_return co_await issueTokens(grant, grantId, client, false);
}

}  // namespace sesame::oidc
