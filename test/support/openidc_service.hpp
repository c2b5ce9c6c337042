#pragma once
// A real OpenID Connect relying party for the interop tests of Sesame's provider: Apache httpd +
// mod_auth_openidc 2.4.12 (Debian libapache2-mod-auth-openidc) on a free loopback port (http), in
// its own temporary directory, stopped by PID. It reads the provider from its discovery document
// (OIDCProviderMetadataURL, fetched at the first request that needs it), trusts the provider's
// TLS certificate through a CA file only (OIDCCABundlePath; certificate validation stays on),
// uses the code flow with PKCE S256 and keeps its sessions in shared memory. /oidc-app/ is
// protected by a page (etc/demo/apache/oidc-app/index.php under mod_php, the demo's page too)
// that shows the claims of the ID token and of the UserInfo response; readOpenidcPage() reads it
// back. Its redirect URI, /oidc-app/redirect_uri, also takes back-channel logout tokens
// (?logout=backchannel).
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::testing {

struct OpenidcOptions {
    // The provider's discovery document (".../.well-known/openid-configuration"). Empty: the
    // service is prepared (port, configuration) but not started; see setProvider().
    std::string providerMetadataUrl;
    // The CA that signed the provider's certificate (OIDCCABundlePath): the test's own CA.
    std::filesystem::path caFile;
    std::string clientId = "demo-rp";
    // Empty: a public client (OIDCProviderTokenEndpointAuth none; PKCE alone protects the code).
    std::string clientSecret = "demo-secret";
    // client_secret_basic or client_secret_post (ignored for a public client).
    std::string tokenEndpointAuth = "client_secret_basic";
    std::string scope = "openid profile email ent";
    std::string responseMode = "query";  // OIDCResponseMode: query or form_post
    bool pkce = true;                    // OIDCPKCEMethod S256
    // Extra parameters of every authorization request ("prompt=login", "max_age=0").
    std::string authRequestParams;
    bool debug = false;  // LogLevel debug (mod_auth_openidc logs every step of its flow)
    std::string binary;  // empty: $SESAME_APACHE2 or /usr/sbin/apache2
    std::chrono::milliseconds startTimeout = std::chrono::seconds(15);
};

class OpenidcService {
  public:
    explicit OpenidcService(OpenidcOptions options);  // started when providerMetadataUrl is set
    ~OpenidcService();
    OpenidcService(const OpenidcService&) = delete;
    OpenidcService& operator=(const OpenidcService&) = delete;

    // For the next start(): the provider's discovery URL and the CA file to trust it with.
    void setProvider(const std::string& metadataUrl, const std::filesystem::path& caFile);
    void stop();
    void start();  // same port; the configuration written again
    void restart();
    bool running();

    int port() const { return port_; }
    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string protectedUrl() const { return baseUrl() + "/oidc-app/"; }  // the claims page
    // The redirect URI to register with the provider (mod_auth_openidc's own vanity URL).
    std::string redirectUri() const { return baseUrl() + "/oidc-app/redirect_uri"; }
    // backchannel_logout_uri to register: the provider POSTs logout_token= there.
    std::string backchannelLogoutUri() const { return redirectUri() + "?logout=backchannel"; }
    // Where the provider sends the browser after RP-initiated logout (post_logout_redirect_uri
    // to register): a plain page outside the protected path.
    std::string loggedOutUrl() const { return baseUrl() + "/logged-out"; }
    // RP-initiated logout: mod_auth_openidc ends its session and sends the browser to the
    // provider's end_session_endpoint with id_token_hint and post_logout_redirect_uri=returnTo.
    std::string logoutUrl(const std::string& returnTo) const;

    const std::filesystem::path& serverRoot() const { return dir_.path(); }
    std::string errorLogTail(std::size_t lines = 40) const;

  private:
    void render();
    void launch();

    OpenidcOptions options_;
    TempDir dir_;
    int port_ = 0;
    std::string passphrase_;  // OIDCCryptoPassphrase: random per service
    std::unique_ptr<Process> process_;
};

// The protected page of OpenidcService, read back.
struct OpenidcPage {
    std::string remoteUser;  // REMOTE_USER: mod_auth_openidc's "sub@issuer-host" by default
    // Claims by name, values in the order received (an array claim gives several values, any
    // other non-string value its JSON text).
    std::map<std::string, std::vector<std::string>> idToken;
    std::map<std::string, std::vector<std::string>> userinfo;

    // The first value of a claim, "" when absent.
    std::string idTokenClaim(std::string_view name) const;
    std::string userinfoClaim(std::string_view name) const;
};
// Throws HarnessError when `html` is not that page (the provider's page, an error page).
OpenidcPage readOpenidcPage(const std::string& html);

}  // namespace sesame::testing
