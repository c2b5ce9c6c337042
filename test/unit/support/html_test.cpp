// Tests fill Sesame's login form as a person would: hidden fields (CSRF token, flow id) must come
// along, and assertions read the text a person sees, not the markup.
#include <catch2/catch.hpp>

#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"

using namespace sesame::testing;

namespace {
const char* loginPage = R"(<!DOCTYPE html><html lang="fr"><body>
<form method="get" action="/cas/lang"><select name="lang"><option value="fr">Français</option>
<option value="en" selected>English</option></select></form>
<FORM Method=post ACTION="/cas/login?service=http%3A%2F%2F127.0.0.1%2F&amp;renew=true">
  <input type="hidden" name="csrf" value="t0k&#x2F;en&quot;">
  <input type=hidden name=flow value=F-42>
  <label for="u">Identifiant</label><input id="u" name="username" autocomplete="username">
  <input type="password" name="password" value="">
  <input type="checkbox" name="remember" checked>
  <input type="checkbox" name="unchecked" value="1">
  <textarea name="note">a &lt; b</textarea>
  <input type="submit" name="submit" value="Se connecter">
</FORM></body></html>)";
}  // namespace

TEST_CASE("findForm returns the action, method and every successful field", "[unit][html]") {
    auto form = findForm(loginPage, "/cas/login");
    REQUIRE(form);
    CHECK(form->action == "/cas/login?service=http%3A%2F%2F127.0.0.1%2F&renew=true");
    CHECK(form->method == "POST");
    CHECK(form->value("csrf") == std::optional<std::string>("t0k/en\""));
    CHECK(form->value("flow") == std::optional<std::string>("F-42"));
    CHECK(form->value("username") == std::optional<std::string>(""));
    CHECK(form->value("remember") == std::optional<std::string>("on"));
    CHECK(form->value("note") == std::optional<std::string>("a < b"));
    CHECK_FALSE(form->has("unchecked"));
    CHECK_FALSE(form->has("submit"));

    form->set("username", "prof.herriot").set("password", "demo");
    CHECK(form->value("username") == std::optional<std::string>("prof.herriot"));
    CHECK(form->fields.size() == 6);
}

TEST_CASE("findForm by index and a select's chosen option", "[unit][html]") {
    auto first = findForm(loginPage, std::size_t{0});
    REQUIRE(first);
    CHECK(first->method == "GET");
    CHECK(first->value("lang") == std::optional<std::string>("en"));
    CHECK(findForm(loginPage, std::size_t{1})->action.find("/cas/login") == 0);
    CHECK_FALSE(findForm(loginPage, std::size_t{2}));
    CHECK_FALSE(findForm(loginPage, "/nowhere"));
}

TEST_CASE("textContent is what a reader sees", "[unit][html]") {
    const char* page = R"(<html><head><title>T</title><style>p{color:red}</style>
<script>var hidden = "<b>no</b>";</script></head><body><!-- a comment -->
<h1>Service ENT de   démonstration</h1><p>Connecté : <strong>prof.herriot</strong></p>
<td>&lt;script&gt;alert(1)&lt;/script&gt;</td> &eacute;&#233;</body></html>)";
    std::string text = textContent(page);
    CHECK(text ==
          "Service ENT de démonstration Connecté : prof.herriot "
          "<script>alert(1)</script> &eacute;é");
    CHECK(decodeEntities("&#x1F600;&amp;amp;&bogus;") == "\xF0\x9F\x98\x80&amp;&bogus;");
}

TEST_CASE("tableRows reads a service provider's table of what it received", "[unit][html]") {
    const char* page =
        R"(<p>Connecté en tant que <strong id="remote-user">f3a1@127.0.0.1</strong>.</p>
<table id="id-token"><thead><tr><th scope="col">Nom</th><th scope="col">Valeur</th></tr></thead>
<tbody>
<tr><th scope="row">sub</th><td>f3a1</td></tr>
<tr><th scope="row">ent_profiles</th><td>National_ENS</td></tr>
<tr><th scope="row">ent_profiles</th><td>National_DOC</td></tr>
</tbody></table>
<table id="userinfo"><tbody>
<tr><th scope="row">name</th><td>Jeanne &amp; Ren&#233;</td></tr>
</tbody></table>)";
    const auto rows = tableRows(page, "id-token");
    REQUIRE(rows.size() == 3);  // the header row is not one (scope="col")
    CHECK(rows[0] == std::pair<std::string, std::string>{"sub", "f3a1"});
    CHECK(rows[2] == std::pair<std::string, std::string>{"ent_profiles", "National_DOC"});
    CHECK(tableRows(page, "userinfo") ==
          std::vector<std::pair<std::string, std::string>>{{"name", "Jeanne & René"}});
    CHECK_THROWS_AS(tableRows(page, "attributes"), HarnessError);
    CHECK(elementText(page, "<strong id=\"remote-user\">", "</strong>") == "f3a1@127.0.0.1");
    CHECK(elementText(page, "<code id=\"name-id\">", "</code>").empty());
}
