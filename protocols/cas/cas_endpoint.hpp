#pragma once
// The CAS server (Apereo CAS Protocol 3.0), base path /cas. Like every core::Endpoint it does no
// transport of its own: tickets live in the SessionStore, the pgtUrl callback goes through
// core::BackChannel, single-logout messages are returned to the app to send.
//
//   /login            -> NeedsAuthentication (the app finds the session, then resume())
//   /logout           -> LogoutRequested (redirect only to a registered service)
//   /validate /serviceValidate /proxyValidate /p3/serviceValidate /p3/proxyValidate
//   /proxy /samlValidate -> HttpResponse
#include <functional>
#include <optional>
#include <string>

#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/session_store.hpp"
#include "policies/policy.hpp"
#include "protocols/cas/cas_config.hpp"
#include "protocols/cas/cas_error.hpp"
#include "protocols/cas/cas_response.hpp"
#include "protocols/cas/ticket.hpp"

namespace sesame::cas {

// What a proxy ticket for `target` may carry (Policy::decide then release); nullopt: the
// person may not use that service. Without it, a PT carries the user and no attribute.
using ProxyRelease = std::function<std::optional<core::Release>(const core::Identity& identity,
                                                                const policies::Service& target)>;

class CasEndpoint final : public core::Endpoint {
  public:
    CasEndpoint(CasConfig config, policies::ServiceLookup services, session::SessionStore& store,
                core::BackChannel& backChannel, core::Clock& clock,
                core::SesameMetrics* metrics = nullptr, ProxyRelease proxyRelease = {});

    std::string_view protocol() const override { return "cas"; }
    std::string_view basePath() const override { return "/cas"; }
    // The routes under /cas counted apart in /metrics (every other path counts as "other").
    static std::vector<std::string> routeNames();
    boost::asio::awaitable<core::EndpointReply> handle(
        const core::HttpRequest& request, const std::optional<core::Session>& session) override;
    // Issues the ST and redirects to the service (or answers the method=POST form). A flow
    // without a service (a plain /cas/login) gives Errc::no_service: the app shows its
    // "you are logged in" page instead (CAS 3.0 §2.2.4).
    boost::asio::awaitable<Result<core::HttpResponse>> resume(const core::FlowState& flow,
                                                              const core::Session& session,
                                                              const core::Release& release,
                                                              bool freshLogin) override;
    core::HttpResponse resumeUnauthenticated(const core::FlowState& flow) override;
    std::vector<core::BackChannelMessage> logoutMessages(
        const std::vector<core::ServiceVisit>& visits) override;

    const CasConfig& config() const { return config_; }

  private:
    enum class Route { cas1, service, proxy, p3Service, p3Proxy, saml };
    struct Validation {
        Route route = Route::service;
        std::string service;
        std::string ticket;
        std::string pgtUrl;
        bool renew = false;
    };
    struct Outcome {
        std::optional<Authentication> success;
        Failure failure;
    };

    core::EndpointReply login(const core::HttpRequest& request) const;
    core::EndpointReply logout(const core::HttpRequest& request) const;
    boost::asio::awaitable<core::HttpResponse> validateRoute(const core::HttpRequest& request,
                                                             Route route);
    boost::asio::awaitable<core::HttpResponse> samlValidate(const core::HttpRequest& request);
    boost::asio::awaitable<core::HttpResponse> proxy(const core::HttpRequest& request);
    boost::asio::awaitable<Outcome> validate(const Validation& v);
    boost::asio::awaitable<std::optional<Failure>> grantProxy(const TicketGrant& grant,
                                                              const std::string& pgtUrl,
                                                              Authentication& auth);
    core::HttpResponse postForm(const std::string& service, const std::string& ticket,
                                const std::string& language) const;
    const policies::Service* findService(const std::string& url) const;
    void countValidation(std::string_view kind, std::string_view result) const;
    void countIssued(std::string_view kind) const;

    CasConfig config_;
    policies::ServiceLookup services_;
    session::SessionStore& store_;
    core::BackChannel& backChannel_;
    core::Clock& clock_;
    core::SesameMetrics* metrics_;
    // The series of the common outcomes, resolved on first use: an endpoint lives on one
    // worker, so these need no lock (core/metrics.hpp's handles).
    mutable core::CounterFamily::Series* serviceTicketsValidated_ = nullptr;
    mutable core::CounterFamily::Series* proxyTicketsValidated_ = nullptr;
    mutable core::CounterFamily::Series* serviceTicketsIssued_ = nullptr;
    ProxyRelease proxyRelease_;
};

}  // namespace sesame::cas
