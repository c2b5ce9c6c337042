#include <catch2/catch.hpp>

#include "test/unit/policies/policy_fixtures.hpp"

using namespace sesame;
using namespace sesame::policies;
using namespace sesame::policies::test;
using Catch::Matchers::Contains;

namespace {

// The habilitation section of etc/sesame.yml, as written there.
const char* kDemoSection = R"(
levels: [eleve, famille, partenaire, agent_collectivite, enseignant, direction, administration]
assurance_levels: [low, eidas1, eidas2, eidas3]
rules:
  - { level: eleve, when: { profile: [National_ELV] } }
  - { level: famille, when: { profile: [National_TUT] } }
  - { level: partenaire, when: { directory: [partenaires] } }
  - { level: agent_collectivite, when: { profile: [National_COL] } }
  - { level: enseignant, when: { profile: [National_ENS, National_DOC, National_EVS] } }
  - { level: direction, when: { any_of: [ { profile: [National_DIR, National_ACA] }, { function: [DIR] } ] } }
)";

HabilitationRules rules(const std::string& text) {
    core::ConfigErrors errors;
    auto h = HabilitationRules::parse(yaml(text), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    return h;
}

std::string sectionErrors(const std::string& text) {
    core::ConfigErrors errors;
    HabilitationRules::parse(yaml(text), errors);
    REQUIRE_FALSE(errors.empty());
    return errors.format();
}

std::string level(const HabilitationRules& h, const core::Identity& id) {
    return h.compute(id).first;
}

}  // namespace

TEST_CASE("each demo account gets its habilitation level", "[unit][habilitation]") {
    // The parsed demo section and the built-in defaults must agree on every account.
    auto parsed = rules(kDemoSection);
    auto defaults = HabilitationRules::defaults();
    for (const auto* h : {&parsed, &defaults}) {
        CHECK(level(*h, profHerriot()) == "enseignant");
        CHECK(level(*h, dirHerriot()) == "direction");
        CHECK(level(*h, agentMairie()) == "agent_collectivite");
        CHECK(level(*h, animPeriscolaire()) == "partenaire");
        CHECK(level(*h, eleveHerriot()) == "eleve");
        CHECK(level(*h, parentHerriot()) == "famille");
    }
    CHECK(parsed.compute(dirHerriot()).second == 5);
}

TEST_CASE("the highest matching level wins, the lowest level when none matches",
          "[unit][habilitation]") {
    auto h = HabilitationRules::defaults();
    // A teacher who is also a parent: enseignant beats famille.
    auto both = person("x", "academie", {{"National_TUT", kHerriot}, {"National_ENS", kHerriot}});
    CHECK(level(h, both) == "enseignant");
    // The DIR function alone gives direction, even with a teacher profile.
    auto teacherDirector = profHerriot();
    teacherDirector.functions.push_back("0690001A$DIR$DIRECTION");
    CHECK(level(h, teacherDirector) == "direction");
    // Nothing known: the lowest level.
    CHECK(h.compute(person("x", "elsewhere", {})) == std::pair<std::string, int>{"eleve", 0});
    // Legacy and GAR forms held by the person count as their canonical code.
    CHECK(level(h, person("x", "ent", {{"National_ens", ""}})) == "enseignant");
    CHECK(level(h, person("x", "ent", {{"National_2", ""}})) == "famille");
}

TEST_CASE("a missing section gives the default ladder and rules", "[unit][habilitation]") {
    core::ConfigErrors errors;
    auto h = HabilitationRules::parse(core::ConfigNode{}, errors);
    CHECK(errors.empty());
    CHECK(h.ladder().levels() == defaultHabilitationLadder().levels());
    CHECK(h.assurance().levels() == defaultAssuranceLadder().levels());
    CHECK(h.rules().size() == 6);
}

TEST_CASE("the ladder is configurable", "[unit][habilitation]") {
    auto h = rules(R"(
levels: [public, staff, admin]
assurance_levels: [password, otp]
rules:
  - { level: staff, when: { profile: [Personnel, Teacher] } }
  - { level: admin, when: { all_of: [ { function: [DIR] }, { minimum_assurance: otp } ] } }
)");
    CHECK(level(h, eleveHerriot()) == "public");
    CHECK(level(h, profHerriot()) == "staff");
    CHECK(level(h, dirHerriot()) == "staff");  // assurance "low" is not on this ladder
    auto strong = dirHerriot();
    strong.assurance = "otp";
    CHECK(h.compute(strong) == std::pair<std::string, int>{"admin", 2});
    CHECK(h.assuranceRank(strong) == 1);
}

TEST_CASE("habilitation configuration errors", "[unit][habilitation]") {
    CHECK_THAT(sectionErrors("{ level: [a] }"),
               Contains("level: unknown key (expected one of: levels, assurance_levels, rules)"));
    CHECK_THAT(sectionErrors("[a, b]"),
               Contains("expected a map with levels, assurance_levels and rules"));
    CHECK_THAT(sectionErrors("{ levels: [] }"),
               Contains("levels: expected a non-empty list of level names, lowest first"));
    CHECK_THAT(sectionErrors("levels: [a, b, a]\nrules: []"),
               Contains("test.yml:1: levels[2]: level 'a' is listed twice"));
    CHECK_THAT(sectionErrors("levels: [a, b]"),
               Contains("rules: is required when levels are not the default ones"));
    CHECK_THAT(sectionErrors("rules: { level: eleve }"),
               Contains("rules: expected a list of { level: <level>, when: <rule> }"));
    CHECK_THAT(sectionErrors("rules:\n  - { level: prof, when: { profile: [Teacher] } }"),
               Contains("test.yml:2: rules[0].level: unknown habilitation level 'prof' (expected "
                        "one of: eleve, famille"));
    CHECK_THAT(sectionErrors("rules:\n  - { level: enseignant }"),
               Contains("rules[0].when: expected a rule"));
    CHECK_THAT(sectionErrors("rules:\n  - { when: { profile: [Teacher] } }"),
               Contains("rules[0].level: is required"));
    CHECK_THAT(sectionErrors("rules:\n  - { level: enseignant, if: { profile: [Teacher] } }"),
               Contains("rules[0].if: unknown key (expected one of: level, when)"));
    CHECK_THAT(sectionErrors("rules:\n  - enseignant"),
               Contains("rules[0]: expected a map { level: <level>, when: <rule> }"));
    CHECK_THAT(
        sectionErrors("rules:\n  - { level: direction, when: { minimum_level: enseignant } }"),
        Contains("rules[0].when.minimum_level: minimum_level cannot be used in habilitation"));
    CHECK_THAT(
        sectionErrors("rules:\n  - { level: direction, when: { profile: [National_DIRECTEUR] } }"),
        Contains(
            "test.yml:2: rules[0].when.profile[0]: unknown profile code 'National_DIRECTEUR'"));
}
