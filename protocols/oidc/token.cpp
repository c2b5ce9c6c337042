// The token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3): client authentication, the code grant,
// and the tokens every grant issues.
#include <boost/json/serialize.hpp>

#include "gateway/core/base64.hpp"
#include "gateway/core/digest.hpp"
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

constexpr std::string_view jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

HttpResponse invalidClient(std::string_view description) {
    return OidcEndpoint::oauthError(401, "invalid_client", description);
}

struct BasicCredentials {
    std::string clientId;
    std::string secret;
};

// RFC 6749 §2.3.1: "Basic base64(urlencode(id) ':' urlencode(secret))".
std::optional<BasicCredentials> basicCredentials(const core::HttpRequest& request) {
    auto header = request.header("authorization");
    if (!header || header->size() < 6 || core::toLower(header->substr(0, 6)) != "basic ")
        return std::nullopt;
    auto decoded = core::base64Decode(std::string_view(*header).substr(6));
    if (!decoded) return BasicCredentials{};
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return BasicCredentials{};
    auto id = core::urlDecode(decoded->substr(0, colon));
    auto secret = core::urlDecode(decoded->substr(colon + 1));
    if (!id || !secret) return BasicCredentials{};
    return BasicCredentials{*id, *secret};
}

bool offers(const OidcClientSettings& client, ClientAuthentication method) {
    return std::find(client.authMethods.begin(), client.authMethods.end(), method) !=
           client.authMethods.end();
}

const std::vector<jose::Algorithm> assertionAlgorithms{
    jose::Algorithm::rs256, jose::Algorithm::rs384, jose::Algorithm::rs512,
    jose::Algorithm::ps256, jose::Algorithm::ps384, jose::Algorithm::ps512,
    jose::Algorithm::es256, jose::Algorithm::es384, jose::Algorithm::es512};

std::string claimText(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> claimTime(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    if (v && v->is_int64()) return v->get_int64();
    if (v && v->is_uint64() && v->get_uint64() < (1ull << 62))
        return static_cast<std::int64_t>(v->get_uint64());
    return std::nullopt;
}

bool audienceHas(const boost::json::object& claims, const std::vector<std::string>& accepted) {
    const auto* aud = claims.if_contains("aud");
    auto matches = [&](const boost::json::value& v) {
        return v.is_string() && std::find(accepted.begin(), accepted.end(),
                                          std::string_view(v.get_string())) != accepted.end();
    };
    // One audience only: an assertion that names other servers too may have been signed for
    // them (the 2025 audience-injection disclosure on private_key_jwt).
    if (aud && aud->is_string()) return matches(*aud);
    if (aud && aud->is_array() && aud->get_array().size() == 1) return matches(aud->get_array()[0]);
    return false;
}

}  // namespace

awaitable<Result<OidcEndpoint::Client>> OidcEndpoint::authenticateClient(
    const core::HttpRequest& request, HttpResponse& refusal) {
    auto basic = basicCredentials(request);
    auto formId = request.formParam("client_id");
    auto formSecret = request.formParam("client_secret");
    auto assertionType = request.formParam("client_assertion_type");
    auto assertion = request.formParam("client_assertion");
    int ways = (basic ? 1 : 0) + (formSecret ? 1 : 0) + (assertion ? 1 : 0);
    // Throttled per address and client named: guesses at one client's secret from one address
    // slow that pair down, not the other apps behind a school's NAT.
    // A client assertion is taken apart once: its `iss` names the client for the throttle too.
    std::optional<Result<jose::DecodedJws>> decodedAssertion;
    if (assertion) decodedAssertion = jose::decode(*assertion);
    std::string named = basic ? basic->clientId : formId.value_or("");
    if (named.empty() && decodedAssertion && *decodedAssertion)
        named = claimText((*decodedAssertion)->claims, "iss");
    const std::string throttleKey = request.clientAddress + '\0' + named.substr(0, 256);
    // `guessed`: a secret or an assertion was checked and was wrong.
    auto fail = [&](HttpResponse r, bool guessed = false) -> Result<Client> {
        if (guessed) clientThrottle_.failed(throttleKey, clock_.nowSeconds());
        refusal = std::move(r);
        return make_error_code(core::Errc::invalid_credentials);
    };
    if (auto wait = clientThrottle_.retryAfter(throttleKey, clock_.nowSeconds())) {
        log.warning("client_authentication_throttled",
                    {{"address", request.clientAddress}, {"client", named}});
        refusal = oauthError(429, "invalid_client", "too many failed client authentications");
        refusal.header("Retry-After", std::to_string(wait));
        co_return make_error_code(core::Errc::throttled);
    }
    if (ways > 1)
        co_return fail(oauthError(400, "invalid_request", "one client authentication only"));

    if (basic || formSecret) {
        std::string id = basic ? basic->clientId : formId.value_or("");
        std::string secret = basic ? basic->secret : *formSecret;
        if (basic && formId && *formId != id)
            co_return fail(oauthError(400, "invalid_request", "two client ids"));
        auto client = findClient(id);
        auto method = basic ? ClientAuthentication::clientSecretBasic
                            : ClientAuthentication::clientSecretPost;
        if (!client || !offers(*client->settings, method) ||
            !core::constantTimeEquals(secret, client->settings->clientSecret)) {
            log.info("client_authentication_failed",
                     {{"client", id}, {"method", std::string(clientAuthenticationName(method))}});
            co_return fail(invalidClient("client authentication failed"), true);
        }
        co_return *client;
    }
    if (assertion) {
        // private_key_jwt (OIDC Core §9, RFC 7523): iss = sub = client_id, aud = this endpoint or
        // the issuer, not expired, jti never seen before.
        if (assertionType.value_or("") != jwtBearer)
            co_return fail(oauthError(400, "invalid_request", "unknown client_assertion_type"));
        const auto& decoded = *decodedAssertion;
        if (!decoded) co_return fail(invalidClient("malformed client_assertion"));
        auto id = claimText(decoded->claims, "iss");
        auto client = findClient(id);
        if (!client || !offers(*client->settings, ClientAuthentication::privateKeyJwt) ||
            (formId && *formId != id))
            co_return fail(invalidClient("client authentication failed"));
        auto verified = jose::verify(*assertion, client->settings->jwks, assertionAlgorithms);
        auto now = clock_.nowSeconds();
        auto exp = verified ? claimTime(verified->claims, "exp") : std::nullopt;
        auto jti = verified ? claimText(verified->claims, "jti") : std::string();
        if (!verified || claimText(verified->claims, "sub") != id || !exp ||
            *exp + config_.clockSkew.count() < now || *exp > now + 3600 || jti.empty() ||
            jti.size() > 256 ||
            !audienceHas(verified->claims, {config_.endpoint("/token"), config_.issuer,
                                            config_.publicUrl + request.path})) {
            log.info("client_authentication_failed",
                     {{"client", id}, {"method", "private_key_jwt"}});
            co_return fail(invalidClient("client authentication failed"), true);
        }
        auto first = co_await store_.rememberOnce(clientAssertions, storageId(id + '\0' + jti),
                                                  std::chrono::seconds(std::max<std::int64_t>(
                                                      1, *exp - now + config_.clockSkew.count())));
        if (!first) co_return fail(oauthError(503, "temporarily_unavailable", "try again later"));
        if (!*first) {
            log.warning("client_assertion_replayed", {{"client", id}});
            co_return fail(invalidClient("client_assertion already used"));
        }
        co_return *client;
    }
    // A public client names itself; PKCE is what proves it (checked by the grant).
    auto client = findClient(formId.value_or(""));
    if (!client || !client->settings->isPublic())
        co_return fail(invalidClient("client authentication required"));
    co_return *client;
}

awaitable<HttpResponse> OidcEndpoint::token(const core::HttpRequest& request) {
    if (request.method != "POST")
        co_return oauthError(405, "invalid_request", "the token endpoint takes POST only");
    HttpResponse refusal;
    auto client = co_await authenticateClient(request, refusal);
    if (!client) co_return refusal;
    bool repeated = false;
    auto grantType = request.formParam("grant_type", &repeated).value_or("");
    if (repeated) co_return oauthError(400, "invalid_request", "grant_type given twice");
    if (grantType == "authorization_code") co_return co_await codeGrant(request, *client);
    if (grantType == "refresh_token") co_return co_await refreshGrant(request, *client);
    if (grantType == "client_credentials")
        co_return co_await clientCredentialsGrant(request, *client);
    if (grantType.empty()) co_return oauthError(400, "invalid_request", "grant_type missing");
    co_return oauthError(400, "unsupported_grant_type", "unsupported grant_type");
}

awaitable<HttpResponse> OidcEndpoint::codeGrant(const core::HttpRequest& request,
                                                const Client& client) {
    if (!client.settings->allows("authorization_code"))
        co_return oauthError(400, "unauthorized_client", "this client may not use codes");
    auto code = request.formParam("code").value_or("");
    if (code.empty() || code.size() > 128)
        co_return oauthError(400, "invalid_request", "code missing");
    const auto id = storageId(code);
    // Read first, taken last: another client's request must not spend the code (it is checked
    // before anything changes), and the grant is written before the code is taken, so that a
    // second use, even concurrent, always finds one or the other and revokes the grant.
    auto peeked = co_await store_.peekArtefact(codes, id);
    if (!peeked) co_return oauthError(503, "temporarily_unavailable", "try again later");
    if (!*peeked) {
        // Used before? Its grant exists: everything it issued is revoked (RFC 6749 §4.1.2).
        auto grant = co_await store_.peekArtefact(grants, id);
        if (grant && *grant) {
            co_await store_.deleteArtefact(grants, id);
            log.warning("code_reused", {{"client", client.settings->clientId}});
        }
        co_return oauthError(400, "invalid_grant", "the code is invalid, expired or used");
    }
    auto grant = grantFromJsonText(**peeked);
    if (!grant) co_return oauthError(400, "invalid_grant", "the code is invalid");
    if (grant->clientId != client.settings->clientId) {
        log.warning("code_of_another_client", {{"client", client.settings->clientId}});
        co_return oauthError(400, "invalid_grant", "the code was issued to another client");
    }
    // Its own client got it wrong: the code is spent (no second guess of the verifier).
    auto refuse = [&](std::string_view description) -> awaitable<HttpResponse> {
        co_await store_.deleteArtefact(codes, id);
        co_return oauthError(400, "invalid_grant", description);
    };
    if (request.formParam("redirect_uri").value_or("") != grant->redirectUri)
        co_return co_await refuse("redirect_uri differs from the request's");
    auto verifier = request.formParam("code_verifier");
    if (!grant->codeChallenge.empty()
            ? !verifier || !jose::pkceS256Matches(*verifier, grant->codeChallenge)
            : verifier.has_value()) {
        log.info("pkce_failed", {{"client", client.settings->clientId}});
        co_return co_await refuse("code_verifier does not match");
    }
    const auto nonce = grant->nonce;
    grant->redirectUri.clear();
    grant->codeChallenge.clear();
    // The grant lives as long as its refresh tokens may, bound to the SSO session.
    auto lifetime = client.settings->allows("refresh_token") ? config_.refreshTokenLifetime
                                                             : config_.accessTokenLifetime;
    auto stored = co_await store_.putSessionArtefact(
        grants, id, toJsonText(*grant), lifetime + config_.clockSkew, grant->ssoSessionId);
    if (!stored && stored.error() == core::Errc::not_found)
        co_return oauthError(400, "invalid_grant", "the session has ended");
    if (!stored) co_return oauthError(503, "temporarily_unavailable", "try again later");
    auto taken = co_await store_.takeArtefact(codes, id);
    if (!taken) co_return oauthError(503, "temporarily_unavailable", "try again later");
    if (!*taken) {  // a concurrent use took it first: reuse, the grant goes
        co_await store_.deleteArtefact(grants, id);
        log.warning("code_reused", {{"client", client.settings->clientId}});
        co_return oauthError(400, "invalid_grant", "the code is invalid, expired or used");
    }
    grant->nonce = nonce;
    co_return co_await issueTokens(*grant, id, client, true);
}

awaitable<HttpResponse> OidcEndpoint::issueTokens(const Grant& grant, const std::string& grantId,
                                                  const Client& client, bool withIdToken) {
    const auto now = clock_.nowSeconds();
    const auto lifetime = config_.accessTokenLifetime.count();
    const auto scope = joinScope(grant.scopes);
    std::string accessToken;
    if (client.settings->jwtAccessTokens) {
        // RFC 9068: typ at+jwt, client_id, scope; `gid` names the grant, checked live by UserInfo.
        auto key = config_.keys ? config_.keys->active(jose::Algorithm::rs256) : std::nullopt;
        if (!key) co_return oauthError(500, "server_error", "no signing key");
        boost::json::object claims{{"iss", config_.issuer},
                                   {"sub", grant.subject},
                                   {"aud", grant.clientId},
                                   {"client_id", grant.clientId},
                                   {"iat", now},
                                   {"exp", now + lifetime},
                                   {"jti", core::randomToken(16)},
                                   {"scope", joinScope(grant.scopes)},
                                   {"gid", grantId}};
        if (!grant.sid.empty()) claims["sid"] = grant.sid;
        if (grant.authTime) claims["auth_time"] = grant.authTime;
        auto signedToken = jose::sign(*key, jose::Algorithm::rs256, claims, "at+jwt");
        if (!signedToken) co_return oauthError(500, "server_error", "signing failed");
        accessToken = std::move(*signedToken);
    } else {
        // A plain SET: the token only names its grant, which every use reads live
        // (grantOfAccessToken) and which is the artefact bound to the session (logout and a
        // reused code delete it). Binding the token itself too would cost Redis a second
        // session-checking script per token response for nothing a client could notice.
        accessToken = core::randomToken(32);
        // "<grant id> <scope>": the token's own scope (a refresh may have narrowed it).
        auto stored =
            co_await store_.putArtefact(accessTokens, storageId(accessToken), grantId + ' ' + scope,
                                        config_.accessTokenLifetime);
        if (!stored) co_return oauthError(503, "temporarily_unavailable", "try again later");
    }
    boost::json::object body{{"access_token", accessToken},
                             {"token_type", "Bearer"},
                             {"expires_in", lifetime},
                             {"scope", scope}};
    if (withIdToken) {
        auto id = idToken(grant, client, accessToken);
        if (!id) co_return oauthError(500, "server_error", "signing failed");
        body["id_token"] = std::move(*id);
    }
    if (client.settings->allows("refresh_token") && !grant.ssoSessionId.empty()) {
        auto refreshToken = core::randomToken(32);
        auto stored =
            co_await store_.putSessionArtefact(refreshTokens, storageId(refreshToken), grantId,
                                               config_.refreshTokenLifetime, grant.ssoSessionId);
        if (!stored && stored.error() == core::Errc::not_found)
            co_return oauthError(400, "invalid_grant", "the session has ended");
        if (!stored) co_return oauthError(503, "temporarily_unavailable", "try again later");
        body["refresh_token"] = std::move(refreshToken);
    }
    log.info("tokens_issued", {{"client", grant.clientId}, {"scope", scope}});
    auto r = HttpResponse::text(200, boost::json::serialize(body), "application/json");
    r.authenticationPage = true;  // Cache-Control: no-store (RFC 6749 §5.1)
    r.header("Pragma", "no-cache");
    co_return r;
}

Result<std::string> OidcEndpoint::idToken(const Grant& grant, const Client& client,
                                          const std::string& accessToken) const {
    auto algorithm = client.settings->idTokenAlgorithm;
    auto key = config_.keys ? config_.keys->active(algorithm) : std::nullopt;
    if (!key) return make_error_code(core::Errc::internal);
    const auto now = clock_.nowSeconds();
    boost::json::object claims{{"iss", config_.issuer},
                               {"sub", grant.subject},
                               {"aud", grant.clientId},
                               {"azp", grant.clientId},
                               {"iat", now},
                               {"exp", now + config_.idTokenLifetime.count()},
                               {"auth_time", grant.authTime},
                               {"at_hash", jose::halfHash(algorithm, accessToken)}};
    if (!grant.nonce.empty()) claims["nonce"] = grant.nonce;
    if (!grant.sid.empty()) claims["sid"] = grant.sid;
    if (!grant.acr.empty()) claims["acr"] = grant.acr;
    if (!grant.amr.empty()) {
        boost::json::array amr;
        for (const auto& m : grant.amr) amr.emplace_back(m);
        claims["amr"] = std::move(amr);
    }
    return jose::sign(*key, algorithm, claims, "JWT");
}

}  // namespace sesame::oidc
