#include "test/unit/http/test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>

#include "gateway/core/log.hpp"

namespace sesame::http::test {
namespace asio = boost::asio;
using namespace std::chrono_literals;
namespace {

class EchoHandler final : public RequestHandler {
  public:
    explicit EchoHandler(SlowGate& gate) : gate_(gate) {}

    asio::awaitable<core::HttpResponse> handle(core::HttpRequest r) override {
        if (r.path == "/throw") throw std::runtime_error("broken invariant for the test");
        if (r.path == "/slow") {
            asio::steady_timer timer(co_await asio::this_coro::executor, 60s);
            gate_.enter(timer);
            struct Leave {
                SlowGate& gate;
                ~Leave() { gate.leave(); }
            } leave{gate_};
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return core::HttpResponse::text(200, "released\nrequest_id=" + r.requestId +
                                                        "\nlog_id=" + core::currentRequestId() +
                                                        "\n");
        }
        auto response = core::HttpResponse::text(200, co_await describe(r));
        if (r.path == "/login" || r.path == "/page")
            response.headers = {{"Content-Type", "text/html; charset=utf-8"}};
        if (r.path == "/login") response.authenticationPage = true;
        if (r.path == "/csp")
            response.header("Content-Security-Policy", "form-action https://service.test");
        if (r.path == "/cookie") {
            core::Cookie cookie;
            cookie.name = "SESAME";
            cookie.value = "abc";
            response.cookies.push_back(cookie);
        }
        co_return response;
    }

  private:
    asio::awaitable<std::string> describe(const core::HttpRequest& r) {
        // Suspend once: the request id must survive the other coroutines running meanwhile.
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        std::string out = "method=" + r.method + "\npath=" + r.path +
                          "\nclient=" + r.clientAddress + "\nscheme=" + r.scheme +
                          "\nhost=" + r.host + "\nrequest_id=" + r.requestId +
                          "\nlog_id=" + core::currentRequestId() + "\nbody=" + r.body + "\n";
        for (const auto& [k, v] : r.query) out += "query:" + k + "=" + v + "\n";
        for (const auto& [k, v] : r.form) out += "form:" + k + "=" + v + "\n";
        for (const auto& [k, v] : r.headers) out += "header:" + k + "=" + v + "\n";
        bool repeated = false;
        if (r.param("a", &repeated) && repeated) out += "repeated:a\n";
        co_return out;
    }

    SlowGate& gate_;
};

}  // namespace

void SlowGate::enter(asio::steady_timer& timer) {
    std::lock_guard lock(mutex_);
    timer_ = &timer;
    entered_ = true;
    if (released_) timer.cancel();
    changed_.notify_all();
}

void SlowGate::leave() {
    std::lock_guard lock(mutex_);
    timer_ = nullptr;
}

bool SlowGate::waitEntered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return entered_; });
}

void SlowGate::release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    if (timer_) asio::post(timer_->get_executor(), [t = timer_] { t->cancel(); });
}

ServerConfig baseConfig() {
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.publicUrl = "https://sso.test";
    config.threads = 2;
    config.limits.readTimeout = 2s;
    config.limits.idleTimeout = 2s;
    return config;
}

TestServer::TestServer(std::function<void(ServerConfig&)> adjust) {
    ServerConfig config = baseConfig();
    if (adjust) adjust(config);
    server_ = std::make_unique<Server>(
        config, [this](asio::io_context&) { return std::make_shared<EchoHandler>(gate_); },
        [this](const core::HttpRequest& req, const core::HttpResponse& res, double) {
            std::lock_guard lock(mutex_);
            observations_.push_back({req.method, req.path, req.rawTarget, req.clientAddress,
                                     res.status, !req.body.empty()});
            observed_.notify_all();
        });
    auto started = server_->start();
    REQUIRE(started.has_value());
    REQUIRE(server_->listening());
    REQUIRE(server_->port() != 0);
}

TestServer::~TestServer() {
    gate_.release();
    server_->stop(2s);
    server_->wait();
}

std::vector<Observation> TestServer::observations(std::size_t count) {
    std::unique_lock lock(mutex_);
    observed_.wait_for(lock, 5s, [&] { return observations_.size() >= count; });
    return observations_;
}

}  // namespace sesame::http::test
