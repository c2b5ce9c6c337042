#include <catch2/catch.hpp>
#include <regex>

#include "gateway/portal/pages.hpp"

using namespace sesame;
using portal::Language;

namespace {

const std::string evil = "<script>alert(\"x\")</script>&'";

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

portal::PageContext context(Language language, std::string path = "/login",
                            core::Parameters query = {}) {
    portal::PageContext c;
    c.language = language;
    c.path = std::move(path);
    c.query = std::move(query);
    return c;
}

portal::DirectoryChoice academie() {
    return {"academie", {"Personnel de l'Éducation nationale", "Education staff"}, {"academie"}};
}

portal::LoginView loginView(portal::LoginError error = portal::LoginError::none) {
    portal::LoginView v;
    v.flowId = "F123";
    v.csrfToken = "C456";
    v.choice = academie();
    v.serviceName = "ENT démo";
    v.error = error;
    return v;
}

portal::DenyView denyView() {
    portal::DenyView v;
    v.serviceName = "Vie scolaire";
    v.kind = portal::DenyKind::profile;
    v.expected = {"National_ENS", "National_DIR"};
    v.actual = "National_ELV";
    v.displayName = "Jules Herriot";
    return v;
}

// What every page must be, whatever it says (RGAA 8.3, 8.5, 8.6; WCAG 3.1.1, 1.4.10, 2.4.2).
void checkShell(const core::HttpResponse& r, Language language, int status) {
    INFO(r.body);
    CHECK(r.status == status);
    CHECK(core::findParameter(r.headers, "Content-Type") == "text/html; charset=utf-8");
    CHECK(r.authenticationPage);
    CHECK(r.body.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(has(r.body, language == Language::fr ? "<html lang=\"fr\">" : "<html lang=\"en\">"));
    CHECK(count(r.body, "<h1>") == 1);
    CHECK(count(r.body, "<title>") == 1);
    CHECK(has(r.body, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    CHECK(has(r.body, "<link rel=\"stylesheet\" href=\"/static/sesame.css?v="));
    CHECK_FALSE(has(r.body, "<script"));
    CHECK_FALSE(has(r.body, "style="));  // CSP style-src 'self': no inline style
    CHECK_FALSE(has(r.body, "http://"));
    CHECK_FALSE(has(r.body, "https://"));  // no external resource
}

std::vector<core::HttpResponse> everyPage(Language language, const std::string& value) {
    auto c = context(language, "/login", {{"flow", value}});
    portal::ChoiceView choice{value, value, {{"x", {value, value}, {"d"}}}};
    auto login = loginView(portal::LoginError::failed);
    login.login = value;
    login.serviceName = value;
    login.flowId = value;
    login.csrfToken = value;
    login.choice.label = {value, value};
    auto deny = denyView();
    deny.serviceName = value;
    deny.displayName = value;
    deny.expected = {value};
    deny.actual = value;
    auto level = deny;
    level.kind = portal::DenyKind::level;
    return {portal::renderChoice(c, choice),
            portal::renderLogin(c, login),
            portal::renderDeny(c, deny),
            portal::renderDeny(c, level),
            portal::renderError(c, {400, "error.service_unknown", value}),
            portal::renderLoggedOut(c, {{value}}),
            portal::renderSession(c, {value, value, value, value}),
            portal::renderLogoutQuestion(c, {value}),
            portal::renderUnavailable(c)};
}

}  // namespace

TEST_CASE("every page renders in French and in English with the shared accessible shell",
          "[unit]") {
    for (Language language : {Language::fr, Language::en}) {
        auto c = context(language);
        checkShell(portal::renderChoice(c, {"F", "ENT", {academie()}}), language, 200);
        checkShell(portal::renderLogin(c, loginView()), language, 200);
        checkShell(portal::renderDeny(c, denyView()), language, 403);
        checkShell(portal::renderError(c, {404, "error.not_found", ""}), language, 404);
        checkShell(portal::renderLoggedOut(c, {{"ENT démo"}}), language, 200);
        checkShell(portal::renderSession(c, {"Marie Curie", "National_ENS", "0690001A"}), language,
                   200);
        checkShell(portal::renderLogoutQuestion(c, {"T"}), language, 200);
        checkShell(portal::renderUnavailable(c), language, 503);
    }
}

TEST_CASE("the pages speak the person's language", "[unit]") {
    auto fr = context(Language::fr), en = context(Language::en);
    CHECK(has(portal::renderChoice(fr, {"F", "", {academie()}}).body, "Qui êtes-vous"));
    CHECK(has(portal::renderChoice(en, {"F", "", {academie()}}).body, "Who are you?"));
    CHECK(has(portal::renderDeny(fr, denyView()).body, "Accès refusé"));
    CHECK(has(portal::renderDeny(en, denyView()).body, "Access denied"));
    CHECK(has(portal::renderLoggedOut(fr, {}).body, "Vous êtes déconnecté·e"));
    CHECK(has(portal::renderLoggedOut(en, {}).body, "You are signed out"));
    CHECK(core::findParameter(portal::renderLoggedOut(en, {}).headers, "Content-Language") == "en");
}

TEST_CASE("the directory choice page offers one link per choice, to its login form", "[unit]") {
    portal::ChoiceView view{
        "F 1&2",
        "Pronote",
        {academie(), {"famille", {"Élève ou parent", "Pupil or parent"}, {"ent"}}}};
    auto fr = portal::renderChoice(context(Language::fr), view).body;
    CHECK(has(fr, "href=\"/login?flow=F%201%262&amp;choice=academie\""));
    CHECK(has(fr, "href=\"/login?flow=F%201%262&amp;choice=famille\""));
    CHECK(has(fr, ">Personnel de l&#39;Éducation nationale</a>"));
    CHECK(has(fr, "Pour accéder au service « Pronote »"));
    auto en = portal::renderChoice(context(Language::en), view).body;
    CHECK(has(en, ">Pupil or parent</a>"));
    CHECK(has(en, "To access “Pronote”"));
}

TEST_CASE("the login form: labelled fields, hidden flow and csrf, POST to /login", "[unit]") {
    for (Language language : {Language::fr, Language::en}) {
        auto body = portal::renderLogin(context(language), loginView()).body;
        INFO(body);
        CHECK(has(body, "<form method=\"post\" action=\"/login\">"));
        CHECK(has(body, "<label for=\"login\">"));
        CHECK(has(body, "<input type=\"text\" id=\"login\" name=\"login\""));
        CHECK(has(body, "autocomplete=\"username\""));
        CHECK(has(body, "<label for=\"password\">"));
        CHECK(has(body, "<input type=\"password\" id=\"password\" name=\"password\""));
        CHECK(has(body, "autocomplete=\"current-password\""));
        CHECK(has(body, "<input type=\"hidden\" name=\"flow\" value=\"F123\">"));
        CHECK(has(body, "<input type=\"hidden\" name=\"csrf\" value=\"C456\">"));
        CHECK(has(body, "<input type=\"hidden\" name=\"choice\" value=\"academie\">"));
        CHECK(has(body, "href=\"/login?flow=F123\""));  // back to the choice page
        CHECK_FALSE(has(body, "role=\"alert\""));
    }
    auto fr = portal::renderLogin(context(Language::fr), loginView()).body;
    CHECK(has(fr, "<h1>Personnel de l&#39;Éducation nationale</h1>"));
    CHECK(has(fr, ">Identifiant</label>"));
    CHECK(has(fr, ">Mot de passe</label>"));
    auto en = portal::renderLogin(context(Language::en), loginView()).body;
    CHECK(has(en, "<h1>Education staff</h1>"));
    CHECK(has(en, ">Username</label>"));
}

TEST_CASE("every label of every page is bound to an input that exists", "[unit]") {
    auto body =
        portal::renderLogin(context(Language::fr), loginView(portal::LoginError::failed)).body;
    std::regex label(R"re(<label for="([^"]+)">)re");
    int labels = 0;
    for (std::sregex_iterator it(body.begin(), body.end(), label), end; it != end; ++it) {
        ++labels;
        CHECK(has(body, "id=\"" + (*it)[1].str() + "\" name="));
    }
    CHECK(labels == 2);
    CHECK(count(body, "<input ") == 5);  // 3 hidden + 2 labelled
}

TEST_CASE("a failed login: one announced message, linked to the fields, login kept", "[unit]") {
    auto view = loginView(portal::LoginError::failed);
    view.login = "prof.herriot";
    auto r = portal::renderLogin(context(Language::fr), view);
    CHECK(r.status == 401);
    CHECK(has(r.body, "<div class=\"alert\" role=\"alert\" id=\"login-error\">"));
    CHECK(has(r.body, "<strong>Erreur\u00A0:</strong> Identifiant ou mot de passe incorrect."));
    CHECK(count(r.body, "aria-describedby=\"login-error\"") == 2);
    CHECK(count(r.body, "aria-invalid=\"true\"") == 2);
    CHECK(has(r.body, "name=\"login\" value=\"prof.herriot\""));
    CHECK(has(r.body, "<title>Erreur\u00A0: "));  // the title says it too (WCAG 3.3.1)
    std::regex password(R"re(<input type="password"[^>]*>)re");
    std::smatch m;
    REQUIRE(std::regex_search(r.body, m, password));
    CHECK_FALSE(has(m.str(), "value="));  // the password is never written back
    auto en = portal::renderLogin(context(Language::en), view).body;
    CHECK(has(en, "<strong>Error:</strong> Incorrect username or password."));
}

TEST_CASE("the focus starts on the field to fill: the login, then the password after a failure",
          "[unit]") {
    auto first = portal::renderLogin(context(Language::fr), loginView()).body;
    CHECK(has(first, "name=\"login\" value=\"\" autocomplete=\"username\""));
    CHECK(first.find("autofocus") == first.rfind("autofocus"));  // exactly one
    CHECK(first.find("autofocus") < first.find("id=\"password\""));
    auto view = loginView(portal::LoginError::failed);
    view.login = "prof.herriot";
    auto failed = portal::renderLogin(context(Language::fr), view).body;
    CHECK(failed.find("autofocus") != std::string::npos);
    CHECK(failed.find("autofocus") > failed.find("id=\"password\""));
    CHECK(failed.find("autofocus") == failed.rfind("autofocus"));
}

TEST_CASE("the failure message is the same whether the account exists or not", "[unit]") {
    // The view cannot even say which: whatever the app saw, the page differs only by the login
    // typed, which the person already knows.
    auto known = loginView(portal::LoginError::failed);
    known.login = "prof.herriot";
    auto unknown = loginView(portal::LoginError::failed);
    unknown.login = "nobody.at.all";
    for (Language language : {Language::fr, Language::en}) {
        auto a = portal::renderLogin(context(language), known);
        auto b = portal::renderLogin(context(language), unknown);
        CHECK(a.status == b.status);
        CHECK(a.headers == b.headers);
        std::string bodyB = b.body;
        bodyB.replace(bodyB.find("nobody.at.all"), 13, "prof.herriot");
        CHECK(a.body == bodyB);
    }
}

TEST_CASE("throttling says when to retry, in the person's language", "[unit]") {
    auto view = loginView(portal::LoginError::throttled);
    view.retryMinutes = 15;
    auto fr = portal::renderLogin(context(Language::fr), view);
    CHECK(fr.status == 429);
    CHECK(has(fr.body, "Trop de tentatives. Réessayez dans 15\u00A0minutes."));
    CHECK(core::findParameter(fr.headers, "Retry-After") == "900");
    auto en = portal::renderLogin(context(Language::en), view);
    CHECK(has(en.body, "Too many attempts. Try again in 15 minutes."));
    view.retryMinutes = 1;
    CHECK(has(portal::renderLogin(context(Language::en), view).body, "Try again in 1 minute."));
}

TEST_CASE("a login storm says in how many seconds to retry, with the login kept", "[unit]") {
    auto view = loginView(portal::LoginError::busy);
    view.login = "prof.herriot";
    view.retrySeconds = 5;
    auto fr = portal::renderLogin(context(Language::fr), view);
    CHECK(fr.status == 503);
    CHECK(core::findParameter(fr.headers, "Retry-After") == "5");
    CHECK(has(fr.body, "Beaucoup de personnes se connectent en ce moment."));
    CHECK(has(fr.body, "réessayez dans 5\u00A0secondes."));
    CHECK(has(fr.body, "value=\"prof.herriot\""));
    // The password is typed again: it has the focus and the message.
    CHECK(has(fr.body,
              "autocomplete=\"current-password\" required aria-describedby=\"login-error\" "
              "autofocus"));
    auto en = portal::renderLogin(context(Language::en), view);
    CHECK(has(en.body, "Many people are signing in right now."));

    view.error = portal::LoginError::slowed;
    auto slowed = portal::renderLogin(context(Language::fr), view);
    CHECK(slowed.status == 429);
    CHECK(core::findParameter(slowed.headers, "Retry-After") == "5");
    CHECK(has(slowed.body, "Trop de tentatives de connexion depuis votre réseau."));
}

TEST_CASE("a directory that does not answer is named, and the others are said to work", "[unit]") {
    auto view = loginView(portal::LoginError::directoryUnavailable);
    auto fr = portal::renderLogin(context(Language::fr), view);
    CHECK(fr.status == 503);
    CHECK(has(fr.body, "Personnel de l&#39;Éducation nationale"));
    CHECK(has(fr.body, "ne répond pas pour le moment"));
    CHECK(has(fr.body, "les autres annuaires restent disponibles"));
    CHECK(has(fr.body, "href=\"/login?flow=F123\""));  // the way to another directory
    CHECK(has(portal::renderLogin(context(Language::en), view).body,
              "the other directories are still available"));
    view.directoryName = "Annuaire <académique>";
    CHECK(has(portal::renderLogin(context(Language::en), view).body,
              "The “Annuaire &lt;académique&gt;” directory is not answering"));
}

TEST_CASE("the language switch keeps the page's other parameters", "[unit]") {
    auto c = context(Language::fr, "/login", {{"flow", "F 1"}, {"lang", "fr"}, {"choice", "x"}});
    auto body = portal::renderChoice(c, {"F 1", "", {academie()}}).body;
    CHECK(has(body,
              "<a href=\"/login?flow=F%201&amp;choice=x&amp;lang=en\" lang=\"en\" "
              "hreflang=\"en\">English</a>"));
    auto en = context(Language::en, "/cas/logout");
    CHECK(has(portal::renderLoggedOut(en, {}).body,
              "<a href=\"/cas/logout?lang=fr\" lang=\"fr\" hreflang=\"fr\">Français</a>"));
    // After a POST the query is empty: the login page's switch still keeps flow and choice.
    auto afterPost = portal::renderLogin(context(Language::fr, "/login"), loginView()).body;
    CHECK(has(afterPost, "href=\"/login?flow=F123&amp;choice=academie&amp;lang=en\""));
}

TEST_CASE("an explicit language choice is remembered in a cookie", "[unit]") {
    core::HttpRequest request;
    request.method = "GET";
    request.path = "/login";
    request.query = {{"flow", "F"}, {"lang", "en"}};
    auto c = portal::PageContext::from(request, Language::fr);
    CHECK(c.language == Language::en);
    CHECK(c.rememberLanguage);
    auto r = portal::renderChoice(c, {"F", "", {academie()}});
    REQUIRE(r.cookies.size() == 1);
    CHECK(r.cookies[0].name == "lang");
    CHECK(r.cookies[0].value == "en");
    request.query = {{"flow", "F"}};
    CHECK(portal::renderChoice(portal::PageContext::from(request, Language::fr), {"F", "", {}})
              .cookies.empty());
}

TEST_CASE("the deny page says which service, why in words, and what the person has", "[unit]") {
    auto fr = portal::renderDeny(context(Language::fr), denyView());
    CHECK(fr.status == 403);
    CHECK(has(fr.body, "<h1>Accès refusé</h1>"));
    CHECK(has(fr.body, "Vous n&#39;avez pas accès à Vie scolaire."));
    CHECK(has(fr.body, "Enseignant, Personnel de direction"));
    CHECK(has(fr.body, "Votre profil actif\u00A0: Élève."));
    CHECK(has(fr.body, "Jules Herriot"));
    CHECK(has(fr.body, "<form method=\"post\" action=\"/logout\">"));
    CHECK(has(fr.body, "<button type=\"submit\">Se déconnecter ou changer de compte</button>"));
    CHECK_FALSE(has(fr.body, "href=\"/cas/logout"));  // no link that logs out by a GET
    auto en = portal::renderDeny(context(Language::en), denyView()).body;
    CHECK(has(en, "Teacher, School management"));
    CHECK(has(en, "Your active profile: Pupil."));

    auto level = denyView();
    level.kind = portal::DenyKind::level;
    level.expected = {"enseignant"};
    level.actual = "famille";
    auto lv = portal::renderDeny(context(Language::en), level).body;
    CHECK(has(lv, "requires at least the “teaching staff” access level"));
    CHECK(has(lv, "Your access level: family."));
    auto lvFr = portal::renderDeny(context(Language::fr), level).body;
    CHECK(has(lvFr, "niveau d&#39;habilitation «\u00A0enseignant\u00A0»"));

    auto structure = denyView();
    structure.kind = portal::DenyKind::structure;
    structure.expected = {"0690001A"};
    structure.actual = "0690002B";
    auto st = portal::renderDeny(context(Language::fr), structure).body;
    CHECK(has(st, "réservé aux établissements suivants\u00A0: 0690001A."));
    CHECK(has(st, "Votre établissement\u00A0: 0690002B."));
}

TEST_CASE("the error page shows its message and the detail as text, never as a link", "[unit]") {
    std::string url = "https://evil.example/?a=1&b=<b>";
    auto r = portal::renderError(context(Language::fr), {400, "error.service_unknown", url});
    CHECK(r.status == 400);
    CHECK(has(r.body, "n&#39;est pas enregistré auprès de Sesame"));
    CHECK(has(r.body, "<code class=\"detail\">https://evil.example/?a=1&amp;b=&lt;b&gt;</code>"));
    CHECK(count(r.body, "href=") == 2);  // stylesheet and language switch only
    CHECK_FALSE(has(r.body, "href=\"https://evil"));
    auto en = portal::renderError(context(Language::en), {400, "error.service_unknown", url});
    CHECK(has(en.body, "is not registered with Sesame"));
    // An unknown key falls back to the generic sentence, a bad status to 500.
    auto unknown = portal::renderError(context(Language::en), {200, "no.such.key", ""});
    CHECK(unknown.status == 500);
    CHECK(has(unknown.body, "An unexpected error occurred."));
    CHECK_FALSE(has(unknown.body, "no.such.key"));
}

TEST_CASE("the unavailable page is a 503 that says to retry and nothing more", "[unit]") {
    auto r = portal::renderUnavailable(context(Language::fr));
    CHECK(r.status == 503);
    CHECK(core::findParameter(r.headers, "Retry-After").has_value());
    CHECK(has(r.body, "Réessayez dans quelques minutes"));
    CHECK_FALSE(has(r.body, "Redis"));
}

TEST_CASE("the logged-out page lists the services told to log out", "[unit]") {
    auto body = portal::renderLoggedOut(context(Language::fr), {{"ENT démo", "Pronote"}}).body;
    CHECK(has(body, "<li>ENT démo</li>"));
    CHECK(has(body, "<li>Pronote</li>"));
    CHECK_FALSE(has(portal::renderLoggedOut(context(Language::fr), {}).body, "<ul>"));
}

TEST_CASE("the already-signed-in page shows name, profile, UAI and a logout button", "[unit]") {
    auto body = portal::renderSession(context(Language::fr),
                                      {"Marie Curie", "National_ENS", "0690001A", "T0K3N"})
                    .body;
    CHECK(has(body, "<dd>Marie Curie</dd>"));
    CHECK(has(body, "<dd>Enseignant (National_ENS)</dd>"));
    CHECK(has(body, "<dd>0690001A</dd>"));
    // A button that POSTs the session's token: never a link that logs out by a GET.
    CHECK(has(body,
              "<form method=\"post\" action=\"/logout\">\n<input type=\"hidden\" "
              "name=\"csrf\" value=\"T0K3N\">\n<button type=\"submit\">Se "
              "déconnecter</button>\n</form>"));
    CHECK_FALSE(has(body, "href=\"/cas/logout"));
}

TEST_CASE("the logout question asks first, in the person's language, with a button that POSTs",
          "[unit]") {
    auto fr = portal::renderLogoutQuestion(context(Language::fr, "/logout"), {"T0K3N"});
    CHECK(fr.status == 200);
    CHECK(has(fr.body, "<h1>Se déconnecter\u00A0?</h1>"));
    CHECK(has(fr.body, "<form method=\"post\" action=\"/logout\">"));
    CHECK(has(fr.body, "name=\"csrf\" value=\"T0K3N\""));
    CHECK(has(fr.body, "<button type=\"submit\">Se déconnecter</button>"));
    auto en = portal::renderLogoutQuestion(context(Language::en, "/logout"), {"T0K3N"});
    CHECK(has(en.body, "<h1>Sign out?</h1>"));
    CHECK(has(en.body, "<button type=\"submit\">Sign out</button>"));
}

TEST_CASE("markup in any substituted value is escaped on every page", "[unit]") {
    for (Language language : {Language::fr, Language::en}) {
        for (const auto& page : everyPage(language, evil)) {
            INFO(page.body);
            CHECK_FALSE(has(page.body, "<script"));
            CHECK_FALSE(has(page.body, "alert(\"x\")"));
            CHECK_FALSE(has(page.body, "'"));  // not even in attributes
        }
        // The values did reach the pages, escaped (the unavailable page takes none).
        auto pages = everyPage(language, evil);
        for (std::size_t i = 0; i + 1 < pages.size(); ++i) {
            INFO(i);
            CHECK(has(pages[i].body, "&lt;script&gt;"));
        }
    }
}

TEST_CASE("no link built from the request path leaves the site", "[unit]") {
    // A path of two slashes is a scheme-relative reference when written as is (RFC 3986 §4.2):
    // "//evil.example/?lang=en" would send the person to another host. Browsers also read a
    // backslash as a slash in http(s) URLs (WHATWG URL, "special" schemes).
    for (std::string path : {"//evil.example/", "///evil.example", "/\\evil.example/",
                             "/\\/evil.example", "evil.example", "javascript:alert(1)"}) {
        DYNAMIC_SECTION(path) {
            auto c = context(Language::fr, path);
            for (const auto& body :
                 {portal::renderError(c, {404, "error.not_found", {}}).body,
                  portal::renderUnavailable(c).body, portal::renderLoggedOut(c, {}).body}) {
                std::regex href("href=\"([^\"]*)\"");
                for (auto it = std::sregex_iterator(body.begin(), body.end(), href);
                     it != std::sregex_iterator(); ++it) {
                    std::string target = (*it)[1];
                    INFO(target);
                    REQUIRE(!target.empty());
                    CHECK(target[0] == '/');  // an absolute path: no scheme, no other host
                    CHECK(target.rfind("//", 0) != 0);
                    CHECK(target.find('\\') == std::string::npos);
                }
            }
        }
    }
}
