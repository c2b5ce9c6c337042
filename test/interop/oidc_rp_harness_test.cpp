// The OpenID Connect relying party of test/support (Apache + mod_auth_openidc, OpenidcService)
// and the Python scripts of the OIDC interop test, before Sesame's provider: the provider exists
// only as a discovery document served over TLS by the test (HttpsCallback), so what is proven is
// what mod_auth_openidc makes of a provider's metadata and of the CA it is told to trust. Needs
// neither Redis nor slapd nor a running Sesame.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "test/integration/https_callback.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/openidc_service.hpp"
#include "test/support/process.hpp"
#include "test/support/temp_dir.hpp"
#include "test/support/test_certificate.hpp"

using namespace sesame::testing;

namespace {

// A provider that is only its discovery document, at https://127.0.0.1:<port>/op.
struct DocumentOnlyProvider {
    TempDir dir{"sesame-oidc-op"};
    TestCertificate certificate = makeTestCertificate(dir.path());
    HttpsCallback server{certificate.certificateFile, certificate.privateKeyFile};

    DocumentOnlyProvider() {
        const std::string issuer = this->issuer();
        server.serve("/op/.well-known/openid-configuration", 200,
                     "{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer +
                         "/authorize\",\"token_endpoint\":\"" + issuer +
                         "/token\",\"userinfo_endpoint\":\"" + issuer +
                         "/userinfo\",\"jwks_uri\":\"" + issuer +
                         "/jwks\",\"end_session_endpoint\":\"" + issuer +
                         "/logout\",\"response_types_supported\":[\"code\"],"
                         "\"response_modes_supported\":[\"query\",\"form_post\"],"
                         "\"subject_types_supported\":[\"public\"],"
                         "\"id_token_signing_alg_values_supported\":[\"RS256\",\"ES256\"],"
                         "\"code_challenge_methods_supported\":[\"S256\"],"
                         "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
                         "\"client_secret_post\",\"none\"],"
                         "\"backchannel_logout_supported\":true,"
                         "\"backchannel_logout_session_supported\":true}");
    }
    std::string issuer() const { return server.url("/op"); }
    std::string discoveryUrl() const { return issuer() + "/.well-known/openid-configuration"; }
};

OpenidcOptions optionsFor(const DocumentOnlyProvider& op) {
    OpenidcOptions o;
    o.providerMetadataUrl = op.discoveryUrl();
    o.caFile = op.certificate.certificateFile;
    return o;
}

// The first request to the protected page: mod_auth_openidc reads the discovery document and
// sends the browser to the authorization endpoint.
Response firstVisit(OpenidcService& rp) {
    Browser browser;
    return browser.get(rp.protectedUrl());
}

}  // namespace

TEST_CASE(
    "mod_auth_openidc sends the browser to the discovered authorization endpoint with a code "
    "request, PKCE S256, state and nonce",
    "[interop]") {
    DocumentOnlyProvider op;
    OpenidcService rp{optionsFor(op)};
    auto r = firstVisit(rp);
    INFO(r.status << "\n" << r.body << rp.errorLogTail());
    REQUIRE(r.isRedirect());
    const std::string to = r.location();
    CHECK(to.rfind(op.issuer() + "/authorize?", 0) == 0);
    CHECK(queryParameter(to, "response_type") == "code");
    CHECK(queryParameter(to, "client_id") == "demo-rp");
    CHECK(queryParameter(to, "redirect_uri") == rp.redirectUri());
    CHECK(queryParameter(to, "scope") == "openid profile email ent");
    CHECK(queryParameter(to, "code_challenge_method") == "S256");
    CHECK(queryParameter(to, "code_challenge").value_or("").size() == 43);  // base64url SHA-256
    CHECK_FALSE(queryParameter(to, "state").value_or("").empty());
    CHECK_FALSE(queryParameter(to, "nonce").value_or("").empty());
    CHECK(queryParameter(to, "response_mode") == "query");
    // The discovery document was fetched over TLS, trusted through the CA file.
    const auto targets = op.server.targets();
    CHECK(std::count(targets.begin(), targets.end(), "/op/.well-known/openid-configuration") >= 1);
}

TEST_CASE("mod_auth_openidc asks for form_post and extra parameters when configured to",
          "[interop]") {
    DocumentOnlyProvider op;
    auto options = optionsFor(op);
    options.responseMode = "form_post";
    options.authRequestParams = "prompt=login";
    options.clientId = "demo-app";
    options.clientSecret = "";  // a public client
    OpenidcService rp{options};
    auto r = firstVisit(rp);
    INFO(r.status << "\n" << r.body << rp.errorLogTail());
    REQUIRE(r.isRedirect());
    CHECK(queryParameter(r.location(), "response_mode") == "form_post");
    CHECK(queryParameter(r.location(), "prompt") == "login");
    CHECK(queryParameter(r.location(), "client_id") == "demo-app");
    CHECK(queryParameter(r.location(), "code_challenge_method") == "S256");
}

TEST_CASE("mod_auth_openidc refuses a provider whose certificate its CA file did not sign",
          "[interop]") {
    DocumentOnlyProvider op;
    TempDir other{"sesame-other-ca"};
    auto options = optionsFor(op);
    options.caFile = makeTestCertificate(other.path()).certificateFile;
    OpenidcService rp{options};
    auto r = firstVisit(rp);
    INFO(r.status << "\n" << r.body);
    CHECK_FALSE(r.isRedirect());
    CHECK(r.status >= 500);
    CHECK(op.server.targets().empty());  // no request got through the handshake
}

TEST_CASE("the back-channel logout endpoint answers without a session and stopping leaves nothing",
          "[interop]") {
    DocumentOnlyProvider op;
    std::string root;
    {
        OpenidcService rp{optionsFor(op)};
        root = rp.serverRoot().string();
        // Not a logout token: mod_auth_openidc refuses it (400) rather than crashing or
        // redirecting.
        Browser browser;
        auto r = browser.post(rp.backchannelLogoutUri(), {{"logout_token", "not-a-jwt"}});
        INFO(r.status << "\n" << r.body << rp.errorLogTail());
        CHECK(r.status == 400);
        auto ping = browser.get(rp.loggedOutUrl());
        CHECK(ping.status == 200);
    }
    CHECK(processesMentioning(root).empty());
}

TEST_CASE("the Python relying party and the back-channel receiver run with Debian's authlib",
          "[interop]") {
    TempDir logs{"sesame-oidc-scripts"};
    for (const char* script : {"oidc_authlib_client.py", "oidc_backchannel_receiver.py"}) {
        ProcessSpec spec;
        spec.program = "/usr/bin/python3";
        spec.args = {(sourceDir() / "test" / "interop" / script).string(), "--help"};
        spec.name = std::string(script) + "-help";
        spec.logDir = logs.path();
        auto result = runCommand(spec, std::chrono::seconds(30));
        INFO(script << "\n" << result.output);
        CHECK(result.exitCode == 0);
        CHECK(result.output.find("usage:") != std::string::npos);
    }
}
