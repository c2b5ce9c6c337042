#include "protocols/oidc/oidc_endpoint.hpp"

#include <boost/json/serialize.hpp>
#include <set>

#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/text.hpp"

namespace sesame::oidc {
namespace {
using boost::asio::awaitable;
using core::HttpResponse;
const core::Logger log{"oidc"};

HttpResponse json(int status, const boost::json::value& body) {
    auto r = HttpResponse::text(status, boost::json::serialize(body), "application/json");
    return r;
}

// Discovery, JWKS, token, UserInfo are called from browsers by single-page apps (OIDC Discovery
// §4, RFC 6749 §3.2): any origin may read them; credentials never ride on cookies there.
HttpResponse& withCors(HttpResponse& r) {
    r.header("Access-Control-Allow-Origin", "*");
    return r;
}

boost::json::array strings(std::initializer_list<std::string_view> values) {
    boost::json::array out;
    for (auto v : values) out.emplace_back(v);
    return out;
}

}  // namespace

OidcEndpoint::OidcEndpoint(OidcConfig config, policies::ServiceLookup services,
                           policies::Ladder assurance, session::SessionStore& store,
                           core::Clock& clock, core::SesameMetrics* metrics)
    : config_(std::move(config)),
      services_(std::move(services)),
      assurance_(std::move(assurance)),
      store_(store),
      clock_(clock),
      metrics_(metrics) {}

std::vector<std::string> OidcEndpoint::routeNames() {
    return {"/.well-known/openid-configuration",
            "/jwks",
            "/authorize",
            "/token",
            "/userinfo",
            "/introspect",
            "/revoke",
            "/logout"};
}

awaitable<core::EndpointReply> OidcEndpoint::handle(const core::HttpRequest& request,
                                                    const std::optional<core::Session>& session) {
    auto path = std::string_view(request.path).substr(basePath().size());
    bool cors = path == "/.well-known/openid-configuration" || path == "/jwks" ||
                path == "/token" || path == "/userinfo";
    if (cors && request.method == "OPTIONS") {  // a CORS preflight
        auto r = HttpResponse::text(204, "");
        withCors(r)
            .header("Access-Control-Allow-Methods", "GET, POST")
            .header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            .header("Access-Control-Max-Age", "600");
        co_return r;
    }
    HttpResponse r;
    if (path == "/.well-known/openid-configuration")
        r = discovery();
    else if (path == "/jwks")
        r = jwks();
    else if (path == "/authorize")
        co_return co_await authorize(request, session);
    else if (path == "/token")
        r = co_await token(request);
    else if (path == "/userinfo")
        r = co_await userinfo(request);
    else if (path == "/introspect")
        r = co_await introspect(request);
    else if (path == "/revoke")
        r = co_await revoke(request);
    else if (path == "/logout")
        co_return endSession(request, session);
    else
        co_return core::UserFacingError{404, "error.not_found", {}};
    if (cors) withCors(r);
    co_return r;
}

std::optional<OidcEndpoint::Client> OidcEndpoint::findClient(const std::string& clientId) const {
    if (clientId.empty() || clientId.size() > 256) return std::nullopt;
    const auto* service = services_("oidc", clientId);
    if (!service) return std::nullopt;
    const auto* settings = service->settingsAs<OidcClientSettings>();
    if (!settings || settings->clientId != clientId) return std::nullopt;
    return Client{service, settings};
}

HttpResponse OidcEndpoint::oauthError(int status, std::string_view error,
                                      std::string_view description) {
    boost::json::object body{{"error", error}};
    if (!description.empty()) body["error_description"] = description;
    auto r = json(status, body);
    if (status == 401) r.header("WWW-Authenticate", "Basic realm=\"sesame\"");
    r.authenticationPage = true;  // Cache-Control: no-store (RFC 6749 §5.1)
    r.header("Pragma", "no-cache");
    return r;
}

HttpResponse OidcEndpoint::discovery() const {
    boost::json::object d;
    d["issuer"] = config_.issuer;
    d["authorization_endpoint"] = config_.endpoint("/authorize");
    d["token_endpoint"] = config_.endpoint("/token");
    d["userinfo_endpoint"] = config_.endpoint("/userinfo");
    d["jwks_uri"] = config_.endpoint("/jwks");
    d["introspection_endpoint"] = config_.endpoint("/introspect");
    d["revocation_endpoint"] = config_.endpoint("/revoke");
    d["end_session_endpoint"] = config_.endpoint("/logout");
    d["response_types_supported"] = strings({"code"});
    d["response_modes_supported"] = strings({"query", "form_post"});
    d["grant_types_supported"] =
        strings({"authorization_code", "refresh_token", "client_credentials"});
    d["subject_types_supported"] = strings({"public", "pairwise"});
    d["id_token_signing_alg_values_supported"] = strings({"RS256", "ES256"});
    auto methods = strings({"client_secret_basic", "client_secret_post", "private_key_jwt"});
    auto authMethods = methods;
    authMethods.emplace_back("none");
    d["token_endpoint_auth_methods_supported"] = authMethods;
    auto assertionAlgorithms =
        strings({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"});
    d["token_endpoint_auth_signing_alg_values_supported"] = assertionAlgorithms;
    d["introspection_endpoint_auth_methods_supported"] = methods;
    d["revocation_endpoint_auth_methods_supported"] = authMethods;
    d["code_challenge_methods_supported"] = strings({"S256"});
    boost::json::array scopes{"openid"};
    std::set<std::string> claims{"sub",   "iss", "aud", "exp", "iat",    "auth_time",
                                 "nonce", "acr", "amr", "sid", "at_hash"};
    for (const auto& [scope, names] : config_.scopes) {
        scopes.emplace_back(scope);
        claims.insert(names.begin(), names.end());
    }
    d["scopes_supported"] = scopes;
    boost::json::array claimList;
    for (const auto& c : claims) claimList.emplace_back(c);
    d["claims_supported"] = claimList;
    boost::json::array acr;
    for (const auto& level : assurance_.levels()) acr.emplace_back(level);
    d["acr_values_supported"] = acr;
    d["ui_locales_supported"] = strings({"fr", "en"});
    d["claims_parameter_supported"] = false;
    d["request_parameter_supported"] = false;
    d["request_uri_parameter_supported"] = false;
    d["authorization_response_iss_parameter_supported"] = true;
    d["backchannel_logout_supported"] = true;
    d["backchannel_logout_session_supported"] = true;
    d["frontchannel_logout_supported"] = true;
    d["frontchannel_logout_session_supported"] = true;
    return json(200, d);
}

HttpResponse OidcEndpoint::jwks() const {
    auto r = HttpResponse::text(200, config_.keys ? config_.keys->jwksJson() : "{\"keys\":[]}",
                                "application/jwk-set+json");
    // Clients cache the set; a token signed by a key they do not hold yet makes them fetch it
    // again (OIDC Core §10.1.1), so five minutes of caching delay nobody.
    r.header("Cache-Control", "public, max-age=300");
    return r;
}

std::vector<core::BackChannelMessage> OidcEndpoint::logoutMessages(
    const std::vector<core::ServiceVisit>& visits) {
    std::vector<core::BackChannelMessage> out;
    std::set<std::pair<std::string, std::string>> told;  // (client, sid): one token each
    for (const auto& v : visits) {
        if (v.protocol != protocol() || v.logoutUrl.empty()) continue;
        if (!told.insert({v.service, v.sessionIndex}).second) continue;
        auto client = findClient(v.service);
        if (!client || !client->service->singleLogout) continue;
        auto key =
            config_.keys ? config_.keys->active(client->settings->idTokenAlgorithm) : std::nullopt;
        if (!key) continue;
        auto now = clock_.nowSeconds();
        boost::json::object claims{
            {"iss", config_.issuer},
            {"aud", v.service},
            {"iat", now},
            {"exp", now + 120},
            {"jti", core::randomToken(16)},
            {"events", boost::json::object{{"http://schemas.openid.net/event/backchannel-logout",
                                            boost::json::object{}}}},
            {"sid", v.sessionIndex}};
        if (auto sub = core::findParameter(v.details, "sub")) claims["sub"] = *sub;
        auto token = jose::sign(*key, client->settings->idTokenAlgorithm, claims, "logout+jwt");
        if (!token) {
            log.error("logout_token_failed", {{"client", v.service}});
            continue;
        }
        out.push_back({v.logoutUrl, "application/x-www-form-urlencoded",
                       core::formatForm({{"logout_token", *token}}), "", v.service});
    }
    return out;
}

std::vector<core::FrontChannelMessage> OidcEndpoint::frontChannelLogout(
    const std::vector<core::ServiceVisit>& visits) {
    std::vector<core::FrontChannelMessage> out;
    std::set<std::pair<std::string, std::string>> told;
    for (const auto& v : visits) {
        if (v.protocol != protocol()) continue;
        auto client = findClient(v.service);
        if (!client || !client->service->singleLogout ||
            client->settings->frontchannelLogoutUri.empty())
            continue;
        if (!told.insert({v.service, v.sessionIndex}).second) continue;
        auto url =
            core::appendQuery(client->settings->frontchannelLogoutUri, "iss", config_.issuer);
        out.push_back({core::appendQuery(std::move(url), "sid", v.sessionIndex)});
    }
    return out;
}

}  // namespace sesame::oidc
