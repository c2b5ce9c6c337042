#include "gateway/app/configuration.hpp"

#include <filesystem>

#include "connectors/ldap/ldap_directory.hpp"
#include "connectors/local/local_directory.hpp"
#include "gateway/app/endpoints.hpp"
#include "gateway/config/yaml_file.hpp"

namespace sesame::app {
namespace {

// The gateway's own sections; each registered protocol adds its own (endpoints.hpp).
std::vector<std::string> topLevelKeys() {
    std::vector<std::string> keys = {"server",
                                     "redis",
                                     "session",
                                     "portal",
                                     "throttling",
                                     "directories",
                                     "habilitation",
                                     "back_channel",
                                     "services_dir",
                                     "log_level",
                                     "metrics_allowed_from"};
    for (const auto& entry : registeredProtocols()) keys.push_back(entry.section);
    return keys;
}

std::vector<http::AddressRange> parseAddressRanges(const core::ConfigNode& node,
                                                   std::vector<std::string> fallback,
                                                   core::ConfigErrors& errors) {
    auto texts = node.present() ? node.asStringList(errors) : std::move(fallback);
    std::vector<http::AddressRange> out;
    for (const auto& text : texts) {
        auto range = http::AddressRange::parse(text);
        if (!range) {
            errors.add(node, "'" + text + "' is not an IP address or CIDR block");
            continue;
        }
        out.push_back(*range);
    }
    return out;
}

SessionSettings parseSession(const core::ConfigNode& node, core::ConfigErrors& errors) {
    SessionSettings s;
    node.checkKeys(errors, {"idle_timeout", "absolute_timeout", "cookie_name", "login_timeout"});
    s.timeouts.idle = node["idle_timeout"].asDuration(errors, s.timeouts.idle);
    s.timeouts.absolute = node["absolute_timeout"].asDuration(errors, s.timeouts.absolute);
    s.cookieName = node["cookie_name"].asString(errors, s.cookieName);
    s.loginFlowLifetime = node["login_timeout"].asDuration(errors, s.loginFlowLifetime);
    if (s.timeouts.idle > s.timeouts.absolute)
        errors.add(node["idle_timeout"], "must not be longer than absolute_timeout");
    if (s.timeouts.idle.count() == 0) errors.add(node["idle_timeout"], "must be more than 0s");
    for (char c : s.cookieName)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
            errors.add(node["cookie_name"], "expected letters, digits, '_' or '-'");
    return s;
}

// A __Host- cookie is stored only when it is Secure, and a browser keeps a Secure cookie only
// from an https page: what counts is the public URL, not whether Sesame itself speaks TLS (behind
// a TLS proxy it serves plain HTTP and its cookies are still Secure for the browser).
void checkCookiePrefix(SessionSettings& session, const http::ServerConfig& server,
                       const core::ConfigNode& node, core::ConfigErrors& errors) {
    constexpr std::string_view prefix = "__Host-";
    const bool https = server.publicHttps();
    if (!https) session.flowCookieName = session.flowCookieName.substr(prefix.size());
    if (!https && session.cookieName.rfind(prefix, 0) == 0)
        errors.add(node["cookie_name"],
                   "'" + session.cookieName + "': a " + std::string(prefix) +
                       " cookie needs an https public_url (browsers refuse it over http); "
                       "serve https (or put Sesame behind a TLS proxy with an https public_url), "
                       "or name the cookie without the prefix");
}

core::LogLevel parseLogLevel(const core::ConfigNode& node, core::ConfigErrors& errors) {
    auto v = node.asString(errors, "info");
    if (v == "debug") return core::LogLevel::debug;
    if (v == "info") return core::LogLevel::info;
    if (v == "warning") return core::LogLevel::warning;
    if (v == "error") return core::LogLevel::error;
    errors.add(node, "expected debug, info, warning or error");
    return core::LogLevel::info;
}

std::optional<Directory> makeDirectory(const core::ConfigNode& node, core::ConfigErrors& errors) {
    const auto type = node["type"].requiredString(errors);
    const auto id = node["id"].requiredString(errors);
    if (type == "ldap") {
        const auto before = errors.all().size();
        auto config = ldap::LdapDirectoryConfig::parse(node, errors);
        if (errors.all().size() != before) return std::nullopt;
        return Directory{id, type, config.assurance, std::make_shared<ldap::LdapDirectory>(config)};
    }
    if (type == "local") {
        auto config = local::LocalDirectoryConfig::parse(node, errors);
        if (config.accountsFile.empty()) return std::nullopt;
        auto file = config::loadYamlFile(config.accountsFile, errors);
        if (!file) return std::nullopt;
        auto accounts = local::parseAccounts(*file, errors);
        return Directory{id, type, config.assurance,
                         std::make_shared<local::LocalDirectory>(config, std::move(accounts))};
    }
    if (!type.empty()) errors.add(node["type"], "expected ldap or local");
    return std::nullopt;
}

std::vector<Directory> parseDirectories(const core::ConfigNode& node, core::ConfigErrors& errors) {
    std::vector<Directory> out;
    if (!node.isSequence()) {
        errors.add(node, "expected a list of directories (each with id and type)");
        return out;
    }
    for (const auto& item : node.items()) {
        std::size_t before = errors.all().size();
        auto directory = makeDirectory(item, errors);
        if (!directory || errors.all().size() != before) continue;
        for (const auto& d : out)
            if (d.id == directory->id) errors.add(item["id"], "duplicate directory id");
        out.push_back(std::move(*directory));
    }
    return out;
}

void checkChoices(const portal::PortalConfig& portal, const std::vector<Directory>& directories,
                  const core::ConfigNode& node, core::ConfigErrors& errors) {
    for (const auto& choice : portal.choices)
        for (const auto& id : choice.directories)
            if (std::none_of(directories.begin(), directories.end(),
                             [&](const Directory& d) { return d.id == id; }))
                errors.add(node["choices"], "choice '" + choice.id + "' names directory '" + id +
                                                "', which is not in directories:");
}

}  // namespace

Configuration loadConfiguration(const std::string& file, core::ConfigErrors& errors) {
    Configuration out;
    auto root = config::loadYamlFile(file, errors);
    if (!root) return out;
    if (!root->isMap()) {
        errors.add(*root, "expected a map of sections (server, redis, directories...)");
        return out;
    }
    root->checkKeys(errors, topLevelKeys());
    const auto& r = *root;
    out.startup.server = http::ServerConfig::parse(r["server"], errors);
    out.startup.redis = session::RedisConfig::parse(r["redis"], errors);
    out.startup.backChannel = http::BackChannelConfig::parse(r["back_channel"], errors);
    out.startup.logLevel = parseLogLevel(r["log_level"], errors);
    out.startup.metricsAllowedFrom =
        parseAddressRanges(r["metrics_allowed_from"], {"127.0.0.0/8", "::1"}, errors);

    auto runtime = std::make_shared<Runtime>();
    runtime->configFile = file;
    runtime->publicUrl = out.startup.server.publicUrl;
    runtime->session = parseSession(r["session"], errors);
    checkCookiePrefix(runtime->session, out.startup.server, r["session"], errors);
    runtime->throttle = ThrottleConfig::parse(r["throttling"], errors);
    runtime->portal = portal::PortalConfig::parse(r["portal"], errors);
    auto habilitation = policies::HabilitationRules::parse(r["habilitation"], errors);
    const auto servicesDir = config::resolvePath(r, r["services_dir"].asString(errors, "services"));
    auto serviceFiles = config::loadYamlDirectory(servicesDir, errors);
    if (serviceFiles.empty())
        errors.add(r["services_dir"], "no service file (*.yml) in " + servicesDir);
    runtime->registry = policies::ServiceRegistry::parse(
        serviceFiles, habilitation.ladder(), habilitation.assurance(), serviceSchemas(), errors);
    runtime->policy = std::make_shared<policies::Policy>(std::move(habilitation));
    const ProtocolContext context{runtime->publicUrl,
                                  std::filesystem::path(file).parent_path().string()};
    for (const auto& entry : registeredProtocols())
        runtime->protocols[entry.protocol] = entry.parseConfig(r[entry.section], context, errors);
    runtime->directories = parseDirectories(r["directories"], errors);
    checkChoices(runtime->portal, runtime->directories, r["portal"], errors);
    out.runtime = std::move(runtime);
    return out;
}

}  // namespace sesame::app
