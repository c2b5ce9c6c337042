#include <catch2/catch.hpp>

#include "gateway/http/server_config.hpp"

using namespace sesame;
using namespace sesame::http;
using core::ConfigNode;

namespace {
const std::string file = "/etc/sesame/sesame.yml";

ConfigNode scalar(const std::string& path, std::string value) {
    return ConfigNode::makeScalar(std::move(value), file, path, 1);
}
ConfigNode map(const std::string& path, std::vector<std::pair<std::string, ConfigNode>> entries) {
    auto node = ConfigNode::makeMap(file, path, 1);
    for (auto& [k, v] : entries) node.addEntry(k, std::move(v));
    return node;
}
ConfigNode list(const std::string& path, std::vector<std::string> items) {
    auto node = ConfigNode::makeSequence(file, path, 1);
    for (std::size_t i = 0; i < items.size(); ++i)
        node.addItem(scalar(path + "[" + std::to_string(i) + "]", items[i]));
    return node;
}

ConfigNode serverSection() {
    return map("server",
               {{"listen", scalar("server.listen", "[::]:8443")},
                {"public_url", scalar("server.public_url", "https://sso.example.fr")},
                {"threads", scalar("server.threads", "3")},
                {"tls", map("server.tls",
                            {{"certificate", scalar("server.tls.certificate", "tls/sesame.crt")},
                             {"private_key", scalar("server.tls.private_key", "/keys/k.pem")}})},
                {"trusted_proxies", list("server.trusted_proxies", {"10.0.0.0/8", "::1"})},
                {"limits", map("server.limits",
                               {{"header_bytes", scalar("server.limits.header_bytes", "4096")},
                                {"body_bytes", scalar("server.limits.body_bytes", "1000")},
                                {"read_timeout", scalar("server.limits.read_timeout", "5s")},
                                {"idle_timeout", scalar("server.limits.idle_timeout", "2m")}})}});
}

bool mentions(const core::ConfigErrors& errors, const std::string& path) {
    for (const auto& e : errors.all())
        if (e.path == path) return true;
    return false;
}
}  // namespace

TEST_CASE("the server section is read, paths relative to the file", "[unit][http]") {
    core::ConfigErrors errors;
    auto config = ServerConfig::parse(serverSection(), errors);
    INFO(errors.format());
    REQUIRE(errors.empty());
    CHECK(config.host == "::");
    CHECK(config.port == 8443);
    CHECK(config.publicUrl == "https://sso.example.fr");
    CHECK(config.publicOrigin() == "https://sso.example.fr");
    CHECK(config.threads == 3);
    REQUIRE(config.tls);
    CHECK(config.tls->certificate == "/etc/sesame/tls/sesame.crt");
    CHECK(config.tls->privateKey == "/keys/k.pem");
    CHECK(config.trustedProxies.trusts(boost::asio::ip::make_address("10.9.8.7")));
    CHECK(config.trustedProxies.trusts(boost::asio::ip::make_address("::1")));
    CHECK_FALSE(config.trustedProxies.trusts(boost::asio::ip::make_address("127.0.0.1")));
    CHECK(config.limits.headerBytes == 4096);
    CHECK(config.limits.bodyBytes == 1000);
    CHECK(config.limits.readTimeout == std::chrono::seconds(5));
    CHECK(config.limits.idleTimeout == std::chrono::minutes(2));
}

TEST_CASE("no tls section means plain HTTP", "[unit][http]") {
    core::ConfigErrors errors;
    auto node = map("server", {{"listen", scalar("server.listen", "127.0.0.1:8080")},
                               {"public_url", scalar("server.public_url", "https://sso.test")}});
    auto config = ServerConfig::parse(node, errors);
    CHECK(errors.empty());
    CHECK_FALSE(config.tls);
    CHECK(config.limits.headerBytes == 8192);
}

TEST_CASE("every mistake in the server section is reported with its key", "[unit][http]") {
    core::ConfigErrors errors;
    auto node = map(
        "server",
        {{"listen", scalar("server.listen", "localhost")},
         {"public_url", scalar("server.public_url", "sso.example.fr")},
         {"threads", scalar("server.threads", "0")},
         {"tls", map("server.tls", {{"certificate", scalar("server.tls.certificate", "c.pem")}})},
         {"trusted_proxies", list("server.trusted_proxies", {"10.0.0.0/33"})},
         {"limits",
          map("server.limits", {{"read_timeout", scalar("server.limits.read_timeout", "0s")},
                                {"idle_timout", scalar("server.limits.idle_timout", "1s")}})}});
    ServerConfig::parse(node, errors);
    INFO(errors.format());
    CHECK(mentions(errors, "server.listen"));
    CHECK(mentions(errors, "server.public_url"));
    CHECK(mentions(errors, "server.threads"));
    CHECK(mentions(errors, "server.tls.private_key"));
    CHECK(mentions(errors, "server.trusted_proxies[0]"));
    CHECK(mentions(errors, "server.limits.read_timeout"));
    CHECK(mentions(errors, "server.limits.idle_timout"));
    CHECK(errors.format().find("/etc/sesame/sesame.yml:1: server.listen: expected") !=
          std::string::npos);
}

TEST_CASE("the back_channel section", "[unit][http]") {
    core::ConfigErrors errors;
    auto node = map("back_channel", {{"ca_file", scalar("back_channel.ca_file", "../ca.pem")},
                                     {"timeout", scalar("back_channel.timeout", "3s")}});
    auto config = BackChannelConfig::parse(node, errors);
    CHECK(errors.empty());
    CHECK(config.caFile == "/etc/ca.pem");
    CHECK(config.timeout == std::chrono::seconds(3));

    core::ConfigErrors none;
    auto defaults = BackChannelConfig::parse(ConfigNode{}, none);
    CHECK(none.empty());
    CHECK(defaults.caFile.empty());
    CHECK(defaults.timeout == std::chrono::seconds(5));
}
