#pragma once
// The `oidc:` section of etc/sesame.yml (the provider's keys, lifetimes and scopes) and the OIDC
// keys of a client in the service registry, each parsed once into an immutable value.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/jose/jose.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"

namespace sesame::oidc {

struct OidcConfig {
    std::string publicUrl;  // server.public_url
    std::string issuer;     // publicUrl + "/oidc"
    // RS256 and ES256 keys, generated at first start in `keys` (etc/oidc/keys/), rotated after
    // key_rotation; the retired ones stay in the JWKS until every token they signed has expired.
    std::shared_ptr<const jose::KeyRing> keys;
    // Pairwise subjects and `sid` values are keyed hashes: 32 random bytes made at first start.
    std::string subjectSecret;
    std::chrono::seconds codeLifetime{60};
    std::chrono::seconds idTokenLifetime{std::chrono::minutes(10)};
    std::chrono::seconds accessTokenLifetime{std::chrono::minutes(10)};
    // A refresh token lives at most this long and never longer than the SSO session it is bound
    // to (logout ends it).
    std::chrono::seconds refreshTokenLifetime{std::chrono::hours(10)};
    std::chrono::seconds clockSkew{60};
    // scope -> the claims it carries (besides `openid`): the standard ones and the ENT's.
    std::map<std::string, std::vector<std::string>> scopes;

    std::string endpoint(std::string_view path) const { return issuer + std::string(path); }

    static OidcConfig parse(const core::ConfigNode& section, std::string publicUrl,
                            core::ConfigErrors& errors);
};

enum class ClientAuthentication { clientSecretBasic, clientSecretPost, privateKeyJwt, none };
std::string_view clientAuthenticationName(ClientAuthentication method);

// The OIDC keys of a service (etc/services/*.yml, protocol: oidc): one client.
struct OidcClientSettings final : policies::ProtocolSettings {
    std::string clientId;
    std::string clientSecret;  // confidential clients with client_secret_*; empty otherwise
    std::vector<ClientAuthentication> authMethods;
    std::vector<jose::Jwk> jwks;            // private_key_jwt: the client's public keys
    std::vector<std::string> redirectUris;  // matched exactly
    std::vector<std::string> postLogoutRedirectUris;
    std::string backchannelLogoutUri;
    std::string frontchannelLogoutUri;
    std::vector<std::string> scopes;      // the scopes it may be granted
    std::vector<std::string> grantTypes;  // authorization_code, refresh_token, client_credentials
    bool pairwiseSubject = false;
    bool jwtAccessTokens = true;  // RFC 9068 JWT, or opaque
    jose::Algorithm idTokenAlgorithm = jose::Algorithm::rs256;

    bool isPublic() const {
        return authMethods.size() == 1 && authMethods[0] == ClientAuthentication::none;
    }
    bool allows(std::string_view grantType) const;
    bool allowsScope(std::string_view scope) const;
    bool hasRedirectUri(std::string_view uri) const;
    bool hasPostLogoutRedirectUri(std::string_view uri) const;
};
policies::ProtocolSchema oidcServiceSchema();

// The OIDC artefacts in the session store (docs/operations.md, "Redis keys").
inline constexpr session::ArtefactKind codes{"oidc-code"};            // authorization codes
inline constexpr session::ArtefactKind grants{"oidc-grant"};          // what a code granted
inline constexpr session::ArtefactKind refreshTokens{"oidc-rt"};      // refresh tokens
inline constexpr session::ArtefactKind accessTokens{"oidc-at"};       // opaque access tokens
inline constexpr session::ArtefactKind clientAssertions{"oidc-jti"};  // jti seen, against replay

}  // namespace sesame::oidc
