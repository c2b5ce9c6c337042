#include "test/support/apache_httpd.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/saml_sp_apache.hpp"

namespace sesame::testing {
namespace {

// The IdP metadata without its HTTP-Redirect SingleSignOnService elements (postAuthnRequests):
// Lasso then finds only HTTP-POST and Mellon posts its AuthnRequest.
std::string withoutRedirectSso(std::string metadata) {
    for (std::size_t at = 0;
         (at = metadata.find("SingleSignOnService", at)) != std::string::npos;) {
        const auto open = metadata.rfind('<', at);
        const auto close = metadata.find('>', at);
        if (open == std::string::npos || close == std::string::npos) break;
        const std::string element = metadata.substr(open, close + 1 - open);
        if (element[1] != '/' && element.find(saml::redirectBinding) != std::string::npos &&
            element[element.size() - 2] == '/') {
            metadata.erase(open, close + 1 - open);
            at = open;
        } else {
            at = close;
        }
    }
    return metadata;
}

}  // namespace

MellonService::MellonService(MellonOptions options)
    : options_(std::move(options)), dir_("sesame-mellon") {
    requireApache(apacheBinary(options_.binary),
                  {{"mod_auth_mellon.so", "libapache2-mod-auth-mellon"}});
    requirePhpModule();
    certificate_ = makeSpCertificate(dir_.path());
    metadataFile_ = dir_ / "sp-metadata.xml";
    prepareSp(
        dir_.path(), !options_.idpMetadataFile.empty(), port_, [&] { render(); },
        [&] { launch(); });
}

MellonService::~MellonService() {
    stop();
}

void MellonService::setIdpMetadataFile(const std::filesystem::path& file) {
    options_.idpMetadataFile = file;
}

void MellonService::render() {
    SpMetadataSpec sp;
    sp.entityId = entityId();
    sp.certificatePem = certificate_.certificatePem;
    sp.authnRequestsSigned = options_.signAuthnRequests;
    sp.wantAssertionsSigned = options_.wantAssertionsSigned;
    sp.assertionConsumers = {{saml::postBinding, assertionConsumerUrl()}};
    // Mellon's own logout endpoint answers LogoutRequests over HTTP-Redirect and SOAP.
    sp.singleLogout = {{saml::redirectBinding, singleLogoutUrl()},
                       {saml::soapBinding, singleLogoutUrl()}};
    if (options_.publishSloPost) sp.singleLogout.push_back({saml::postBinding, singleLogoutUrl()});
    sp.nameIdFormats = {"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"};
    writeFile(metadataFile_, renderSpMetadata(sp));
    std::filesystem::permissions(metadataFile_, std::filesystem::perms(0644));
    // Lasso reads the key in Apache's children, when the first request needs it.
    giveToApacheChildren(certificate_.privateKeyFile);

    const auto root = dir_.path();
    std::string mellon =
        "MellonEnable info\n"
        "    MellonEndpointPath /mellon\n"
        "    MellonSPMetadataFile \"" +
        metadataFile_.string() +
        "\"\n"
        "    MellonSPPrivateKeyFile \"" +
        certificate_.privateKeyFile.string() +
        "\"\n"
        "    MellonSPCertFile \"" +
        certificate_.certificateFile.string() +
        "\"\n"
        "    MellonIdPMetadataFile \"" +
        (root / "idp-metadata.xml").string() +
        "\"\n"
        "    MellonSignatureMethod " +
        options_.signatureMethod + "\n" +
        // http on loopback: a Secure cookie would never come back to the test's HTTP client.
        std::string(options_.crossSiteCookie
                        ? "    MellonSecureCookie On\n    MellonCookieSameSite None\n"
                        : "    MellonSecureCookie httponly\n") +
        "    MellonDefaultLoginPath /secure/\n"
        "    MellonEnvVarsSetCount On\n"
        "    MellonIdP IDP\n"
        "    MellonSamlResponseDump " +
        (options_.dumpResponse ? "On" : "Off") + "\n";
    for (const auto& ref : options_.authnContextClassRefs)
        mellon += "    MellonAuthnContextClassRef \"" + ref + "\"\n";
    if (!options_.authnContextComparison.empty())
        mellon += "    MellonAuthnContextComparisonType " + options_.authnContextComparison + "\n";

    ApacheSpConfig config;
    config.serverRoot = root;
    config.port = port_;
    config.debug = options_.debug;
    config.modules = {{"auth_mellon_module", "mod_auth_mellon.so"}};
    config.global =
        "MellonCacheSize 100\nMellonLockFile \"" + (root / "run" / "mellon.lock").string() + "\"\n";
    config.rootLocation = mellon;
    config.secureLocation = "AuthType Mellon\n    MellonEnable auth\n    Require valid-user\n";
    config.pageEnv = {{"SESAME_SP_KIND", "mellon"},
                      {"SESAME_SERVICE_NAME", "Service SAML (mod_auth_mellon)"},
                      {"SESAME_SP_BASE_URL", baseUrl()}};
    writeApacheSpConfig(config);
}

void MellonService::launch() {
    if (options_.idpMetadataFile.empty())
        throw HarnessError("MellonService: no IdP metadata file (setIdpMetadataFile)");
    std::string idp = readFile(options_.idpMetadataFile);
    if (options_.postAuthnRequests) idp = withoutRedirectSso(idp);
    writeFile(dir_ / "idp-metadata.xml", idp);
    std::filesystem::permissions(dir_ / "idp-metadata.xml", std::filesystem::perms(0644));
    process_ = launchApache({apacheBinary(options_.binary),
                             dir_.path(),
                             dir_ / "httpd.conf",
                             baseUrl() + "/ping",
                             {},
                             options_.startTimeout});
}

void MellonService::stop() {
    if (process_) process_->stop();
}

void MellonService::start() {
    if (running()) return;
    launch();
}

void MellonService::restart() {
    stop();
    start();
}

bool MellonService::running() {
    return process_ && process_->running();
}

std::string MellonService::loginUrl(const std::string& returnTo, bool isPassive) const {
    return baseUrl() + "/mellon/login?ReturnTo=" + percentEncode(returnTo) +
           (isPassive ? "&IsPassive=true" : "");
}

std::string MellonService::logoutUrl(const std::string& returnTo) const {
    return singleLogoutUrl() + "?ReturnTo=" + percentEncode(returnTo);
}

std::string MellonService::metadata() const {
    return readFile(metadataFile_);
}

std::string MellonService::errorLogTail(std::size_t lines) const {
    return fileTail(dir_ / "logs" / "error.log", lines);
}

}  // namespace sesame::testing
