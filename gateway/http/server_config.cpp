#include "gateway/http/server_config.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <filesystem>
#include <thread>

namespace sesame::http {
namespace {

// "127.0.0.1:8443", "[::]:8443", "0.0.0.0:8443".
bool parseListen(const std::string& text, std::string& host, std::uint16_t& port) {
    std::string_view s = text, hostPart, portPart;
    if (!s.empty() && s.front() == '[') {
        auto close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
            return false;
        hostPart = s.substr(1, close - 1);
        portPart = s.substr(close + 2);
    } else {
        auto colon = s.rfind(':');
        if (colon == std::string_view::npos) return false;
        hostPart = s.substr(0, colon);
        portPart = s.substr(colon + 1);
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(hostPart), ec);
    unsigned value = 0;
    auto [end, perr] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), value);
    if (ec || perr != std::errc{} || end != portPart.data() + portPart.size() || value > 65535 ||
        portPart.empty())
        return false;
    host = std::string(hostPart);
    port = static_cast<std::uint16_t>(value);
    return true;
}

std::chrono::milliseconds positiveDuration(const core::ConfigNode& node, core::ConfigErrors& errors,
                                           std::chrono::milliseconds fallback) {
    auto value =
        node.asDuration(errors, std::chrono::duration_cast<std::chrono::seconds>(fallback));
    if (node.present() && value.count() == 0) {
        errors.add(node, "expected a duration longer than zero, such as 10s");
        return fallback;
    }
    return value;
}

ServerLimits parseLimits(const core::ConfigNode& node, core::ConfigErrors& errors) {
    ServerLimits limits;
    if (!node.present()) return limits;
    if (!node.isMap()) {
        errors.add(node,
                   "expected a map with header_bytes, body_bytes, read_timeout, idle_timeout");
        return limits;
    }
    node.checkKeys(errors, {"header_bytes", "body_bytes", "read_timeout", "idle_timeout"});
    limits.headerBytes = static_cast<std::uint32_t>(
        node["header_bytes"].asInt(errors, limits.headerBytes, 1024, 1 << 20));
    limits.bodyBytes = static_cast<std::uint64_t>(
        node["body_bytes"].asInt(errors, static_cast<std::int64_t>(limits.bodyBytes), 0, 64 << 20));
    limits.readTimeout = positiveDuration(node["read_timeout"], errors, limits.readTimeout);
    limits.idleTimeout = positiveDuration(node["idle_timeout"], errors, limits.idleTimeout);
    return limits;
}

std::optional<TlsFiles> parseTls(const core::ConfigNode& node, core::ConfigErrors& errors) {
    if (!node.present()) return std::nullopt;
    if (!node.isMap()) {
        errors.add(node,
                   "expected a map with certificate and private_key (or no tls: for plain "
                   "HTTP behind a reverse proxy)");
        return std::nullopt;
    }
    node.checkKeys(errors, {"certificate", "private_key"});
    // Existence is checked when the server starts: the demo generates its certificate then.
    TlsFiles files;
    files.certificate =
        resolveConfigPath(node["certificate"], node["certificate"].requiredString(errors));
    files.privateKey =
        resolveConfigPath(node["private_key"], node["private_key"].requiredString(errors));
    return files;
}

TrustedProxies parseTrustedProxies(const core::ConfigNode& node, core::ConfigErrors& errors) {
    std::vector<AddressRange> ranges;
    if (!node.present()) return {};
    auto items = node.asStringList(errors);
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto range = AddressRange::parse(items[i]);
        if (!range) {
            const auto& item = node.isSequence() ? node.items()[i] : node;
            errors.add(item, "expected an IP address or CIDR block such as 10.0.0.0/8, got \"" +
                                 items[i] + "\"");
            continue;
        }
        ranges.push_back(*range);
    }
    return TrustedProxies(std::move(ranges));
}

}  // namespace

std::string resolveConfigPath(const core::ConfigNode& node, const std::string& path) {
    if (path.empty()) return path;
    std::filesystem::path p(path);
    if (p.is_absolute() || node.file().empty()) return path;
    return (std::filesystem::path(node.file()).parent_path() / p).lexically_normal().string();
}

std::string ServerConfig::publicOrigin() const {
    auto url = boost::urls::parse_absolute_uri(publicUrl);
    if (!url) return {};
    std::string origin = std::string(url->scheme()) + "://" + std::string(url->encoded_host());
    if (url->has_port()) origin += ":" + std::string(url->port());
    return origin;
}

bool ServerConfig::publicHttps() const {
    return publicUrl.rfind("https://", 0) == 0;
}

ServerConfig ServerConfig::parse(const core::ConfigNode& node, core::ConfigErrors& errors) {
    ServerConfig config;
    if (!node.isMap()) {
        errors.add(node,
                   "is required: a map with listen, public_url, threads, tls, "
                   "trusted_proxies, limits");
        return config;
    }
    node.checkKeys(errors, {"listen", "public_url", "threads", "tls", "trusted_proxies", "limits"});

    const auto& listen = node["listen"];
    std::string listenText = listen.requiredString(errors);
    if (!listenText.empty() && !parseListen(listenText, config.host, config.port))
        errors.add(listen, "expected an IP address and port such as 127.0.0.1:8443 or [::]:8443");

    const auto& publicUrl = node["public_url"];
    config.publicUrl = publicUrl.requiredString(errors);
    auto url = boost::urls::parse_absolute_uri(config.publicUrl);
    if (!config.publicUrl.empty() &&
        (!url || (url->scheme() != "https" && url->scheme() != "http") || url->host().empty()))
        errors.add(publicUrl,
                   "expected the absolute URL browsers use, such as "
                   "https://sso.example.fr");

    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    config.threads = static_cast<unsigned>(node["threads"].asInt(errors, cores, 1, 256));
    config.tls = parseTls(node["tls"], errors);
    config.trustedProxies = parseTrustedProxies(node["trusted_proxies"], errors);
    config.limits = parseLimits(node["limits"], errors);
    return config;
}

BackChannelConfig BackChannelConfig::parse(const core::ConfigNode& node,
                                           core::ConfigErrors& errors) {
    BackChannelConfig config;
    if (!node.present()) return config;
    if (!node.isMap()) {
        errors.add(node, "expected a map with ca_file and timeout");
        return config;
    }
    node.checkKeys(errors, {"ca_file", "timeout"});
    config.caFile = resolveConfigPath(node["ca_file"], node["ca_file"].asString(errors));
    config.timeout = positiveDuration(node["timeout"], errors, config.timeout);
    return config;
}

}  // namespace sesame::http
