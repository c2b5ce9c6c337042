#include <catch2/catch.hpp>

#include "gateway/portal/language.hpp"

using namespace sesame;
using portal::Language;

namespace {
core::HttpRequest request(core::Parameters query, core::Parameters headers) {
    core::HttpRequest r;
    r.method = "GET";
    r.path = "/login";
    r.query = std::move(query);
    r.headers = std::move(headers);
    return r;
}
}  // namespace

TEST_CASE("the lang query parameter wins over cookie and Accept-Language", "[unit]") {
    auto r = request({{"lang", "en"}}, {{"cookie", "lang=fr"}, {"accept-language", "fr"}});
    CHECK(portal::pickLanguage(r) == Language::en);
    r = request({{"lang", "fr"}}, {{"cookie", "lang=en"}, {"accept-language", "en"}});
    CHECK(portal::pickLanguage(r, Language::en) == Language::fr);
}

TEST_CASE("the lang cookie comes before Accept-Language", "[unit]") {
    auto r = request({}, {{"cookie", "SESAME=abc; lang=en"}, {"accept-language", "fr-FR,fr"}});
    CHECK(portal::pickLanguage(r) == Language::en);
}

TEST_CASE("a service's ui_locales come after the person's choice, before Accept-Language",
          "[unit]") {
    auto r = request({}, {{"accept-language", "fr-FR,fr"}});
    CHECK(portal::pickLanguage(r, Language::fr, "de en-GB fr") == Language::en);
    CHECK(portal::pickLanguage(r, Language::fr, "de  es") == Language::fr);
    r = request({}, {{"cookie", "lang=fr"}, {"accept-language", "en"}});
    CHECK(portal::pickLanguage(r, Language::en, "en") == Language::fr);
}

TEST_CASE("an unsupported lang parameter or cookie is ignored, not obeyed", "[unit]") {
    auto r = request({{"lang", "de"}}, {{"cookie", "lang=<script>"}, {"accept-language", "en"}});
    CHECK(portal::pickLanguage(r) == Language::en);
}

TEST_CASE("Accept-Language is read by q-value", "[unit]") {
    using portal::preferredLanguage;
    CHECK(preferredLanguage("en-GB,en;q=0.9,fr;q=0.8", Language::fr) == Language::en);
    CHECK(preferredLanguage("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4", Language::en) == Language::fr);
    CHECK(preferredLanguage("fr;q=0.3, en;q=0.7", Language::fr) == Language::en);
    CHECK(preferredLanguage("en;q=0.5, fr;q=0.5", Language::fr) == Language::en);  // tie: first
    CHECK(preferredLanguage("en;q=0, fr;q=0.1", Language::en) == Language::fr);    // q=0 excludes
    CHECK(preferredLanguage("EN-us", Language::fr) == Language::en);
    CHECK(preferredLanguage("de, *;q=0.1", Language::en) == Language::en);  // * is the default
    CHECK_FALSE(preferredLanguage("de, es;q=0.8", Language::fr).has_value());
    CHECK_FALSE(preferredLanguage("en;q=0", Language::fr).has_value());
    CHECK_FALSE(preferredLanguage("en;q=2", Language::fr).has_value());  // malformed weight
    CHECK_FALSE(preferredLanguage("", Language::fr).has_value());
}

TEST_CASE("with nothing usable, the configured default is used", "[unit]") {
    CHECK(portal::pickLanguage(request({}, {})) == Language::fr);
    CHECK(portal::pickLanguage(request({}, {}), Language::en) == Language::en);
    CHECK(portal::pickLanguage(request({}, {{"accept-language", "de, es"}}), Language::en) ==
          Language::en);
}

TEST_CASE("language tags are parsed by their primary subtag only", "[unit]") {
    CHECK(portal::parseLanguage("fr-CA") == Language::fr);
    CHECK(portal::parseLanguage("en_GB") == Language::en);
    CHECK_FALSE(portal::parseLanguage("french").has_value());
    CHECK_FALSE(portal::parseLanguage("").has_value());
}

TEST_CASE("the language cookie is long-lived, HttpOnly, Secure and Lax", "[unit]") {
    auto c = portal::languageCookie(Language::en);
    CHECK(core::formatSetCookie(c) ==
          "lang=en; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax");
}
