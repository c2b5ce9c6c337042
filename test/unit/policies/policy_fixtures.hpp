#pragma once
// Hand-built identities (the demo accounts of issue 2) and YAML snippets for the policy tests.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "gateway/config/yaml_file.hpp"
#include "gateway/core/identity.hpp"
#include "policies/policy.hpp"

namespace sesame::policies::test {

inline constexpr const char* kHerriot = "0690001A";  // the demo school

// The tree of a YAML snippet, named "test.yml" in messages; the snippet must be valid YAML.
inline core::ConfigNode yaml(const std::string& text) {
    core::ConfigErrors errors;
    auto node = config::loadYamlString(text, "test.yml", errors);
    INFO(errors.format());
    REQUIRE(node.has_value());
    return *node;
}

// A protocol as the registry sees one: a name, its own service keys and their parser (the real
// ones live in protocols/ and are registered by gateway/app).
struct TestProtocolSettings final : ProtocolSettings {
    UrlPattern callback;
    std::string logoutUrl;
};
inline std::vector<ProtocolSchema> testProtocols() {
    return {{"cas",
             {"proxy_callback_pattern", "logout_url"},
             [](const core::ConfigNode& node, core::ConfigErrors& errors) {
                 auto s = std::make_shared<TestProtocolSettings>();
                 s->callback = UrlPattern::parse(node["proxy_callback_pattern"], errors);
                 s->logoutUrl = node["logout_url"].asString(errors);
                 return std::shared_ptr<const ProtocolSettings>(std::move(s));
             }},
            {"saml", {}, nullptr}};
}

inline core::Identity person(const std::string& login, const std::string& directory,
                             std::vector<core::ProfileAssignment> profiles) {
    core::Identity id;
    id.subject = "sub-" + login;
    id.login = login;
    id.directory = directory;
    id.displayName = "Display " + login;
    id.givenName = "Given";
    id.familyName = "Family";
    id.email = login + "@demo.example";
    id.profiles = std::move(profiles);
    for (const auto& p : id.profiles)
        if (!p.uai.empty()) id.structures.push_back(p.uai);
    id.authMethod = "password";
    id.assurance = "low";
    return id;
}

inline core::Identity profHerriot() {
    auto id = person("prof.herriot", "academie", {{"National_ENS", kHerriot}});
    id.functions = {std::string(kHerriot) + "$ENS$ENSEIGNEMENT$P0210$LETTRES"};
    return id;
}
inline core::Identity dirHerriot() {
    auto id = person("dir.herriot", "academie", {{"National_DIR", kHerriot}});
    id.functions = {std::string(kHerriot) + "$DIR$DIRECTION$X0000$DIRECTION"};
    return id;
}
inline core::Identity agentMairie() {
    return person("agent.mairie", "commune", {{"National_COL", kHerriot}});
}
inline core::Identity animPeriscolaire() {
    return person("anim.periscolaire", "partenaires", {{"Local_PERISCOLAIRE", ""}});
}
inline core::Identity eleveHerriot() {
    auto id = person("eleve.herriot", "ent", {{"National_ELV", kHerriot}});
    id.classes = {std::string(kHerriot) + "$CM1-A"};
    return id;
}
inline core::Identity parentHerriot() {
    auto id = person("parent.herriot", "ent", {{"National_TUT", kHerriot}});
    id.children = {"sub-eleve.herriot"};
    return id;
}

}  // namespace sesame::policies::test
