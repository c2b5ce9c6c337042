// The demo configuration shipped in etc/ must pass the policy parsers: the habilitation section
// of etc/sesame.yml and every file of etc/services/.
#include <catch2/catch.hpp>

#include "gateway/app/endpoints.hpp"
#include "gateway/config/yaml_file.hpp"
#include "policies/policy.hpp"

using namespace sesame;
using namespace sesame::policies;

namespace {

struct DemoConfig {
    core::ConfigErrors errors;
    core::ConfigNode root;
    HabilitationRules rules;
    ServiceRegistry registry;

    DemoConfig() {
        const std::string etc = std::string(SESAME_SOURCE_DIR) + "/etc";
        auto loaded = config::loadYamlFile(etc + "/sesame.yml", errors);
        REQUIRE(loaded.has_value());
        root = *loaded;
        rules = HabilitationRules::parse(root["habilitation"], errors);
        const auto& dir = root["services_dir"];
        auto files = config::loadYamlDirectory(config::resolvePath(dir, dir.scalar()), errors);
        CHECK(files.size() >= 2);
        registry = ServiceRegistry::parse(files, rules.ladder(), rules.assurance(),
                                          app::serviceSchemas(), errors);
    }
};

core::Identity pupil() {
    core::Identity id;
    id.login = "eleve.herriot";
    id.directory = "ent";
    id.profiles = {{"National_ELV", "0690001A"}};
    id.assurance = "low";
    return id;
}

}  // namespace

TEST_CASE("the demo configuration parses without error", "[unit][demo]") {
    DemoConfig demo;
    INFO(demo.errors.format());
    CHECK(demo.errors.empty());
    CHECK(demo.rules.ladder().levels() == defaultHabilitationLadder().levels());
    CHECK(demo.registry.byId("demo-loopback") != nullptr);
    CHECK(demo.registry.byId("demo-staff") != nullptr);
}

TEST_CASE("the demo registry accepts loopback services and keeps staff pages for staff",
          "[unit][demo]") {
    DemoConfig demo;
    REQUIRE(demo.errors.empty());
    for (const char* url : {"http://127.0.0.1:8081/", "https://127.0.0.1:9443/app/?x=1",
                            "http://localhost:3000/demo", "https://localhost/"}) {
        INFO(url);
        const auto* s = demo.registry.find("cas", url);
        REQUIRE(s != nullptr);
        CHECK(s->id == "demo-loopback");
    }
    CHECK(demo.registry.find("cas", "https://ent.example.org/") == nullptr);
    CHECK(demo.registry.find("cas", "http://127.0.0.1.example.org/") == nullptr);
    const auto* staff = demo.registry.find("cas", "http://127.0.0.1:8081/staff/");
    REQUIRE(staff != nullptr);
    CHECK(staff->id == "demo-staff");

    Policy policy(demo.rules);
    auto d = policy.decide(pupil(), *staff);
    CHECK(d.outcome == Decision::Outcome::deny);
    CHECK(d.reason.kind == DenyReason::Kind::profile);

    auto open = policy.decide(pupil(), *demo.registry.find("cas", "http://127.0.0.1:8081/"));
    REQUIRE(open.outcome == Decision::Outcome::permit);
    CHECK(open.release.user == "eleve.herriot");
    CHECK(open.release.attributes.values("categories") == std::vector<std::string>{"National_1"});
    CHECK(open.release.attributes.values("ENTPersonProfils") ==
          std::vector<std::string>{"National_ELV"});
    CHECK(open.release.attributes.values("ENTPersonStructRattachRNE") ==
          std::vector<std::string>{"0690001A"});
    CHECK(open.release.attributes.values("habilitation") == std::vector<std::string>{"eleve"});
}
