#include <catch2/catch.hpp>

#include "test/unit/policies/policy_fixtures.hpp"

using namespace sesame;
using namespace sesame::policies;
using namespace sesame::policies::test;

namespace {

const Ladder kLevels = defaultHabilitationLadder();
const Ladder kAssurance = defaultAssuranceLadder();

Rule rule(const std::string& text, bool levelAllowed = true) {
    core::ConfigErrors errors;
    auto r = parseRule(yaml(text), RuleScope{kLevels, kAssurance, levelAllowed}, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    return r;
}

// The errors of a rule that must not parse.
std::string ruleErrors(const std::string& text, bool levelAllowed = true) {
    core::ConfigErrors errors;
    parseRule(yaml(text), RuleScope{kLevels, kAssurance, levelAllowed}, errors);
    REQUIRE_FALSE(errors.empty());
    return errors.format();
}

bool ok(const std::string& text, const core::Identity& id, int level = -1, int assurance = 0) {
    return matches(rule(text), id, level, assurance);
}

}  // namespace

TEST_CASE("profile rules match held profiles written in any family", "[unit][rules]") {
    auto prof = profHerriot();
    CHECK(ok("{ profile: [National_ENS] }", prof));
    CHECK(ok("{ profile: National_ENS }", prof));  // a single value
    CHECK(ok("{ profile: [National_ens] }", prof));
    CHECK(ok("{ profile: [National_3] }", prof));
    CHECK(ok("{ profile: [Teacher] }", prof));
    CHECK_FALSE(ok("{ profile: [National_DIR, National_ELV] }", prof));
    CHECK_FALSE(ok("{ profile: [Personnel] }", prof));

    // A person whose directory gives a GAR or Edifice code is judged on the canonical one.
    auto gar = person("x", "ent", {{"National_elv", kHerriot}});
    CHECK(ok("{ profile: [National_ELV] }", gar));
    CHECK(ok("{ profile: [Local_PERISCOLAIRE] }", animPeriscolaire()));
    CHECK_FALSE(ok("{ profile: [Local_CANTINE] }", animPeriscolaire()));
}

TEST_CASE("a legacy category held by a person only passes when all it may mean is allowed",
          "[unit][rules]") {
    auto legacy = person("x", "commune", {{"National_4", kHerriot}});  // direction or commune
    CHECK_FALSE(ok("{ profile: [National_DIR] }", legacy));
    CHECK(ok("{ profile: [National_DIR, National_COL] }", legacy));
    CHECK(ok("{ profile: [National_4] }", legacy));
}

TEST_CASE("structure, directory, function and auth_method rules", "[unit][rules]") {
    auto prof = profHerriot();
    CHECK(ok("{ structure: [0690001A] }", prof));
    CHECK_FALSE(ok("{ structure: [0590121L] }", prof));
    auto onlyProfileUai = prof;
    onlyProfileUai.structures.clear();  // the UAI of a profile counts as well
    CHECK(ok("{ structure: [0690001A] }", onlyProfileUai));

    CHECK(ok("{ directory: [academie, commune] }", prof));
    CHECK_FALSE(ok("{ directory: [ent] }", prof));

    // ENTPersonFonctions composite values: the code is the second field.
    CHECK(ok("{ function: [DIR] }", dirHerriot()));
    CHECK_FALSE(ok("{ function: [DIR] }", prof));
    auto bare = prof;
    bare.functions = {"DIR"};  // FrEduFonctAdm=DIR
    CHECK(ok("{ function: [DIR] }", bare));
    auto tricky = prof;
    tricky.functions = {"DIR$ENS$ENSEIGNEMENT"};  // a structure id that reads "DIR"
    CHECK_FALSE(ok("{ function: [DIR] }", tricky));

    CHECK(ok("{ auth_method: [password] }", prof));
    CHECK_FALSE(ok("{ auth_method: [otp] }", prof));
}

TEST_CASE("minimum level and minimum assurance rules compare ranks", "[unit][rules]") {
    auto prof = profHerriot();
    CHECK(ok("{ minimum_level: enseignant }", prof, kLevels.rank("enseignant")));
    CHECK(ok("{ minimum_level: enseignant }", prof, kLevels.rank("direction")));
    CHECK_FALSE(ok("{ minimum_level: enseignant }", prof, kLevels.rank("famille")));
    CHECK_FALSE(ok("{ minimum_level: eleve }", prof, -1));  // no level computed

    CHECK(ok("{ minimum_assurance: eidas1 }", prof, -1, kAssurance.rank("eidas2")));
    CHECK_FALSE(ok("{ minimum_assurance: eidas1 }", prof, -1, kAssurance.rank("low")));

    // The three-argument form reads the level stored in the identity.
    prof.habilitationRank = kLevels.rank("enseignant");
    CHECK(matches(rule("{ minimum_level: enseignant }"), prof, 0));
    prof.habilitationRank = kLevels.rank("famille");
    CHECK_FALSE(matches(rule("{ minimum_level: enseignant }"), prof, 0));
}

TEST_CASE("rules compose with all_of, any_of, not and several keys", "[unit][rules]") {
    auto prof = profHerriot();
    CHECK(ok("{ all_of: [ { profile: [National_ENS] }, { directory: [academie] } ] }", prof));
    CHECK_FALSE(ok("{ all_of: [ { profile: [National_ENS] }, { directory: [ent] } ] }", prof));
    CHECK(ok("{ any_of: [ { profile: [National_DIR] }, { directory: [academie] } ] }", prof));
    CHECK_FALSE(ok("{ any_of: [ { profile: [National_DIR] }, { directory: [ent] } ] }", prof));
    CHECK(ok("{ not: { directory: [ent] } }", prof));
    CHECK_FALSE(ok("{ not: { directory: [academie] } }", prof));
    CHECK_FALSE(ok("{ not: [ { directory: [ent] }, { profile: [National_ENS] } ] }", prof));
    // Several keys in one map: all of them.
    CHECK(ok("{ profile: [National_ENS], structure: [0690001A] }", prof));
    CHECK_FALSE(ok("{ profile: [National_ENS], structure: [0590121L] }", prof));
    CHECK(
        ok("{ any_of: [ { all_of: [ { profile: [Teacher] }, { not: { auth_method: [otp] } } ] },"
           " { function: [DIR] } ] }",
           prof));
    CHECK(matches(Rule{}, prof, -1, -1));  // the default rule: anyone
}

TEST_CASE("a rule describes itself for logs and the deny page", "[unit][rules]") {
    CHECK(describe(rule("{ profile: [National_3], not: { directory: [ent] } }")) ==
          "(profile in [National_ENS, National_DOC]) and (not (directory in [ent]))");
    CHECK(describe(rule("{ minimum_level: direction }")) == "level >= direction");
    CHECK(describe(rule("{ minimum_assurance: eidas2 }")) == "assurance >= eidas2");
}

TEST_CASE("rule configuration errors name the node and what was expected", "[unit][rules]") {
    using Catch::Matchers::Contains;
    CHECK_THAT(ruleErrors("{ profiles: [National_ENS] }"),
               Contains("test.yml:1: profiles: unknown key (expected one of: profile, structure"));
    CHECK_THAT(ruleErrors("{ profile: [National_ENS, Natoinal_DIR] }"),
               Contains("test.yml:1: profile[1]: unknown profile code 'Natoinal_DIR' (expected "
                        "National_ELV"));
    CHECK_THAT(ruleErrors("profile:\n  - National_ENS\n  - ENS\n"),
               Contains("test.yml:3: profile[1]: unknown profile code 'ENS'"));
    CHECK_THAT(ruleErrors("{ profile: [] }"), Contains("profile: expected at least one value"));
    CHECK_THAT(ruleErrors("{ minimum_level: root }"),
               Contains("minimum_level: unknown habilitation level 'root' (expected one of: eleve, "
                        "famille, partenaire, agent_collectivite, enseignant, direction, "
                        "administration)"));
    CHECK_THAT(ruleErrors("{ minimum_assurance: high }"),
               Contains("minimum_assurance: unknown assurance level 'high' (expected one of: low, "
                        "eidas1, eidas2, eidas3)"));
    CHECK_THAT(ruleErrors("{ minimum_level: enseignant }", false),
               Contains("minimum_level cannot be used in habilitation rules"));
    CHECK_THAT(ruleErrors("{ all_of: { profile: [Teacher] } }"),
               Contains("all_of: expected a non-empty list of rules"));
    CHECK_THAT(ruleErrors("{ any_of: [] }"),
               Contains("any_of: expected a non-empty list of rules"));
    CHECK_THAT(ruleErrors("{ not: [ 3 ] }"), Contains("not[0]: expected a rule: a map with"));
    CHECK_THAT(ruleErrors("[ profile ]"), Contains("(top): expected a rule"));
    CHECK_THAT(ruleErrors("{}"), Contains("expected a rule"));
    CHECK_THAT(ruleErrors("{ directory: { a: b } }"),
               Contains("directory: expected a list of text values"));
}

TEST_CASE("a rule with errors matches no one", "[unit][rules]") {
    core::ConfigErrors errors;
    auto r = parseRule(yaml("{ profil: [National_ENS] }"), RuleScope{kLevels, kAssurance}, errors);
    CHECK_FALSE(errors.empty());
    CHECK_FALSE(matches(r, profHerriot(), 6, 3));
}
