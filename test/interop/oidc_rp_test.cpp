// Sesame as an OpenID Connect provider for real relying parties, used unchanged as an ENT vendor
// or an app developer would (issue 9, "How it is proven"): Apache httpd + mod_auth_openidc
// (test/support OpenidcService), a Python relying party written with Authlib
// (oidc_authlib_client.py) and a back-channel logout endpoint that validates logout tokens with
// Authlib (oidc_backchannel_receiver.py), against a real Sesame, the demo slapd and a real Redis.
// A CAS service (mod_auth_cas) shares the single sign-on: one login opens all, one logout ends all.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/openidc_service.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;
namespace json = boost::json;

namespace {

const char* const sessionCookie = "__Host-SESAME";  // etc/sesame.yml session.cookie_name

// What every client of this registry is released: the claims of the profile, email and ent
// scopes from the person's directory entry (docs/oidc.md).
const char* const releaseBlock =
    "    release:\n"
    "      preferred_username: login\n"
    "      name: displayName\n"
    "      given_name: givenName\n"
    "      family_name: familyName\n"
    "      email: email\n"
    "      ent_profiles: profiles\n"
    "      ent_uai: uai\n"
    "      ent_structures: structures\n"
    "      ent_classes: classes\n"
    "      ent_habilitation: habilitation\n";

struct ClientUris {
    std::string redirect, postLogout, backchannel;
};

// The four clients: mod_auth_openidc twice (client_secret_basic, query, RS256; and
// client_secret_post, form_post, ES256), the Authlib party (confidential, every grant,
// back-channel logout to the receiver) and the same script as a public app (PKCE alone, ES256 ID
// tokens, opaque access tokens).
std::string oidcRegistry(const ClientUris& apache, const ClientUris& apachePost,
                         const ClientUris& authlib) {
    return "services:\n"
           "  - id: apache-post\n"
           "    name: \"Service OIDC de test (mod_auth_openidc, form_post)\"\n"
           "    protocol: oidc\n"
           "    client_id: apache-post\n"
           "    client_secret: apache-post-secret\n"
           "    token_endpoint_auth_methods: [client_secret_post]\n"
           "    redirect_uris: ['" +
           apachePost.redirect + "']\n    post_logout_redirect_uris: ['" + apachePost.postLogout +
           "']\n    backchannel_logout_uri: '" + apachePost.backchannel +
           "'\n"
           "    scopes: [openid, profile, email, ent]\n"
           "    grant_types: [authorization_code]\n"
           "    id_token_signed_response_alg: ES256\n"
           "    user_attribute: subject\n" +
           releaseBlock +
           "  - id: apache-rp\n"
           "    name: \"Service OIDC de test (mod_auth_openidc)\"\n"
           "    protocol: oidc\n"
           "    client_id: apache-rp\n"
           "    client_secret: apache-secret\n"
           "    token_endpoint_auth_methods: [client_secret_basic]\n"
           "    redirect_uris: ['" +
           apache.redirect + "']\n    post_logout_redirect_uris: ['" + apache.postLogout +
           "']\n    backchannel_logout_uri: '" + apache.backchannel +
           "'\n"
           "    scopes: [openid, profile, email, ent]\n"
           "    grant_types: [authorization_code]\n"
           "    subject_type: public\n"
           "    access_token_format: jwt\n"
           "    id_token_signed_response_alg: RS256\n"
           "    user_attribute: subject\n" +
           releaseBlock +
           "  - id: authlib-rp\n"
           "    name: \"Service OIDC de test (Authlib)\"\n"
           "    protocol: oidc\n"
           "    client_id: authlib-rp\n"
           "    client_secret: authlib-secret\n"
           "    token_endpoint_auth_methods: [client_secret_basic, client_secret_post]\n"
           "    redirect_uris: ['" +
           authlib.redirect + "']\n    post_logout_redirect_uris: ['" + authlib.postLogout +
           "']\n    backchannel_logout_uri: '" + authlib.backchannel +
           "'\n"
           "    scopes: [openid, profile, email, ent, offline_access]\n"
           "    grant_types: [authorization_code, refresh_token, client_credentials]\n"
           "    subject_type: public\n"
           "    access_token_format: jwt\n"
           "    id_token_signed_response_alg: RS256\n"
           "    user_attribute: subject\n" +
           releaseBlock +
           "  - id: authlib-app\n"
           "    name: \"Application OIDC de test (Authlib, client public)\"\n"
           "    protocol: oidc\n"
           "    client_id: authlib-app\n"
           "    token_endpoint_auth_methods: [none]\n"
           "    redirect_uris: ['" +
           authlib.redirect + "']\n    post_logout_redirect_uris: ['" + authlib.postLogout +
           "']\n"
           "    scopes: [openid, profile, email, ent, offline_access]\n"
           "    grant_types: [authorization_code, refresh_token]\n"
           "    subject_type: pairwise\n"
           "    access_token_format: opaque\n"
           "    id_token_signed_response_alg: ES256\n"
           "    user_attribute: subject\n" +
           releaseBlock;
}

// A SAML service provider in the same single sign-on (mod_auth_mellon, told of a logout on the
// back channel: SOAP), so that one OpenID Connect logout is seen to reach SAML too.
std::string samlRegistry(const MellonService& mellon) {
    return "services:\n"
           "  - id: test-saml\n"
           "    name: \"Service SAML de test\"\n"
           "    protocol: saml\n"
           "    url_pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}/.*$'\n"
           "    metadata:\n"
           "      files: ['" +
           mellon.metadataFile().string() +
           "']\n"
           "    user_attribute: login\n"
           "    release:\n"
           "      uid: login\n"
           "    evaluation_order: 10\n";
}

OpenidcOptions apacheRpOptions() {
    OpenidcOptions o;
    o.clientId = "apache-rp";
    o.clientSecret = "apache-secret";
    return o;
}

OpenidcOptions apachePostOptions() {
    OpenidcOptions o;
    o.clientId = "apache-post";
    o.clientSecret = "apache-post-secret";
    o.tokenEndpointAuth = "client_secret_post";
    o.responseMode = "form_post";
    return o;
}

ClientUris urisOf(const OpenidcService& rp) {
    return {rp.redirectUri(), rp.loggedOutUrl(), rp.backchannelLogoutUri()};
}

// One Sesame, two mod_auth_openidc, one receiver, one CAS service and one SAML SP for the whole
// file. The relying parties' ports are known first (their URIs go into the registry), then Sesame
// starts, then they start with Sesame's issuer (and the SAML SP with Sesame's metadata).
struct OidcEnvironment {
    TempDir services{"sesame-oidc-services"};
    TempDir work{"sesame-oidc-work"};
    OpenidcService apache{apacheRpOptions()};
    OpenidcService apachePost{apachePostOptions()};
    MellonService mellon{MellonOptions{}};
    int receiverPort = freePort();
    int callbackPort = freePort();  // nothing listens: the script reads the redirect itself
    std::unique_ptr<SesameInstance> sesame;
    std::unique_ptr<Process> receiver;
    std::unique_ptr<ApacheCasService> cas;

    OidcEnvironment() {
        std::filesystem::copy_file(sourceDir() / "etc" / "services" / "demo-loopback.yml",
                                   services.path() / "demo-loopback.yml");
        writeFile(services.path() / "oidc.yml",
                  oidcRegistry(urisOf(apache), urisOf(apachePost),
                               {callbackUrl() + "/callback", callbackUrl() + "/logged-out",
                                receiverUrl() + "/backchannel"}));
        writeFile(services.path() / "saml.yml", samlRegistry(mellon));
        sesame = std::make_unique<SesameInstance>(
            SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                          requiredEnv("SESAME_TEST_LDAP"),
                          {{"services_dir: " + (sourceDir() / "etc" / "services").string(),
                            "services_dir: " + services.path().string()}},
                          true});
        for (auto* rp : {&apache, &apachePost}) {
            rp->setProvider(discoveryUrl(), sesame->caFile());
            rp->start();
        }
        auto idpMetadata =
            Browser{BrowserOptions{sesame->caFile()}}.get(sesame->baseUrl() + "/saml/metadata");
        if (idpMetadata.status != 200) throw HarnessError("no IdP metadata:\n" + logs());
        writeFile(work.path() / "sesame-idp.xml", idpMetadata.body);
        mellon.setIdpMetadataFile(work.path() / "sesame-idp.xml");
        mellon.start();
        startReceiver();
        cas = std::make_unique<ApacheCasService>(
            ApacheCasOptions{sesame->casUrl(), sesame->caFile()});
    }

    std::string issuer() const { return sesame->baseUrl() + "/oidc"; }
    std::string discoveryUrl() const { return issuer() + "/.well-known/openid-configuration"; }
    std::string callbackUrl() const { return "http://127.0.0.1:" + std::to_string(callbackPort); }
    std::string receiverUrl() const { return "http://127.0.0.1:" + std::to_string(receiverPort); }

    void startReceiver() {
        ProcessSpec spec;
        spec.program = "/usr/bin/python3";
        spec.args = {(sourceDir() / "test" / "interop" / "oidc_backchannel_receiver.py").string(),
                     "--port",
                     std::to_string(receiverPort),
                     "--issuer",
                     issuer(),
                     "--client-id",
                     "authlib-rp",
                     "--ca-file",
                     sesame->caFile().string(),
                     "--require-sid"};
        spec.name = "backchannel-receiver";
        spec.logDir = work.path();
        receiver = std::make_unique<Process>(std::move(spec));
        waitUntil(
            [&] {
                try {
                    return Browser().get(receiverUrl() + "/received").status == 200;
                } catch (const HarnessError&) {
                    return false;
                }
            },
            std::chrono::seconds(15), "the back-channel receiver to answer", receiver.get());
    }

    // The logout tokens the receiver got so far, as it recorded them.
    json::array received() {
        auto r = Browser().get(receiverUrl() + "/received");
        REQUIRE(r.status == 200);
        return json::parse(r.body).as_array();
    }

    std::string logs() {
        return "--- sesame\n" + sesame->logTail(30) + "--- mod_auth_openidc error.log\n" +
               apache.errorLogTail(15) +
               (receiver ? "--- receiver\n" + receiver->logTail(10) : std::string());
    }
};

OidcEnvironment& env() {
    static OidcEnvironment environment;
    return environment;
}

Browser browserFor(OidcEnvironment& e) {
    return Browser{BrowserOptions{e.sesame->caFile()}};
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

// Whether mod_auth_openidc sends this browser to Sesame's authorization endpoint for its page
// (no session at the relying party).
bool askedToLogIn(Browser& browser, OidcEnvironment& e) {
    auto r = browser.get(e.apache.protectedUrl());
    return r.isRedirect() && startsWith(r.location(), e.issuer() + "/authorize?");
}

// The teacher opens the relying party's page, logs in at Sesame's portal and lands back on it.
OpenidcPage teacherLogsInAtApache(Browser& browser, OidcEnvironment& e) {
    auto toSesame = browser.get(e.apache.protectedUrl());
    INFO(toSesame.status << " " << toSesame.body << e.logs());
    REQUIRE(toSesame.isRedirect());
    REQUIRE(startsWith(toSesame.location(), e.issuer() + "/authorize?"));
    auto portal = browser.follow(toSesame, 3);
    INFO(portal.url);
    REQUIRE(startsWith(portal.url, e.sesame->baseUrl() + "/login"));
    auto landed = logIn(browser, portal, teacher);
    INFO(landed.status << " " << landed.url << "\n" << landed.body << e.logs());
    REQUIRE(landed.status == 200);
    REQUIRE(landed.url == e.apache.protectedUrl());
    return readOpenidcPage(landed.body);
}

// The values of a claim on the page, from the UserInfo response else the ID token.
std::vector<std::string> claim(const OpenidcPage& page, const std::string& name) {
    if (auto found = page.userinfo.find(name); found != page.userinfo.end()) return found->second;
    if (auto found = page.idToken.find(name); found != page.idToken.end()) return found->second;
    return {};
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

// The portal's own logout (the person clicks "Se déconnecter" at Sesame and confirms).
void logOutAtSesame(Browser& browser, OidcEnvironment& e) {
    auto question = browser.get(e.sesame->baseUrl() + "/logout");
    auto form = findForm(question.body, "/logout");
    REQUIRE(form);
    auto done = browser.post(resolveUrl(question.url, form->action), form->fields);
    INFO(done.body << e.logs());
    REQUIRE(done.status == 200);
}

// The teacher logs in through the CAS service app1: Sesame's session, opened by CAS.
void teacherLogsInThroughCas(Browser& browser, OidcEnvironment& e, const std::string& app) {
    auto toCas = browser.get(app);
    REQUIRE(toCas.isRedirect());
    REQUIRE(startsWith(toCas.location(), e.sesame->casUrl() + "/login"));
    auto portal = browser.follow(toCas, 3);
    auto landed = logIn(browser, portal, teacher);
    INFO(landed.status << " " << landed.url << e.logs());
    REQUIRE(landed.status == 200);
    REQUIRE(startsWith(landed.url, app));
}

// mod_auth_mellon's page, its own redirects (/mellon/login) followed up to the one that leaves it.
Response towardsSamlIdp(Browser& browser, OidcEnvironment& e) {
    auto r = browser.get(e.mellon.secureUrl());
    for (int hop = 0; hop < 5 && r.isRedirect() && startsWith(r.location(), e.mellon.baseUrl());
         ++hop)
        r = browser.get(r.location());
    return r;
}

// With the Sesame session, mod_auth_mellon's page opens without a login page: Mellon sends its
// AuthnRequest, Sesame answers at once with a self-posting Response.
void teacherOpensSamlPage(Browser& browser, OidcEnvironment& e) {
    auto r = towardsSamlIdp(browser, e);
    REQUIRE(r.isRedirect());
    REQUIRE(startsWith(r.location(), e.sesame->baseUrl() + "/saml/sso?"));
    auto answer = browser.get(r.location());
    INFO(answer.status << " " << answer.url << "\n" << answer.body << e.logs());
    auto form = findForm(answer.body, e.mellon.assertionConsumerUrl());
    REQUIRE(form);
    auto landed = browser.follow(browser.post(form->action, form->fields), 5);
    REQUIRE(landed.url == e.mellon.secureUrl());
    CHECK(readSpPage(landed.body).value("uid") == teacher.login);
}

bool mellonAsksToLogIn(Browser& browser, OidcEnvironment& e) {
    auto r = towardsSamlIdp(browser, e);
    return r.isRedirect() && startsWith(r.location(), e.sesame->baseUrl() + "/saml/sso?");
}

bool casAsksToLogIn(Browser& browser, OidcEnvironment& e, const std::string& app) {
    auto again = browser.get(app);
    return again.isRedirect() && startsWith(again.location(), e.sesame->casUrl() + "/login");
}

struct ScriptRun {
    int exitCode = -1;
    json::object seen;
    std::string stderrText;
};

// oidc_authlib_client.py with the browser's Sesame session, its JSON read back.
ScriptRun runAuthlib(OidcEnvironment& e, const Browser& browser, std::vector<std::string> extra) {
    const auto session = browser.cookies().value("127.0.0.1", sessionCookie);
    REQUIRE(session);
    static int runs = 0;
    ProcessSpec spec;
    spec.program = "/usr/bin/python3";
    spec.args = {(sourceDir() / "test" / "interop" / "oidc_authlib_client.py").string(),
                 "--issuer",
                 e.issuer(),
                 "--ca-file",
                 e.sesame->caFile().string(),
                 "--redirect-uri",
                 e.callbackUrl() + "/callback",
                 "--post-logout-redirect-uri",
                 e.callbackUrl() + "/logged-out",
                 "--session-cookie",
                 std::string(sessionCookie) + "=" + *session};
    spec.args.insert(spec.args.end(), extra.begin(), extra.end());
    spec.name = "authlib-" + std::to_string(++runs);
    spec.logDir = e.work.path();
    ScriptRun run;
    run.exitCode = runCommand(spec, std::chrono::seconds(120)).exitCode;
    run.stderrText = readFile(e.work.path() / (spec.name + ".err"));
    const std::string out = readFile(e.work.path() / (spec.name + ".out"));
    INFO(out << "\n" << run.stderrText);
    json::error_code ec;
    auto parsed = json::parse(out, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(parsed.is_object());
    run.seen = parsed.as_object();
    return run;
}

std::string text(const json::value* v) {
    return v && v->is_string() ? std::string(v->as_string()) : "";
}

const json::object& object(const json::object& o, std::string_view key) {
    auto found = o.find(key);
    REQUIRE(found != o.end());
    REQUIRE(found->value().is_object());
    return found->value().as_object();
}

}  // namespace

TEST_CASE(
    "a teacher logs in to mod_auth_openidc through Sesame and its page shows her ENT profile, "
    "school and habilitation",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    const OpenidcPage page = teacherLogsInAtApache(browser, e);
    INFO(e.logs());
    CHECK(page.idTokenClaim("iss") == e.issuer());
    CHECK(page.idTokenClaim("aud") == "apache-rp");
    CHECK_FALSE(page.idTokenClaim("sid").empty());
    CHECK_FALSE(page.idTokenClaim("sub").empty());
    CHECK(startsWith(page.remoteUser, page.idTokenClaim("sub") + "@"));
    CHECK(claim(page, "preferred_username") == std::vector<std::string>{teacher.login});
    CHECK(contains(claim(page, "ent_profiles"), teacher.profile));
    CHECK(claim(page, "ent_uai") == std::vector<std::string>{"0690001A"});
    CHECK(contains(claim(page, "ent_structures"), "0690001A"));
    CHECK(claim(page, "ent_habilitation") == std::vector<std::string>{teacher.habilitation});
    CHECK_FALSE(claim(page, "email").empty());
    // The second visit is mod_auth_openidc's own session: no trip to Sesame.
    auto again = browser.get(e.apache.protectedUrl());
    CHECK(again.status == 200);
}

TEST_CASE("the person's logout at Sesame ends the mod_auth_openidc session by back-channel logout",
          "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsInAtApache(browser, e);
    REQUIRE_FALSE(askedToLogIn(browser, e));
    logOutAtSesame(browser, e);
    INFO(e.logs());
    // Sesame POSTed a logout token to mod_auth_openidc's redirect URI, which dropped the session
    // it had for that sid: its page sends the browser to Sesame again...
    CHECK(askedToLogIn(browser, e));
    // ... where the person must log in again.
    auto portal = browser.follow(browser.get(e.apache.protectedUrl()), 3);
    CHECK(startsWith(portal.url, e.sesame->baseUrl() + "/login"));
}

TEST_CASE(
    "logged in through a CAS service, the teacher opens mod_auth_openidc's page without a login "
    "page; its RP-initiated logout ends the CAS and SAML sessions too",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    const std::string app = e.cas->serviceUrl("app1");
    teacherLogsInThroughCas(browser, e, app);
    teacherOpensSamlPage(browser, e);
    auto landed = browser.follow(browser.get(e.apache.protectedUrl()), 6);
    INFO(landed.url << "\n" << landed.body << e.logs());
    REQUIRE(landed.status == 200);
    REQUIRE(landed.url == e.apache.protectedUrl());
    for (const auto& hop : landed.hops)
        CHECK_FALSE(startsWith(hop.url, e.sesame->baseUrl() + "/login"));
    CHECK(contains(claim(readOpenidcPage(landed.body), "preferred_username"), teacher.login));

    // mod_auth_openidc's logout: its session ends, the browser goes to Sesame's end_session
    // endpoint with id_token_hint and comes back to the registered post-logout URI.
    auto out = browser.follow(browser.get(e.apache.logoutUrl(e.apache.loggedOutUrl())), 6);
    bool viaSesame = false;
    for (const auto& hop : out.hops)
        if (startsWith(hop.url, e.issuer() + "/logout?")) viaSesame = true;
    CHECK(viaSesame);
    if (out.status == 200 && findForm(out.body, "/oidc/logout")) {  // Sesame asks to confirm
        auto form = findForm(out.body, "/oidc/logout");
        out = browser.follow(browser.post(resolveUrl(out.url, form->action), form->fields), 6);
    }
    INFO(out.status << " " << out.url << "\n" << out.body);
    CHECK(startsWith(out.url, e.apache.loggedOutUrl()));
    CHECK(askedToLogIn(browser, e));
    CHECK(casAsksToLogIn(browser, e, app));  // mod_auth_cas got its logoutRequest
    CHECK(mellonAsksToLogIn(browser, e));    // mod_auth_mellon its SOAP LogoutRequest
}

TEST_CASE(
    "Authlib, with a session opened through CAS: discovery, code + PKCE, ID token, UserInfo, "
    "refresh rotation, introspection, revocation and RP-initiated logout; the receiver gets "
    "a verified logout token for that session, and CAS and SAML are logged out",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    const std::string app = e.cas->serviceUrl("app2");
    teacherLogsInThroughCas(browser, e, app);
    teacherOpensSamlPage(browser, e);
    const std::size_t before = e.received().size();

    auto run = runAuthlib(
        e, browser,
        {"--client-id", "authlib-rp", "--client-secret", "authlib-secret", "--client-credentials"});
    INFO(json::serialize(run.seen) << "\n" << run.stderrText << e.logs());
    CHECK(run.seen.find("failed") == run.seen.end());
    REQUIRE(run.exitCode == 0);

    // What Authlib validated and read.
    const auto& idToken = object(run.seen, "id_token");
    const auto& claims = object(idToken, "claims");
    CHECK(text(claims.if_contains("iss")) == e.issuer());
    CHECK(text(object(idToken, "header").if_contains("alg")) == "RS256");
    const std::string sid = text(claims.if_contains("sid"));
    CHECK_FALSE(sid.empty());
    const auto& userinfo = object(run.seen, "userinfo");
    CHECK(text(userinfo.if_contains("preferred_username")) == teacher.login);
    CHECK(text(userinfo.if_contains("ent_habilitation")) == teacher.habilitation);
    CHECK(text(userinfo.if_contains("ent_uai")) == "0690001A");
    CHECK(object(run.seen, "token").at("access_token_is_jwt").as_bool());
    CHECK(object(run.seen, "refresh").at("grant_revoked_on_reuse").as_bool());
    CHECK(object(object(run.seen, "introspection"), "after_revocation").at("active") == false);
    CHECK(object(run.seen, "code_reuse").at("first_access_token_revoked").as_bool());
    CHECK(text(object(run.seen, "logout").if_contains("after")) == "login_required");

    // Sesame's back-channel logout token for the logged-out session reached the receiver.
    waitUntil([&] { return e.received().size() > before; }, std::chrono::seconds(10),
              "a logout token at the receiver");
    bool forThisSession = false;
    const json::array received = e.received();
    for (std::size_t i = before; i < received.size(); ++i) {
        const auto& record = received[i].as_object();
        INFO(json::serialize(record));
        CHECK(record.at("verified").as_bool());
        CHECK(record.at("warnings").as_array().empty());
        if (record.at("claims").is_object() &&
            text(record.at("claims").as_object().if_contains("sid")) == sid)
            forThisSession = true;
    }
    CHECK(forThisSession);
    CHECK(casAsksToLogIn(browser, e, app));  // one logout reached CAS too
    CHECK(mellonAsksToLogIn(browser, e));    // and SAML (a LogoutRequest over SOAP)
}

TEST_CASE(
    "Authlib as a public app: PKCE alone, form_post, ES256 ID tokens, pairwise subject, opaque "
    "access tokens",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsInThroughCas(browser, e, e.cas->serviceUrl("app1"));
    // The public subject another client (mod_auth_openidc) gets for her, without a login page.
    auto page = browser.follow(browser.get(e.apache.protectedUrl()), 6);
    REQUIRE(page.url == e.apache.protectedUrl());
    const std::string publicSubject = readOpenidcPage(page.body).idTokenClaim("sub");
    REQUIRE_FALSE(publicSubject.empty());
    auto run = runAuthlib(
        e, browser, {"--client-id", "authlib-app", "--public", "--response-mode", "form_post"});
    INFO(json::serialize(run.seen) << "\n" << run.stderrText << e.logs());
    CHECK(run.seen.find("failed") == run.seen.end());
    REQUIRE(run.exitCode == 0);
    const auto& idToken = object(run.seen, "id_token");
    CHECK(text(object(idToken, "header").if_contains("alg")) == "ES256");
    CHECK_FALSE(object(run.seen, "token").at("access_token_is_jwt").as_bool());
    // Pairwise: not the subject the other clients see, so that they cannot link her.
    const std::string pairwise = text(object(idToken, "claims").if_contains("sub"));
    CHECK_FALSE(pairwise.empty());
    CHECK(pairwise != publicSubject);
    CHECK(text(object(run.seen, "userinfo").if_contains("preferred_username")) == teacher.login);
}

TEST_CASE(
    "mod_auth_openidc with form_post, client_secret_post and ES256 ID tokens opens its page from "
    "Sesame's self-posting answer",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsInThroughCas(browser, e, e.cas->serviceUrl("app1"));
    auto toSesame = browser.get(e.apachePost.protectedUrl());
    INFO(toSesame.status << " " << toSesame.body << e.logs());
    REQUIRE(toSesame.isRedirect());
    REQUIRE(startsWith(toSesame.location(), e.issuer() + "/authorize?"));
    CHECK(queryParameter(toSesame.location(), "response_mode") == "form_post");
    // With the session, Sesame answers at once: a page that posts the code to the redirect URI.
    auto answer = browser.get(toSesame.location());
    INFO(answer.status << " " << answer.url << "\n" << answer.body);
    REQUIRE(answer.status == 200);
    CHECK(answer.header("Cache-Control").value_or("").find("no-store") != std::string::npos);
    auto form = findForm(answer.body, e.apachePost.redirectUri());
    REQUIRE(form);
    CHECK(form->method == "POST");
    CHECK(form->value("iss") == e.issuer());
    auto landed = browser.follow(browser.post(form->action, form->fields), 3);
    INFO(landed.status << " " << landed.url << "\n" << landed.body << e.logs());
    REQUIRE(landed.url == e.apachePost.protectedUrl());
    const OpenidcPage page = readOpenidcPage(landed.body);
    CHECK(page.idTokenClaim("aud") == "apache-post");
    CHECK(contains(claim(page, "ent_profiles"), teacher.profile));
    CHECK(claim(page, "ent_habilitation") == std::vector<std::string>{teacher.habilitation});
}
