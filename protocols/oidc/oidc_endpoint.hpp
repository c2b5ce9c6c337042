#pragma once
// The OpenID Connect provider (base path /oidc), as a core::Endpoint: no transport of its own;
// codes, grants and tokens live in the SessionStore (grant.hpp), back-channel logout tokens are
// handed back to the app.
//
//   /.well-known/openid-configuration   discovery (issuer <public_url>/oidc)
//   /jwks                               the signing keys' public parts (RS256, ES256)
//   /authorize                          code flow -> NeedsAuthentication, then resume() answers
//                                       the redirect_uri with a code (query or form_post)
//   /token                              authorization_code, refresh_token, client_credentials
//   /userinfo                           the granted claims (GET or POST, bearer)
//   /introspect, /revoke                RFC 7662, RFC 7009
//   /logout                             RP-initiated logout (end_session_endpoint)
#include <functional>
#include <optional>
#include <string>

#include "gateway/core/clock.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"
#include "protocols/oidc/client_throttle.hpp"
#include "protocols/oidc/grant.hpp"
#include "protocols/oidc/oidc_config.hpp"

namespace sesame::oidc {

class OidcEndpoint final : public core::Endpoint {
  public:
    OidcEndpoint(OidcConfig config, policies::ServiceLookup services, policies::Ladder assurance,
                 session::SessionStore& store, core::Clock& clock,
                 core::SesameMetrics* metrics = nullptr);

    std::string_view protocol() const override { return "oidc"; }
    std::string_view basePath() const override { return "/oidc"; }
    static std::vector<std::string> routeNames();

    boost::asio::awaitable<core::EndpointReply> handle(
        const core::HttpRequest& request, const std::optional<core::Session>& session) override;
    boost::asio::awaitable<Result<core::HttpResponse>> resume(const core::FlowState& flow,
                                                              const core::Session& session,
                                                              const core::Release& release,
                                                              bool freshLogin) override;
    // prompt=none without a session (or needing a login): error=login_required to the client.
    core::HttpResponse resumeUnauthenticated(const core::FlowState& flow) override;
    // Refused by policy: error=access_denied to the client, offered by the refusal page.
    std::optional<core::FormPost> refusal(const core::FlowState& flow) override;
    std::vector<core::BackChannelMessage> logoutMessages(
        const std::vector<core::ServiceVisit>& visits) override;
    std::vector<core::FrontChannelMessage> frontChannelLogout(
        const std::vector<core::ServiceVisit>& visits) override;

    const OidcConfig& config() const { return config_; }

    struct Client {  // a registered client
        const policies::Service* service = nullptr;
        const OidcClientSettings* settings = nullptr;
    };
    // An OAuth error answer from the token, introspection or revocation endpoint (RFC 6749
    // §5.2): JSON, no-store, 401 with WWW-Authenticate for a failed client authentication.
    static core::HttpResponse oauthError(int status, std::string_view error,
                                         std::string_view description);

  private:
    std::optional<Client> findClient(const std::string& clientId) const;
    core::HttpResponse discovery() const;
    core::HttpResponse jwks() const;

    // authorization.cpp
    boost::asio::awaitable<core::EndpointReply> authorize(
        const core::HttpRequest& request, const std::optional<core::Session>& session);
    core::HttpResponse answerClient(const core::FlowState& flow, core::Parameters fields,
                                    std::string_view language) const;

    // token.cpp
    boost::asio::awaitable<core::HttpResponse> token(const core::HttpRequest& request);
    boost::asio::awaitable<Result<Client>> authenticateClient(const core::HttpRequest& request,
                                                              core::HttpResponse& refusal);
    boost::asio::awaitable<core::HttpResponse> codeGrant(const core::HttpRequest& request,
                                                         const Client& client);
    // token_grants.cpp: refresh_token (rotation, a reused token revokes its grant) and
    // client_credentials (a token for the client itself)
    boost::asio::awaitable<core::HttpResponse> refreshGrant(const core::HttpRequest& request,
                                                            const Client& client);
    boost::asio::awaitable<core::HttpResponse> clientCredentialsGrant(
        const core::HttpRequest& request, const Client& client);
    // The token response of a grant just stored under `grantId` (access token, ID token when
    // `withIdToken`, a new refresh token when the client may refresh).
    boost::asio::awaitable<core::HttpResponse> issueTokens(const Grant& grant,
                                                           const std::string& grantId,
                                                           const Client& client, bool withIdToken);
    Result<std::string> idToken(const Grant& grant, const Client& client,
                                const std::string& accessToken) const;

    // token_admin.cpp: introspection (RFC 7662) and revocation (RFC 7009)
    struct LiveToken {
        enum class Kind { access, refresh } kind = Kind::access;
        Grant grant;
        std::string grantId;
        boost::json::object claims;  // a JWT access token's own claims (exp, iat, its scope)
    };
    // The live access or refresh token `token` is, tried in the order `hint` suggests; nullopt
    // for anything else. `unavailable` set when the store could not be asked.
    boost::asio::awaitable<std::optional<LiveToken>> liveToken(const std::string& token,
                                                               std::string_view hint,
                                                               bool& unavailable);
    // What introspection and revocation both start with: POST, the client's authentication
    // (confidential only when `confidentialOnly`), the `token` parameter and the live token it
    // is, if any. An error sets `refusal`.
    struct TokenRequest {
        Client client;
        std::string token;
        std::optional<LiveToken> live;
    };
    boost::asio::awaitable<Result<TokenRequest>> tokenRequest(const core::HttpRequest& request,
                                                              bool confidentialOnly,
                                                              core::HttpResponse& refusal);
    boost::asio::awaitable<core::HttpResponse> introspect(const core::HttpRequest& request);
    boost::asio::awaitable<core::HttpResponse> revoke(const core::HttpRequest& request);

    // logout.cpp: RP-initiated logout
    core::EndpointReply endSession(const core::HttpRequest& request,
                                   const std::optional<core::Session>& session) const;

    // userinfo.cpp
    struct BearerGrant {
        Grant grant;
        std::string grantId;
        std::int64_t expiresAt = 0;
    };
    // The live grant an access token names (JWT: checked signature, issuer, type and expiry;
    // opaque: oidc-at), or nullopt; `unavailable` set when the store could not be asked.
    boost::asio::awaitable<std::optional<BearerGrant>> grantOfAccessToken(const std::string& token,
                                                                          bool& unavailable);
    boost::asio::awaitable<core::HttpResponse> userinfo(const core::HttpRequest& request);

    OidcConfig config_;
    policies::ServiceLookup services_;
    policies::Ladder assurance_;
    session::SessionStore& store_;
    core::Clock& clock_;
    core::SesameMetrics* metrics_;
    mutable ClientThrottle clientThrottle_;  // failed client authentications, per address
};

}  // namespace sesame::oidc
