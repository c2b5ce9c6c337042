#include <catch2/catch.hpp>

#include "test/unit/policies/policy_fixtures.hpp"

using namespace sesame;
using namespace sesame::policies;
using namespace sesame::policies::test;
using Catch::Matchers::Contains;

namespace {

const Ladder kLevels = defaultHabilitationLadder();
const Ladder kAssurance = defaultAssuranceLadder();

ServiceRegistry registry(const std::vector<std::string>& files) {
    std::vector<core::ConfigNode> nodes;
    for (const auto& f : files) nodes.push_back(yaml(f));
    core::ConfigErrors errors;
    auto r = ServiceRegistry::parse(nodes, kLevels, kAssurance, testProtocols(), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    return r;
}

std::string registryErrors(const std::vector<std::string>& files) {
    std::vector<core::ConfigNode> nodes;
    for (const auto& f : files) nodes.push_back(yaml(f));
    core::ConfigErrors errors;
    ServiceRegistry::parse(nodes, kLevels, kAssurance, testProtocols(), errors);
    REQUIRE_FALSE(errors.empty());
    return errors.format();
}

const char* kLoopback = R"(
services:
  - id: loopback
    protocol: cas
    url_pattern: '^https?://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?(/.*)?$'
    evaluation_order: 1000
)";

const char* kStaff = R"(
id: staff
name: Espace des personnels
protocol: cas
url_pattern: '^https?://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?/staff/.*$'
allowed_profiles: [National_ENS, National_3]
allowed_structures: [0690001A]
allowed_directories: [academie]
minimum_level: enseignant
minimum_assurance: eidas1
access: { not: { auth_method: [otp] } }
user_attribute: email
release: { uid: login, categories: profile.sdet3, x: "attr:ENTPersonJointure" }
logout_url: https://127.0.0.1/logout
single_logout: false
proxy_callback_pattern: '^https://127\.0\.0\.1/pgt$'
evaluation_order: 10
)";

std::string svc(const std::string& extra) {
    return "{ id: s, protocol: cas, url_pattern: '^https://s/.*$'" + extra + " }";
}

}  // namespace

TEST_CASE("a service file is parsed into every field", "[unit][registry]") {
    auto r = registry({kStaff});
    REQUIRE(r.all().size() == 1);
    const auto& s = r.all().front();
    CHECK(s.id == "staff");
    CHECK(s.name == "Espace des personnels");
    CHECK(s.protocol == "cas");
    CHECK(s.allowedProfiles == std::vector<std::string>{"National_ENS", "National_DOC"});
    CHECK(s.allowedStructures == std::vector<std::string>{"0690001A"});
    CHECK(s.allowedDirectories == std::vector<std::string>{"academie"});
    CHECK(s.minimumLevel == "enseignant");
    CHECK(s.minimumLevelRank == 4);
    CHECK(s.minimumAssurance == "eidas1");
    CHECK(s.minimumAssuranceRank == 1);
    CHECK(s.access.kind == Rule::Kind::noneOf);
    CHECK(s.userAttribute == "email");
    REQUIRE(s.release.size() == 3);
    CHECK(s.release[1].name == "categories");
    CHECK(s.release[1].source == "profile.sdet3");
    CHECK_FALSE(s.singleLogout);
    // The protocol's own keys, read by the protocol's parser and carried unread.
    const auto* settings = s.settingsAs<TestProtocolSettings>();
    REQUIRE(settings);
    CHECK(settings->logoutUrl == "https://127.0.0.1/logout");
    CHECK(settings->callback.matches("https://127.0.0.1/pgt"));
    CHECK_FALSE(settings->callback.matches("https://127.0.0.1/pgt/x"));
    CHECK(s.evaluationOrder == 10);
    CHECK(s.file == "test.yml");
    CHECK(s.line == 2);
}

TEST_CASE("defaults of an optional field", "[unit][registry]") {
    auto r = registry({svc("")});
    const auto& s = r.all().front();
    CHECK(s.name == "s");
    CHECK(s.userAttribute == "login");
    CHECK(s.singleLogout);
    CHECK(s.allowedProfiles.empty());
    CHECK(s.minimumLevelRank == -1);
    CHECK(s.access.kind == Rule::Kind::always);
    REQUIRE(s.settingsAs<TestProtocolSettings>());
    CHECK_FALSE(s.settingsAs<TestProtocolSettings>()->callback.matches("https://s/pgt"));
    CHECK(r.byId("s") == &s);
    CHECK(r.byId("t") == nullptr);
}

TEST_CASE("find picks the matching service with the lowest evaluation order", "[unit][registry]") {
    // The catch-all comes first in file order but has the higher evaluation_order.
    auto r = registry({kLoopback, kStaff});
    CHECK(r.find("cas", "http://127.0.0.1:8080/staff/index.html")->id == "staff");
    CHECK(r.find("cas", "https://localhost/staff/")->id == "staff");
    CHECK(r.find("cas", "http://127.0.0.1:8080/app/")->id == "loopback");
    CHECK(r.find("cas", "http://localhost:3000")->id == "loopback");
    CHECK(r.find("saml", "http://127.0.0.1:8080/app/") == nullptr);  // other protocol
    CHECK(r.all().front().id == "staff");

    // Ties keep file order.
    auto tie =
        registry({"{ id: a, protocol: cas, url_pattern: '^https://s/.*$', evaluation_order: 5 }",
                  "{ id: b, protocol: cas, url_pattern: '^https://s/.*$', evaluation_order: 5 }"});
    CHECK(tie.find("cas", "https://s/x")->id == "a");
}

TEST_CASE("patterns match the whole URL, never a prefix or a look-alike host", "[unit][registry]") {
    auto r = registry({kLoopback});
    for (const char* url :
         {"http://127.0.0.1.evil.example/", "http://127.0.0.1@evil.example/",
          "http://evil.example/?http://127.0.0.1/", "https://localhost:80x/",
          "http://localhost.evil.example/", "ftp://127.0.0.1/", "http://127.0.0.1:123456/",
          " http://127.0.0.1/", "http://127.0.0.1/\nx", ""}) {
        INFO(url);
        CHECK(r.find("cas", url) == nullptr);
    }
    CHECK(r.find("cas", "https://127.0.0.1:8443/a?b=c#d") != nullptr);
    // Very long URLs are refused rather than fed to the regex engine.
    const std::string base = "http://127.0.0.1/";
    CHECK(r.find("cas", base + std::string(4096 - base.size(), 'a')) != nullptr);
    CHECK(r.find("cas", base + std::string(4097 - base.size(), 'a')) == nullptr);
}

TEST_CASE("patterns run in linear time: what needs backtracking is a configuration error",
          "[unit][registry]") {
    // RE2 refuses backreferences and lookaround, which only a backtracking engine can run: said
    // at start, with file, line and key, rather than a request that never ends.
    CHECK_THAT(registryErrors({svc(", proxy_callback_pattern: '^https://(a)\\1/$'")}),
               Contains("test.yml:1: proxy_callback_pattern: invalid regular expression (RE2 "
                        "syntax, see docs/habilitation.md)"));
    CHECK_THAT(registryErrors({"{ id: s, protocol: cas, url_pattern: '^https://(?=a)a/$' }"}),
               Contains("url_pattern: invalid regular expression (RE2 syntax"));
    // A pattern that backtracks exponentially in std::regex answers at once.
    auto r = registry({"{ id: s, protocol: cas, url_pattern: '^https://x/(a|aa)+$' }"});
    CHECK(r.find("cas", "https://x/" + std::string(4000, 'a') + "!") == nullptr);
    CHECK(r.find("cas", "https://x/" + std::string(4000, 'a')) != nullptr);
}

TEST_CASE("a file may hold one service or a services list; an empty file holds none",
          "[unit][registry]") {
    auto r = registry({kLoopback, kStaff, ""});
    CHECK(r.all().size() == 2);
}

TEST_CASE("service configuration errors name the file, the key and what was expected",
          "[unit][registry]") {
    CHECK_THAT(registryErrors({kStaff, kStaff}),
               Contains("test.yml:2: id: duplicate service id 'staff' (first defined at "
                        "test.yml:2)"));
    CHECK_THAT(registryErrors({"{ id: s, protocol: cas, url_pattern: '^https://(s/.*$' }"}),
               Contains("url_pattern: invalid regular expression (RE2 syntax"));
    CHECK_THAT(registryErrors({svc(", proxy_callback_pattern: '[a-'")}),
               Contains("proxy_callback_pattern: invalid regular expression"));
    CHECK_THAT(registryErrors({svc(", release: { uid: uid }")}),
               Contains("release.uid: unknown attribute source 'uid' (expected one of: login, "
                        "subject"));
    CHECK_THAT(registryErrors({svc(", release: { x: 'attr:' }")}),
               Contains("release.x: unknown attribute source 'attr:'"));
    CHECK_THAT(registryErrors({svc(", release: [login]")}),
               Contains("release: expected a map of released name -> source"));
    CHECK_THAT(registryErrors({svc(", user_attribute: mail")}),
               Contains("user_attribute: unknown attribute source 'mail'"));
    CHECK_THAT(registryErrors({svc(", allowed_profiles: [National_PROF]")}),
               Contains("allowed_profiles[0]: unknown profile code 'National_PROF'"));
    CHECK_THAT(registryErrors({svc(", allowed_profiles: []")}),
               Contains("allowed_profiles: expected at least one value"));
    CHECK_THAT(registryErrors({svc(", minimum_level: prof")}),
               Contains("minimum_level: unknown habilitation level 'prof'"));
    CHECK_THAT(registryErrors({svc(", minimum_assurance: strong")}),
               Contains("minimum_assurance: unknown assurance level 'strong'"));
    CHECK_THAT(registryErrors({svc(", access: { profil: [Teacher] }")}),
               Contains("access.profil: unknown key"));
    CHECK_THAT(registryErrors({"{ id: s, protocol: ws-fed, url_pattern: x }"}),
               Contains("protocol: unknown protocol 'ws-fed' (expected one of: cas, saml)"));
    CHECK_THAT(registryErrors({"{ protocol: cas, url_pattern: x }"}), Contains("id: is required"));
    CHECK_THAT(registryErrors({"{ id: s, url_pattern: x }"}), Contains("protocol: is required"));
    CHECK_THAT(registryErrors({"{ id: s, protocol: cas }"}), Contains("url_pattern: is required"));
    CHECK_THAT(registryErrors({"{ id: 's/1', protocol: cas, url_pattern: x }"}),
               Contains("id: expected letters, digits, '-', '_' or '.' only"));
    // A protocol's own key is unknown to another protocol.
    CHECK_THAT(registryErrors({"{ id: s, protocol: saml, url_pattern: x, logout_url: x }"}),
               Contains("logout_url: unknown key"));
    CHECK_THAT(registryErrors({svc(", single_logout: maybe")}),
               Contains("single_logout: expected true or false"));
    CHECK_THAT(registryErrors({svc(", evaluation_order: first")}),
               Contains("evaluation_order: expected a whole number"));
    CHECK_THAT(registryErrors({svc(", url: x")}),
               Contains("url: unknown key (expected one of: id"));
    CHECK_THAT(registryErrors({"services: { id: s }"}), Contains("services: expected a list"));
    CHECK_THAT(registryErrors({"services: [ 1 ]"}), Contains("services[0]: expected a service"));
    CHECK_THAT(registryErrors({"services: []\nother: 1"}), Contains("other: unknown key"));
    CHECK_THAT(registryErrors({"[1, 2]"}),
               Contains("expected a service map, or a map with a 'services' list"));
}
