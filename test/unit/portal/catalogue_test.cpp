#include <catch2/catch.hpp>

#include "gateway/portal/catalogue.hpp"

using namespace sesame;
using portal::Language;

TEST_CASE("every catalogue key exists in French and English, and they differ where expected",
          "[unit]") {
    for (auto key : portal::messageKeys()) {
        INFO(key);
        CHECK(portal::hasMessage(key));
    }
    CHECK(portal::message(Language::fr, "login.failed") !=
          portal::message(Language::en, "login.failed"));
}

TEST_CASE("the keys the app relies on are in the catalogue", "[unit]") {
    for (auto key : {"login.title", "error.service_unknown", "error.invalid_request",
                     "login.failed", "login.throttled", "directory.unavailable", "deny.profile",
                     "deny.level", "deny.structure", "logout.done", "error.unavailable",
                     "error.internal", "error.flow_expired", "error.csrf", "error.not_found"}) {
        INFO(key);
        CHECK(portal::hasMessage(key));
    }
}

TEST_CASE("placeholders are filled and every substituted value is escaped", "[unit]") {
    CHECK(portal::text(Language::fr, "login.throttled", {{"minutes", "15"}}) ==
          "Trop de tentatives. Réessayez dans 15\u00A0minutes.");
    CHECK(portal::text(Language::en, "login.throttled", {{"minutes", "15"}}) ==
          "Too many attempts. Try again in 15 minutes.");
    std::string html =
        portal::text(Language::en, "deny.service", {{"service", "<script>alert(1)</script>"}});
    CHECK(html == "You cannot access &lt;script&gt;alert(1)&lt;/script&gt;.");
    // The template's own apostrophes are escaped too: the result is safe in an attribute.
    CHECK(portal::text(Language::fr, "deny.service", {{"service", "X"}}) ==
          "Vous n&#39;avez pas accès à X.");
}

TEST_CASE("a substituted value is not itself scanned for placeholders", "[unit]") {
    CHECK(portal::text(Language::en, "deny.service", {{"service", "{service}"}}) ==
          "You cannot access {service}.");
}

TEST_CASE("an unknown key shows the key, a missing value leaves the placeholder", "[unit]") {
    CHECK(portal::text(Language::fr, "no.such.key") == "no.such.key");
    CHECK(portal::text(Language::en, "login.throttled") ==
          "Too many attempts. Try again in {minutes} minutes.");
}

TEST_CASE("the nine SDET profiles have readable names; others fall back to the code", "[unit]") {
    CHECK(portal::profileName(Language::fr, "National_ENS") == "Enseignant");
    CHECK(portal::profileName(Language::en, "National_ENS") == "Teacher");
    CHECK(portal::profileName(Language::fr, "National_ELV") == "Élève");
    CHECK(portal::profileName(Language::en, "National_ELV") == "Pupil");
    CHECK(portal::profileName(Language::en, "National_ens") == "Teacher");  // GAR spelling
    int named = 0;
    for (auto code : {"ELV", "TUT", "ENS", "DIR", "EVS", "ETA", "ACA", "DOC", "COL"}) {
        std::string sdet = std::string("National_") + code;
        if (portal::profileName(Language::fr, sdet) != sdet &&
            portal::profileName(Language::en, sdet) != sdet)
            ++named;
    }
    CHECK(named == 9);
    CHECK(portal::profileName(Language::fr, "Local_ANIM") == "Local_ANIM");
    CHECK(portal::profileName(Language::fr, "National_") == "National_");
}

TEST_CASE("habilitation levels of the default ladder have readable names", "[unit]") {
    CHECK(portal::levelName(Language::fr, "enseignant") == "enseignant");
    CHECK(portal::levelName(Language::en, "enseignant") == "teaching staff");
    CHECK(portal::levelName(Language::en, "custom_level") == "custom_level");
}
