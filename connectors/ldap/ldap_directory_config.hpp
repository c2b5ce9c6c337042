#pragma once
// One item of `directories:` with `type: ldap` (etc/sesame.yml), validated once at start.
#include <chrono>
#include <string>

#include "connectors/mapping/attribute_mapping.hpp"
#include "gateway/core/config_node.hpp"

namespace sesame::ldap {

struct LdapDirectoryConfig {
    std::string id;
    std::string uri;  // ldap://host:port or ldaps://host:port (several: space-separated)
    std::string baseDn;
    std::string userFilter = "(uid={login})";
    bool subtree = true;           // `scope: sub` (default) or `one`
    std::string bindDn;            // empty: anonymous searches
    std::string bindPassword;      // read from bind_password_file; never logged
    std::string bindPasswordFile;  // resolved path, for messages
    bool startTls = false;
    std::string caFile;
    std::chrono::milliseconds networkTimeout{std::chrono::seconds(3)};    // TCP connect
    std::chrono::milliseconds operationTimeout{std::chrono::seconds(3)};  // each LDAP operation
    int poolSize = 4;
    // Logins that may wait for one of the pool's threads; beyond, a login is answered at once
    // with "try again" (503). Default: 16 per thread (a bind takes milliseconds: 16 waiting
    // cost a person well under a second).
    int queueSize = 64;
    std::string assurance = "low";
    mapping::AttributeMapping mapping;

    // Reads bind_password_file (relative paths: from the configuration file's folder).
    // Every problem goes to `errors` with file, line and key.
    static LdapDirectoryConfig parse(const core::ConfigNode& node, core::ConfigErrors& errors);
};

}  // namespace sesame::ldap
