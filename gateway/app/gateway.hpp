#pragma once
// The running gateway: process-wide state shared by the workers (configuration picture,
// metrics, back channel) and the per-worker request handler that routes a request to the
// portal, a protocol endpoint or an operations route.
//
//   /healthz /readyz /metrics     operations (gateway/app)
//   /static/sesame.css            the portal's stylesheet
//   /login /logout                the portal, through LoginFlow
//   /cas/...                      protocols/cas, through LoginFlow
#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "gateway/app/configuration.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/http/back_channel_client.hpp"
#include "gateway/http/server.hpp"

namespace sesame::app {

struct GatewayState {
    explicit GatewayState(StartupConfig startupConfig) : startup(std::move(startupConfig)) {}
    StartupConfig startup;
    core::MetricsRegistry registry;
    core::SesameMetrics metrics{registry};
    core::SystemClock clock;
    std::shared_ptr<http::BackChannelClient> backChannel;
    std::atomic<std::shared_ptr<const Runtime>> runtime;
    // Every picture published (a request may still hold an earlier one), for stopPasswordChecks.
    std::vector<std::weak_ptr<const Runtime>> published;
    DelayedLogins delayedLogins;
    std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();

    // The picture requests start with from now on. From the thread that handles signals.
    void publish(std::shared_ptr<const Runtime> picture);
    // Stops the password-check threads of every directory still in use, waiting for the checks
    // in flight: they report to the workers' event loops, so this runs once the workers have
    // stopped and before the Server that owns those loops is destroyed.
    void stopPasswordChecks();
};

// One per worker: owns that worker's Redis connection and endpoints.
std::shared_ptr<http::RequestHandler> makeWorkerHandler(boost::asio::io_context& context,
                                                        GatewayState& state);
// Metrics and the access log line of each request.
http::RequestObserver makeRequestObserver(GatewayState& state);

}  // namespace sesame::app
