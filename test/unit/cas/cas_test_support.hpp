#pragma once
// A CAS endpoint wired to fakes, with a small registry of hand-built policies::Service values.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gateway/core/log.hpp"
#include "gateway/core/metrics.hpp"
#include "protocols/cas/cas_endpoint.hpp"
#include "test/unit/cas/fakes.hpp"

namespace sesame::cas::test {

inline policies::Service makeService(std::string id, std::string pattern,
                                     std::string proxyPattern = {}, std::string logoutUrl = {}) {
    policies::Service s;
    s.id = id;
    s.name = id;
    s.protocol = "cas";
    s.urlPattern = pattern;
    s.compiledPattern = policies::compileServicePattern(pattern);
    auto settings = std::make_shared<CasServiceSettings>();
    settings->proxyCallback.text = proxyPattern;
    if (!proxyPattern.empty())
        settings->proxyCallback.compiled = policies::compileServicePattern(proxyPattern);
    settings->logoutUrl = logoutUrl;
    s.settings = std::move(settings);
    return s;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

struct CasFixture {
    core::ManualClock clock;
    FakeSessionStore store{clock};
    FakeBackChannel backChannel;
    core::MetricsRegistry registry;
    core::SesameMetrics metrics{registry};
    std::vector<policies::Service> services{
        makeService("demo", R"(https://app\.example\.org/.*)",
                    R"(https://app\.example\.org/proxy(\?.*)?)", "https://app.example.org/slo"),
        makeService("backend", R"(https://backend\.example\.org/.*)"),
        makeService("legacy", R"(http://legacy\.example\.org/.*)"),
    };
    CasConfig config = [] {
        CasConfig c;
        c.publicUrl = "https://sesame.example.org";
        return c;
    }();
    asio::io_context io;
    std::unique_ptr<CasEndpoint> endpoint;
    core::Session session;

    CasFixture() {
        core::setMinimumLogLevel(core::LogLevel::error);  // refusals are expected here
        rebuild();
    }

    void rebuild(ProxyRelease proxyRelease = {}) {
        endpoint = std::make_unique<CasEndpoint>(
            config,
            [this](const std::string& protocol,
                   const std::string& url) -> const policies::Service* {
                for (const auto& s : services)
                    if (s.protocol == protocol && s.acceptsUrl(url)) return &s;
                return nullptr;
            },
            store, backChannel, clock, &metrics, std::move(proxyRelease));
        session.id = "session-1";
        session.identity.login = "prof.herriot";
        session.identity.authMethod = "password";
        session.identity.authTime = clock.nowSeconds();
        session.language = "fr";
        store.sessions[session.id] = session;
    }

    static core::HttpRequest request(std::string path, core::Parameters query,
                                     std::string method = "GET") {
        core::HttpRequest r;
        r.method = std::move(method);
        r.path = std::move(path);
        r.query = std::move(query);
        r.host = "sesame.example.org";
        return r;
    }

    core::EndpointReply handle(const core::HttpRequest& r) {
        return run(io, endpoint->handle(r, std::nullopt));
    }
    core::HttpResponse response(const core::HttpRequest& r) {
        auto reply = handle(r);
        REQUIRE(std::holds_alternative<core::HttpResponse>(reply));
        return std::get<core::HttpResponse>(reply);
    }
    core::HttpResponse get(std::string path, core::Parameters query) {
        return response(request(std::move(path), std::move(query)));
    }

    core::Release release() const {
        core::Release r;
        r.user = "prof.herriot";
        r.attributes.set("ENTPersonProfils", {"National_ENS"});
        r.attributes.set("ENTPersonStructRattach", {"0690001A", "0690002B"});
        r.attributes.set("displayName", {"Édouard Herriot"});
        return r;
    }

    core::FlowState flowFor(const std::string& service, core::Parameters extra = {}) {
        core::Parameters q{{"service", service}};
        for (auto& p : extra) q.push_back(p);
        auto reply = handle(request("/cas/login", q));
        REQUIRE(std::holds_alternative<core::NeedsAuthentication>(reply));
        return std::get<core::NeedsAuthentication>(reply).flow;
    }

    // A service ticket issued through /login + resume, as the app does.
    std::string issue(const std::string& service, bool freshLogin = true,
                      std::optional<core::Release> rel = std::nullopt) {
        auto flow = flowFor(service);
        auto reply = run(io, endpoint->resume(flow, session, rel ? *rel : release(), freshLogin));
        REQUIRE(reply.has_value());
        auto location = core::findParameter(reply->headers, "Location");
        REQUIRE(location.has_value());
        auto at = location->find("ticket=");
        REQUIRE(at != std::string::npos);
        return location->substr(at + 7);
    }
};

}  // namespace sesame::cas::test
