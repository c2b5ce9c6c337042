// The configuration loader: YAML text to core::ConfigNode (gateway/config: yaml-cpp, anchors,
// aliases and merge keys expanded, duplicate keys refused), then every section parser behind
// `sesame check-config` and a reload, each on its section of the same document: server,
// back_channel, redis, throttling, portal, habilitation, cas, directories (LDAP and local,
// without connecting), a service file, a local accounts file. Configuration is written by the
// operator, not by a client; the point is that no file, however broken, crashes Sesame or
// check-config instead of naming the line that is wrong.
#include <cstdint>
#include <string>

#include "connectors/ldap/ldap_directory_config.hpp"
#include "connectors/local/local_directory.hpp"
#include "gateway/app/endpoints.hpp"
#include "gateway/app/login_throttle.hpp"
#include "gateway/config/yaml_file.hpp"
#include "gateway/http/server_config.hpp"
#include "gateway/portal/portal_config.hpp"
#include "gateway/session/redis_config.hpp"
#include "policies/policy.hpp"
#include "protocols/cas/cas_config.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    core::ConfigErrors errors;
    auto root = config::loadYamlString(text, "fuzz.yml", errors);
    if (!root) {
        FUZZ_CHECK(!errors.empty());  // a refused file always says why
        return 0;
    }
    const auto& r = *root;
    auto server = http::ServerConfig::parse(r["server"], errors);
    http::BackChannelConfig::parse(r["back_channel"], errors);
    session::RedisConfig::parse(r["redis"], errors);
    app::ThrottleConfig::parse(r["throttling"], errors);
    portal::PortalConfig::parse(r["portal"], errors);
    auto habilitation = policies::HabilitationRules::parse(r["habilitation"], errors);
    cas::CasConfig::parse(r["cas"], server.publicUrl, errors);
    for (const auto& directory : r["directories"].items()) {
        auto type = directory["type"].asString(errors, "");
        if (type == "ldap") ldap::LdapDirectoryConfig::parse(directory, errors);
        if (type == "local") local::LocalDirectoryConfig::parse(directory, errors);
    }
    // The same document read as a service file of etc/services/ and as a local accounts file.
    auto registry = policies::ServiceRegistry::parse(
        {r}, habilitation.ladder(), habilitation.assurance(), app::serviceSchemas(), errors);
    for (const auto& service : registry.all()) {
        registry.find(service.protocol, "https://app.example.org/");
        if (const auto* cas = service.settingsAs<cas::CasServiceSettings>())
            (void)cas->proxyCallback.matches("https://app.example.org/proxy");
    }
    local::parseAccounts(r, errors);
    errors.format();
    return 0;
}
