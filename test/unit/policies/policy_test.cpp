#include <catch2/catch.hpp>

#include "test/unit/policies/policy_fixtures.hpp"

using namespace sesame;
using namespace sesame::policies;
using namespace sesame::policies::test;
using Strings = std::vector<std::string>;
using O = Decision::Outcome;
using K = DenyReason::Kind;

namespace {

Service service(const std::string& text) {
    core::ConfigErrors errors;
    auto r = ServiceRegistry::parse({yaml(text)}, defaultHabilitationLadder(),
                                    defaultAssuranceLadder(), testProtocols(), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    REQUIRE(r.all().size() == 1);
    return r.all().front();
}

Service staffOnly() {
    return service(R"(
id: staff
protocol: cas
url_pattern: '^https://127\.0\.0\.1/staff/.*$'
allowed_profiles: [National_ENS, National_DIR, National_EVS, National_DOC, National_ETA, National_ACA]
minimum_level: enseignant
)");
}

const Policy kPolicy{HabilitationRules::defaults()};

}  // namespace

TEST_CASE("a pupil who opens a staff-only service is told which profiles are needed",
          "[unit][policy]") {
    auto d = kPolicy.decide(eleveHerriot(), staffOnly());
    CHECK(d.outcome == O::deny);
    CHECK(d.reason.kind == K::profile);
    CHECK(d.reason.expected == Strings{"National_ENS", "National_DIR", "National_EVS",
                                       "National_DOC", "National_ETA", "National_ACA"});
    CHECK(d.reason.actual == "National_ELV");
    CHECK(d.habilitation == "eleve");
    CHECK(d.release.user.empty());  // nothing released on a refusal
}

TEST_CASE("staff reach the staff-only service, others are refused", "[unit][policy]") {
    auto staff = staffOnly();
    CHECK(kPolicy.decide(profHerriot(), staff).outcome == O::permit);
    CHECK(kPolicy.decide(dirHerriot(), staff).outcome == O::permit);
    for (const auto& id : {parentHerriot(), agentMairie(), animPeriscolaire()}) {
        INFO(id.login);
        auto d = kPolicy.decide(id, staff);
        CHECK(d.outcome == O::deny);
        CHECK(d.reason.kind == K::profile);
    }
}

TEST_CASE("a too low habilitation level is refused with the level needed", "[unit][policy]") {
    auto s = service("{ id: s, protocol: cas, url_pattern: x, minimum_level: direction }");
    auto d = kPolicy.decide(profHerriot(), s);
    CHECK(d.outcome == O::deny);
    CHECK(d.reason.kind == K::level);
    CHECK(d.reason.expected == Strings{"direction"});
    CHECK(d.reason.actual == "enseignant");
    CHECK(kPolicy.decide(dirHerriot(), s).outcome == O::permit);
}

TEST_CASE("the structure must be one where the person holds an allowed profile", "[unit][policy]") {
    auto s = service(R"({ id: s, protocol: cas, url_pattern: x,
                          allowed_profiles: [National_ENS], allowed_structures: [0590121L] })");
    auto d = kPolicy.decide(profHerriot(), s);
    CHECK(d.outcome == O::deny);
    CHECK(d.reason.kind == K::structure);
    CHECK(d.reason.expected == Strings{"0590121L"});
    CHECK(d.reason.actual == "0690001A");

    // Teacher at Herriot and parent at the other school: not a teacher there.
    auto both = person("x", "academie", {{"National_ENS", kHerriot}, {"National_TUT", "0590121L"}});
    CHECK(kPolicy.decide(both, s).reason.kind == K::structure);
    both.profiles[1].profile = "National_ENS";
    CHECK(kPolicy.decide(both, s).outcome == O::permit);

    // Without allowed_profiles, any attachment to the structure counts.
    auto any = service("{ id: s, protocol: cas, url_pattern: x, allowed_structures: [0690001A] }");
    CHECK(kPolicy.decide(parentHerriot(), any).outcome == O::permit);
    CHECK(kPolicy.decide(animPeriscolaire(), any).reason.kind == K::structure);
}

TEST_CASE("a person holding several profiles passes when any of them is allowed",
          "[unit][policy]") {
    // Parent and teacher, with the parent profile active: the staff service still opens
    // (docs/habilitation.md, "Several profiles").
    auto id = person("x", "academie", {{"National_TUT", kHerriot}, {"National_ENS", kHerriot}});
    id.activeProfile = 0;
    auto d = kPolicy.decide(id, staffOnly());
    CHECK(d.outcome == O::permit);
    auto denied = kPolicy.decide(
        person("y", "ent", {{"National_TUT", kHerriot}, {"National_ELV", ""}}), staffOnly());
    CHECK(denied.reason.actual == "National_TUT, National_ELV");
}

TEST_CASE("a directory the service does not accept asks for a step-up", "[unit][policy]") {
    auto s = service(R"({ id: s, protocol: cas, url_pattern: x,
                          allowed_directories: [academie], allowed_profiles: [National_ENS] })");
    // The parent account may belong to a teacher: another directory may know her as one.
    auto d = kPolicy.decide(parentHerriot(), s);
    CHECK(d.outcome == O::stepUp);
    CHECK(d.reason.kind == K::directory);
    CHECK(d.reason.actual == "ent");
    CHECK(d.stepUpDirectories == Strings{"academie"});
    CHECK(kPolicy.decide(profHerriot(), s).outcome == O::permit);
}

TEST_CASE("too low an assurance asks for a step-up, never a refusal", "[unit][policy]") {
    auto s = service(R"({ id: s, protocol: cas, url_pattern: x, minimum_assurance: eidas2,
                          allowed_directories: [academie, franceconnect] })");
    auto d = kPolicy.decide(profHerriot(), s);
    CHECK(d.outcome == O::stepUp);
    CHECK(d.reason.kind == K::assurance);
    CHECK(d.reason.expected == Strings{"eidas2"});
    CHECK(d.reason.actual == "low");
    CHECK(d.stepUpDirectories == Strings{"academie", "franceconnect"});
    auto strong = profHerriot();
    strong.assurance = "eidas3";
    CHECK(kPolicy.decide(strong, s).outcome == O::permit);
    auto unknown = profHerriot();
    unknown.assurance = "";
    CHECK(kPolicy.decide(unknown, s).outcome == O::stepUp);
}

TEST_CASE("an access rule that does not match is refused with its description", "[unit][policy]") {
    auto s = service(R"({ id: s, protocol: cas, url_pattern: x,
                          access: { any_of: [ { function: [DIR] }, { minimum_level: administration } ] } })");
    CHECK(kPolicy.decide(dirHerriot(), s).outcome == O::permit);
    auto d = kPolicy.decide(profHerriot(), s);
    CHECK(d.outcome == O::deny);
    CHECK(d.reason.kind == K::access);
    CHECK(d.reason.expected == Strings{"(function in [DIR]) or (level >= administration)"});
}

TEST_CASE("the release carries the SDET attributes under the service's names", "[unit][policy]") {
    auto s = service(R"(
id: s
protocol: cas
url_pattern: x
release:
  uid: login
  displayName: displayName
  givenName: givenName
  sn: familyName
  mail: email
  ENTPersonProfils: profiles
  ENTPersonStructRattachRNE: uai
  habilitation: habilitation
  categories: profile.sdet3
  profileGar: profile.gar
  structures: structures
  ENTPersonFonctions: functions
  ENTEleveClasses: classes
  children: children
  directory: directory
  assurance: assurance
  authMethod: authMethod
  jointure: "attr:ENTPersonJointure"
  subject: subject
)");
    auto prof = profHerriot();
    prof.attributes.add("ENTPersonJointure", "AC-LYON$1234");
    auto d = kPolicy.decide(prof, s);
    REQUIRE(d.outcome == O::permit);
    const auto& a = d.release.attributes;
    CHECK(d.release.user == "prof.herriot");
    CHECK(a.values("uid") == Strings{"prof.herriot"});
    CHECK(a.values("displayName") == Strings{"Display prof.herriot"});
    CHECK(a.values("givenName") == Strings{"Given"});
    CHECK(a.values("sn") == Strings{"Family"});
    CHECK(a.values("mail") == Strings{"prof.herriot@demo.example"});
    CHECK(a.values("ENTPersonProfils") == Strings{"National_ENS"});
    CHECK(a.values("ENTPersonStructRattachRNE") == Strings{"0690001A"});
    CHECK(a.values("habilitation") == Strings{"enseignant"});
    CHECK(a.values("categories") == Strings{"National_3"});
    CHECK(a.values("profileGar") == Strings{"National_ens"});
    CHECK(a.values("structures") == Strings{"0690001A"});
    CHECK(a.values("ENTPersonFonctions") == prof.functions);
    CHECK(a.values("directory") == Strings{"academie"});
    CHECK(a.values("assurance") == Strings{"low"});
    CHECK(a.values("authMethod") == Strings{"password"});
    CHECK(a.values("jointure") == Strings{"AC-LYON$1234"});
    CHECK(a.values("subject") == Strings{"sub-prof.herriot"});
    // Empty sources are left out rather than sent empty.
    CHECK_FALSE(a.has("ENTEleveClasses"));
    CHECK_FALSE(a.has("children"));
    auto pupil = kPolicy.decide(eleveHerriot(), s).release.attributes;
    CHECK(pupil.values("ENTEleveClasses") == Strings{"0690001A$CM1-A"});
    CHECK(pupil.values("habilitation") == Strings{"eleve"});
}

TEST_CASE("legacy National_1..7 categories are released for every profile", "[unit][policy]") {
    auto s = service(R"({ id: s, protocol: cas, url_pattern: x,
                          release: { categories: profile.sdet3, all: profiles.sdet3,
                                     gar: profiles.gar, ENTPersonProfils: profile } })");
    const std::vector<std::pair<std::string, std::string>> table{
        {"National_ELV", "National_1"}, {"National_TUT", "National_2"},
        {"National_ENS", "National_3"}, {"National_DOC", "National_3"},
        {"National_DIR", "National_4"}, {"National_COL", "National_4"},
        {"National_EVS", "National_5"}, {"National_ETA", "National_6"},
        {"National_ACA", "National_7"},
    };
    for (const auto& [code, category] : table) {
        INFO(code);
        auto r = kPolicy.release(person("x", "academie", {{code, kHerriot}}), s);
        CHECK(r.attributes.values("categories") == Strings{category});
    }
    // A directory giving GAR codes is released in SDET form.
    auto id = person(
        "x", "academie",
        {{"National_doc", kHerriot}, {"National_TUT", kHerriot}, {"National_ens", kHerriot}});
    id.activeProfile = 1;
    auto r = kPolicy.release(id, s);
    CHECK(r.attributes.values("ENTPersonProfils") == Strings{"National_TUT"});
    CHECK(r.attributes.values("categories") == Strings{"National_2"});
    CHECK(r.attributes.values("all") == Strings{"National_3", "National_2"});
    CHECK(r.attributes.values("gar") == Strings{"National_doc", "National_ens"});
    // A local profile has no national category: nothing is released under that name.
    CHECK_FALSE(kPolicy.release(animPeriscolaire(), s).attributes.has("categories"));
}

TEST_CASE("the user id comes from the service's user attribute", "[unit][policy]") {
    auto byMail = service("{ id: s, protocol: cas, url_pattern: x, user_attribute: email }");
    CHECK(kPolicy.decide(profHerriot(), byMail).release.user == "prof.herriot@demo.example");
    auto noMail = profHerriot();
    noMail.email.clear();
    auto d = kPolicy.decide(noMail, byMail);
    CHECK(d.outcome == O::deny);
    CHECK(d.reason.kind == K::attribute);
    CHECK(d.reason.expected == Strings{"email"});
}

TEST_CASE("every demo account reaches the loopback catch-all", "[unit][policy]") {
    auto s = service("{ id: s, protocol: cas, url_pattern: x }");
    for (const auto& id : {profHerriot(), dirHerriot(), agentMairie(), animPeriscolaire(),
                           eleveHerriot(), parentHerriot()}) {
        INFO(id.login);
        auto d = kPolicy.decide(id, s);
        CHECK(d.outcome == O::permit);
        CHECK(d.release.user == id.login);
    }
}

TEST_CASE("the GAR profile releases exactly idEnt and GARPersonIdentifiant", "[unit][policy]") {
    // ent-identity.md §5: the ENT sends the GAR its project id and the person's GAR id, the same
    // as in the daily exports, and nothing else.
    auto s = service(R"(
id: gar
protocol: saml
url_pattern: '^https://sp-auth\.partenaire\.education\.fr/.*$'
user_attribute: subject
release:
  idEnt: "value:ENT-DEMO-69"
  GARPersonIdentifiant: subject
)");
    for (const auto& person : {profHerriot(), eleveHerriot()}) {
        auto d = kPolicy.decide(person, s);
        REQUIRE(d.outcome == O::permit);
        const auto& all = d.release.attributes.all();
        REQUIRE(all.size() == 2);
        CHECK(d.release.attributes.values("idEnt") == Strings{"ENT-DEMO-69"});
        CHECK(d.release.attributes.values("GARPersonIdentifiant") == Strings{person.subject});
    }
}
