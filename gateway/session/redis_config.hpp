#pragma once
// The `redis:` section of etc/sesame.yml, validated once at start into an immutable value.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/config_node.hpp"

namespace sesame::session {

struct RedisTls {
    std::string caFile;       // trust anchors for the server certificate; empty: system store
    std::string certificate;  // client certificate chain (PEM), optional, with privateKey
    std::string privateKey;
    std::string serverName;  // name the server certificate must carry (and SNI); default: host
};

struct RedisConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string user;      // Redis 6 ACL user; empty: AUTH with the password alone
    std::string password;  // never logged; from password_file (preferred) or password
    std::optional<RedisTls> tls;
    int database = 0;
    std::chrono::milliseconds timeout{2000};  // per command, and per connection attempt
    std::chrono::milliseconds reconnectMin{50};
    std::chrono::milliseconds reconnectMax{2000};  // back-off bound: recovery within ~2 s
    std::string keyPrefix = "sesame:";

    // Keys: address (host:port, [v6]:port), password_file | password, user, tls {ca_file,
    // certificate, private_key, server_name}, database, timeout, key_prefix. Relative paths are
    // relative to the folder of the file the node came from.
    static RedisConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);

    std::string address() const;  // "host:port", for logs (never the password)
};

}  // namespace sesame::session
