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
    DelayedLogins delayedLogins;
    std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();
};

// One per worker: owns that worker's Redis connection and endpoints.
std::shared_ptr<http::RequestHandler> makeWorkerHandler(boost::asio::io_context& context,
                                                        GatewayState& state);
// Metrics and the access log line of each request.
http::RequestObserver makeRequestObserver(GatewayState& state);

}  // namespace sesame::app
