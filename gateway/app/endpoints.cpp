#include "gateway/app/endpoints.hpp"

#include "gateway/app/runtime.hpp"
#include "protocols/cas/cas_endpoint.hpp"
#include "protocols/oidc/oidc_endpoint.hpp"
#include "protocols/saml/saml_endpoint.hpp"

namespace sesame::app {
namespace {

// CAS 3.0 (protocols/cas). A proxy ticket's attributes are what the policy releases to the
// target service, decided as for a login.
ProtocolEntry casProtocol() {
    ProtocolEntry e;
    e.protocol = "cas";
    e.basePath = "/cas";
    e.routes = cas::CasEndpoint::routeNames();
    e.section = "cas";
    e.parseConfig = [](const core::ConfigNode& section, const ProtocolContext& context,
                       core::ConfigErrors& errors) -> std::any {
        return cas::CasConfig::parse(section, context.publicUrl, errors);
    };
    e.services = cas::casServiceSchema();
    e.make = [](const EndpointContext& c) -> std::unique_ptr<core::Endpoint> {
        const auto* registry = &c.runtime.registry;
        auto policy = c.runtime.policy;
        return std::make_unique<cas::CasEndpoint>(
            c.runtime.protocolConfig<cas::CasConfig>("cas"),
            [registry](const std::string& protocol, const std::string& url) {
                return registry->find(protocol, url);
            },
            c.store, c.backChannel, c.clock, c.metrics,
            [policy](const core::Identity& identity,
                     const policies::Service& target) -> std::optional<core::Release> {
                auto decision = policy->decide(identity, target);
                if (decision.outcome != policies::Decision::Outcome::permit) return std::nullopt;
                return decision.release;
            });
    };
    return e;
}

// SAML 2.0 identity provider (protocols/saml).
ProtocolEntry samlProtocol() {
    ProtocolEntry e;
    e.protocol = "saml";
    e.basePath = "/saml";
    e.routes = saml::SamlEndpoint::routeNames();
    e.section = "saml";
    e.parseConfig = [](const core::ConfigNode& section, const ProtocolContext& context,
                       core::ConfigErrors& errors) -> std::any {
        return saml::SamlConfig::parse(section, context.publicUrl, errors);
    };
    e.services = saml::samlServiceSchema();
    e.make = [](const EndpointContext& c) -> std::unique_ptr<core::Endpoint> {
        const auto* registry = &c.runtime.registry;
        return std::make_unique<saml::SamlEndpoint>(
            c.runtime.protocolConfig<saml::SamlConfig>("saml"),
            [registry](const std::string& protocol, const std::string& id) {
                return registry->find(protocol, id);
            },
            c.runtime.policy->habilitation().assurance(), c.store, c.clock, c.metrics);
    };
    e.background = [](BackgroundContext c) -> boost::asio::awaitable<void> {
        auto runtime = std::move(c.runtime);
        co_await saml::refreshFeeds([runtime] { return saml::metadataFeeds(runtime()->registry); },
                                    c.backChannel, c.clock);
    };
    e.notChecked = [](const Runtime& runtime) {
        std::vector<std::string> lines;
        for (const auto& feed : saml::metadataFeeds(runtime.registry))
            lines.push_back("service " + feed->source().serviceId + ": SAML metadata " +
                            feed->source().url +
                            " not fetched now (serve fetches it at start, then every " +
                            std::to_string(feed->source().refresh.count()) + "s)");
        return lines;
    };
    return e;
}

// OpenID Connect provider (protocols/oidc).
ProtocolEntry oidcProtocol() {
    ProtocolEntry e;
    e.protocol = "oidc";
    e.basePath = "/oidc";
    e.routes = oidc::OidcEndpoint::routeNames();
    e.section = "oidc";
    e.parseConfig = [](const core::ConfigNode& section, const ProtocolContext& context,
                       core::ConfigErrors& errors) -> std::any {
        return oidc::OidcConfig::parse(section, context.publicUrl, errors);
    };
    e.services = oidc::oidcServiceSchema();
    e.make = [](const EndpointContext& c) -> std::unique_ptr<core::Endpoint> {
        const auto* registry = &c.runtime.registry;
        return std::make_unique<oidc::OidcEndpoint>(
            c.runtime.protocolConfig<oidc::OidcConfig>("oidc"),
            [registry](const std::string& protocol, const std::string& id) {
                return registry->find(protocol, id);
            },
            c.runtime.policy->habilitation().assurance(), c.store, c.clock, c.metrics);
    };
    // Key rotation while serving: the keys directory is read again every hour.
    e.background = [](BackgroundContext c) -> boost::asio::awaitable<void> {
        auto runtime = std::move(c.runtime);
        co_await oidc::keepKeysCurrent(
            [runtime] { return runtime()->protocolConfig<oidc::OidcConfig>("oidc").keys; });
    };
    return e;
}

}  // namespace

const std::vector<ProtocolEntry>& registeredProtocols() {
    static const std::vector<ProtocolEntry> entries{casProtocol(), samlProtocol(), oidcProtocol()};
    return entries;
}

std::vector<std::unique_ptr<core::Endpoint>> makeEndpoints(const EndpointContext& context) {
    std::vector<std::unique_ptr<core::Endpoint>> out;
    for (const auto& entry : registeredProtocols()) out.push_back(entry.make(context));
    return out;
}

std::vector<policies::ProtocolSchema> serviceSchemas() {
    std::vector<policies::ProtocolSchema> out;
    for (const auto& entry : registeredProtocols()) out.push_back(entry.services);
    return out;
}

std::vector<std::string> metricRouteNames(const std::vector<std::string>& ownRoutes) {
    std::vector<std::string> out = ownRoutes;
    for (const auto& entry : registeredProtocols())
        for (const auto& route : entry.routes) out.push_back(entry.basePath + route);
    return out;
}

core::Endpoint* endpointForPath(const std::vector<std::unique_ptr<core::Endpoint>>& endpoints,
                                std::string_view path) {
    for (const auto& e : endpoints) {
        auto base = e->basePath();
        if (path.starts_with(base) && (path.size() == base.size() || path[base.size()] == '/'))
            return e.get();
    }
    return nullptr;
}

}  // namespace sesame::app
