#pragma once
// The downstream protocols Sesame serves, listed explicitly in one place (architecture.md,
// "Endpoint registry"; no static self-registration, which a static library would silently
// drop). Adding a protocol touches its folder under protocols/, its section of etc/sesame.yml and
// one entry of registeredProtocols(): routing by base path, route names for /metrics, the
// configuration picture, the service registry's keys and the CLI all come from this list.
#include <any>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/config_node.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"

namespace sesame::app {

struct Runtime;

// What every protocol's section parser may read besides its own section.
struct ProtocolContext {
    std::string publicUrl;        // server.public_url, e.g. "https://127.0.0.1:8443"
    std::string configDirectory;  // where etc/sesame.yml is: relative paths start there
};

// What an endpoint is built with, on one worker, for one configuration picture.
struct EndpointContext {
    const Runtime& runtime;
    session::SessionStore& store;
    core::BackChannel& backChannel;
    core::Clock& clock;
    core::SesameMetrics* metrics = nullptr;
};

// What a protocol's background task runs with, for the life of the `serve` process.
struct BackgroundContext {
    // The configuration picture in use now (asked again each time: SIGHUP replaces it).
    std::function<std::shared_ptr<const Runtime>()> runtime;
    core::BackChannel& backChannel;
    core::Clock& clock;
};

struct ProtocolEntry {
    std::string protocol;             // Endpoint::protocol(), Service::protocol
    std::string basePath;             // "/cas": every request under it goes to the endpoint
    std::vector<std::string> routes;  // paths under basePath with their own /metrics series
    std::string section;              // its section of etc/sesame.yml
    // The section (absent or not) into the configuration picture (Runtime::protocols).
    std::function<std::any(const core::ConfigNode& section, const ProtocolContext& context,
                           core::ConfigErrors& errors)>
        parseConfig;
    policies::ProtocolSchema services;  // its keys in etc/services/*.yml
    std::function<std::unique_ptr<core::Endpoint>(const EndpointContext& context)> make;
    // Optional: one coroutine for the whole process (never one per worker or per picture),
    // spawned by `serve` on its control loop and never by the other commands (SAML: refreshing
    // SP metadata from URLs).
    std::function<boost::asio::awaitable<void>(BackgroundContext context)> background;
    // Optional: what check-config did not check in this picture, one line each (SAML: metadata
    // URLs, fetched by `serve` only).
    std::function<std::vector<std::string>(const Runtime& runtime)> notChecked;
};

const std::vector<ProtocolEntry>& registeredProtocols();

// The endpoints of one configuration picture, in the list's order.
std::vector<std::unique_ptr<core::Endpoint>> makeEndpoints(const EndpointContext& context);

// The service registry's protocol schemas, from the list.
std::vector<policies::ProtocolSchema> serviceSchemas();

// Route names for /metrics: the gateway's own pages, then every endpoint's routes under its
// base path; a fixed set, so that scanners cannot blow up label cardinality.
std::vector<std::string> metricRouteNames(const std::vector<std::string>& ownRoutes);

// The endpoint whose base path `path` is, or is under ("/cas" and "/cas/..."); null otherwise.
core::Endpoint* endpointForPath(const std::vector<std::unique_ptr<core::Endpoint>>& endpoints,
                                std::string_view path);

}  // namespace sesame::app
