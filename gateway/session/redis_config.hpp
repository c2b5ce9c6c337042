#pragma once
// The `redis:` section of etc/sesame.yml, validated once at start into an immutable value.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"

namespace sesame::session {

struct RedisTls {
    std::string caFile;       // trust anchors for the server certificate; empty: system store
    std::string certificate;  // client certificate chain (PEM), optional, with privateKey
    std::string privateKey;
    std::string serverName;  // name the server certificate must carry (and SNI); default: host
};

// A host (name, IPv4 or IPv6 without brackets) and a port.
struct RedisEndpoint {
    std::string host;
    std::uint16_t port = 0;
    std::string text() const;  // "host:port", "[::1]:port"
    friend bool operator==(const RedisEndpoint&, const RedisEndpoint&) = default;
};
// "host:port" or "[v6]:port"; nullopt when it is not one.
std::optional<RedisEndpoint> parseEndpoint(const std::string& text);

// Redis Sentinel: where to ask which server is the master. The master's own password, user,
// TLS and database stay in RedisConfig; these are the sentinels' own.
struct RedisSentinel {
    std::string masterName;
    std::vector<RedisEndpoint> addresses;
    std::string user;
    std::string password;  // never logged
    std::optional<RedisTls> tls;
};

struct RedisConfig {
    std::string host = "127.0.0.1";  // with sentinels: unused (the master comes from them)
    std::uint16_t port = 6379;
    std::optional<RedisSentinel> sentinel;  // set: the master is discovered, and followed
    std::string user;                       // Redis 6 ACL user; empty: AUTH with the password alone
    std::string password;  // never logged; from password_file (preferred) or password
    std::optional<RedisTls> tls;
    int database = 0;
    std::chrono::milliseconds timeout{2000};  // per command, and per connection attempt
    std::chrono::milliseconds reconnectMin{50};
    std::chrono::milliseconds reconnectMax{2000};  // back-off bound: recovery within ~2 s
    std::string keyPrefix = "sesame:";

    // Keys: address (host:port, [v6]:port) or sentinel {master_name, addresses, password_file |
    // password, user, tls}, password_file | password, user, tls {ca_file, certificate,
    // private_key, server_name}, database, timeout, key_prefix. Relative paths are relative to
    // the folder of the file the node came from.
    static RedisConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);

    std::string address() const;  // "host:port", for logs (never the password)
};

}  // namespace sesame::session
