// Introspection (RFC 7662) and revocation (RFC 7009): what a client may learn of, and undo with,
// the tokens issued to it. A client sees and revokes its own tokens only: a token of another
// client is "not active" to it and is not revoked (the answer cannot tell which it was).
//
// What a token is live for (liveToken): an access token whose signature, issuer, type and expiry
// hold (JWT) or whose oidc-at record exists (opaque), or a refresh token whose oidc-rt record
// exists; and in both cases whose grant still exists (not revoked, its session not ended).
#include <array>
#include <boost/json/serialize.hpp>

#include "gateway/core/log.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"

namespace sesame::oidc {
namespace {
using boost::asio::awaitable;
using core::HttpResponse;
const core::Logger log{"oidc"};

bool isJwt(const std::string& token) {
    return std::count(token.begin(), token.end(), '.') == 2;
}

HttpResponse unavailable() {
    auto r = OidcEndpoint::oauthError(503, "temporarily_unavailable", "try again later");
    r.header("Retry-After", "5");
    return r;
}

HttpResponse answer(std::string body, std::string contentType) {
    auto r = HttpResponse::text(200, std::move(body), std::move(contentType));
    r.authenticationPage = true;  // Cache-Control: no-store (RFC 7662 §2.2)
    return r;
}

// The `token` parameter, required once (RFC 7662 §2.1, RFC 7009 §2.1).
std::optional<std::string> tokenParameter(const core::HttpRequest& request) {
    bool repeated = false;
    auto token = request.formParam("token", &repeated);
    if (repeated || !token || token->empty()) return std::nullopt;
    return token;
}

}  // namespace

awaitable<std::optional<OidcEndpoint::LiveToken>> OidcEndpoint::liveToken(const std::string& token,
                                                                          std::string_view hint,
                                                                          bool& unavailable) {
    unavailable = false;
    // The hint only orders the look-ups (RFC 7662 §2.1, RFC 7009 §2.1): a wrong one still finds.
    using Kind = LiveToken::Kind;
    auto order = hint == "refresh_token" ? std::array{Kind::refresh, Kind::access}
                                         : std::array{Kind::access, Kind::refresh};
    for (auto kind : order) {
        LiveToken live;
        live.kind = kind;
        if (kind == Kind::access) {
            auto bearer = co_await grantOfAccessToken(token, unavailable);
            if (unavailable) co_return std::nullopt;
            if (!bearer) continue;
            live.grant = std::move(bearer->grant);
            live.grantId = std::move(bearer->grantId);
            if (isJwt(token))  // verified by grantOfAccessToken: its claims are ours
                if (auto decoded = jose::decode(token)) live.claims = std::move(decoded->claims);
            co_return live;
        }
        if (token.empty() || token.size() > 128 || isJwt(token)) continue;
        auto grantId = co_await store_.peekArtefact(refreshTokens, storageId(token));
        if (!grantId) {
            unavailable = true;
            co_return std::nullopt;
        }
        if (!*grantId) continue;
        auto record = co_await store_.peekArtefact(grants, **grantId);
        if (!record) {
            unavailable = true;
            co_return std::nullopt;
        }
        if (!*record) continue;
        auto grant = grantFromJsonText(**record);
        if (!grant) continue;
        live.grant = std::move(*grant);
        live.grantId = std::move(**grantId);
        co_return live;
    }
    co_return std::nullopt;
}

awaitable<Result<OidcEndpoint::TokenRequest>> OidcEndpoint::tokenRequest(
    const core::HttpRequest& request, bool confidentialOnly, HttpResponse& refusal) {
    auto fail = [&](HttpResponse r) -> Result<TokenRequest> {
        refusal = std::move(r);
        return make_error_code(core::Errc::invalid_argument);
    };
    if (request.method != "POST") co_return fail(oauthError(405, "invalid_request", "POST only"));
    auto client = co_await authenticateClient(request, refusal);
    if (!client) co_return client.error();
    // A public client proves nothing by naming itself: it may not probe tokens (RFC 7662 §4).
    if (confidentialOnly && client->settings->isPublic())
        co_return fail(
            oauthError(401, "invalid_client", "this endpoint needs client authentication"));
    auto token = tokenParameter(request);
    if (!token) co_return fail(oauthError(400, "invalid_request", "token missing"));
    bool down = false;
    auto live = co_await liveToken(*token, request.formParam("token_type_hint").value_or(""), down);
    if (down) co_return fail(unavailable());
    if (live && live->grant.clientId != client->settings->clientId) {
        log.info("token_of_another_client", {{"client", client->settings->clientId}});
        live.reset();  // as unknown: the answer cannot tell it was another client's
    }
    co_return TokenRequest{*client, std::move(*token), std::move(live)};
}

awaitable<HttpResponse> OidcEndpoint::introspect(const core::HttpRequest& request) {
    HttpResponse refusal;
    auto asked = co_await tokenRequest(request, true, refusal);
    if (!asked) co_return refusal;
    const auto& live = asked->live;
    boost::json::object body{{"active", live.has_value()}};
    if (live) {
        const auto& g = live->grant;
        // A JWT access token says its own scope (narrower after a refresh asking less).
        const auto* scope = live->claims.if_contains("scope");
        body["scope"] =
            scope && scope->is_string() ? std::string(scope->get_string()) : joinScope(g.scopes);
        body["client_id"] = g.clientId;
        body["sub"] = g.subject;
        body["iss"] = config_.issuer;
        body["aud"] = g.clientId;
        if (!g.sid.empty()) body["sid"] = g.sid;
        if (live->kind == LiveToken::Kind::access) body["token_type"] = "Bearer";
        for (const char* time : {"exp", "iat"})  // opaque and refresh tokens: the store's TTL
            if (const auto* t = live->claims.if_contains(time); t && t->is_int64())
                body[time] = t->get_int64();
    }
    co_return answer(boost::json::serialize(body), "application/json");
}

// Revoking a refresh token revokes its grant (RFC 7009 §2.1: the access tokens of the same
// grant too). An opaque access token is deleted alone; a JWT access token is self-contained and
// cannot be revoked alone, so its grant is revoked (UserInfo and introspection check the grant;
// a resource server that only checks the signature accepts it until it expires).
awaitable<HttpResponse> OidcEndpoint::revoke(const core::HttpRequest& request) {
    HttpResponse refusal;
    auto asked = co_await tokenRequest(request, false, refusal);
    if (!asked) co_return refusal;
    const auto& live = asked->live;
    const auto& token = asked->token;
    // RFC 7009 §2.2: an unknown, dead or another client's token answers 200 as a revoked one.
    if (!live) co_return answer("", "text/plain; charset=utf-8");
    Result<void> done;
    if (live->kind == LiveToken::Kind::access && !isJwt(token)) {
        done = co_await store_.deleteArtefact(accessTokens, storageId(token));
    } else {
        done = co_await store_.deleteArtefact(grants, live->grantId);
        if (done && live->kind == LiveToken::Kind::refresh)
            done = co_await store_.deleteArtefact(refreshTokens, storageId(token));
    }
    if (!done) co_return unavailable();
    log.info("token_revoked",
             {{"client", asked->client.settings->clientId},
              {"kind", live->kind == LiveToken::Kind::refresh ? "refresh_token" : "access_token"}});
    co_return answer("", "text/plain; charset=utf-8");
}

}  // namespace sesame::oidc
