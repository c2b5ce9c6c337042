#include <catch2/catch.hpp>

#include "gateway/portal/portal_config.hpp"

using namespace sesame;
using core::ConfigNode;

namespace {
// A tiny builder for the tree gateway/config would read from etc/sesame.yml.
const std::string file = "etc/sesame.yml";
int line = 1;

ConfigNode scalar(const std::string& path, std::string value) {
    return ConfigNode::makeScalar(std::move(value), file, path, line++);
}
ConfigNode map(const std::string& path,
               std::vector<std::pair<std::string, ConfigNode>> entries = {}) {
    auto node = ConfigNode::makeMap(file, path, line++);
    for (auto& [k, v] : entries) node.addEntry(k, std::move(v));
    return node;
}
ConfigNode seq(const std::string& path, std::vector<ConfigNode> items = {}) {
    auto node = ConfigNode::makeSequence(file, path, line++);
    for (auto& i : items) node.addItem(std::move(i));
    return node;
}
ConfigNode choice(int i, const std::string& id, bool withDirectories = true) {
    std::string p = "portal.choices[" + std::to_string(i) + "]";
    std::vector<std::pair<std::string, ConfigNode>> entries{
        {"id", scalar(p + ".id", id)},
        {"label", map(p + ".label", {{"fr", scalar(p + ".label.fr", "Agent de la commune")},
                                     {"en", scalar(p + ".label.en", "Town staff")}})}};
    if (withDirectories)
        entries.emplace_back("directories",
                             seq(p + ".directories", {scalar(p + ".directories[0]", "commune")}));
    return map(p, std::move(entries));
}
bool mentions(const core::ConfigErrors& errors, const std::string& path, const std::string& what) {
    for (const auto& e : errors.all())
        if (e.path == path && e.message.find(what) != std::string::npos && e.file == file &&
            e.line > 0)
            return true;
    return false;
}
}  // namespace

TEST_CASE("the portal section of the demo configuration parses", "[unit]") {
    auto section =
        map("portal",
            {{"default_language", scalar("portal.default_language", "en")},
             {"choices", seq("portal.choices", {choice(0, "commune"), choice(1, "academie")})}});
    core::ConfigErrors errors;
    auto config = portal::PortalConfig::parse(section, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    CHECK(config.defaultLanguage == portal::Language::en);
    REQUIRE(config.choices.size() == 2);
    CHECK(config.choices[0].id == "commune");  // order kept: it is the order on the page
    CHECK(config.choices[0].label.in(portal::Language::fr) == "Agent de la commune");
    CHECK(config.choices[0].label.in(portal::Language::en) == "Town staff");
    CHECK(config.choices[0].directories == std::vector<std::string>{"commune"});
    REQUIRE(config.choice("academie") != nullptr);
    CHECK(config.choice("nope") == nullptr);
}

TEST_CASE("default_language defaults to French, and English falls back to the French label",
          "[unit]") {
    auto section =
        map("portal",
            {{"choices",
              seq("portal.choices",
                  {map("portal.choices[0]",
                       {{"id", scalar("portal.choices[0].id", "ent")},
                        {"label", scalar("portal.choices[0].label", "Élève ou parent")},
                        {"directories", scalar("portal.choices[0].directories", "ent")}})})}});
    core::ConfigErrors errors;
    auto config = portal::PortalConfig::parse(section, errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    CHECK(config.defaultLanguage == portal::Language::fr);
    CHECK(config.choices[0].label.in(portal::Language::en) == "Élève ou parent");
    CHECK(config.choices[0].directories == std::vector<std::string>{"ent"});
}

TEST_CASE("configuration errors name the key and what was expected", "[unit]") {
    core::ConfigErrors errors;

    SECTION("a missing section") {
        portal::PortalConfig::parse(ConfigNode{}, errors);
        CHECK(errors.all().size() == 1);
        CHECK(errors.format().find("is required") != std::string::npos);
    }
    SECTION("an unsupported default language") {
        auto section = map("portal", {{"default_language", scalar("portal.default_language", "de")},
                                      {"choices", seq("portal.choices", {choice(0, "a")})}});
        portal::PortalConfig::parse(section, errors);
        CHECK(mentions(errors, "portal.default_language", "expected fr or en"));
    }
    SECTION("no choices") {
        auto section = map("portal", {{"choices", seq("portal.choices")}});
        portal::PortalConfig::parse(section, errors);
        CHECK(mentions(errors, "portal.choices", "at least one choice"));
    }
    SECTION("a duplicate id, a bad id, missing directories, a typo in a key") {
        auto bad = choice(1, "Bad Id");
        bad.addEntry("lable", scalar("portal.choices[1].lable", "x"));
        auto section =
            map("portal",
                {{"choices", seq("portal.choices", {choice(0, "commune"), bad, choice(2, "commune"),
                                                    choice(3, "nodirs", false)})}});
        auto config = portal::PortalConfig::parse(section, errors);
        INFO(errors.format());
        CHECK(mentions(errors, "portal.choices[1].id", "lower-case letters"));
        CHECK(mentions(errors, "portal.choices[1].lable", "unknown key"));
        CHECK(mentions(errors, "portal.choices[2].id", "duplicate choice id \"commune\""));
        CHECK(mentions(errors, "portal.choices[3].directories", "is required"));
        CHECK(errors.all().size() == 4);
        CHECK(config.choices.size() == 3);  // the duplicate is left out
    }
    SECTION("a label without French, an empty directories list") {
        auto section =
            map("portal",
                {{"choices",
                  seq("portal.choices",
                      {map("portal.choices[0]",
                           {{"id", scalar("portal.choices[0].id", "x")},
                            {"label", map("portal.choices[0].label",
                                          {{"en", scalar("portal.choices[0].label.en", "X")}})},
                            {"directories", seq("portal.choices[0].directories")}})})}});
        portal::PortalConfig::parse(section, errors);
        INFO(errors.format());
        CHECK(mentions(errors, "portal.choices[0].label.fr", "is required"));
        CHECK(mentions(errors, "portal.choices[0].directories", "at least one directory"));
    }
}
