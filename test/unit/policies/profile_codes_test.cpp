#include <catch2/catch.hpp>

#include "policies/policy.hpp"

using namespace sesame::policies;
using Codes = std::vector<std::string>;

TEST_CASE("every family of profile codes names the canonical SDET code", "[unit][profiles]") {
    CHECK(canonicalProfiles("National_ENS") == Codes{"National_ENS"});
    CHECK(canonicalProfiles("National_ens") == Codes{"National_ENS"});  // GAR
    CHECK(canonicalProfiles("National_1") == Codes{"National_ELV"});
    CHECK(canonicalProfiles("National_2") == Codes{"National_TUT"});
    CHECK(canonicalProfiles("National_3") == Codes{"National_ENS", "National_DOC"});
    CHECK(canonicalProfiles("National_4") == Codes{"National_DIR", "National_COL"});
    CHECK(canonicalProfiles("National_5") == Codes{"National_EVS"});
    CHECK(canonicalProfiles("National_6") == Codes{"National_ETA"});
    CHECK(canonicalProfiles("National_7") == Codes{"National_ACA"});
    CHECK(canonicalProfiles("Student") == Codes{"National_ELV"});
    CHECK(canonicalProfiles("Relative") == Codes{"National_TUT"});
    CHECK(canonicalProfiles("Teacher") == Codes{"National_ENS"});
    CHECK(canonicalProfiles("Personnel").size() == 5);
    CHECK(canonicalProfiles("Local_PERISCOLAIRE") == Codes{"Local_PERISCOLAIRE"});
    CHECK(canonicalProfiles("National_8").empty());
    CHECK(canonicalProfiles("National_ENSS").empty());
    CHECK(canonicalProfiles("Local_").empty());
    CHECK(canonicalProfiles("teacher").empty());
    CHECK_FALSE(isKnownProfileCode("ENS"));
}

TEST_CASE("sdetCode keeps ambiguous and unknown codes as they are", "[unit][profiles]") {
    CHECK(sdetCode("National_elv") == "National_ELV");
    CHECK(sdetCode("Student") == "National_ELV");
    CHECK(sdetCode("National_5") == "National_EVS");
    CHECK(sdetCode("National_3") == "National_3");
    CHECK(sdetCode("Something") == "Something");
}

TEST_CASE("legacy SDET v3 categories and GAR codes of each profile", "[unit][profiles]") {
    const std::vector<std::tuple<std::string, std::string, std::string>> table{
        {"National_ELV", "National_1", "National_elv"},
        {"National_TUT", "National_2", ""},
        {"National_ENS", "National_3", "National_ens"},
        {"National_DOC", "National_3", "National_doc"},
        {"National_DIR", "National_4", "National_dir"},
        {"National_COL", "National_4", "National_col"},
        {"National_EVS", "National_5", "National_evs"},
        {"National_ETA", "National_6", "National_eta"},
        {"National_ACA", "National_7", ""},
    };
    for (const auto& [code, sdet3, gar] : table) {
        INFO(code);
        CHECK(sdet3Category(code) == sdet3);
        CHECK(garCode(code) == gar);
    }
    CHECK(sdet3Category("National_ens") == "National_3");
    CHECK(sdet3Category("Local_PERISCOLAIRE").empty());
    CHECK(garCode("Local_PERISCOLAIRE").empty());
}

TEST_CASE("ladders rank names lowest first", "[unit][profiles]") {
    auto ladder = defaultHabilitationLadder();
    CHECK(ladder.rank("eleve") == 0);
    CHECK(ladder.rank("administration") == 6);
    CHECK(ladder.rank("root") == -1);
    CHECK(ladder.name(4) == "enseignant");
    CHECK(ladder.name(7).empty());
    CHECK(ladder.name(-1).empty());
    CHECK(defaultAssuranceLadder().rank("eidas1") == 1);
}
