#pragma once
// LoginFlow ties the contracts together (architecture.md, "LoginFlow"):
//   endpoint says "needs authentication" -> flow saved -> the policy picks acceptable directories
//   -> portal / connector -> identity enriched (habilitation) -> policy decides -> session id
//   rotated -> endpoint resumes.
// One LoginFlow per worker thread: it uses that worker's SessionStore and endpoints.
#include <memory>
#include <optional>
#include <vector>

#include "gateway/app/login_throttle.hpp"
#include "gateway/app/runtime.hpp"
#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/portal/views.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::app {

class LoginFlow {
  public:
    LoginFlow(std::shared_ptr<const Runtime> runtime, session::SessionStore& store,
              std::vector<core::Endpoint*> endpoints, core::BackChannel& backChannel,
              core::SesameMetrics& metrics, const core::Clock& clock, DelayedLogins& delayedLogins);

    // A request under an endpoint's base path (/cas/..., /saml/...).
    session::Task<core::HttpResponse> endpointRequest(core::Endpoint& endpoint,
                                                      const core::HttpRequest& request);
    // GET /login: the directory choice, then the form of one choice.
    session::Task<core::HttpResponse> loginPage(const core::HttpRequest& request);
    // POST /login: credentials.
    session::Task<core::HttpResponse> loginSubmit(const core::HttpRequest& request);
    // GET /logout: asks first (the confirmation page), so that no link, image or redirect from
    // another site can end a session; its button POSTs the session's token.
    session::Task<core::HttpResponse> logoutPage(const core::HttpRequest& request);
    // POST /logout: with the session's token, logout(); without it, 403 and nothing changes.
    session::Task<core::HttpResponse> logoutSubmit(const core::HttpRequest& request);
    // The confirmed /logout and every endpoint's LogoutRequested (CAS /cas/logout stays a GET,
    // CAS 3.0 §2.3): ends the session everywhere.
    session::Task<core::HttpResponse> logout(const core::HttpRequest& request,
                                             std::string redirectTo);
    // The same for an endpoint's request, with the service that started it answered last
    // (single logout: back-channel messages at once, front-channel frames on the logged-out
    // page, then the initiator's completeLogout).
    session::Task<core::HttpResponse> logout(const core::HttpRequest& request,
                                             core::LogoutRequested requested);

  private:
    struct PendingLogin;  // a login flow as stored in Redis

    session::Task<Result<std::optional<core::Session>>> currentSession(
        const core::HttpRequest& request);
    session::Task<core::HttpResponse> needsAuthentication(const core::HttpRequest& request,
                                                          core::FlowState flow,
                                                          const std::optional<core::Session>& s);
    session::Task<core::HttpResponse> decideAndResume(const core::HttpRequest& request,
                                                      const core::FlowState& flow,
                                                      const core::Session& session,
                                                      bool freshLogin);
    session::Task<core::HttpResponse> startLogin(const core::HttpRequest& request,
                                                 core::FlowState flow);
    session::Task<Result<std::optional<PendingLogin>>> pendingLogin(const core::HttpRequest& req,
                                                                    const std::string& flowId);
    session::Task<Result<core::Session>> openSession(const core::HttpRequest& request,
                                                     core::Identity identity);
    session::Task<std::vector<std::string>> sendSingleLogout(
        const std::vector<core::ServiceVisit>& visits);

    std::vector<std::string> serviceNames(const std::vector<core::ServiceVisit>& visits,
                                          const std::vector<std::string>& toldServices) const;
    core::Endpoint* endpointFor(const std::string& protocol) const;
    std::vector<portal::DirectoryChoice> acceptableChoices(const core::FlowState& flow) const;
    const policies::Service* serviceOf(const core::FlowState& flow) const;
    policies::Service withRequestedLevels(const policies::Service& service,
                                          const core::FlowState& flow) const;
    portal::PageContext pageContext(const core::HttpRequest& request) const;
    // The pages of a login a service started: in the languages it asked for, unless the person
    // chose one.
    portal::PageContext pageContext(const core::HttpRequest& request,
                                    const core::FlowState& flow) const;
    core::HttpResponse unavailable(const core::HttpRequest& request) const;
    core::HttpResponse error(const core::HttpRequest& request, int status, std::string key,
                             std::string detail = {}) const;
    core::HttpResponse deny(const core::HttpRequest& request, const core::Session& session,
                            const policies::Service& service, const policies::Decision& decision,
                            std::optional<core::FormPost> backToService) const;
    core::Cookie sessionCookie(const std::string& value, bool clear = false) const;

    std::shared_ptr<const Runtime> runtime_;
    session::SessionStore& store_;
    std::vector<core::Endpoint*> endpoints_;
    core::BackChannel& backChannel_;
    core::SesameMetrics& metrics_;
    const core::Clock& clock_;
    DelayedLogins& delayedLogins_;  // process-wide: an address's waits on this node
};

}  // namespace sesame::app
