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
    auto c = cas::CasConfig::parse(ConfigNode{}, "https://sesame", {}, errors);
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
                                   "https://sesame", {}, errors);
    CHECK(errors.empty());
    CHECK(c.serviceTicketLifetime == std::chrono::seconds(10));
    CHECK(c.proxyGrantingTicketLifetime == std::chrono::hours(1));
    CHECK_FALSE(c.releaseAttributesV2);

    core::ConfigErrors bad;
    cas::CasConfig::parse(section({{"service_ticket_lifetime", "1h"},
                                   {"proxy_ticket_lifetime", "soon"},
                                   {"ticket_lifetime", "30s"}}),
                          "https://sesame", {}, bad);
    REQUIRE(bad.all().size() == 3);
    std::string text = bad.format();
    CHECK(text.find("etc/sesame.yml:11: cas.service_ticket_lifetime") != std::string::npos);
    CHECK(text.find("cas.proxy_ticket_lifetime") != std::string::npos);
    CHECK(text.find("cas.ticket_lifetime: unknown key") != std::string::npos);
}
