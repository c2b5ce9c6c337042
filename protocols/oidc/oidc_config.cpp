#include "protocols/oidc/oidc_config.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <sstream>

#include "gateway/core/log.hpp"
#include "gateway/core/secret_file.hpp"
#include "gateway/core/text.hpp"

namespace sesame::oidc {
namespace {
const core::Logger log{"oidc"};

// The claims each scope carries (OIDC Core §5.4, and the ENT's own); a claim is released only
// when the client's policy releases it too.
std::map<std::string, std::vector<std::string>> defaultScopes() {
    return {
        {"profile", {"name", "given_name", "family_name", "preferred_username", "locale"}},
        {"email", {"email", "email_verified"}},
        {"ent",
         {"ent_profile", "ent_profiles", "ent_uai", "ent_structures", "ent_functions",
          "ent_classes", "ent_children", "ent_habilitation"}},
        {"offline_access", {}},
    };
}

bool isUrl(const std::string& value) {
    return (value.starts_with("https://") || value.starts_with("http://")) &&
           value.find_first_of(" \t\r\n#") == std::string::npos && value.size() <= 2048;
}

std::vector<std::string> urls(const core::ConfigNode& node, core::ConfigErrors& errors) {
    auto values = node.asStringList(errors);
    for (const auto& v : values)
        if (!isUrl(v))
            errors.add(node, "'" + v + "' is not an absolute http(s) URL without fragment");
    return values;
}

std::string readFirstLine(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::optional<ClientAuthentication> methodFrom(const std::string& name) {
    if (name == "client_secret_basic") return ClientAuthentication::clientSecretBasic;
    if (name == "client_secret_post") return ClientAuthentication::clientSecretPost;
    if (name == "private_key_jwt") return ClientAuthentication::privateKeyJwt;
    if (name == "none") return ClientAuthentication::none;
    return std::nullopt;
}

void parseAuthentication(const core::ConfigNode& node, OidcClientSettings& c,
                         core::ConfigErrors& errors) {
    auto names = node["token_endpoint_auth_methods"].present()
                     ? node["token_endpoint_auth_methods"].asStringList(errors)
                     : std::vector<std::string>{"client_secret_basic"};
    for (const auto& name : names) {
        auto method = methodFrom(name);
        if (!method)
            errors.add(node["token_endpoint_auth_methods"],
                       "unknown method '" + name +
                           "' (expected client_secret_basic, client_secret_post, "
                           "private_key_jwt or none)");
        else
            c.authMethods.push_back(*method);
    }
    bool none = std::count(c.authMethods.begin(), c.authMethods.end(), ClientAuthentication::none);
    if (none && c.authMethods.size() > 1)
        errors.add(node["token_endpoint_auth_methods"],
                   "a public client (none) cannot also authenticate another way");
    c.clientSecret = node["client_secret"].asString(errors);
    if (node["client_secret_file"].present()) {
        auto path = node["client_secret_file"].asPath(errors);
        c.clientSecret = readFirstLine(path);
        if (c.clientSecret.empty())
            errors.add(node["client_secret_file"], path + ": empty or unreadable");
        else if (auto problem = core::secretModeProblem(path); !problem.empty())
            errors.add(node["client_secret_file"], problem);
    }
    bool usesSecret = std::any_of(c.authMethods.begin(), c.authMethods.end(), [](auto m) {
        return m == ClientAuthentication::clientSecretBasic ||
               m == ClientAuthentication::clientSecretPost;
    });
    if (usesSecret && c.clientSecret.size() < 8)
        errors.add(node["client_secret"],
                   "client_secret_basic/post need a client_secret (or client_secret_file) of at "
                   "least 8 characters");
    if (!usesSecret && !c.clientSecret.empty())
        errors.add(node["client_secret"], "a secret is given but no method uses it");
    bool keys =
        std::count(c.authMethods.begin(), c.authMethods.end(), ClientAuthentication::privateKeyJwt);
    if (node["jwks"].present()) {
        std::string json = node["jwks"].asString(errors);
        if (node["jwks"].isMap() || json.empty())
            errors.add(node["jwks"], "expected the client's JWK Set as a JSON string");
        else if (auto set = jose::Jwk::setFromJson(json); !set || set->empty())
            errors.add(node["jwks"], "not a JWK Set with an RSA or EC key");
        else
            c.jwks = std::move(*set);
    }
    if (node["jwks_file"].present()) {
        auto path = node["jwks_file"].asPath(errors);
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (auto set = jose::Jwk::setFromJson(text.str()); !set || set->empty())
            errors.add(node["jwks_file"], path + ": not a JWK Set with an RSA or EC key");
        else
            c.jwks = std::move(*set);
    }
    if (keys && c.jwks.empty())
        errors.add(node["token_endpoint_auth_methods"],
                   "private_key_jwt needs the client's public keys (jwks or jwks_file)");
}

void parseGrants(const core::ConfigNode& node, OidcClientSettings& c, core::ConfigErrors& errors) {
    c.grantTypes = node["grant_types"].present() ? node["grant_types"].asStringList(errors)
                                                 : std::vector<std::string>{"authorization_code"};
    for (const auto& g : c.grantTypes)
        if (g != "authorization_code" && g != "refresh_token" && g != "client_credentials")
            errors.add(node["grant_types"],
                       "unknown grant type '" + g +
                           "' (expected authorization_code, refresh_token or client_credentials)");
    if (c.isPublic() && c.allows("client_credentials"))
        errors.add(node["grant_types"], "a public client cannot use client_credentials");
    c.scopes = node["scopes"].present() ? node["scopes"].asStringList(errors)
                                        : std::vector<std::string>{"openid", "profile", "email"};
    c.redirectUris = urls(node["redirect_uris"], errors);
    if (c.allows("authorization_code") && c.redirectUris.empty())
        errors.add(node["redirect_uris"], "the authorization code grant needs redirect_uris");
    c.postLogoutRedirectUris = urls(node["post_logout_redirect_uris"], errors);
    if (node["backchannel_logout_uri"].present()) {
        auto v = urls(node["backchannel_logout_uri"], errors);
        if (v.size() == 1) c.backchannelLogoutUri = v[0];
    }
    if (node["frontchannel_logout_uri"].present()) {
        auto v = urls(node["frontchannel_logout_uri"], errors);
        if (v.size() == 1) c.frontchannelLogoutUri = v[0];
    }
}

void parseTokens(const core::ConfigNode& node, OidcClientSettings& c, core::ConfigErrors& errors) {
    auto subject = node["subject_type"].asString(errors, "public");
    if (subject != "public" && subject != "pairwise")
        errors.add(node["subject_type"], "expected public or pairwise");
    c.pairwiseSubject = subject == "pairwise";
    auto format = node["access_token_format"].asString(errors, "jwt");
    if (format != "jwt" && format != "opaque")
        errors.add(node["access_token_format"], "expected jwt or opaque");
    c.jwtAccessTokens = format == "jwt";
    auto alg = node["id_token_signed_response_alg"].asString(errors, "RS256");
    if (alg == "RS256")
        c.idTokenAlgorithm = jose::Algorithm::rs256;
    else if (alg == "ES256")
        c.idTokenAlgorithm = jose::Algorithm::es256;
    else
        errors.add(node["id_token_signed_response_alg"], "expected RS256 or ES256");
}

}  // namespace

SigningKeys::SigningKeys(std::filesystem::path directory, jose::KeyRingPolicy policy,
                         jose::KeyRing ring)
    : directory_(std::move(directory)),
      policy_(std::move(policy)),
      ring_(std::make_shared<const jose::KeyRing>(std::move(ring))) {}

std::shared_ptr<const jose::KeyRing> SigningKeys::current() const {
    std::lock_guard lock(mutex_);
    return ring_;
}

std::optional<jose::Jwk> SigningKeys::active(jose::Algorithm algorithm) const {
    const auto* key = current()->active(algorithm);
    return key ? std::optional(*key) : std::nullopt;
}

std::vector<jose::Jwk> SigningKeys::published() const {
    return current()->published();
}

std::string SigningKeys::jwksJson() const {
    return current()->jwksJson();
}

Result<void> SigningKeys::refresh(std::chrono::system_clock::time_point now) {
    auto ring = jose::KeyRing::load(directory_, policy_, now);
    if (!ring) return ring.error();
    auto fresh = std::make_shared<const jose::KeyRing>(std::move(*ring));
    std::lock_guard lock(mutex_);
    ring_ = std::move(fresh);
    return {};
}

boost::asio::awaitable<void> keepKeysCurrent(std::function<std::shared_ptr<SigningKeys>()> current,
                                             std::chrono::seconds every) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(every);
        co_await timer.async_wait(boost::asio::use_awaitable);
        // An exception (memory) must not end the loop for the life of the process.
        try {
            if (auto keys = current()) {
                auto refreshed = keys->refresh(std::chrono::system_clock::now());
                if (!refreshed)
                    log.error("oidc_keys_refresh_failed", {{"error", refreshed.error().message()}});
            }
        } catch (const std::exception& e) {
            log.error("oidc_keys_refresh_failed", {{"error", e.what()}});
        }
    }
}

std::string_view clientAuthenticationName(ClientAuthentication method) {
    switch (method) {
        case ClientAuthentication::clientSecretBasic:
            return "client_secret_basic";
        case ClientAuthentication::clientSecretPost:
            return "client_secret_post";
        case ClientAuthentication::privateKeyJwt:
            return "private_key_jwt";
        case ClientAuthentication::none:
            return "none";
    }
    return "none";
}

bool OidcClientSettings::allows(std::string_view grantType) const {
    return std::find(grantTypes.begin(), grantTypes.end(), grantType) != grantTypes.end();
}
bool OidcClientSettings::allowsScope(std::string_view scope) const {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}
bool OidcClientSettings::hasRedirectUri(std::string_view uri) const {
    return std::find(redirectUris.begin(), redirectUris.end(), uri) != redirectUris.end();
}
bool OidcClientSettings::hasPostLogoutRedirectUri(std::string_view uri) const {
    return std::find(postLogoutRedirectUris.begin(), postLogoutRedirectUris.end(), uri) !=
           postLogoutRedirectUris.end();
}

OidcConfig OidcConfig::parse(const core::ConfigNode& section, std::string publicUrl,
                             core::ConfigErrors& errors) {
    using std::chrono::seconds;
    OidcConfig c;
    c.publicUrl = std::move(publicUrl);
    c.issuer = c.publicUrl + "/oidc";
    c.scopes = defaultScopes();
    if (section.present() && !section.isMap()) {
        errors.add(section, "expected a map of OpenID Connect provider settings");
        return c;
    }
    section.checkKeys(
        errors, {"keys", "key_rotation", "subject_secret", "code_lifetime", "id_token_lifetime",
                 "access_token_lifetime", "refresh_token_lifetime", "clock_skew", "scopes"});
    c.codeLifetime =
        section["code_lifetime"].asDuration(errors, c.codeLifetime, seconds(10), seconds(600));
    c.idTokenLifetime = section["id_token_lifetime"].asDuration(errors, c.idTokenLifetime,
                                                                seconds(60), seconds(86400));
    c.accessTokenLifetime = section["access_token_lifetime"].asDuration(
        errors, c.accessTokenLifetime, seconds(60), seconds(86400));
    c.refreshTokenLifetime = section["refresh_token_lifetime"].asDuration(
        errors, c.refreshTokenLifetime, seconds(60), seconds(90 * 86400));
    c.clockSkew = section["clock_skew"].asDuration(errors, c.clockSkew, seconds(0), seconds(600));
    for (const auto& [scope, claims] : section["scopes"].entries())
        c.scopes[scope] = claims.asStringList(errors);

    // Keys live next to the configuration by default (etc/oidc/), never in the repository.
    jose::KeyRingPolicy policy;
    policy.rotateAfter = section["key_rotation"].asDuration(
        errors, policy.rotateAfter, seconds(3600), seconds(5 * 365 * 86400));
    // A retired key verifies every token it signed until the longest of them has expired.
    policy.keepPublished =
        std::max({c.idTokenLifetime, c.accessTokenLifetime}) + c.clockSkew + seconds(60);
    auto directory = section["keys"].asPath(errors, "oidc/keys");
    auto ring = jose::KeyRing::load(directory, policy, std::chrono::system_clock::now());
    if (!ring)
        errors.add(section["keys"], directory + ": " + ring.error().message());
    else
        c.keys = std::make_shared<SigningKeys>(directory, policy, std::move(*ring));
    std::string problem;
    auto secretPath = section["subject_secret"].asPath(errors, "oidc/subject.secret");
    c.subjectSecret = core::loadOrCreateSecret(secretPath, problem);
    if (!problem.empty()) errors.add(section["subject_secret"], secretPath + ": " + problem);
    if (auto mode = core::secretModeProblem(secretPath); !mode.empty())
        errors.add(section["subject_secret"], mode);
    return c;
}

policies::ProtocolSchema oidcServiceSchema() {
    policies::ProtocolSchema schema;
    schema.protocol = "oidc";
    schema.identifierKey = "client_id";
    schema.keys = {"client_id",
                   "client_secret",
                   "client_secret_file",
                   "token_endpoint_auth_methods",
                   "jwks",
                   "jwks_file",
                   "redirect_uris",
                   "post_logout_redirect_uris",
                   "backchannel_logout_uri",
                   "frontchannel_logout_uri",
                   "scopes",
                   "grant_types",
                   "subject_type",
                   "access_token_format",
                   "id_token_signed_response_alg"};
    schema.parse = [](const core::ConfigNode& node, core::ConfigErrors& errors) {
        auto c = std::make_shared<OidcClientSettings>();
        c->clientId = node["client_id"].asString(errors);
        parseAuthentication(node, *c, errors);
        parseGrants(node, *c, errors);
        parseTokens(node, *c, errors);
        return std::shared_ptr<const policies::ProtocolSettings>(std::move(c));
    };
    return schema;
}

}  // namespace sesame::oidc
