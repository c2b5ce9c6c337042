#include "test/support/openidc_service.hpp"

#include <openssl/rand.h>

#include "test/support/apache_httpd.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/http_client.hpp"
#include "test/support/saml_sp_apache.hpp"

namespace sesame::testing {
namespace {

std::string randomHex(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw HarnessError("RAND_bytes failed");
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : raw) {
        hex += digits[b >> 4];
        hex += digits[b & 15];
    }
    return hex;
}

std::string inQuotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string firstValue(const std::map<std::string, std::vector<std::string>>& claims,
                       std::string_view name) {
    auto found = claims.find(std::string(name));
    return found == claims.end() || found->second.empty() ? "" : found->second.front();
}

}  // namespace

OpenidcService::OpenidcService(OpenidcOptions options)
    : options_(std::move(options)), dir_("sesame-openidc"), passphrase_(randomHex(32)) {
    requireApache(apacheBinary(options_.binary),
                  {{"mod_auth_openidc.so", "libapache2-mod-auth-openidc"}});
    requirePhpModule();
    prepareSp(
        dir_.path(), !options_.providerMetadataUrl.empty(), port_, [&] { render(); },
        [&] { launch(); });
}

OpenidcService::~OpenidcService() {
    stop();
}

void OpenidcService::setProvider(const std::string& metadataUrl,
                                 const std::filesystem::path& caFile) {
    options_.providerMetadataUrl = metadataUrl;
    options_.caFile = caFile;
}

void OpenidcService::render() {
    const auto root = dir_.path();
    const bool isPublic = options_.clientSecret.empty();
    // libcurl reads the CA file in Apache's children (www-data when started as root), which
    // cannot enter the test's own temporary directories: a readable copy in the server root.
    const auto caCopy = root / "provider-ca.pem";
    if (!options_.caFile.empty()) {
        writeFile(caCopy, readFile(options_.caFile));
        std::filesystem::permissions(caCopy, std::filesystem::perms(0644));
    }
    std::string oidc =
        "OIDCRedirectURI " + inQuotes(redirectUri()) + "\nOIDCCryptoPassphrase " +
        inQuotes(passphrase_) + "\nOIDCClientID " + inQuotes(options_.clientId) + "\n" +
        (isPublic ? "OIDCProviderTokenEndpointAuth none\n"
                  : "OIDCClientSecret " + inQuotes(options_.clientSecret) +
                        "\nOIDCProviderTokenEndpointAuth " + options_.tokenEndpointAuth + "\n") +
        "OIDCScope " + inQuotes(options_.scope) + "\nOIDCResponseType code\nOIDCResponseMode " +
        options_.responseMode + "\n" + (options_.pkce ? "OIDCPKCEMethod S256\n" : "") +
        (options_.authRequestParams.empty()
             ? ""
             : "OIDCAuthRequestParams " + inQuotes(options_.authRequestParams) + "\n") +
        // Certificate validation stays on: the provider's certificate is checked against the
        // test's CA (libcurl's CA bundle for every call: discovery, JWKS, token, UserInfo).
        "OIDCSSLValidateServer On\n" +
        (options_.caFile.empty() ? "" : "OIDCCABundlePath " + inQuotes(caCopy.string()) + "\n") +
        // Sessions and the provider's metadata in shared memory: nothing outlives Apache.
        "OIDCCacheType shm\nOIDCSessionType server-cache\n"
        // The page reads the ID token and the UserInfo response whole, as JSON.
        "OIDCPassClaimsAs environment\nOIDCPassIDTokenAs claims payload\n"
        "OIDCPassUserInfoAs claims json\n"
        // Where mod_auth_openidc may send the browser after its own logout (this server only).
        "OIDCRedirectURLsAllowed ^http://127\\.0\\.0\\.1:" +
        std::to_string(port_) + "/\n" + "OIDCDefaultLoggedOutURL " + inQuotes(loggedOutUrl()) +
        "\n";
    if (!options_.providerMetadataUrl.empty())
        oidc = "OIDCProviderMetadataURL " + inQuotes(options_.providerMetadataUrl) + "\n" + oidc;
    oidc += "\nAlias /logged-out " + inQuotes((root / "ping.txt").string()) +
            "\n<Location \"/logged-out\">\n    Require all granted\n</Location>\n";

    ApacheSpConfig config;
    config.serverRoot = root;
    config.port = port_;
    config.debug = options_.debug;
    config.modules = {{"auth_openidc_module", "mod_auth_openidc.so"}};
    config.global = oidc;
    config.rootLocation = "";
    config.protectedPath = "/oidc-app/";
    config.pageSource = sourceDir() / "etc" / "demo" / "apache" / "oidc-app" / "index.php";
    config.secureLocation = "AuthType openid-connect\n    Require valid-user\n";
    config.pageEnv = {{"SESAME_SERVICE_NAME", "Service OpenID Connect (mod_auth_openidc)"},
                      {"SESAME_RP_REDIRECT_URI", redirectUri()},
                      {"SESAME_RP_LOGGED_OUT_URL", loggedOutUrl()}};
    writeApacheSpConfig(config);
}

void OpenidcService::launch() {
    if (options_.providerMetadataUrl.empty())
        throw HarnessError("OpenidcService: no provider discovery URL (setProvider)");
    process_ = launchApache({apacheBinary(options_.binary),
                             dir_.path(),
                             dir_ / "httpd.conf",
                             baseUrl() + "/ping",
                             {},
                             options_.startTimeout});
}

void OpenidcService::stop() {
    if (process_) process_->stop();
}

void OpenidcService::start() {
    if (running()) return;
    render();
    launch();
}

void OpenidcService::restart() {
    stop();
    start();
}

bool OpenidcService::running() {
    return process_ && process_->running();
}

std::string OpenidcService::logoutUrl(const std::string& returnTo) const {
    return redirectUri() + "?logout=" + percentEncode(returnTo);
}

std::string OpenidcService::errorLogTail(std::size_t lines) const {
    return fileTail(dir_ / "logs" / "error.log", lines);
}

std::string OpenidcPage::idTokenClaim(std::string_view name) const {
    return firstValue(idToken, name);
}

std::string OpenidcPage::userinfoClaim(std::string_view name) const {
    return firstValue(userinfo, name);
}

OpenidcPage readOpenidcPage(const std::string& html) {
    OpenidcPage page;
    for (auto& [name, value] : tableRows(html, "id-token"))
        page.idToken[name].push_back(std::move(value));
    for (auto& [name, value] : tableRows(html, "userinfo"))
        page.userinfo[name].push_back(std::move(value));
    page.remoteUser = elementText(html, "<strong id=\"remote-user\">", "</strong>");
    return page;
}

}  // namespace sesame::testing
