#pragma once
// The `oidc:` section of etc/sesame.yml (the provider's keys, lifetimes and scopes) and the OIDC
// keys of a client in the service registry, each parsed once into an immutable value.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/jose/jose.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"

namespace sesame::oidc {

// The signing keys in use: the key ring of the `keys` directory, read again (and rotated, as
// jose::KeyRing::load does) by `serve`'s background task every hour, so that a process running
// for months rotates its keys and retires the old ones without a reload. Readers take copies
// (Jwk is a shared handle): a swap never frees a key under a request.
class SigningKeys {
  public:
    SigningKeys(std::filesystem::path directory, jose::KeyRingPolicy policy, jose::KeyRing ring);
    std::optional<jose::Jwk> active(jose::Algorithm algorithm) const;
    std::vector<jose::Jwk> published() const;
    std::string jwksJson() const;
    // Loads the directory again at `now`; the ring in use is kept when that fails.
    Result<void> refresh(std::chrono::system_clock::time_point now);

  private:
    std::shared_ptr<const jose::KeyRing> current() const;
    std::filesystem::path directory_;
    jose::KeyRingPolicy policy_;
    mutable std::mutex mutex_;
    std::shared_ptr<const jose::KeyRing> ring_;
};

struct OidcConfig {
    std::string publicUrl;  // server.public_url
    std::string issuer;     // publicUrl + "/oidc"
    // RS256 and ES256 keys, generated at first start in `keys` (etc/oidc/keys/), rotated after
    // key_rotation; the retired ones stay in the JWKS until every token they signed has expired.
    std::shared_ptr<SigningKeys> keys;
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

// `serve`'s background task: every `every`, the signing keys of the picture in use are read
// again (a due rotation happens then; retired keys leave the JWKS when their time is over).
boost::asio::awaitable<void> keepKeysCurrent(std::function<std::shared_ptr<SigningKeys>()> current,
                                             std::chrono::seconds every = std::chrono::hours(1));

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
// Refresh tokens used once (value: their grant id): a second use revokes the grant.
inline constexpr session::ArtefactKind spentRefreshTokens{"oidc-rt-spent"};

}  // namespace sesame::oidc
