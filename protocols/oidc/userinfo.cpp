// UserInfo (OIDC Core §5.3): the claims of the grant an access token names, while the grant
// lives (a logout or a revocation ends it at once, JWT access tokens included).
#include <boost/json/serialize.hpp>

#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "protocols/oidc/claims.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"

namespace sesame::oidc {
namespace {
using boost::asio::awaitable;
using core::HttpResponse;
const core::Logger log{"oidc"};

// RFC 6750 §3: the bearer challenge, with the error when a token was presented.
HttpResponse bearerError(int status, std::string_view error, std::string_view description) {
    std::string challenge = "Bearer realm=\"sesame\"";
    if (!error.empty())
        challenge += ", error=\"" + std::string(error) + "\", error_description=\"" +
                     std::string(description) + "\"";
    auto r = HttpResponse::text(status, "", "application/json");
    if (!error.empty())
        r.body = boost::json::serialize(
            boost::json::object{{"error", error}, {"error_description", description}});
    r.header("WWW-Authenticate", challenge);
    r.authenticationPage = true;
    return r;
}

// RFC 6750 §2.1 (header) and §2.2 (form body); never the query (§2.3: logged everywhere).
std::optional<std::string> bearerToken(const core::HttpRequest& request, bool& twice) {
    auto header = request.header("authorization");
    auto form = request.method == "POST" ? request.formParam("access_token") : std::nullopt;
    twice = header.has_value() && form.has_value();
    if (header) {
        if (header->size() < 7 || core::toLower(header->substr(0, 7)) != "bearer ")
            return std::nullopt;
        return header->substr(7);
    }
    return form;
}

}  // namespace

awaitable<std::optional<OidcEndpoint::BearerGrant>> OidcEndpoint::grantOfAccessToken(
    const std::string& token, bool& unavailable) {
    unavailable = false;
    if (token.empty() || token.size() > 8192) co_return std::nullopt;
    BearerGrant out;
    std::optional<std::string> tokenScope;
    if (std::count(token.begin(), token.end(), '.') == 2) {
        if (!config_.keys) co_return std::nullopt;
        auto verified = jose::verify(token, config_.keys->published(),
                                     {jose::Algorithm::rs256, jose::Algorithm::es256});
        if (!verified) co_return std::nullopt;
        const auto& c = verified->claims;
        const auto* typ = verified->header.if_contains("typ");
        const auto* iss = c.if_contains("iss");
        const auto* exp = c.if_contains("exp");
        const auto* gid = c.if_contains("gid");
        if (!typ || !typ->is_string() || typ->get_string() != "at+jwt" || !iss ||
            !iss->is_string() || iss->get_string() != config_.issuer || !exp || !exp->is_int64() ||
            !gid || !gid->is_string())
            co_return std::nullopt;
        out.expiresAt = exp->get_int64();
        out.grantId = std::string(gid->get_string());
        if (const auto* scope = c.if_contains("scope"); scope && scope->is_string())
            tokenScope = std::string(scope->get_string());
        if (out.expiresAt <= clock_.nowSeconds()) co_return std::nullopt;
    } else {
        auto grantId = co_await store_.peekArtefact(accessTokens, storageId(token));
        if (!grantId) {
            unavailable = true;
            co_return std::nullopt;
        }
        if (!*grantId) co_return std::nullopt;
        // "<grant id> <scope>": the token's own scope, narrower than the grant's after a
        // refresh that asked for less.
        const auto& value = **grantId;
        auto space = value.find(' ');
        out.grantId = value.substr(0, space);
        if (space != std::string::npos) tokenScope = value.substr(space + 1);
    }
    auto record = co_await store_.peekArtefact(grants, out.grantId);
    if (!record) {
        unavailable = true;
        co_return std::nullopt;
    }
    if (!*record) co_return std::nullopt;  // revoked, or its session ended
    auto grant = grantFromJsonText(**record);
    if (!grant) co_return std::nullopt;
    out.grant = std::move(*grant);
    // The token answers for its own scopes only, never more than its grant's.
    if (tokenScope) {
        auto scopes = parseScope(*tokenScope).value_or(std::vector<std::string>{});
        std::erase_if(out.grant.scopes, [&](const std::string& s) {
            return std::find(scopes.begin(), scopes.end(), s) == scopes.end();
        });
        out.grant.claims = claimsOfScopes(out.grant.claims, out.grant.scopes, config_);
    }
    co_return out;
}

awaitable<HttpResponse> OidcEndpoint::userinfo(const core::HttpRequest& request) {
    if (request.method != "GET" && request.method != "POST")
        co_return bearerError(405, "invalid_request", "GET or POST");
    bool twice = false;
    auto token = bearerToken(request, twice);
    if (twice) co_return bearerError(400, "invalid_request", "one access token only");
    if (!token) co_return bearerError(401, "", "");
    bool unavailable = false;
    auto bearer = co_await grantOfAccessToken(*token, unavailable);
    if (unavailable) {
        auto r = HttpResponse::text(503, "", "application/json");
        r.header("Retry-After", "5");
        co_return r;
    }
    if (!bearer) co_return bearerError(401, "invalid_token", "the access token is not valid");
    const auto& scopes = bearer->grant.scopes;
    if (std::find(scopes.begin(), scopes.end(), "openid") == scopes.end())
        co_return bearerError(403, "insufficient_scope", "the openid scope was not granted");
    boost::json::object body = bearer->grant.claims;
    body["sub"] = bearer->grant.subject;
    auto r = HttpResponse::text(200, boost::json::serialize(body), "application/json");
    r.authenticationPage = true;
    co_return r;
}

}  // namespace sesame::oidc
