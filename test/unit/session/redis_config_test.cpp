// The `redis:` section: what an operator writes and the messages a mistake gets.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "gateway/core/random.hpp"
#include "gateway/session/redis_config.hpp"

using namespace sesame;
using sesame::core::ConfigNode;
namespace fs = std::filesystem;

namespace {

// A temporary folder holding a sesame.yml (never read: only its path matters) and side files.
struct ConfigFolder {
    ConfigFolder()
        : dir(fs::temp_directory_path() / ("sesame-redis-config-" + core::randomToken(6))) {
        fs::create_directories(dir);
    }
    ~ConfigFolder() { fs::remove_all(dir); }
    std::string file() const { return (dir / "sesame.yml").string(); }
    void write(const std::string& name, const std::string& content) const {
        fs::create_directories((dir / name).parent_path());
        std::ofstream(dir / name) << content;
    }
    fs::path dir;
};

ConfigNode scalar(const ConfigFolder& f, const std::string& path, const std::string& value) {
    return ConfigNode::makeScalar(value, f.file(), path, 10);
}

ConfigNode redisNode(const ConfigFolder& f,
                     std::vector<std::pair<std::string, std::string>> entries,
                     std::optional<std::vector<std::pair<std::string, std::string>>> tls = {}) {
    auto node = ConfigNode::makeMap(f.file(), "redis", 9);
    for (auto& [k, v] : entries) node.addEntry(k, scalar(f, "redis." + k, v));
    if (tls) {
        auto t = ConfigNode::makeMap(f.file(), "redis.tls", 12);
        for (auto& [k, v] : *tls) t.addEntry(k, scalar(f, "redis.tls." + k, v));
        node.addEntry("tls", std::move(t));
    }
    return node;
}

std::string messages(const core::ConfigErrors& errors) {
    return errors.format();
}

}  // namespace

TEST_CASE("the demo redis section parses with its defaults", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    auto c = session::RedisConfig::parse(redisNode(f, {{"address", "127.0.0.1:6380"},
                                                       {"database", "0"},
                                                       {"timeout", "2s"},
                                                       {"key_prefix", "sesame:"}}),
                                         errors);
    REQUIRE(errors.empty());
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == 6380);
    CHECK(c.timeout == std::chrono::seconds(2));
    CHECK(c.keyPrefix == "sesame:");
    CHECK_FALSE(c.tls);
    CHECK(c.password.empty());
    CHECK(c.address() == "127.0.0.1:6380");
}

TEST_CASE("the password file and TLS paths are relative to the config file's folder", "[unit]") {
    ConfigFolder f;
    f.write("secrets/redis.password", "s3cret\n");
    f.write("tls/ca.pem", "x");
    f.write("tls/client.pem", "x");
    f.write("tls/client.key", "x");
    core::ConfigErrors errors;
    auto c = session::RedisConfig::parse(redisNode(f,
                                                   {{"address", "[::1]:6390"},
                                                    {"password_file", "secrets/redis.password"},
                                                    {"user", "sesame"},
                                                    {"database", "3"}},
                                                   {{{"ca_file", "tls/ca.pem"},
                                                     {"certificate", "tls/client.pem"},
                                                     {"private_key", "tls/client.key"},
                                                     {"server_name", "redis.ac-demo.fr"}}}),
                                         errors);
    INFO(messages(errors));
    REQUIRE(errors.empty());
    CHECK(c.host == "::1");
    CHECK(c.address() == "[::1]:6390");
    CHECK(c.password == "s3cret");  // the newline of `echo s3cret > file` is not part of it
    CHECK(c.user == "sesame");
    CHECK(c.database == 3);
    REQUIRE(c.tls);
    CHECK(c.tls->caFile == (f.dir / "tls/ca.pem").string());
    CHECK(c.tls->certificate == (f.dir / "tls/client.pem").string());
    CHECK(c.tls->privateKey == (f.dir / "tls/client.key").string());
    CHECK(c.tls->serverName == "redis.ac-demo.fr");
}

TEST_CASE("the TLS server name defaults to the host", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    auto c =
        session::RedisConfig::parse(redisNode(f, {{"address", "redis.local:6379"}}, {{}}), errors);
    REQUIRE(errors.empty());
    REQUIRE(c.tls);
    CHECK(c.tls->serverName == "redis.local");
    CHECK(c.tls->caFile.empty());
}

TEST_CASE("mistakes in the redis section are all reported with their key", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    session::RedisConfig::parse(redisNode(f,
                                          {{"address", "127.0.0.1"},
                                           {"password", "inline"},
                                           {"password_file", "missing.password"},
                                           {"database", "-1"},
                                           {"timeout", "soon"},
                                           {"tll", "1"}},
                                          {{{"certificate", "nowhere.pem"}}}),
                                errors);
    std::string text = messages(errors);
    INFO(text);
    CHECK(text.find("redis.address: expected host:port") != std::string::npos);
    CHECK(text.find("either password_file or password") != std::string::npos);
    CHECK(text.find("redis.database") != std::string::npos);
    CHECK(text.find("redis.timeout") != std::string::npos);
    CHECK(text.find("redis.tll: unknown key") != std::string::npos);
    CHECK(text.find("redis.tls.certificate: cannot read file") != std::string::npos);
    CHECK(text.find("needs both certificate and private_key") != std::string::npos);
    CHECK(text.find("sesame.yml:10") != std::string::npos);
    // The inline password never appears in a message.
    CHECK(text.find("inline") == std::string::npos);
}

TEST_CASE("an unreadable password file is reported", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    session::RedisConfig::parse(redisNode(f, {{"password_file", "nope"}}), errors);
    CHECK(messages(errors).find("cannot read the Redis password file") != std::string::npos);
}

namespace {
// redis: { sentinel: { master_name, addresses: [...], <more> }, <master entries> }
ConfigNode sentinelNode(const ConfigFolder& f, std::vector<std::string> addresses,
                        std::vector<std::pair<std::string, std::string>> sentinelEntries,
                        std::vector<std::pair<std::string, std::string>> masterEntries = {}) {
    auto node = redisNode(f, masterEntries);
    auto s = ConfigNode::makeMap(f.file(), "redis.sentinel", 20);
    for (auto& [k, v] : sentinelEntries) s.addEntry(k, scalar(f, "redis.sentinel." + k, v));
    auto list = ConfigNode::makeSequence(f.file(), "redis.sentinel.addresses", 22);
    for (std::size_t i = 0; i < addresses.size(); ++i)
        list.addItem(ConfigNode::makeScalar(
            addresses[i], f.file(), "redis.sentinel.addresses[" + std::to_string(i) + "]", 22));
    s.addEntry("addresses", std::move(list));
    node.addEntry("sentinel", std::move(s));
    return node;
}
}  // namespace

TEST_CASE("a sentinel section names the master and its sentinels, IPv6 included", "[unit]") {
    ConfigFolder f;
    f.write("sentinel.password", "sentinel-secret\n");
    f.write("redis.password", "master-secret\n");
    core::ConfigErrors errors;
    auto c = session::RedisConfig::parse(
        sentinelNode(f, {"127.0.0.1:26379", "[::1]:26380", "sentinel.local:26381"},
                     {{"master_name", "sesame"}, {"password_file", "sentinel.password"}},
                     {{"password_file", "redis.password"}, {"database", "2"}}),
        errors);
    INFO(messages(errors));
    REQUIRE(errors.empty());
    REQUIRE(c.sentinel);
    CHECK(c.sentinel->masterName == "sesame");
    using session::RedisEndpoint;
    CHECK(c.sentinel->addresses == std::vector<RedisEndpoint>{{"127.0.0.1", 26379},
                                                              {"::1", 26380},
                                                              {"sentinel.local", 26381}});
    CHECK(c.sentinel->addresses[1].text() == "[::1]:26380");
    // The sentinels' password and the master's are two things.
    CHECK(c.sentinel->password == "sentinel-secret");
    CHECK(c.password == "master-secret");
    CHECK(c.database == 2);
    CHECK_FALSE(c.sentinel->tls);
}

TEST_CASE("with sentinels, TLS names are expected only where given", "[unit]") {
    ConfigFolder f;
    f.write("ca.pem", "x");
    core::ConfigErrors errors;
    auto node = sentinelNode(f, {"10.0.0.1:26379"}, {{"master_name", "sesame"}});
    auto tls = ConfigNode::makeMap(f.file(), "redis.tls", 12);
    tls.addEntry("ca_file", scalar(f, "redis.tls.ca_file", "ca.pem"));
    node.addEntry("tls", std::move(tls));
    auto c = session::RedisConfig::parse(node, errors);
    INFO(messages(errors));
    REQUIRE(errors.empty());
    REQUIRE(c.tls);
    // The master's address comes from the sentinels: its certificate is checked against it,
    // not against the 127.0.0.1 default of `address`.
    CHECK(c.tls->serverName.empty());
}

TEST_CASE("mistakes in the sentinel section are all reported with their key", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    session::RedisConfig::parse(
        sentinelNode(f, {"127.0.0.1:26379", "nowhere", "[::1]"},
                     {{"password", "inline-secret"}, {"password_file", "missing"}, {"quorum", "2"}},
                     {{"address", "127.0.0.1:6379"}}),
        errors);
    std::string text = messages(errors);
    INFO(text);
    CHECK(text.find("sesame.yml:20: redis.sentinel.master_name: is required") != std::string::npos);
    CHECK(text.find("sesame.yml:22: redis.sentinel.addresses[1]: expected host:port") !=
          std::string::npos);
    CHECK(text.find("redis.sentinel.addresses[2]: expected host:port") != std::string::npos);
    CHECK(text.find("redis.sentinel.password: give either password_file or password") !=
          std::string::npos);
    CHECK(text.find("redis.sentinel.quorum: unknown key") != std::string::npos);
    CHECK(text.find("redis.sentinel: give either address") != std::string::npos);
    CHECK(text.find("inline-secret") == std::string::npos);
}

TEST_CASE("a sentinel section without sentinels is refused", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors empty;
    session::RedisConfig::parse(sentinelNode(f, {}, {{"master_name", "sesame"}}), empty);
    CHECK(messages(empty).find("redis.sentinel.addresses: expected at least one sentinel") !=
          std::string::npos);

    core::ConfigErrors missing;
    auto node = redisNode(f, {});
    auto s = ConfigNode::makeMap(f.file(), "redis.sentinel", 20);
    s.addEntry("master_name", scalar(f, "redis.sentinel.master_name", "sesame"));
    node.addEntry("sentinel", std::move(s));
    session::RedisConfig::parse(node, missing);
    CHECK(messages(missing).find("missing key addresses") != std::string::npos);
}

TEST_CASE("a single address parses as before, with no sentinel", "[unit]") {
    ConfigFolder f;
    core::ConfigErrors errors;
    auto c = session::RedisConfig::parse(redisNode(f, {{"address", "redis.local:6390"}}), errors);
    REQUIRE(errors.empty());
    CHECK_FALSE(c.sentinel);
    CHECK(c.address() == "redis.local:6390");
}
