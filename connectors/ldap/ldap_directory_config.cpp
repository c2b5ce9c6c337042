#include "connectors/ldap/ldap_directory_config.hpp"

#include "gateway/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/ldap/ldap_filter.hpp"

namespace sesame::ldap {
namespace {

std::string resolve(const core::ConfigNode& node, const std::string& path) {
    if (path.empty() || std::filesystem::path(path).is_absolute() || node.file().empty())
        return path;
    return (std::filesystem::path(node.file()).parent_path() / path).lexically_normal().string();
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// "ldap://127.0.0.1:3389/" -> "127.0.0.1"
std::string hostOf(const std::string& uri) {
    auto start = uri.find("://");
    std::string rest = start == std::string::npos ? uri : uri.substr(start + 3);
    rest = rest.substr(0, rest.find('/'));
    if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
    return rest.substr(0, rest.find(':'));
}

bool isLoopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void readPassword(LdapDirectoryConfig& c, const core::ConfigNode& node,
                  core::ConfigErrors& errors) {
    std::ifstream in(c.bindPasswordFile, std::ios::binary);
    if (!in) {
        errors.add(node, "cannot read the password file " + c.bindPasswordFile);
        return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    c.bindPassword = text.str();
    while (!c.bindPassword.empty() &&
           (c.bindPassword.back() == '\n' || c.bindPassword.back() == '\r'))
        c.bindPassword.pop_back();
    if (c.bindPassword.empty())
        errors.add(node, "the password file " + c.bindPasswordFile + " is empty");
}

}  // namespace

LdapDirectoryConfig LdapDirectoryConfig::parse(const core::ConfigNode& node,
                                               core::ConfigErrors& errors) {
    LdapDirectoryConfig c;
    node.checkKeys(errors,
                   {"id", "type", "uri", "base_dn", "user_filter", "scope", "bind_dn",
                    "bind_password_file", "start_tls", "ca_file", "timeout", "connect_timeout",
                    "pool_size", "queue_size", "assurance", "allow_cleartext", "mapping"});
    c.id = node["id"].requiredString(errors);

    const auto& uri = node["uri"];
    c.uri = uri.requiredString(errors);
    bool ldaps = false, cleartextRemote = false;
    for (const auto& u : words(c.uri)) {
        auto scheme = core::toLower(u.substr(0, u.find("://")));
        if (u.find("://") == std::string::npos || (scheme != "ldap" && scheme != "ldaps")) {
            errors.add(uri, "expected ldap://host:port or ldaps://host:port, got \"" + u + "\"");
            continue;
        }
        ldaps = ldaps || scheme == "ldaps";
        if (scheme == "ldap" && !isLoopback(hostOf(u))) cleartextRemote = true;
    }

    const auto& base = node["base_dn"];
    c.baseDn = base.requiredString(errors);
    if (!c.baseDn.empty() && c.baseDn.find('=') == std::string::npos)
        errors.add(base, "expected a DN such as ou=people,dc=example,dc=fr");

    const auto& filter = node["user_filter"];
    c.userFilter = filter.asString(errors, c.userFilter);
    if (auto problem = checkUserFilter(c.userFilter); !problem.empty())
        errors.add(filter, "user filter " + problem);

    const auto& scope = node["scope"];
    auto scopeName = scope.asString(errors, "sub");
    if (scopeName != "sub" && scopeName != "one")
        errors.add(scope, "expected sub (the whole subtree) or one (direct children)");
    c.subtree = scopeName != "one";

    c.bindDn = node["bind_dn"].asString(errors);
    const auto& passwordFile = node["bind_password_file"];
    c.bindPasswordFile = resolve(node, passwordFile.asString(errors));
    if (!c.bindDn.empty() && c.bindPasswordFile.empty())
        errors.add(passwordFile, "is required with bind_dn (a file holding the password)");
    if (c.bindDn.empty() && !c.bindPasswordFile.empty())
        errors.add(passwordFile, "is only used with bind_dn");
    if (!c.bindDn.empty() && !c.bindPasswordFile.empty()) readPassword(c, passwordFile, errors);

    const auto& startTls = node["start_tls"];
    c.startTls = startTls.asBool(errors, false);
    if (c.startTls && ldaps)
        errors.add(startTls, "start_tls is for ldap:// URIs; ldaps:// is TLS already");
    const auto& ca = node["ca_file"];
    c.caFile = resolve(node, ca.asString(errors));
    if (!c.caFile.empty()) {
        if (!c.startTls && !ldaps)
            errors.add(ca, "ca_file is only used with ldaps:// or start_tls: true");
        else if (!std::ifstream(c.caFile))
            errors.add(ca, "cannot read the CA file " + c.caFile);
    }
    // RFC 4513 §6.3.1: a simple bind sends the password as it is; across a network it needs
    // TLS. Loopback (the demo) is exempt; a trusted network may say so explicitly.
    const auto& cleartext = node["allow_cleartext"];
    if (cleartextRemote && !c.startTls && !cleartext.asBool(errors, false))
        errors.add(uri,
                   "passwords would cross the network in clear: use ldaps://, start_tls: "
                   "true, or allow_cleartext: true on a network you trust");

    c.operationTimeout = node["timeout"].asDuration(errors, std::chrono::seconds(3));
    c.networkTimeout = node["connect_timeout"].asDuration(
        errors, std::chrono::duration_cast<std::chrono::seconds>(c.operationTimeout));
    if (c.operationTimeout.count() == 0) errors.add(node["timeout"], "must be at least 1s");
    if (c.networkTimeout.count() == 0) errors.add(node["connect_timeout"], "must be at least 1s");
    c.poolSize = static_cast<int>(node["pool_size"].asInt(errors, c.poolSize, 1, 32));
    c.queueSize = static_cast<int>(
        node["queue_size"].asInt(errors, 16 * std::int64_t{c.poolSize}, 0, 10'000));
    c.assurance = node["assurance"].asString(errors, c.assurance);
    c.mapping = mapping::AttributeMapping::parse(node["mapping"], errors);
    return c;
}

}  // namespace sesame::ldap
