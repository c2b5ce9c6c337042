#include "gateway/app/gateway.hpp"

#include <array>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <memory>

#include "gateway/app/endpoints.hpp"
#include "gateway/app/login_flow.hpp"
#include "gateway/core/log.hpp"
#include "gateway/http/trusted_proxies.hpp"
#include "gateway/portal/pages.hpp"
#include "gateway/portal/stylesheet.hpp"
#include "gateway/session/redis_client.hpp"
#include "gateway/session/redis_session_store.hpp"

namespace sesame::app {
namespace {
const core::Logger accessLog{"access"};
const core::Logger readinessLog{"readiness"};

// The gateway's own routes for metrics; the endpoints add theirs (endpoints.hpp), "other" ends.
const std::vector<std::string>& routes() {
    static const std::vector<std::string> names = [] {
        auto all = metricRouteNames({"/healthz", "/readyz", "/metrics", "/login", "/logout"});
        all.push_back("/static/sesame.css");
        all.push_back("other");
        return all;
    }();
    return names;
}
constexpr std::size_t lastProbeRoute = 2;  // /healthz, /readyz, /metrics: not in the access log

std::size_t routeOf(std::string_view path) {
    const auto& all = routes();
    for (std::size_t i = 0; i + 1 < all.size(); ++i)
        if (path == all[i]) return i;
    return all.size() - 1;
}

// The request metrics' series, resolved on first use and then reached without a lookup or a
// lock (the observer runs on every worker at once). Statuses 100-599 are cached; any other
// one (a handler bug, answered 500 by gateway/http) takes the slow path.
class RequestMetrics {
  public:
    explicit RequestMetrics(core::SesameMetrics& metrics)
        : metrics_(metrics), byRoute_(std::make_unique<PerRoute[]>(routes().size())) {}

    void record(std::size_t route, int status, double seconds) {
        auto& r = byRoute_[route];
        const std::string& name = routes()[route];
        if (status >= 100 && status <= 599) {
            auto& slot = r.requests[static_cast<std::size_t>(status - 100)];
            auto* series = slot.load(std::memory_order_acquire);
            if (!series) {
                series = &metrics_.requests.series({name, std::to_string(status)});
                slot.store(series, std::memory_order_release);
            }
            series->inc();
        } else {
            metrics_.requests.inc({name, std::to_string(status)});
        }
        auto* latency = r.latency.load(std::memory_order_acquire);
        if (!latency) {
            latency = &metrics_.latency.series({name});
            r.latency.store(latency, std::memory_order_release);
        }
        latency->observe(seconds);
    }

  private:
    struct PerRoute {
        std::array<std::atomic<core::CounterFamily::Series*>, 500> requests{};
        std::atomic<core::HistogramFamily::Series*> latency{nullptr};
    };
    core::SesameMetrics& metrics_;
    std::unique_ptr<PerRoute[]> byRoute_;
};

// The endpoints and login flow of one configuration picture, on one worker.
struct Generation {
    std::shared_ptr<const Runtime> runtime;
    std::vector<std::unique_ptr<core::Endpoint>> endpoints;
    std::unique_ptr<LoginFlow> flow;
};

class WorkerHandler final : public http::RequestHandler {
  public:
    WorkerHandler(boost::asio::io_context& context, GatewayState& state)
        : state_(state),
          redis_(context.get_executor(), state.startup.redis, &state.metrics.redisErrors),
          store_(redis_, state.clock, &state.metrics.redisErrors) {
        store_.setTimeouts(state.runtime.load()->session.timeouts);
        auto started = redis_.start();
        if (!started) throw std::runtime_error("redis: " + started.error().message());
    }

    boost::asio::awaitable<core::HttpResponse> handle(core::HttpRequest request) override {
        const auto& path = request.path;
        if (path == "/healthz") co_return core::HttpResponse::text(200, "ok\n");
        if (path == "/readyz") co_return co_await readiness();
        if (path == "/metrics") {
            if (!metricsAllowed(request.clientAddress))
                co_return core::HttpResponse::text(403, "forbidden\n");
            co_return core::HttpResponse::text(200, state_.registry.render(),
                                               "text/plain; version=0.0.4; charset=utf-8");
        }
        if (path.rfind("/static/", 0) == 0) {
            if (auto asset = portal::serveStatic(request)) co_return std::move(*asset);
        }
        if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
            auto r = core::HttpResponse::text(405, "method not allowed\n");
            r.header("Allow", "GET, HEAD, POST");
            co_return r;
        }
        // A copy: a reload during this request must not free what it uses.
        auto generation = current();
        if (path == "/login") {
            if (request.method == "POST") co_return co_await generation->flow->loginSubmit(request);
            co_return co_await generation->flow->loginPage(request);
        }
        if (path == "/logout") {
            if (request.method == "POST")
                co_return co_await generation->flow->logoutSubmit(request);
            co_return co_await generation->flow->logoutPage(request);
        }
        if (path == "/") co_return core::HttpResponse::redirect("/login", 303);
        if (auto* endpoint = endpointForPath(generation->endpoints, path))
            co_return co_await generation->flow->endpointRequest(*endpoint, request);
        co_return portal::renderError(
            portal::PageContext::from(request, generation->runtime->portal.defaultLanguage),
            portal::ErrorView{404, "error.not_found", {}});
    }

  private:
    // The reason stays in the log: /readyz is often reachable from outside, and Redis' address
    // and error text are not for everyone.
    boost::asio::awaitable<core::HttpResponse> readiness() {
        auto ping = co_await store_.ping();
        if (!ping) {
            readinessLog.warning("not_ready", {{"redis", redis_.lastError()}});
            co_return core::HttpResponse::text(503, "not ready\n");
        }
        co_return core::HttpResponse::text(200, "ready\n");
    }

    bool metricsAllowed(const std::string& clientAddress) const {
        boost::system::error_code ec;
        auto address = boost::asio::ip::make_address(clientAddress, ec);
        if (ec) return false;
        address = http::normalizeAddress(address);
        for (const auto& range : state_.startup.metricsAllowedFrom)
            if (range.contains(address)) return true;
        return false;
    }

    // Rebuilt when SIGHUP installed a new configuration picture; requests in flight keep the
    // generation they started with alive through their own shared_ptr copies.
    std::shared_ptr<Generation> current() {
        auto runtime = state_.runtime.load();
        if (!generation_ || generation_->runtime != runtime) {
            auto g = std::make_shared<Generation>();
            g->runtime = runtime;
            store_.setTimeouts(runtime->session.timeouts);
            g->endpoints = makeEndpoints(EndpointContext{*runtime, store_, *state_.backChannel,
                                                         state_.clock, &state_.metrics});
            std::vector<core::Endpoint*> endpoints;
            for (const auto& e : g->endpoints) endpoints.push_back(e.get());
            g->flow = std::make_unique<LoginFlow>(runtime, store_, std::move(endpoints),
                                                  *state_.backChannel, state_.metrics, state_.clock,
                                                  state_.delayedLogins);
            reportQueues(*runtime);
            generation_ = std::move(g);
        }
        return generation_;
    }

    // Each directory's queue reports to /metrics (idempotent: every worker does it once per
    // configuration picture, with the same series).
    void reportQueues(const Runtime& runtime) {
        auto& m = state_.metrics;
        for (const auto& d : runtime.directories) {
            d.connector->checks().report(&m.passwordQueueDepth.series({d.id}),
                                         &m.passwordQueueWait.series({d.id}));
            (void)m.loginsShed.series({d.id});  // shown at 0 before the first storm
        }
    }

    GatewayState& state_;
    session::RedisClient redis_;
    session::RedisSessionStore store_;
    std::shared_ptr<Generation> generation_;
};
}  // namespace

void GatewayState::publish(std::shared_ptr<const Runtime> picture) {
    std::erase_if(published, [](const auto& p) { return p.expired(); });
    published.push_back(picture);
    runtime.store(std::move(picture));
}

void GatewayState::stopPasswordChecks() {
    for (const auto& weak : published)
        if (auto picture = weak.lock())
            for (const auto& directory : picture->directories) directory.connector->checks().stop();
}

std::shared_ptr<http::RequestHandler> makeWorkerHandler(boost::asio::io_context& context,
                                                        GatewayState& state) {
    return std::make_shared<WorkerHandler>(context, state);
}

http::RequestObserver makeRequestObserver(GatewayState& state) {
    auto metrics = std::make_shared<RequestMetrics>(state.metrics);
    return [metrics](const core::HttpRequest& request, const core::HttpResponse& response,
                     double seconds) {
        auto route = routeOf(request.path);
        metrics->record(route, response.status, seconds);
        if (route <= lastProbeRoute) return;
        accessLog.info("request", {{"method", request.method},
                                   {"target", core::redactQuery(request.rawTarget)},
                                   {"status", std::to_string(response.status)},
                                   {"ms", std::to_string(static_cast<int>(seconds * 1000))},
                                   {"client", request.clientAddress}});
    };
}

}  // namespace sesame::app
