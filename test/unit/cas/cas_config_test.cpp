#include <catch2/catch.hpp>

#include "protocols/cas/cas_config.hpp"

using namespace sesame;
using sesame::core::ConfigNode;

namespace {
ConfigNode section(std::vector<std::pair<std::string, std::string>> entries) {
    auto map = ConfigNode::makeMap("etc/sesame.yml", "cas", 10);
    int line = 11;
    for (auto& [k, v] : entries)
        map.addEntry(k, ConfigNode::makeScalar(v, "etc/sesame.yml", "cas." + k, line++));
    return map;
}
}  // namespace

TEST_CASE("the cas section has short defaults", "[unit][cas]") {
    core::ConfigErrors errors;
    auto c = cas::CasConfig::parse(ConfigNode{}, "https://sesame", errors);
    CHECK(errors.empty());
    CHECK(c.serviceTicketLifetime == std::chrono::seconds(30));
    CHECK(c.releaseAttributesV2);
    CHECK(c.publicUrl == "https://sesame");
}

TEST_CASE("the cas section is read and its errors name file, line and key", "[unit][cas]") {
    core::ConfigErrors errors;
    auto c = cas::CasConfig::parse(section({{"service_ticket_lifetime", "10s"},
                                            {"proxy_granting_ticket_lifetime", "1h"},
                                            {"release_attributes_v2", "false"}}),
                                   "https://sesame", errors);
    CHECK(errors.empty());
    CHECK(c.serviceTicketLifetime == std::chrono::seconds(10));
    CHECK(c.proxyGrantingTicketLifetime == std::chrono::hours(1));
    CHECK_FALSE(c.releaseAttributesV2);

    core::ConfigErrors bad;
    cas::CasConfig::parse(section({{"service_ticket_lifetime", "1h"},
                                   {"proxy_ticket_lifetime", "soon"},
                                   {"ticket_lifetime", "30s"}}),
                          "https://sesame", bad);
    REQUIRE(bad.all().size() == 3);
    std::string text = bad.format();
    CHECK(text.find("etc/sesame.yml:11: cas.service_ticket_lifetime") != std::string::npos);
    CHECK(text.find("cas.proxy_ticket_lifetime") != std::string::npos);
    CHECK(text.find("cas.ticket_lifetime: unknown key") != std::string::npos);
}

TEST_CASE("a CAS service's own keys are read by the CAS schema", "[unit][cas]") {
    auto schema = cas::casServiceSchema();
    CHECK(schema.protocol == "cas");
    auto service = [](std::string key, std::string value) {
        auto map = ConfigNode::makeMap("etc/services/a.yml", "services[0]", 3);
        map.addEntry(key, ConfigNode::makeScalar(value, "etc/services/a.yml", key, 4));
        return map;
    };
    core::ConfigErrors errors;
    auto parsed = schema.parse(service("proxy_callback_pattern", "^https://app/pgt$"), errors);
    CHECK(errors.empty());
    const auto* settings = dynamic_cast<const cas::CasServiceSettings*>(parsed.get());
    REQUIRE(settings);
    CHECK(settings->proxyCallback.matches("https://app/pgt"));
    CHECK_FALSE(settings->proxyCallback.matches("https://app/pgt/x"));
    CHECK(settings->logoutUrl.empty());

    core::ConfigErrors bad;
    schema.parse(service("logout_url", "javascript:alert(1)"), bad);
    CHECK(bad.format().find("logout_url: expected an http:// or https:// URL") !=
          std::string::npos);
    core::ConfigErrors badPattern;
    schema.parse(service("proxy_callback_pattern", "(unclosed"), badPattern);
    CHECK_FALSE(badPattern.empty());
}
