// Sesame as a SAML 2.0 identity provider for real service providers, used unchanged as an ENT
// vendor would: Apache httpd + mod_auth_mellon and the Shibboleth SP (shibd + mod_shib), from
// test/support, against a real Sesame, the demo slapd and a real Redis. Both SPs are configured
// from Sesame's own /saml/metadata, and Sesame from their generated metadata, as docs/saml.md
// tells a vendor to do. A CAS service (mod_auth_cas) shares the single sign-on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <regex>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

// The registry of this test: the demo's CAS catch-all and one SAML service for both SPs. Sesame
// is given Mellon's metadata without its SOAP logout endpoint, so that Mellon is told of a
// logout through the browser (front channel) and the Shibboleth SP on the back channel (SOAP).
std::string samlService(const std::filesystem::path& mellonMetadata,
                        const ShibbolethService& shib) {
    auto service = [](const std::string& id, const std::string& pattern, const std::string& file,
                      const std::string& extra) {
        return "  - id: " + id +
               "\n"
               "    name: \"Services SAML de test\"\n"
               "    protocol: saml\n"
               "    url_pattern: '" +
               pattern +
               "'\n"
               "    metadata:\n"
               "      files: ['" +
               file +
               "']\n"
               "    name_id_formats: [persistent, transient, emailAddress, unspecified]\n"
               "    allowed_profiles: [National_ENS, National_DIR, National_DOC]\n"
               "    user_attribute: login\n"
               "    release:\n"
               "      uid: login\n"
               "      mail: email\n"
               "      ENTPersonProfils: profiles\n"
               "      ENTPersonStructRattach: structures\n"
               "      habilitation: habilitation\n"
               "    evaluation_order: 10\n" +
               extra;
    };
    // Mellon gets encrypted assertions (it publishes a key); the Shibboleth SP is registered to
    // receive them in clear with the Response signed too, so that a real SP checks the
    // signatures Sesame writes in canonical form without xmlsec (an encrypted assertion's
    // signature is inside the encryption).
    return "services:\n" +
           service("test-saml", "^http://127\\.0\\.0\\.1:[0-9]{1,5}/mellon/.*$",
                   mellonMetadata.string(), "") +
           service("test-saml-shib", "^http://127\\.0\\.0\\.1:[0-9]{1,5}/shibboleth$",
                   shib.metadataFile().string(), "    encrypt: never\n    sign: both\n");
}

ShibbolethOptions shibOptions() {
    ShibbolethOptions o;
    o.signAuthnRequests = true;  // signing="front": its LogoutRequests are signed (§4.4.4.1)
    return o;
}

// One Sesame and the two SPs for the whole file: each SP is prepared (key, metadata), Sesame
// starts with their metadata, then each SP starts with Sesame's.
struct SamlEnvironment {
    TempDir services;
    TempDir idp;
    MellonService mellon{MellonOptions{}};
    ShibbolethService shib{shibOptions()};
    std::unique_ptr<SesameInstance> sesame;
    std::unique_ptr<ApacheCasService> cas;

    SamlEnvironment() {
        std::filesystem::copy_file(sourceDir() / "etc" / "services" / "demo-loopback.yml",
                                   services.path() / "demo-loopback.yml");
        auto mellonMetadata = mellon.metadata();
        const std::regex soapLogout(
            R"(<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2\.0:bindings:SOAP"[^>]*/>)");
        REQUIRE(std::regex_search(mellonMetadata, soapLogout));
        writeFile(services.path() / "mellon.xml",
                  std::regex_replace(mellonMetadata, soapLogout, ""));
        writeFile(services.path() / "saml.yml", samlService(services.path() / "mellon.xml", shib));
        sesame = std::make_unique<SesameInstance>(
            SesameOptions{requiredEnv("SESAME_TEST_REDIS"),
                          requiredEnv("SESAME_TEST_LDAP"),
                          {{"services_dir: " + (sourceDir() / "etc" / "services").string(),
                            "services_dir: " + services.path().string()}},
                          true});
        Browser fetch{BrowserOptions{sesame->caFile()}};
        auto metadata = fetch.get(sesame->baseUrl() + "/saml/metadata");
        if (metadata.status != 200) throw HarnessError("no IdP metadata:\n" + sesame->logTail());
        writeFile(idp.path() / "sesame.xml", metadata.body);
        mellon.setIdpMetadataFile(idp.path() / "sesame.xml");
        mellon.start();
        shib.setIdpMetadataFile(idp.path() / "sesame.xml");
        shib.start();
        cas = std::make_unique<ApacheCasService>(
            ApacheCasOptions{sesame->casUrl(), sesame->caFile()});
    }
    std::string ssoUrl() const { return sesame->baseUrl() + "/saml/sso"; }
    std::string logs() {
        return "--- sesame\n" + sesame->logTail(30) + "--- mellon error.log\n" +
               mellon.errorLogTail(10) + "--- shibd\n" + shib.shibdLogTail(10);
    }
};

SamlEnvironment& env() {
    static SamlEnvironment environment;
    return environment;
}

Browser browserFor(SamlEnvironment& e) {
    return Browser{BrowserOptions{e.sesame->caFile()}};
}

// Follows the SP's own redirects (Mellon's /mellon/login first) up to the one that leaves it.
Response towardsIdp(Browser& browser, const std::string& url, const std::string& spBase) {
    Response r = browser.get(url);
    for (int hop = 0; hop < 5 && r.isRedirect() && r.location().rfind(spBase + "/", 0) == 0; ++hop)
        r = browser.get(r.location());
    return r;
}

// Sesame's answer to the SP: the self-posting form (HTTP-POST binding), posted as a browser
// does, then the SP's redirects followed back to the protected page.
Response postToSp(Browser& browser, const Response& sesamePage) {
    INFO(sesamePage.status << " " << sesamePage.url << "\n" << sesamePage.body);
    REQUIRE(sesamePage.status == 200);
    CHECK(sesamePage.header("Cache-Control").value_or("").find("no-store") != std::string::npos);
    auto form = findForm(sesamePage.body, std::size_t{0});
    REQUIRE(form);
    REQUIRE(form->has("SAMLResponse"));
    return browser.follow(browser.post(form->action, form->fields), 5);
}

// The teacher logs in at Sesame for `spSecureUrl` (redirected there by the SP) and lands on
// the SP's protected page.
// The SP's protected page sends the browser to Sesame's SSO URL (with its AuthnRequest); that
// redirect's target.
template <class Sp>
std::string sentToSesame(Browser& browser, SamlEnvironment& e, Sp& sp) {
    auto toIdp = towardsIdp(browser, sp.secureUrl(), sp.baseUrl());
    INFO(toIdp.status << " " << toIdp.location() << e.logs());
    REQUIRE(toIdp.isRedirect());
    REQUIRE(toIdp.location().rfind(e.ssoUrl() + "?", 0) == 0);
    return toIdp.location();
}

// Sesame's answer posted to the SP, which must show its protected page.
template <class Sp>
SpPage landsOnSp(Browser& browser, SamlEnvironment& e, Sp& sp, const Response& answer) {
    auto page = postToSp(browser, answer);
    INFO(page.status << " " << page.url << "\n" << page.body << e.logs());
    REQUIRE(page.status == 200);
    REQUIRE(page.url == sp.secureUrl());
    return readSpPage(page.body);
}

// The teacher logs in at Sesame, sent there by the SP, and lands on the SP's protected page.
template <class Sp>
SpPage teacherLogsIn(Browser& browser, SamlEnvironment& e, Sp& sp) {
    auto portal = browser.follow(browser.get(sentToSesame(browser, e, sp)));
    return landsOnSp(browser, e, sp, logIn(browser, portal, teacher, "demo", false));
}

// With a Sesame session: the SP's page opens without a login page (Sesame answers at once).
template <class Sp>
SpPage opensWithoutLogin(Browser& browser, SamlEnvironment& e, Sp& sp) {
    return landsOnSp(browser, e, sp, browser.get(sentToSesame(browser, e, sp)));
}

// Whether the SP sends this browser to Sesame for its protected page (no session there).
template <class Sp>
bool askedToLogIn(Browser& browser, SamlEnvironment& e, Sp& sp) {
    auto r = towardsIdp(browser, sp.secureUrl(), sp.baseUrl());
    return r.isRedirect() && r.location().rfind(e.ssoUrl() + "?", 0) == 0;
}

}  // namespace

TEST_CASE(
    "a teacher logs in to mod_auth_mellon through Sesame and reaches the Shibboleth SP "
    "without typing anything",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    const SpPage atMellon = teacherLogsIn(browser, e, e.mellon);
    CHECK_FALSE(atMellon.nameId.empty());
    CHECK(atMellon.attributes.at("ENTPersonProfils") == std::vector<std::string>{"National_ENS"});
    CHECK(atMellon.value("uid") == teacher.login);
    CHECK(atMellon.value("ENTPersonStructRattach") == "0690001A");
    CHECK(atMellon.session.at("IDP") == e.sesame->baseUrl() + "/saml/metadata");

    const SpPage atShib = opensWithoutLogin(browser, e, e.shib);
    CHECK_FALSE(atShib.nameId.empty());
    CHECK(atShib.value("ENTPersonProfils") == "National_ENS");
    CHECK(atShib.value("uid") == teacher.login);
    // Persistent by default: two SPs, two identifiers that cannot be linked.
    CHECK(atShib.nameId != atMellon.nameId);
    CHECK(atShib.session.at("NameID-Format") == "persistent");
    CHECK(atShib.session.at("Shib-AuthnContext-Class") ==
          "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport");
}

namespace {

// The SAML message of Sesame's self-posting form.
std::string samlResponseOf(const Response& sesamePage) {
    auto form = findForm(sesamePage.body, std::size_t{0});
    REQUIRE(form);
    auto value = form->value("SAMLResponse");
    REQUIRE(value);
    return decodePostMessage(*value);
}

// xmlsec1 --verify, an independent implementation, on `xml` with the IdP's signing certificate.
bool xmlsecVerifies(SamlEnvironment& e, const std::string& xml, const std::string& idAttribute) {
    writeFile(e.idp.path() / "verify.xml", xml);
    auto metadata = readFile(e.idp.path() / "sesame.xml");
    auto start = metadata.find("<ds:X509Certificate>");
    REQUIRE(start != std::string::npos);
    start += std::string("<ds:X509Certificate>").size();
    auto base64 = metadata.substr(start, metadata.find("</ds:X509Certificate>", start) - start);
    std::string pem = "-----BEGIN CERTIFICATE-----\n";
    for (std::size_t i = 0; i < base64.size(); i += 64) pem += base64.substr(i, 64) + "\n";
    pem += "-----END CERTIFICATE-----\n";
    writeFile(e.idp.path() / "idp.crt", pem);
    ProcessSpec spec;
    spec.program = "xmlsec1";
    spec.args = {"--verify",     "--pubkey-cert-pem", (e.idp.path() / "idp.crt").string(),
                 "--id-attr:ID", idAttribute,         (e.idp.path() / "verify.xml").string()};
    spec.name = "xmlsec1";
    spec.logDir = e.idp.path();
    auto result = runCommand(spec, std::chrono::seconds(30));
    INFO(result.output);
    return result.exitCode == 0;
}

}  // namespace

TEST_CASE(
    "Sesame's metadata and error responses verify with xmlsec1; assertions are encrypted "
    "for SPs that publish a key",
    "[interop][ldap][redis]") {
    auto& e = env();
    CHECK(xmlsecVerifies(e, readFile(e.idp.path() / "sesame.xml"),
                         "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"));
    Browser browser = browserFor(e);
    auto toIdp = towardsIdp(browser, e.mellon.secureUrl(), e.mellon.baseUrl());
    REQUIRE(toIdp.isRedirect());
    auto portal = browser.follow(browser.get(toIdp.location()));
    auto answer = logIn(browser, portal, teacher, "demo", false);
    REQUIRE(answer.status == 200);
    const std::string response = samlResponseOf(answer);
    // Both SPs publish an encryption certificate: the assertion travels encrypted.
    CHECK(response.find("EncryptedAssertion") != std::string::npos);
    CHECK(response.find("ENTPersonProfils") == std::string::npos);
    CHECK(response.find("InResponseTo=\"") != std::string::npos);

    // The Shibboleth SP is registered for clear assertions with the Response signed too: both
    // signatures, written without xmlsec, verify with xmlsec1 and at the real SP.
    auto clear = browser.get(sentToSesame(browser, e, e.shib));
    const std::string clearResponse = samlResponseOf(clear);
    CHECK(clearResponse.find("EncryptedAssertion") == std::string::npos);
    CHECK(clearResponse.find("ENTPersonProfils") != std::string::npos);
    // (xmlsec1 checks the first signature, the Response's, which covers the signed assertion.)
    CHECK(xmlsecVerifies(e, clearResponse, "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
    CHECK(landsOnSp(browser, e, e.shib, clear).value("uid") == teacher.login);

    // IsPassive from another browser (no session): a signed NoPassive Response, no login page.
    Browser stranger = browserFor(e);
    auto passive = stranger.get(e.shib.loginUrl(e.shib.secureUrl(), false, true));
    for (int hop = 0;
         hop < 5 && passive.isRedirect() && passive.location().rfind(e.ssoUrl(), 0) != 0; ++hop)
        passive = stranger.get(passive.location());
    REQUIRE(passive.isRedirect());
    auto noPassive = stranger.get(passive.location());
    INFO(noPassive.body << e.logs());
    REQUIRE(noPassive.status == 200);
    const std::string refused = samlResponseOf(noPassive);
    CHECK(refused.find("urn:oasis:names:tc:SAML:2.0:status:NoPassive") != std::string::npos);
    CHECK(refused.find("Assertion") == std::string::npos);
    CHECK(xmlsecVerifies(e, refused, "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
}

TEST_CASE(
    "ForceAuthn makes a logged-in teacher type her password again; IsPassive with a "
    "session opens the page",
    "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.mellon);
    auto towards = [&](const std::string& url) {
        auto r = browser.get(url);
        for (int hop = 0; hop < 5 && r.isRedirect() && r.location().rfind(e.ssoUrl(), 0) != 0;
             ++hop)
            r = browser.get(r.location());
        REQUIRE(r.isRedirect());
        return r.location();
    };
    // IsPassive with the session: straight back to the SP, logged in.
    auto passive = browser.get(towards(e.shib.loginUrl(e.shib.secureUrl(), false, true)));
    auto page = postToSp(browser, passive);
    REQUIRE(page.status == 200);
    CHECK(readSpPage(page.body).value("uid") == teacher.login);
    // ForceAuthn: the portal's login form, although the session exists.
    auto forced = browser.follow(browser.get(towards(e.shib.loginUrl(e.shib.secureUrl(), true))));
    INFO(forced.url << "\n" << forced.body);
    CHECK(forced.url.rfind(e.sesame->baseUrl() + "/login?flow=", 0) == 0);
    auto again = logIn(browser, forced, teacher, "demo", false);
    auto landed = postToSp(browser, again);
    CHECK(landed.status == 200);
}

TEST_CASE("one logout at mod_auth_mellon ends the Shibboleth SP's and the CAS service's sessions",
          "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.mellon);
    opensWithoutLogin(browser, e, e.shib);
    const std::string app = e.cas->serviceUrl("app1");
    auto casPage = browser.follow(browser.get(app), 6);
    INFO(casPage.url << e.logs());
    REQUIRE(casPage.status == 200);
    REQUIRE(casPage.url.rfind(app, 0) == 0);

    // SP-initiated: Mellon's signed LogoutRequest to Sesame, Sesame's LogoutResponse back.
    const std::string returnTo = e.mellon.baseUrl() + "/ping";
    auto out = browser.follow(browser.get(e.mellon.logoutUrl(returnTo)), 10);
    INFO(out.url << " " << out.status << e.logs());
    bool viaSesame = false;
    for (const auto& hop : out.hops)
        if (hop.url.rfind(e.sesame->baseUrl() + "/saml/slo?", 0) == 0) viaSesame = true;
    CHECK(viaSesame);
    CHECK(out.url.rfind(returnTo, 0) == 0);

    CHECK(askedToLogIn(browser, e, e.mellon));
    CHECK(askedToLogIn(browser, e, e.shib));  // told on the back channel (SOAP)
    auto casAgain = browser.get(app);         // mod_auth_cas told by its logoutRequest
    REQUIRE(casAgain.isRedirect());
    CHECK(casAgain.location().rfind(e.sesame->casUrl() + "/login", 0) == 0);
    // And Sesame's own session is gone: a SAML login asks for the password again.
    auto toIdp = towardsIdp(browser, e.shib.secureUrl(), e.shib.baseUrl());
    auto portal = browser.follow(browser.get(toIdp.location()));
    CHECK(portal.url.rfind(e.sesame->baseUrl() + "/login?flow=", 0) == 0);
}

TEST_CASE("the portal's logout reaches both SAML SPs: SOAP to one, a frame to the other",
          "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.shib);
    opensWithoutLogin(browser, e, e.mellon);
    auto question = browser.get(e.sesame->baseUrl() + "/logout");
    auto form = findForm(question.body, "/logout");
    REQUIRE(form);
    auto done = browser.post(resolveUrl(question.url, form->action), form->fields);
    INFO(done.body << e.logs());
    REQUIRE(done.status == 200);
    CHECK(done.header("Cache-Control").value_or("").find("no-store") != std::string::npos);
    CHECK(textContent(done.body).find("Services SAML de test") != std::string::npos);
    CHECK(askedToLogIn(browser, e, e.shib));  // told on the back channel
    // Mellon's signed LogoutRequest is in a hidden frame of the page; its origin is allowed.
    const std::regex frame(R"re(<iframe class="slo"[^>]* src="([^"]+)")re");
    std::smatch found;
    REQUIRE(std::regex_search(done.body, found, frame));
    const std::string frameUrl = decodeEntities(found[1].str());
    CHECK(frameUrl.rfind(e.mellon.singleLogoutUrl() + "?SAMLRequest=", 0) == 0);
    CHECK(frameUrl.find("&Signature=") != std::string::npos);
    CHECK(done.header("Content-Security-Policy").value_or("").find(e.mellon.baseUrl()) !=
          std::string::npos);
    // What the browser does with the frame: Mellon ends its session and answers Sesame.
    auto answered = browser.follow(browser.get(frameUrl), 3);
    INFO(answered.url << " " << answered.status);
    CHECK(answered.url.rfind(e.sesame->baseUrl() + "/saml/slo?SAMLResponse=", 0) == 0);
    CHECK(askedToLogIn(browser, e, e.mellon));
}

TEST_CASE("a pupil refused by policy reads why, and the SP gets a RequestDenied Response",
          "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    auto toIdp = towardsIdp(browser, e.mellon.secureUrl(), e.mellon.baseUrl());
    REQUIRE(toIdp.isRedirect());
    auto portal = browser.follow(browser.get(toIdp.location()));
    auto refused = browser.follow(logIn(browser, portal, pupil, "demo", false), 3);
    INFO(refused.status << " " << refused.url << "\n" << refused.body << e.logs());
    REQUIRE(refused.status == 403);
    CHECK(textContent(refused.body).find("Accès refusé") != std::string::npos);
    CHECK(refused.header("Cache-Control").value_or("").find("no-store") != std::string::npos);
    // The page's way back to the service carries the SAML refusal, signed.
    auto back = findForm(refused.body, e.mellon.assertionConsumerUrl());
    REQUIRE(back);
    auto value = back->value("SAMLResponse");
    REQUIRE(value);
    const std::string response = decodePostMessage(*value);
    CHECK(response.find("urn:oasis:names:tc:SAML:2.0:status:RequestDenied") != std::string::npos);
    CHECK(response.find("Assertion") == std::string::npos);
    CHECK(xmlsecVerifies(e, response, "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
    // Mellon, given it, lets nobody in.
    auto atSp = browser.follow(browser.post(back->action, back->fields), 3);
    CHECK(atSp.url != e.mellon.secureUrl());
}

TEST_CASE("an SP that is down does not stop a logout from reaching the others",
          "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.mellon);
    opensWithoutLogin(browser, e, e.shib);
    const std::string app = e.cas->serviceUrl("app2");
    REQUIRE(browser.follow(browser.get(app), 6).url.rfind(app, 0) == 0);
    e.shib.stop();  // its SOAP endpoint now refuses connections
    const std::string returnTo = e.mellon.baseUrl() + "/ping";
    auto out = browser.follow(browser.get(e.mellon.logoutUrl(returnTo)), 10);
    INFO(out.url << e.logs());
    CHECK(out.url.rfind(returnTo, 0) == 0);
    CHECK(askedToLogIn(browser, e, e.mellon));
    auto casAgain = browser.get(app);
    REQUIRE(casAgain.isRedirect());
    CHECK(casAgain.location().rfind(e.sesame->casUrl() + "/login", 0) == 0);
    e.shib.start();
}

TEST_CASE("a CAS service's /cas/logout ends the SAML SPs' sessions too", "[interop][ldap][redis]") {
    auto& e = env();
    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.shib);
    opensWithoutLogin(browser, e, e.mellon);
    auto out = browser.follow(browser.get(e.sesame->casUrl() + "/logout"), 3);
    INFO(out.url << " " << out.status << e.logs());
    REQUIRE(out.status == 200);
    CHECK(askedToLogIn(browser, e, e.shib));  // SOAP
    // Mellon's LogoutRequest is in a frame of the logged-out page (front channel).
    const std::regex frame(R"re(<iframe class="slo"[^>]* src="([^"]+)")re");
    std::smatch found;
    REQUIRE(std::regex_search(out.body, found, frame));
    browser.follow(browser.get(decodeEntities(found[1].str())), 3);
    CHECK(askedToLogIn(browser, e, e.mellon));
}

TEST_CASE("an AuthnRequest over HTTP-POST from another site finds the session",
          "[interop][ldap][redis]") {
    auto& e = env();
    // A second Mellon that POSTs its AuthnRequests (the IdP metadata it reads offers no
    // Redirect SSO endpoint), registered with Sesame from its own metadata after a reload.
    MellonOptions options;
    options.postAuthnRequests = true;
    MellonService poster{options};
    std::filesystem::copy_file(poster.metadataFile(), e.services.path() / "poster.xml");
    auto registry = readFile(e.services.path() / "saml.yml");
    const std::string files = "      files: ['";
    registry.insert(registry.find(files) + files.size(),
                    (e.services.path() / "poster.xml").string() + "', '");
    writeFile(e.services.path() / "saml.yml", registry);
    e.sesame->reload();
    poster.setIdpMetadataFile(e.idp.path() / "sesame.xml");
    poster.start();

    Browser browser = browserFor(e);
    teacherLogsIn(browser, e, e.shib);  // a session at Sesame
    // Mellon's page: a form that posts the AuthnRequest to Sesame's SSO URL.
    auto page = browser.get(poster.secureUrl());
    for (int hop = 0; hop < 5 && page.isRedirect(); ++hop) page = browser.get(page.location());
    INFO(page.status << " " << page.url << "\n" << page.body << e.logs());
    auto form = findForm(page.body, "/saml/sso");
    REQUIRE(form);
    REQUIRE(form->has("SAMLRequest"));
    // The session cookie is SameSite=Lax: a real browser would not send it with this cross-site
    // POST. Sesame keeps the message and sends the browser back by a top-level GET, which does.
    const auto sid = browser.cookies().value("127.0.0.1", "__Host-SESAME");
    REQUIRE(sid);
    browser.cookies().remove("127.0.0.1", "__Host-SESAME");  // as the browser withholds it
    auto posted = browser.post(resolveUrl(page.url, form->action), form->fields);
    browser.cookies().store(Url::parse(e.sesame->baseUrl() + "/"),
                            "__Host-SESAME=" + *sid + "; Path=/; Secure; HttpOnly; SameSite=Lax");
    INFO(posted.status << " " << posted.location());
    REQUIRE(posted.isRedirect());
    CHECK(posted.location().find("/saml/sso?continue=") != std::string::npos);
    auto answer = browser.get(resolveUrl(posted.url, posted.location()));
    auto landed = postToSp(browser, answer);
    INFO(landed.url << "\n" << landed.body);
    REQUIRE(landed.status == 200);
    CHECK(landed.url == poster.secureUrl());
    CHECK(readSpPage(landed.body).value("uid") == teacher.login);
}
