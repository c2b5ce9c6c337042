// What an academy configures in `directories[].mapping` and what the person then is in Sesame.
#include <catch2/catch.hpp>

#include "connectors/mapping/attribute_mapping.hpp"
#include "test/unit/connectors/yaml_node.hpp"

using sesame::core::AttributeSet;
using sesame::core::ConfigErrors;
using sesame::core::ProfileAssignment;
using namespace sesame::mapping;

namespace {

AttributeMapping parseOk(const std::string& yaml) {
    ConfigErrors errors;
    auto m = AttributeMapping::parse(sesame::test::yamlNode(yaml), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    return m;
}

const char* academic = R"(
subject: ENTPersonJointure
login: uid
display_name: displayName
given_name: givenName
family_name: sn
email: ctemail
profiles: ENTPersonProfils
structures: ENTPersonStructRattach
functions: ENTPersonFonctions
)";

AttributeSet teacher() {
    AttributeSet raw;
    raw.add("uid", "prof.herriot");
    raw.add("ENTPersonJointure", "AC-DEMO$1000001");
    raw.add("displayName", "Camille Durand");
    raw.add("givenName", "Camille");
    raw.add("sn", "Durand");
    raw.add("ctemail", "camille.durand@ac-demo.fr");
    raw.add("mail", "camille@example.org");
    raw.add("ENTPersonProfils", "National_ENS");
    raw.add("ENTPersonStructRattach", "0690001A");
    raw.add("ENTPersonFonctions", "0690001A$ENS$ENSEIGNEMENT$P0000$PROFESSEUR DES ECOLES");
    raw.add("telephoneNumber", "+33 4 00 00 00 00");
    return raw;
}

}  // namespace

TEST_CASE("an academic teacher maps to her SDET profile at her school", "[unit][mapping]") {
    auto id = parseOk(academic).map(teacher());
    CHECK(id.subject == "AC-DEMO$1000001");
    CHECK(id.login == "prof.herriot");
    CHECK(id.displayName == "Camille Durand");
    CHECK(id.email == "camille.durand@ac-demo.fr");  // ctemail, not mail
    REQUIRE(id.profiles.size() == 1);
    CHECK(id.profiles[0] == ProfileAssignment{"National_ENS", "0690001A"});
    CHECK(id.structures == std::vector<std::string>{"0690001A"});
    CHECK(id.functions == std::vector<std::string>{"ENS"});
    // Mapped attributes are kept under the directory's names; unmapped ones are not.
    CHECK(id.attributes.values("ENTPersonProfils") == std::vector<std::string>{"National_ENS"});
    CHECK(id.attributes.values("ctemail") == std::vector<std::string>{"camille.durand@ac-demo.fr"});
    CHECK_FALSE(id.attributes.has("telephoneNumber"));
    CHECK_FALSE(id.attributes.has("mail"));
}

TEST_CASE("several profiles and structures give one assignment per pair", "[unit][mapping]") {
    auto raw = teacher();
    raw.set("ENTPersonProfils", {"National_ENS", "National_DIR"});
    // An AAF structure id (not a UAI) is kept as the directory gives it.
    raw.set("ENTPersonStructRattach", {"0690001A", "9001"});
    raw.set("ENTPersonFonctions", {"0690001A$DIR$DIRECTION$-$DIRECTEUR", "9001$ENS$ENSEIGNEMENT",
                                   "0690001A$DIR$DIRECTION$-$AUTRE"});
    auto id = parseOk(academic).map(raw);
    CHECK(id.profiles == std::vector<ProfileAssignment>{{"National_ENS", "0690001A"},
                                                        {"National_ENS", "9001"},
                                                        {"National_DIR", "0690001A"},
                                                        {"National_DIR", "9001"}});
    CHECK(id.structures == std::vector<std::string>{"0690001A", "9001"});
    CHECK(id.functions == std::vector<std::string>{"DIR", "ENS"});  // each code once
}

TEST_CASE("a pupil keeps her classes and a parent his children", "[unit][mapping]") {
    auto m = parseOk(R"(
subject: ENTPersonJointure
login: ENTPersonLogin
profiles: ENTPersonProfils
structures: ENTPersonStructRattach
classes: ENTEleveClasses
children: ENTAuxPersRelEleveEleve
)");
    AttributeSet pupil;
    pupil.add("ENTPersonLogin", "eleve.herriot");
    pupil.add("ENTPersonJointure", "DEMO$1234567");
    pupil.add("ENTPersonProfils", "National_ELV");
    pupil.add("ENTPersonStructRattach", "0690001A");
    pupil.add("ENTEleveClasses", "0690001A$CM1-A");
    auto p = m.map(pupil);
    CHECK(p.profiles == std::vector<ProfileAssignment>{{"National_ELV", "0690001A"}});
    CHECK(p.classes == std::vector<std::string>{"0690001A$CM1-A"});
    CHECK(p.children.empty());

    AttributeSet parent;
    parent.add("ENTPersonLogin", "parent.herriot");
    parent.add("ENTPersonProfils", "National_TUT");
    // A pupil given by id, another by DN: both become the pupil's identifier.
    parent.set("ENTAuxPersRelEleveEleve",
               {"DEMO$1234567", "ENTPersonJointure=DEMO$7777777,ou=people,dc=ent-demo,dc=fr"});
    auto t = m.map(parent);
    CHECK(t.subject == "parent.herriot");  // no ENTPersonJointure: the login stands in
    CHECK(t.profiles == std::vector<ProfileAssignment>{{"National_TUT", ""}});
    CHECK(t.children == std::vector<std::string>{"DEMO$1234567", "DEMO$7777777"});
}

TEST_CASE("Active Directory groups give SDET profiles", "[unit][mapping]") {
    auto m = parseOk(R"(
subject: objectGUID
login: sAMAccountName
structures: physicalDeliveryOfficeName
group_attribute: memberOf
group_profiles:
  "cn=periscolaire,ou=groupes,dc=mairie-demo,dc=fr": National_COL
  "cn=services-techniques,ou=groupes,dc=mairie-demo,dc=fr": National_COL
)");
    AttributeSet agent;
    agent.add("sAMAccountName", "agent.mairie");
    agent.add("givenName", "Karim");
    agent.add("sn", "Petit");
    agent.add("physicalDeliveryOfficeName", "0690001A");
    // DNs as a server writes them: other case, spaces after commas. Two matching groups give
    // the profile once; an unmapped group gives nothing.
    agent.set("memberOf", {"CN=Periscolaire, OU=Groupes, DC=mairie-demo, DC=fr",
                           "cn=services-techniques,ou=groupes,dc=mairie-demo,dc=fr",
                           "cn=cantine,ou=groupes,dc=mairie-demo,dc=fr"});
    auto id = m.map(agent);
    CHECK(id.profiles == std::vector<ProfileAssignment>{{"National_COL", "0690001A"}});
    CHECK(id.attributes.values("memberOf").size() == 3);

    agent.set("memberOf", {"cn=cantine,ou=groupes,dc=mairie-demo,dc=fr"});
    CHECK(m.map(agent).profiles.empty());
}

TEST_CASE("a fixed profile and structure apply to every account", "[unit][mapping]") {
    auto m = parseOk("login: uid\nprofile: National_COL\nstructure: 0690001A\n");
    AttributeSet raw;
    raw.add("uid", "agent");
    auto id = m.map(raw);
    CHECK(id.profiles == std::vector<ProfileAssignment>{{"National_COL", "0690001A"}});
    CHECK(id.structures == std::vector<std::string>{"0690001A"});
}

TEST_CASE("a missing display name is made of given and family names", "[unit][mapping]") {
    auto m = parseOk(academic);
    auto raw = teacher();
    raw.set("displayName", {});
    CHECK(m.map(raw).displayName == "Camille Durand");
    raw.set("givenName", {});
    CHECK(m.map(raw).displayName == "Durand");
}

TEST_CASE("attribute names match whatever their case", "[unit][mapping]") {
    auto m = parseOk("profiles: entpersonprofils\nstructures: ENTPERSONSTRUCTRATTACH\n");
    auto id = m.map(teacher());
    CHECK(id.profiles == std::vector<ProfileAssignment>{{"National_ENS", "0690001A"}});
    CHECK(id.attributes.has("ENTPersonProfils"));
}

TEST_CASE("without a mapping section the ENT schema names apply", "[unit][mapping]") {
    ConfigErrors errors;
    auto m = AttributeMapping::parse(sesame::core::ConfigNode{}, errors);
    CHECK(errors.empty());
    auto id = m.map(teacher());
    CHECK(id.subject == "AC-DEMO$1000001");
    CHECK(id.hasProfile("National_ENS"));
    CHECK(id.email == "camille@example.org");  // defaults read mail
}

TEST_CASE("mapping mistakes are reported with file, line and key", "[unit][mapping]") {
    ConfigErrors errors;
    auto node = sesame::test::yamlNode(R"(directories:
  - mapping:
      login: uid
      profils: ENTPersonProfils
      email: "mail address"
      structure: 69001A
      group_profiles:
        "cn=periscolaire,dc=mairie-demo,dc=fr": National_COL
)",
                                       "etc/sesame.yml");
    AttributeMapping::parse(node["directories"].items()[0]["mapping"], errors);
    auto text = errors.format();
    INFO(text);
    REQUIRE(errors.all().size() == 4);
    CHECK_THAT(text,
               Catch::Contains("etc/sesame.yml:4: directories[0].mapping.profils: unknown key"));
    CHECK_THAT(text, Catch::Contains("directories[0].mapping.email: expected an attribute name"));
    CHECK_THAT(text, Catch::Contains(
                         "etc/sesame.yml:6: directories[0].mapping.structure: expected a UAI"));
    CHECK_THAT(text, Catch::Contains("group_profiles needs group_attribute"));
}

TEST_CASE("the attribute list to ask a directory for holds each mapped name once",
          "[unit][mapping]") {
    auto m =
        parseOk("login: uid\nsubject: uid\nemail: mail\nattributes: [ENTPersonDateNaissance]\n");
    CHECK(m.attributeNames() == std::vector<std::string>{"uid", "mail", "ENTPersonDateNaissance"});
}

TEST_CASE("DN and composite-value helpers", "[unit][mapping]") {
    CHECK(functionCode("0690001A$DIR$DIRECTION$-$DIRECTEUR") == "DIR");
    CHECK(functionCode("0690001A$ENS") == "ENS");
    CHECK(functionCode("DIR") == "DIR");
    CHECK(normalizeDn("CN=Periscolaire , OU=Groupes,DC=Mairie-Demo, DC=fr") ==
          "cn=periscolaire,ou=groupes,dc=mairie-demo,dc=fr");
    CHECK(normalizeDn("cn=Jean Dupont,ou=agents") == "cn=jean dupont,ou=agents");
    CHECK(firstRdnValue("uid=eleve.herriot,ou=people,dc=ent-demo,dc=fr") == "eleve.herriot");
    CHECK(firstRdnValue("cn=Martin\\, Lou,ou=people") == "Martin\\, Lou");
    CHECK(firstRdnValue("DEMO$1234567") == "DEMO$1234567");
}

TEST_CASE("binary directory values are shown readably", "[unit][mapping]") {
    CHECK(printableValue("École Édouard Herriot") == "École Édouard Herriot");
    std::string guid("\x33\x22\x11\x00\x55\x44\x77\x66\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
    CHECK(printableValue(guid) == "00112233-4455-6677-8899-aabbccddeeff");
    CHECK(printableValue(std::string("\x01\xff", 2)) == "0x01ff");
}
