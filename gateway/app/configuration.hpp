#pragma once
// Reads etc/sesame.yml (and the service files it names) and hands each section to the module
// that owns it. Every problem of every section is collected before anything starts, so that
// `sesame check-config` and a failed start print them all, with file, line and key.
#include <memory>
#include <optional>
#include <string>

#include "gateway/app/runtime.hpp"
#include "gateway/core/config_node.hpp"
#include "gateway/core/log.hpp"
#include "gateway/http/server_config.hpp"
#include "gateway/http/trusted_proxies.hpp"
#include "gateway/session/redis_config.hpp"

namespace sesame::app {

// What needs a restart to change: listening sockets, Redis, TLS of the back channel.
struct StartupConfig {
    http::ServerConfig server;
    // Who may read /metrics (addresses or CIDRs; loopback by default): login counts by
    // directory are operational data, not for everyone.
    std::vector<http::AddressRange> metricsAllowedFrom;
    session::RedisConfig redis;
    http::BackChannelConfig backChannel;
    core::LogLevel logLevel = core::LogLevel::info;
};

struct Configuration {
    StartupConfig startup;
    std::shared_ptr<const Runtime> runtime;  // what SIGHUP reloads
};

// Errors go to `errors`; the result is usable only when `errors` stays empty.
Configuration loadConfiguration(const std::string& file, core::ConfigErrors& errors);

}  // namespace sesame::app
