#pragma once
// The immutable picture of the configuration that requests are served with. Built at start and
// on every SIGHUP from etc/sesame.yml; swapped atomically, so a reload never drops a session (they
// live in Redis) and a request in flight finishes with the picture it started with.
#include <any>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/app/login_throttle.hpp"
#include "gateway/core/config_node.hpp"
#include "gateway/core/connector.hpp"
#include "gateway/portal/portal_config.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"

namespace sesame::app {

struct Directory {
    std::string id;
    std::string type;       // ldap | local
    std::string assurance;  // level of assurance of a password login there ("low")
    std::shared_ptr<core::CredentialConnector> connector;
};

struct SessionSettings {
    session::SessionTimeouts timeouts;
    // __Host- (RFC 6265bis §4.1.3.2): the browser keeps the cookie only when it is Secure, has
    // Path=/ and no Domain, so no other host of the domain can set or shadow it.
    std::string cookieName = "__Host-SESAME";
    // The login flow's browser binding; __Host- too when the public URL is https.
    std::string flowCookieName = "__Host-SESAME_FLOW";
    std::chrono::seconds loginFlowLifetime{std::chrono::minutes(15)};
};

struct Runtime {
    std::string configFile;
    std::string publicUrl;
    SessionSettings session;
    ThrottleConfig throttle;
    portal::PortalConfig portal;
    policies::ServiceRegistry registry;
    std::shared_ptr<const policies::Policy> policy;
    // Each registered protocol's section (gateway/app/endpoints.hpp), by protocol name.
    std::map<std::string, std::any> protocols;
    std::vector<Directory> directories;

    const Directory* directory(const std::string& id) const;
    // The parsed section of `protocol`, of the type its entry's parseConfig returned.
    template <class T>
    const T& protocolConfig(const std::string& protocol) const {
        return std::any_cast<const T&>(protocols.at(protocol));
    }
};

}  // namespace sesame::app
