// Sesame as a SAML 2.0 identity provider for real service providers, used unchanged as an ENT
// vendor would: Apache httpd + mod_auth_mellon and the Shibboleth SP (shibd + mod_shib), from
// test/support, against a real Sesame, the demo slapd and a real Redis. Both SPs are configured
// from Sesame's own /saml/metadata, and Sesame from their generated metadata, as docs/saml.md
// tells a vendor to do. A CAS service (mod_auth_cas) shares the single sign-on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>

#include "test/integration/demo_people.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

// The registry of this test: the demo's CAS catch-all and one SAML service for both SPs.
std::string samlService(const MellonService& mellon, const ShibbolethService& shib) {
    return "services:\n"
           "  - id: test-saml\n"
           "    name: \"Services SAML de test\"\n"
           "    protocol: saml\n"
           "    url_pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}/.*$'\n"
           "    metadata:\n"
           "      files: ['" +
           mellon.metadataFile().string() + "', '" + shib.metadataFile().string() +
           "']\n"
           "    name_id_formats: [persistent, transient, emailAddress, unspecified]\n"
           "    user_attribute: login\n"
           "    release:\n"
           "      uid: login\n"
           "      mail: email\n"
           "      ENTPersonProfils: profiles\n"
           "      ENTPersonStructRattach: structures\n"
           "      habilitation: habilitation\n"
           "    evaluation_order: 10\n";
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
        writeFile(services.path() / "saml.yml", samlService(mellon, shib));
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
template <class Sp>
SpPage teacherLogsIn(Browser& browser, SamlEnvironment& e, Sp& sp) {
    auto toIdp = towardsIdp(browser, sp.secureUrl(), sp.baseUrl());
    INFO(toIdp.status << " " << toIdp.location() << e.logs());
    REQUIRE(toIdp.isRedirect());
    REQUIRE(toIdp.location().rfind(e.ssoUrl() + "?", 0) == 0);
    auto portal = browser.follow(browser.get(toIdp.location()));
    auto answer = logIn(browser, portal, teacher, "demo", false);
    auto page = postToSp(browser, answer);
    INFO(page.status << " " << page.url << "\n" << page.body << e.logs());
    REQUIRE(page.status == 200);
    REQUIRE(page.url == sp.secureUrl());
    return readSpPage(page.body);
}

// With a Sesame session: the SP's page opens without a login page.
template <class Sp>
SpPage opensWithoutLogin(Browser& browser, SamlEnvironment& e, Sp& sp) {
    auto toIdp = towardsIdp(browser, sp.secureUrl(), sp.baseUrl());
    INFO(toIdp.status << " " << toIdp.location() << e.logs());
    REQUIRE(toIdp.isRedirect());
    REQUIRE(toIdp.location().rfind(e.ssoUrl() + "?", 0) == 0);
    auto answer = browser.get(toIdp.location());  // no portal page: Sesame answers at once
    auto page = postToSp(browser, answer);
    INFO(page.status << " " << page.url << "\n" << page.body << e.logs());
    REQUIRE(page.status == 200);
    REQUIRE(page.url == sp.secureUrl());
    return readSpPage(page.body);
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
