#include "gateway/session/redis_config.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sesame::session {
namespace {

std::string resolvePath(const core::ConfigNode& node, const std::string& path) {
    if (path.empty()) return path;
    std::filesystem::path p(path);
    if (p.is_absolute() || node.file().empty()) return path;
    return (std::filesystem::path(node.file()).parent_path() / p).lexically_normal().string();
}

// A path-valued key: resolved, and reported when the file cannot be read.
std::string readablePath(const core::ConfigNode& node, core::ConfigErrors& errors) {
    std::string path = resolvePath(node, node.asString(errors));
    if (!path.empty() && !std::ifstream(path).good()) errors.add(node, "cannot read file " + path);
    return path;
}

void parseAddress(const core::ConfigNode& node, core::ConfigErrors& errors, RedisConfig& out) {
    if (!node.present()) return;
    auto endpoint = parseEndpoint(node.asString(errors));
    if (!endpoint) {
        errors.add(node, "expected host:port, such as 127.0.0.1:6379 or [::1]:6379");
        return;
    }
    out.host = endpoint->host;
    out.port = endpoint->port;
}

// password_file (preferred: the secret stays out of the config file) or password; `whose` names
// the server in messages ("Redis", "Sentinel"). Never puts the password in a message.
std::string parsePassword(const core::ConfigNode& node, core::ConfigErrors& errors,
                          const std::string& whose) {
    const auto& file = node["password_file"];
    const auto& inline_ = node["password"];
    if (file.present() && inline_.present()) {
        errors.add(inline_, "give either password_file or password, not both");
        return {};
    }
    if (inline_.present()) return inline_.asString(errors);
    if (!file.present()) return {};
    std::string path = resolvePath(file, file.asString(errors));
    std::ifstream in(path);
    if (!in) {
        errors.add(file, "cannot read the " + whose + " password file " + path);
        return {};
    }
    std::stringstream content;
    content << in.rdbuf();
    std::string password = content.str();
    // A file written by `echo secret > file` ends with a newline that is not part of the secret.
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
        password.pop_back();
    if (password.empty()) errors.add(file, "the " + whose + " password file " + path + " is empty");
    return password;
}

std::optional<RedisTls> parseTls(const core::ConfigNode& node, core::ConfigErrors& errors,
                                 const std::string& host) {
    if (!node.present()) return std::nullopt;
    if (!node.isMap()) {
        errors.add(node, "expected a map with ca_file, certificate, private_key, server_name");
        return std::nullopt;
    }
    node.checkKeys(errors, {"ca_file", "certificate", "private_key", "server_name"});
    RedisTls tls;
    tls.caFile = readablePath(node["ca_file"], errors);
    tls.certificate = readablePath(node["certificate"], errors);
    tls.privateKey = readablePath(node["private_key"], errors);
    if (tls.certificate.empty() != tls.privateKey.empty())
        errors.add(node, "a client certificate needs both certificate and private_key");
    tls.serverName = node["server_name"].asString(errors, host);
    return tls;
}

std::optional<RedisSentinel> parseSentinel(const core::ConfigNode& node,
                                           core::ConfigErrors& errors) {
    if (!node.present()) return std::nullopt;
    if (!node.isMap()) {
        errors.add(node, "expected a map with master_name, addresses (and password_file, tls)");
        return std::nullopt;
    }
    node.checkKeys(errors,
                   {"master_name", "addresses", "password_file", "password", "user", "tls"});
    RedisSentinel out;
    out.masterName = node["master_name"].requiredString(errors);
    const auto& addresses = node["addresses"];
    if (!addresses.present()) {
        errors.add(node, "missing key addresses: the sentinels, such as [127.0.0.1:26379]");
    } else if (!addresses.isSequence()) {
        errors.add(addresses, "expected a list of host:port, such as [127.0.0.1:26379]");
    } else {
        for (const auto& item : addresses.items()) {
            auto endpoint = parseEndpoint(item.asString(errors));
            if (endpoint)
                out.addresses.push_back(*endpoint);
            else
                errors.add(item, "expected host:port, such as 127.0.0.1:26379 or [::1]:26379");
        }
        if (addresses.items().empty()) errors.add(addresses, "expected at least one sentinel");
    }
    out.password = parsePassword(node, errors, "Sentinel");
    out.user = node["user"].asString(errors);
    if (!out.user.empty() && out.password.empty())
        errors.add(node["user"], "a Sentinel user needs a password (password_file or password)");
    // No single default name: each sentinel's certificate is checked against its own host as
    // listed in `addresses`, unless server_name says otherwise.
    out.tls = parseTls(node["tls"], errors, {});
    return out;
}

}  // namespace

RedisConfig RedisConfig::parse(const core::ConfigNode& node, core::ConfigErrors& errors) {
    RedisConfig out;
    if (!node.present()) return out;
    if (!node.isMap()) {
        errors.add(node, "expected a map (address, password_file, tls, database, timeout...)");
        return out;
    }
    node.checkKeys(errors, {"address", "sentinel", "password_file", "password", "user", "tls",
                            "database", "timeout", "key_prefix"});
    parseAddress(node["address"], errors, out);
    out.sentinel = parseSentinel(node["sentinel"], errors);
    if (out.sentinel && node["address"].present())
        errors.add(node["sentinel"],
                   "give either address (one Redis) or sentinel (the master is asked of the "
                   "sentinels), not both");
    out.password = parsePassword(node, errors, "Redis");
    out.user = node["user"].asString(errors);
    if (!out.user.empty() && out.password.empty())
        errors.add(node["user"], "a Redis user needs a password (password_file or password)");
    // With sentinels the master's host is learnt at run time: no default name to expect here
    // (the client then checks the certificate against the address the sentinels gave).
    out.tls = parseTls(node["tls"], errors, out.sentinel ? std::string{} : out.host);
    out.database = static_cast<int>(node["database"].asInt(errors, 0, 0, 65535));
    auto timeout = node["timeout"].asDuration(errors, std::chrono::seconds(2));
    if (timeout.count() == 0) errors.add(node["timeout"], "expected a duration of at least 1s");
    out.timeout = timeout.count() == 0 ? std::chrono::seconds(2) : timeout;
    out.keyPrefix = node["key_prefix"].asString(errors, out.keyPrefix);
    return out;
}

std::string RedisConfig::address() const {
    return RedisEndpoint{host, port}.text();
}

std::string RedisEndpoint::text() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<RedisEndpoint> parseEndpoint(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const char* begin = text.data() + colon + 1;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(begin, end, port);
    if (host.empty() || ec != std::errc{} || p != end || port == 0 || port > 65535)
        return std::nullopt;
    return RedisEndpoint{host, static_cast<std::uint16_t>(port)};
}

}  // namespace sesame::session
