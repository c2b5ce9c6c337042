#pragma once
// The `server:` and `back_channel:` sections of etc/sesame.yml, validated once at start into
// immutable values. Paths are relative to the folder of the file that holds them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "gateway/core/config_node.hpp"
#include "gateway/http/trusted_proxies.hpp"

namespace sesame::http {

struct TlsFiles {
    std::string certificate;  // PEM chain, leaf first
    std::string privateKey;   // PEM
};

struct ServerLimits {
    std::uint32_t headerBytes = 8192;              // beyond: 431 (RFC 6585 §5)
    std::uint64_t bodyBytes = 65536;               // beyond: 413 (RFC 9110 §15.5.14)
    std::chrono::milliseconds readTimeout{10000};  // whole request, first byte to last
    std::chrono::milliseconds idleTimeout{60000};  // keep-alive wait for the next request
};

struct ServerConfig {
    std::string host = "127.0.0.1";  // an IP literal
    std::uint16_t port = 8443;       // 0: any free port (tests)
    std::string publicUrl = "https://127.0.0.1:8443";
    unsigned threads = 1;
    std::optional<TlsFiles> tls;  // none: plain HTTP behind a reverse proxy
    TrustedProxies trustedProxies;
    ServerLimits limits;

    // scheme://host[:port] of publicUrl, for CSP form-action.
    std::string publicOrigin() const;
    bool publicHttps() const;

    static ServerConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);
};

struct BackChannelConfig {
    std::string caFile;  // extra trust anchors, on top of the system store; may be empty
    std::chrono::milliseconds timeout{5000};

    static BackChannelConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);
};

// `path` as written in the file of `node`: absolute as is, relative to that file's folder.
std::string resolveConfigPath(const core::ConfigNode& node, const std::string& path);

}  // namespace sesame::http
