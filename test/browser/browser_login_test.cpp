// The login a teacher does every morning, in a real browser: Debian's Chromium, headless, driven
// over WebDriver, opens the demo ENT service behind Apache httpd + mod_auth_cas, is sent to a real
// `sesame serve`, chooses who she is, types her login and password into the fields named by their
// labels, and lands back in the service. Then single sign-on into a second service, "Se
// déconnecter", the English page, a wrong password as a screen reader user meets it, and the
// pages on a phone 360 and 320 px wide.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>

#include "test/browser/webdriver.hpp"
#include "test/integration/sesame_instance.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/saml_sp.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {

const std::string teacherChoice = "Personnel de l'Éducation nationale";

// The demo's registry (its CAS catch-all for mod_auth_cas) and one SAML service: the SP's
// metadata file, as docs/saml.md tells an ENT vendor to register it.
std::filesystem::path registryWith(const TempDir& services, const MellonService& mellon,
                                   const ShibbolethService& shib) {
    std::filesystem::copy_file(sourceDir() / "etc" / "services" / "demo-loopback.yml",
                               services.path() / "demo-loopback.yml");
    writeFile(services.path() / "saml.yml",
              "services:\n"
              "  - id: test-saml\n"
              "    name: \"Service SAML de test\"\n"
              "    protocol: saml\n"
              "    url_pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}/.*$'\n"
              "    metadata:\n"
              "      files: ['" +
                  mellon.metadataFile().string() + "', '" + shib.metadataFile().string() +
                  "']\n"
                  "    release:\n"
                  "      uid: login\n"
                  "      ENTPersonProfils: profiles\n"
                  "      ENTPersonStructRattach: structures\n"
                  "    evaluation_order: 10\n");
    return services.path();
}

// Sesame's Response reaches the SP in a cross-site POST (https://127.0.0.1:<port> and
// http://127.0.0.1:<port> are two sites for Chromium): Mellon's own cookie must be SameSite=None.
MellonOptions mellonOptions() {
    MellonOptions options;
    options.crossSiteCookie = true;
    return options;
}

// signing="front": its LogoutRequests are signed, as SAML profiles §4.4.4.1 wants.
ShibbolethOptions shibbolethOptions() {
    ShibbolethOptions options;
    options.signAuthnRequests = true;
    return options;
}

SesameOptions sesameOptions(const std::filesystem::path& servicesDir) {
    SesameOptions options;
    options.redisAddress = requiredEnv("SESAME_TEST_REDIS");
    options.ldapUrl = requiredEnv("SESAME_TEST_LDAP");
    options.edits = {
        // Several cases type a wrong password for prof.herriot on purpose: room enough that none
        // of them meets the throttling page instead of the message under test.
        {"per_account: { attempts: 5", "per_account: { attempts: 50"},
        {"services_dir: " + (sourceDir() / "etc" / "services").string(),
         "services_dir: " + servicesDir.string()}};
    return options;
}

ApacheCasOptions apacheOptions(const SesameInstance& sesame) {
    ApacheCasOptions options;
    options.casBaseUrl = sesame.casUrl();
    options.caFile = sesame.caFile();
    return options;
}

// One chromedriver, one Sesame, one Apache (mod_auth_cas) and one SAML SP (mod_auth_mellon) for
// the whole file; each test case opens its own Chromium (own profile, so no cookie crosses from
// one case to another). The SP is prepared first (its key and metadata, for Sesame's registry),
// then started with Sesame's /saml/metadata.
struct BrowserEnvironment {
    TempDir dir{"sesame-browser"};
    ChromeDriver driver{dir.path()};  // first: a missing browser fails before servers start
    TempDir services{"sesame-browser-services"};
    MellonService mellon{mellonOptions()};
    ShibbolethService shib{shibbolethOptions()};
    SesameInstance sesame{sesameOptions(registryWith(services, mellon, shib))};
    ApacheCasService apache{apacheOptions(sesame)};
    int windows = 0;

    BrowserEnvironment() {
        Browser fetch{BrowserOptions{sesame.caFile()}};
        auto metadata = fetch.get(sesame.baseUrl() + "/saml/metadata");
        if (metadata.status != 200) throw HarnessError("no IdP metadata:\n" + sesame.logTail());
        writeFile(dir / "sesame-idp.xml", metadata.body);
        mellon.setIdpMetadataFile(dir / "sesame-idp.xml");
        mellon.start();
        shib.setIdpMetadataFile(dir / "sesame-idp.xml");
        shib.start();
        if (const char* keep = std::getenv("SESAME_KEEP_TEST_DIRS"); keep && *keep == '1')
            std::cerr << "browser test files (screenshots, chromedriver.log): " << dir.path()
                      << "\n";
    }
    WindowOptions window(std::optional<std::pair<int, int>> phone = std::nullopt) {
        return WindowOptions{dir / ("chromium-" + std::to_string(++windows)), phone};
    }
};

BrowserEnvironment& env() {
    static BrowserEnvironment environment;
    return environment;
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

bool onSesame(BrowserWindow& w) {
    return startsWith(w.url(), env().sesame.baseUrl() + "/");
}

// Opens a location of the demo service; mod_auth_cas sends a browser without a session to Sesame.
void openService(BrowserWindow& w, const std::string& location) {
    w.open(env().apache.serviceUrl(location));
}

void waitForService(BrowserWindow& w, const std::string& location) {
    const std::string service = env().apache.serviceUrl(location);
    w.waitFor([&] { return startsWith(w.url(), service); }, "the browser to land on " + service);
}

// The choice page, then the teacher's login form, as a person clicks through them.
void reachTeacherForm(BrowserWindow& w) {
    openService(w, "app1");
    REQUIRE(onSesame(w));
    w.click(w.link(teacherChoice));
    REQUIRE(spaced(w.text(w.heading())) == teacherChoice);
}

void submitLogin(BrowserWindow& w, const std::string& loginLabel, const std::string& passwordLabel,
                 const std::string& submitText, const std::string& login,
                 const std::string& password) {
    w.type(w.fieldLabelled(loginLabel), login);
    w.type(w.fieldLabelled(passwordLabel), password);
    w.click(w.button(submitText));
}

// WCAG 2.1 SC 1.4.10 (Reflow): no horizontal scrolling at a phone's width.
void checkFitsWidth(BrowserWindow& w, int width, const std::string& page) {
    INFO(page << " at " << w.url());
    CHECK(w.viewportWidth() == width);  // the viewport meta is honoured: not a 980 px layout
    CHECK(w.scrollWidth() <= w.viewportWidth());
}

// WCAG 2.2 SC 2.5.8 (Target Size, Minimum): every link and button is at least 24 x 24 CSS px,
// measured as laid out (getBoundingClientRect). The criterion also accepts a smaller target with
// enough space around it; Sesame does not lean on that exception, which a longer translation,
// a zoom or a narrower phone can break, and makes every target big enough by itself.
void checkTargetSizes(BrowserWindow& w, const std::string& page) {
    auto found = w.script(R"js(
const targets = [...document.querySelectorAll('a, button')].filter(e => {
  const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
const bad = [];
for (const e of targets) {
  const r = e.getBoundingClientRect();
  if (r.width < 24 || r.height < 24)
    bad.push(e.tagName.toLowerCase() + ' "' + e.textContent.trim() + '" ' +
             r.width.toFixed(1) + 'x' + r.height.toFixed(1));
}
return {count: targets.length, bad: bad};
)js");
    const auto& result = found.as_object();
    INFO(page << " at " << w.url());
    CHECK(result.at("count").to_number<double>() > 0);
    for (const auto& item : result.at("bad").as_array()) {
        INFO("too small: " << item.as_string().c_str());
        CHECK(false);
    }
}

}  // namespace

TEST_CASE("every link and button a person taps is at least 24 x 24 px, on every portal page",
          "[interop][browser][ldap][redis]") {
    BrowserWindow w(env().driver, env().window());
    openService(w, "app1");
    REQUIRE(onSesame(w));
    checkTargetSizes(w, "choice page");
    w.click(w.link(teacherChoice));
    checkTargetSizes(w, "login form");  // with "Choisir un autre profil de connexion"
    submitLogin(w, "Identifiant", "Mot de passe", "Se connecter", "prof.herriot", "wrong");
    w.waitFor([&] { return w.find("[role=alert]").has_value(); }, "the login error");
    checkTargetSizes(w, "login error");
    w.type(w.fieldLabelled("Mot de passe"), "demo");
    w.click(w.button("Se connecter"));
    waitForService(w, "app1");
    w.open(env().sesame.baseUrl() + "/login");
    checkTargetSizes(w, "signed-in page");
    w.open(env().sesame.baseUrl() + "/logout");
    checkTargetSizes(w, "logout question");
    w.click(w.button("Se déconnecter"));
    w.waitFor([&] { return !w.find("button").has_value(); }, "the logged-out page");
    checkTargetSizes(w, "logged-out page");
    w.open(env().sesame.baseUrl() + "/no-such-page");
    checkTargetSizes(w, "error page");
}

TEST_CASE("a teacher logs in, opens a second service without typing, and logs out",
          "[interop][browser][ldap][redis]") {
    BrowserWindow w(env().driver, env().window());

    openService(w, "app1");
    REQUIRE(onSesame(w));
    CHECK(w.language() == "fr");
    CHECK(spaced(w.text(w.heading())) == "Qui êtes-vous ?");
    CHECK(spaced(w.title()).find("Qui êtes-vous ?") != std::string::npos);

    w.click(w.link(teacherChoice));
    CHECK(spaced(w.text(w.heading())) == teacherChoice);
    // The fields a person and a screen reader find by their labels.
    auto login = w.fieldLabelled("Identifiant");
    auto password = w.fieldLabelled("Mot de passe");
    CHECK(w.accessibleName(login) == "Identifiant");
    CHECK(w.accessibleName(password) == "Mot de passe");
    CHECK(w.attribute(login, "autocomplete") == "username");
    CHECK(w.attribute(password, "autocomplete") == "current-password");
    CHECK(w.attribute(password, "type") == "password");

    w.type(login, "prof.herriot");
    w.type(password, "demo");
    w.click(w.button("Se connecter"));
    waitForService(w, "app1");
    {
        auto shown = w.pageText();
        INFO(shown);
        CHECK(w.text(*w.find("#remote-user")) == "prof.herriot");
        CHECK(shown.find("National_ENS") != std::string::npos);
        CHECK(shown.find("0690001A") != std::string::npos);
    }

    // Single sign-on: the second service opens with nothing typed.
    openService(w, "app2");
    waitForService(w, "app2");
    CHECK(w.text(*w.find("#remote-user")) == "prof.herriot");

    // "Se déconnecter" on the service page ends Sesame's session and both services'.
    w.click(w.link("Se déconnecter"));
    w.waitFor([&] { return onSesame(w); }, "the logout to end on Sesame");
    for (const char* location : {"app1", "app2"}) {
        INFO(location);
        openService(w, location);
        CHECK(onSesame(w));
        CHECK(spaced(w.text(w.heading())) == "Qui êtes-vous ?");
        CHECK(!w.find("#remote-user"));
    }
}

TEST_CASE("the login page switches to English with its link, and works from the keyboard alone",
          "[interop][browser][ldap][redis]") {
    BrowserWindow w(env().driver, env().window());
    reachTeacherForm(w);

    auto toEnglish = w.link("English");
    CHECK(w.attribute(toEnglish, "lang") == "en");  // read with English pronunciation (3.1.2)
    CHECK(w.attribute(toEnglish, "hreflang") == "en");
    w.click(toEnglish);
    CHECK(w.language() == "en");
    CHECK(spaced(w.text(w.heading())) == "Education staff");
    CHECK(spaced(w.title()).find("Sign in") != std::string::npos);
    CHECK(w.attribute(w.link("Français"), "lang") == "fr");

    // A person who uses no mouse (WCAG 2.1.1, 2.4.3): the page opens with the focus on the
    // username, Tab goes on to the password, Enter submits. The focused field shows a ring (2.4.7).
    auto username = w.fieldLabelled("Username");
    auto password = w.fieldLabelled("Password");
    REQUIRE(w.same(w.focused(), username));
    CHECK(w.cssValue(username, "outline-style") == "solid");
    w.press("prof.herriot");
    w.press(keys::tab);
    REQUIRE(w.same(w.focused(), password));
    w.press("demo");
    w.press(keys::enter);

    // The switch kept the login flow: signing in from the English page reaches the service.
    waitForService(w, "app1");
    CHECK(w.text(*w.find("#remote-user")) == "prof.herriot");
}

TEST_CASE("a wrong password is announced as an alert and tied to the fields",
          "[interop][browser][ldap][redis]") {
    BrowserWindow w(env().driver, env().window());
    reachTeacherForm(w);
    submitLogin(w, "Identifiant", "Mot de passe", "Se connecter", "prof.herriot", "wrong");
    w.waitFor([&] { return w.find("[role=alert]").has_value(); }, "the login error");

    CHECK(onSesame(w));
    auto alert = *w.find("[role=alert]");
    CHECK(w.role(alert) == "alert");  // announced when it appears (WCAG 4.1.3)
    CHECK(spaced(w.text(alert)) == "Erreur : Identifiant ou mot de passe incorrect.");
    CHECK(startsWith(spaced(w.title()), "Erreur :"));  // the first thing read on the new page

    const auto alertId = w.attribute(alert, "id");
    REQUIRE(alertId);
    auto login = w.fieldLabelled("Identifiant");
    auto password = w.fieldLabelled("Mot de passe");
    for (const auto& field : {login, password}) {
        CHECK(w.attribute(field, "aria-describedby") == *alertId);
        CHECK(w.attribute(field, "aria-invalid") == "true");
    }
    // The login is kept, the password is not written back into the page.
    CHECK(w.property(login, "value") == "prof.herriot");
    CHECK(w.property(password, "value").empty());

    // The right password, typed again, lets her in.
    w.type(password, "demo");
    w.click(w.button("Se connecter"));
    waitForService(w, "app1");
    CHECK(w.text(*w.find("#remote-user")) == "prof.herriot");
}

// After a failed login the page loads with the focus on the password to type again, whose
// aria-describedby reads the error out (WCAG 2.4.3, 4.1.3), without any script.
TEST_CASE("after a wrong password the focus is on the field to correct",
          "[interop][browser][ldap][redis]") {
    BrowserWindow w(env().driver, env().window());
    reachTeacherForm(w);
    submitLogin(w, "Identifiant", "Mot de passe", "Se connecter", "prof.herriot", "wrong");
    w.waitFor([&] { return w.find("[role=alert]").has_value(); }, "the login error");
    auto focused = w.focused();
    INFO("focused: " << w.markup(focused).substr(0, 200));
    CHECK(w.same(focused, w.fieldLabelled("Mot de passe")));
}

// WCAG 2.1 SC 1.4.10 (Reflow): 360 px is a common phone, 320 px the width the criterion names.
TEST_CASE("on a phone Sesame's pages fit the width (screenshots in the test directory)",
          "[interop][browser][ldap][redis]") {
    for (int width : {360, 320}) {
        DYNAMIC_SECTION(width << " px") {
            const bool shots = width == 360;
            auto shot = [&](BrowserWindow& w, const std::string& name) {
                if (shots) w.screenshot(env().dir / (name + "-360x800.png"));
            };
            BrowserWindow w(env().driver, env().window(std::pair{width, 800}));
            openService(w, "app1");
            REQUIRE(onSesame(w));
            checkFitsWidth(w, width, "choice page");
            checkTargetSizes(w, "choice page");
            shot(w, "choice");

            w.click(w.link(teacherChoice));
            checkFitsWidth(w, width, "login form");
            checkTargetSizes(w, "login form");
            shot(w, "login");

            submitLogin(w, "Identifiant", "Mot de passe", "Se connecter", "prof.herriot", "wrong");
            w.waitFor([&] { return w.find("[role=alert]").has_value(); }, "the login error");
            checkFitsWidth(w, width, "login error");
            shot(w, "login-error");

            w.click(w.link("English"));
            checkFitsWidth(w, width, "English login form");

            submitLogin(w, "Username", "Password", "Sign in", "prof.herriot", "demo");
            waitForService(w, "app1");
            shot(w, "service");

            // The portal's logout asks first; its button POSTs the form.
            w.open(env().sesame.baseUrl() + "/logout");
            checkFitsWidth(w, width, "logout question");
            checkTargetSizes(w, "logout question");
            shot(w, "logout-question");
            w.click(w.button("Sign out"));
            // Read in one script: an element found before the navigation would be stale.
            w.waitFor(
                [&] {
                    auto h1 = w.script(
                        "const h = document.querySelector('h1');"
                        "return h ? h.textContent.replace(/\\s+/g, ' ').trim() : '';");
                    return h1.is_string() && h1.as_string() == "You are signed out";
                },
                "the logged-out page");
            checkFitsWidth(w, width, "logged-out page");
            shot(w, "logged-out");
        }
    }
}

namespace {

bool onSp(BrowserWindow& w, const std::string& secureUrl) {
    return startsWith(w.url(), secureUrl);
}

// Waits for the SP's protected page; says where the browser stopped instead.
void waitForSp(BrowserWindow& w, const std::string& secureUrl) {
    try {
        w.waitFor([&] { return onSp(w, secureUrl); }, "the SAML service's page " + secureUrl);
    } catch (const HarnessError& e) {
        throw HarnessError(std::string(e.what()) + "\nstopped at " + w.url() + ":\n" +
                           w.pageText() + "\n--- sesame\n" + env().sesame.logTail(20) +
                           "--- mellon\n" + env().mellon.errorLogTail(10) + "--- shibd\n" +
                           env().shib.shibdLogTail(10));
    }
}

// The SP's protected page as shown (its markup, which readSpPage() reads).
SpPage spPage(BrowserWindow& w) {
    auto html = w.script("return document.documentElement.outerHTML;");
    REQUIRE(html.is_string());
    return readSpPage(std::string(html.as_string()));
}

// Logged in at the CAS service /app1/ by typing in the portal, as every morning.
void teacherLogsInAtCasService(BrowserWindow& w) {
    reachTeacherForm(w);
    submitLogin(w, "Identifiant", "Mot de passe", "Se connecter", "prof.herriot", "demo");
    waitForService(w, "app1");
    REQUIRE(w.text(*w.find("#remote-user")) == "prof.herriot");
}

}  // namespace

// One single sign-on across protocols (issue 8): logged in for a CAS service, the teacher opens a
// SAML service provider (mod_auth_mellon), then a second (the Shibboleth SP), without typing
// anything; Mellon's "Se déconnecter" (a signed LogoutRequest to Sesame) ends the CAS service's
// session too (its back-channel logoutRequest), and the Shibboleth SP's (SOAP).
TEST_CASE(
    "logged in at a CAS service, a teacher opens two SAML services without typing, and one "
    "logout at a SAML service ends all three",
    "[interop][browser][ldap][redis]") {
    auto& e = env();
    BrowserWindow w(e.driver, e.window());
    teacherLogsInAtCasService(w);

    // Mellon sends her to Sesame with an AuthnRequest; Sesame answers at once with a form that
    // posts itself to the SP: no page of Sesame's waits for her.
    w.open(e.mellon.secureUrl());
    waitForSp(w, e.mellon.secureUrl());
    {
        const SpPage page = spPage(w);
        INFO(w.pageText() << "\n--- sesame\n" << e.sesame.logTail(20));
        CHECK(page.value("uid") == "prof.herriot");
        CHECK(page.attributes.count("ENTPersonProfils") == 1);
        CHECK(page.value("ENTPersonProfils") == "National_ENS");
        CHECK(page.value("ENTPersonStructRattach") == "0690001A");
    }

    // And the Shibboleth SP, the same way.
    w.open(e.shib.secureUrl());
    waitForSp(w, e.shib.secureUrl());
    CHECK(spPage(w).value("uid") == "prof.herriot");
    CHECK(spPage(w).value("ENTPersonProfils") == "National_ENS");

    // "Se déconnecter" at mod_auth_mellon: /mellon/logout, a LogoutRequest to Sesame, which ends
    // every service of the session and answers the SP, which sends her to its home page.
    w.open(e.mellon.secureUrl());
    REQUIRE(onSp(w, e.mellon.secureUrl()));
    w.click(w.link("Se déconnecter"));
    const std::string spHome = e.mellon.baseUrl() + "/";
    w.waitFor([&] { return w.url() == spHome; }, "the SP's logout to end at " + spHome);

    // mod_auth_cas was told: /app1/ sends her to Sesame, which asks who she is again.
    openService(w, "app1");
    CHECK(onSesame(w));
    CHECK(spaced(w.text(w.heading())) == "Qui êtes-vous ?");
    CHECK(!w.find("#remote-user"));
    // Both SPs' sessions (the Shibboleth SP told on the back channel, SOAP) and Sesame's are
    // gone too: each SP sends her to Sesame, which asks again.
    for (const auto& secure : {e.mellon.secureUrl(), e.shib.secureUrl()}) {
        INFO(secure);
        w.open(secure);
        CHECK(onSesame(w));
        CHECK(spaced(w.text(w.heading())) == "Qui êtes-vous ?");
    }
}

// The Response goes to the SP in a form that posts itself (SAML HTTP-POST binding); without
// JavaScript the form shows a "Continuer" button that does it (issue 8, point 3).
TEST_CASE("without JavaScript, Sesame's form to the SAML service has a Continuer button",
          "[interop][browser][ldap][redis]") {
    auto& e = env();
    BrowserWindow w(e.driver, e.window(std::pair{360, 800}));
    teacherLogsInAtCasService(w);

    w.setPageScripts(false);
    w.open(e.mellon.secureUrl());
    REQUIRE(onSesame(w));  // the form stays: no script submits it
    CHECK(w.language() == "fr");
    CHECK(spaced(w.pageText()).find("Vous allez être renvoyé vers le service.") !=
          std::string::npos);
    auto button = w.button("Continuer");
    CHECK(w.role(button) == "button");
    CHECK(w.title() == "Retour au service – Sesame");
    checkFitsWidth(w, 360, "saml-continue");
    checkTargetSizes(w, "saml-continue");
    w.screenshot(e.dir / "saml-continue-360x800.png");
    // Scripts back on do not run the page's again: the button alone posts the form.
    w.setPageScripts(true);
    w.click(button);
    waitForSp(w, e.mellon.secureUrl());
    CHECK(spPage(w).value("ENTPersonProfils") == "National_ENS");
    w.screenshot(e.dir / "saml-service-360x800.png");
}
