#include "gateway/app/login_flow.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "gateway/core/digest.hpp"
#include "gateway/core/form_post.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/text.hpp"
#include "gateway/http/request_executor.hpp"
#include "gateway/portal/pages.hpp"
#include "gateway/portal/stylesheet.hpp"

namespace sesame::app {
namespace {
const core::Logger log{"login"};
constexpr std::string_view portalProtocol = "portal";  // a login asked for by no service
// Logins in progress in the session store (docs/operations.md, "Redis keys").
constexpr session::ArtefactKind loginFlows{"flow"};

bool sameSecret(const std::string& a, const std::string& b) {
    // Constant time: a CSRF token or a browser binding must not leak by timing.
    return core::constantTimeEquals(a, b);
}

// The token the portal's logout form carries: bound to the session, so that a page of another
// site cannot end it (OWASP CSRF prevention, synchronizer token). An HMAC keyed by the session
// id (256 random bits, never shown to scripts): every node computes the same token without
// storing it, and the token reveals nothing of the id.
std::string logoutToken(const std::string& sessionId) {
    constexpr std::string_view purpose = "sesame logout v1";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), sessionId.data(), static_cast<int>(sessionId.size()),
         reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(), mac, &size);
    return core::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), size));
}

// The login form's POST answers with a redirect to the service; browsers check CSP form-action
// on the redirects of a form submission too (CSP Level 3 §6.3.1), so the form's page must allow
// the service's origin as well as its own.
core::HttpResponse allowingRedirectTo(core::HttpResponse page, const std::string& service) {
    auto origin = core::originOf(service);
    if (origin.empty()) return page;
    // The portal's own policy, with the service's origin added to form-action.
    std::string policy(portal::contentSecurityPolicy);
    const std::string formAction = "form-action 'self'";
    policy.insert(policy.find(formAction) + formAction.size(), " " + origin);
    page.header("Content-Security-Policy", policy);
    return page;
}

std::string trimmed(std::string s) {
    auto isSpace = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!s.empty() && isSpace(s.back())) s.pop_back();
    std::size_t start = 0;
    while (start < s.size() && isSpace(s[start])) ++start;
    return s.substr(start);
}

int retrySeconds(std::chrono::milliseconds wait) {
    return static_cast<int>(std::max<std::int64_t>(1, (wait.count() + 999) / 1000));
}

int retryMinutes(std::chrono::seconds retryAfter) {
    auto minutes = (retryAfter.count() + 59) / 60;
    return static_cast<int>(std::max<std::int64_t>(1, minutes));
}

portal::DenyKind denyKind(policies::DenyReason::Kind kind) {
    using K = policies::DenyReason::Kind;
    switch (kind) {
        case K::profile:
            return portal::DenyKind::profile;
        case K::structure:
            return portal::DenyKind::structure;
        case K::directory:
            return portal::DenyKind::directory;
        case K::level:
            return portal::DenyKind::level;
        case K::assurance:
            return portal::DenyKind::assurance;
        case K::access:
        case K::attribute:
        case K::none:
            break;
    }
    return portal::DenyKind::other;
}
}  // namespace

struct LoginFlow::PendingLogin {
    std::string id;
    core::FlowState flow;
    std::string csrf;
    std::string browser;  // the flow cookie this login is bound to

    std::string serialize() const {
        return boost::json::serialize(boost::json::object{
            {"flow", core::toJson(flow)}, {"csrf", csrf}, {"browser", browser}});
    }
    static std::optional<PendingLogin> parse(std::string id, const std::string& text) {
        boost::system::error_code ec;
        auto value = boost::json::parse(text, ec);
        if (ec || !value.is_object()) return std::nullopt;
        const auto& o = value.as_object();
        auto* flow = o.if_contains("flow");
        auto* csrf = o.if_contains("csrf");
        auto* browser = o.if_contains("browser");
        if (!flow || !csrf || !csrf->is_string() || !browser || !browser->is_string())
            return std::nullopt;
        auto f = core::flowStateFromJson(*flow);
        if (!f) return std::nullopt;
        return PendingLogin{std::move(id), std::move(*f), std::string(csrf->as_string()),
                            std::string(browser->as_string())};
    }
};

LoginFlow::LoginFlow(std::shared_ptr<const Runtime> runtime, session::SessionStore& store,
                     std::vector<core::Endpoint*> endpoints, core::BackChannel& backChannel,
                     core::SesameMetrics& metrics, const core::Clock& clock,
                     DelayedLogins& delayedLogins)
    : runtime_(std::move(runtime)),
      store_(store),
      endpoints_(std::move(endpoints)),
      backChannel_(backChannel),
      metrics_(metrics),
      clock_(clock),
      delayedLogins_(delayedLogins) {}

portal::PageContext LoginFlow::pageContext(const core::HttpRequest& request) const {
    return portal::PageContext::from(request, runtime_->portal.defaultLanguage);
}

portal::PageContext LoginFlow::pageContext(const core::HttpRequest& request,
                                           const core::FlowState& flow) const {
    return portal::PageContext::from(request, runtime_->portal.defaultLanguage, flow.uiLocales);
}

core::HttpResponse LoginFlow::unavailable(const core::HttpRequest& request) const {
    return portal::renderUnavailable(pageContext(request));
}

core::HttpResponse LoginFlow::error(const core::HttpRequest& request, int status, std::string key,
                                    std::string detail) const {
    return portal::renderError(pageContext(request),
                               portal::ErrorView{status, std::move(key), std::move(detail)});
}

core::Cookie LoginFlow::sessionCookie(const std::string& value, bool clear) const {
    core::Cookie cookie;
    cookie.name = runtime_->session.cookieName;
    cookie.value = value;
    if (clear) cookie.maxAge = std::chrono::seconds(0);
    // Secure, HttpOnly, SameSite=Lax (core::Cookie defaults): the cookie never travels in clear,
    // no script reads it, and cross-site POSTs do not carry it.
    return cookie;
}

core::Endpoint* LoginFlow::endpointFor(const std::string& protocol) const {
    for (auto* e : endpoints_)
        if (e->protocol() == protocol) return e;
    return nullptr;
}

const policies::Service* LoginFlow::serviceOf(const core::FlowState& flow) const {
    if (flow.serviceId.empty()) return nullptr;
    return runtime_->registry.byId(flow.serviceId);
}

std::vector<portal::DirectoryChoice> LoginFlow::acceptableChoices(
    const core::FlowState& flow) const {
    const auto* service = serviceOf(flow);
    std::vector<portal::DirectoryChoice> out;
    for (const auto& choice : runtime_->portal.choices) {
        bool accepted = !service || service->allowedDirectories.empty();
        for (const auto& d : choice.directories)
            if (service &&
                std::find(service->allowedDirectories.begin(), service->allowedDirectories.end(),
                          d) != service->allowedDirectories.end())
                accepted = true;
        if (accepted) out.push_back(choice);
    }
    return out;
}

session::Task<Result<std::optional<core::Session>>> LoginFlow::currentSession(
    const core::HttpRequest& request) {
    auto id = request.cookie(runtime_->session.cookieName);
    if (!id || id->empty() || id->size() > 128) co_return std::optional<core::Session>{};
    co_return co_await store_.findSession(*id);
}

session::Task<core::HttpResponse> LoginFlow::endpointRequest(core::Endpoint& endpoint,
                                                             const core::HttpRequest& request) {
    auto session = co_await currentSession(request);
    if (!session) co_return unavailable(request);
    auto reply = co_await endpoint.handle(request, *session);
    if (auto* response = std::get_if<core::HttpResponse>(&reply)) co_return std::move(*response);
    if (auto* e = std::get_if<core::UserFacingError>(&reply))
        co_return error(request, e->status, e->messageKey, e->detail);
    if (auto* l = std::get_if<core::LogoutRequested>(&reply))
        co_return co_await logout(request, std::move(*l));
    auto& needs = std::get<core::NeedsAuthentication>(reply);
    co_return co_await needsAuthentication(request, std::move(needs.flow), *session);
}

session::Task<core::HttpResponse> LoginFlow::needsAuthentication(
    const core::HttpRequest& request, core::FlowState flow,
    const std::optional<core::Session>& session) {
    const bool generic = flow.service.empty();
    if (session && !flow.forceAuthentication) {
        if (generic) {
            const auto* active = session->identity.active();
            co_return portal::renderSession(
                pageContext(request), portal::SessionView{session->identity.displayName,
                                                          active ? active->profile : std::string{},
                                                          active ? active->uai : std::string{},
                                                          logoutToken(session->id)});
        }
        co_return co_await decideAndResume(request, flow, *session, false);
    }
    // A passive request (CAS gateway, SAML IsPassive, OIDC prompt=none): no interaction; back
    // to the service unauthenticated, as its protocol says.
    if (flow.passive && !flow.forceAuthentication) {
        if (auto* endpoint = endpointFor(flow.protocol))
            co_return endpoint->resumeUnauthenticated(flow);
        co_return error(request, 400, "error.service_unknown", flow.service);
    }
    if (generic) flow.protocol = std::string(portalProtocol);
    co_return co_await startLogin(request, std::move(flow));
}

session::Task<core::HttpResponse> LoginFlow::decideAndResume(const core::HttpRequest& request,
                                                             const core::FlowState& flow,
                                                             const core::Session& session,
                                                             bool freshLogin) {
    const auto* service = serviceOf(flow);
    auto* endpoint = endpointFor(flow.protocol);
    if (!service || !endpoint) co_return error(request, 400, "error.service_unknown", flow.service);
    auto decision = runtime_->policy->decide(session.identity, withRequestedLevels(*service, flow));
    using Outcome = policies::Decision::Outcome;
    if (decision.outcome == Outcome::stepUp && !freshLogin && !flow.passive) {
        // Another directory (or a stronger login) is needed: back to the portal, limited to the
        // directories the service accepts.
        co_return co_await startLogin(request, flow);
    }
    if (decision.outcome != Outcome::permit) {
        if (flow.passive) co_return endpoint->resumeUnauthenticated(flow);
        log.info("access_denied",
                 {{"service", service->id},
                  {"directory", session.identity.directory},
                  {"profile", session.identity.active() ? session.identity.active()->profile
                                                        : std::string{}}});
        co_return deny(request, session, *service, decision, endpoint->refusal(flow));
    }
    auto reply = co_await endpoint->resume(flow, session, decision.release, freshLogin);
    if (!reply) co_return unavailable(request);
    co_return std::move(*reply);
}

policies::Service LoginFlow::withRequestedLevels(const policies::Service& service,
                                                 const core::FlowState& flow) const {
    // A request may ask for more than the registry does (SAML RequestedAuthnContext, OIDC
    // acr_values): the stricter of both applies, through the same decision (a weaker login
    // means step-up, a lower habilitation a refusal that says why).
    policies::Service s = service;
    const auto& rules = runtime_->policy->habilitation();
    if (int rank = rules.assurance().rank(flow.minimumAssurance); rank > s.minimumAssuranceRank) {
        s.minimumAssurance = flow.minimumAssurance;
        s.minimumAssuranceRank = rank;
    }
    if (int rank = rules.ladder().rank(flow.minimumLevel); rank > s.minimumLevelRank) {
        s.minimumLevel = flow.minimumLevel;
        s.minimumLevelRank = rank;
    }
    return s;
}

core::HttpResponse LoginFlow::deny(const core::HttpRequest& request, const core::Session& session,
                                   const policies::Service& service,
                                   const policies::Decision& decision,
                                   std::optional<core::FormPost> backToService) const {
    portal::DenyView view;
    view.serviceName = service.name.empty() ? service.id : service.name;
    view.kind = denyKind(decision.reason.kind);
    view.expected = decision.reason.expected;
    view.actual = decision.reason.actual;
    view.displayName = session.identity.displayName;
    view.logoutToken = logoutToken(session.id);
    view.backToService = std::move(backToService);
    return portal::renderDeny(pageContext(request), view);
}

session::Task<core::HttpResponse> LoginFlow::startLogin(const core::HttpRequest& request,
                                                        core::FlowState flow) {
    LoginThrottle throttle(store_, runtime_->throttle);
    auto allowed = co_await throttle.reserveLoginStart(request.clientAddress);
    if (!allowed) co_return unavailable(request);
    if (!*allowed) {
        log.warning("login_starts_throttled", {{"client", request.clientAddress}});
        auto page = error(request, 429, "error.too_many_requests");
        page.header("Retry-After", "60");
        co_return page;
    }
    PendingLogin pending;
    pending.id = core::randomToken(24);
    pending.flow = std::move(flow);
    pending.csrf = core::randomToken(24);
    auto browser = request.cookie(runtime_->session.flowCookieName);
    pending.browser = browser && browser->size() == 43 ? *browser : core::randomToken(32);
    auto saved = co_await store_.putArtefact(loginFlows, pending.id, pending.serialize(),
                                             runtime_->session.loginFlowLifetime);
    if (!saved) co_return unavailable(request);
    auto response = core::HttpResponse::redirect("/login?flow=" + pending.id, 303);
    core::Cookie cookie;
    cookie.name = runtime_->session.flowCookieName;
    cookie.value = pending.browser;
    response.cookies.push_back(cookie);
    response.authenticationPage = true;
    co_return response;
}

session::Task<Result<std::optional<LoginFlow::PendingLogin>>> LoginFlow::pendingLogin(
    const core::HttpRequest& request, const std::string& flowId) {
    if (flowId.empty() || flowId.size() > 64) co_return std::optional<PendingLogin>{};
    auto stored = co_await store_.peekArtefact(loginFlows, flowId);
    if (!stored) co_return stored.error();
    if (!*stored) co_return std::optional<PendingLogin>{};
    auto pending = PendingLogin::parse(flowId, **stored);
    // The flow belongs to the browser that started it: a login link sent to someone else
    // (login CSRF, session fixation) does not work.
    auto browser = request.cookie(runtime_->session.flowCookieName);
    if (!pending || !browser || !sameSecret(*browser, pending->browser))
        co_return std::optional<PendingLogin>{};
    co_return pending;
}

session::Task<core::HttpResponse> LoginFlow::loginPage(const core::HttpRequest& request) {
    bool repeated = false;
    auto flowId = request.param("flow", &repeated);
    if (repeated) co_return error(request, 400, "error.invalid_request");
    if (!flowId) {
        // Sesame's own login page, asked for by no service.
        auto session = co_await currentSession(request);
        if (!session) co_return unavailable(request);
        core::FlowState flow;
        flow.protocol = std::string(portalProtocol);
        co_return co_await needsAuthentication(request, flow, *session);
    }
    auto pending = co_await pendingLogin(request, *flowId);
    if (!pending) co_return unavailable(request);
    if (!*pending) co_return error(request, 400, "error.flow_expired");
    const auto& flow = (*pending)->flow;
    const auto* service = serviceOf(flow);
    std::string serviceName = service ? (service->name.empty() ? service->id : service->name) : "";
    auto choices = acceptableChoices(flow);
    if (choices.empty()) co_return error(request, 403, "error.no_directory", serviceName);
    auto choiceId = request.param("choice");
    const portal::DirectoryChoice* chosen = choices.size() == 1 ? &choices.front() : nullptr;
    for (const auto& c : choices)
        if (choiceId && c.id == *choiceId) chosen = &c;
    if (!chosen) {
        co_return portal::renderChoice(pageContext(request, flow),
                                       portal::ChoiceView{*flowId, serviceName, choices});
    }
    portal::LoginView view;
    view.flowId = *flowId;
    view.csrfToken = (*pending)->csrf;
    view.choice = *chosen;
    view.serviceName = serviceName;
    view.offerOtherChoices = choices.size() > 1;
    view.login = flow.loginHint;  // OIDC login_hint: a suggestion the person may change
    co_return allowingRedirectTo(portal::renderLogin(pageContext(request, flow), view),
                                 flow.service);
}

session::Task<core::HttpResponse> LoginFlow::loginSubmit(const core::HttpRequest& request) {
    bool repeated = false, anyRepeated = false;
    auto field = [&](std::string_view name) {
        auto v = request.formParam(name, &repeated);
        anyRepeated = anyRepeated || repeated;
        return v.value_or(std::string{});
    };
    const std::string flowId = field("flow"), csrf = field("csrf"), choiceId = field("choice");
    // Spaces around a login are never part of it (a phone keyboard adds one after a word).
    const std::string login = trimmed(field("login")), password = field("password");
    if (anyRepeated) co_return error(request, 400, "error.invalid_request");

    auto pending = co_await pendingLogin(request, flowId);
    if (!pending) co_return unavailable(request);
    if (!*pending) co_return error(request, 400, "error.flow_expired");
    if (!sameSecret(csrf, (*pending)->csrf)) {
        log.warning("csrf_mismatch", {{"client", request.clientAddress}});
        co_return error(request, 403, "error.csrf");
    }
    auto choices = acceptableChoices((*pending)->flow);
    auto chosen = std::find_if(choices.begin(), choices.end(),
                               [&](const auto& c) { return c.id == choiceId; });
    if (chosen == choices.end()) co_return error(request, 400, "error.invalid_request");

    const auto* service = serviceOf((*pending)->flow);
    portal::LoginView view;
    view.flowId = flowId;
    view.csrfToken = (*pending)->csrf;
    view.choice = *chosen;
    view.serviceName = service ? (service->name.empty() ? service->id : service->name) : "";
    view.login = login.size() > 256 ? std::string{} : login;
    view.offerOtherChoices = choices.size() > 1;
    auto page = [&](portal::LoginError e, int minutes = 0, int seconds = 0) {
        view.error = e;
        view.retryMinutes = minutes;
        view.retrySeconds = seconds;
        return allowingRedirectTo(portal::renderLogin(pageContext(request, (*pending)->flow), view),
                                  (*pending)->flow.service);
    };
    // A login storm: a directory's queue is full. Said at once (503, Retry-After), before
    // anything slow is spent on this login (docs/operations.md, "Login storms and throttling").
    auto busy = [&](const std::string& directoryId) {
        metrics_.loginsShed.inc({directoryId});
        log.info("login_shed", {{"directory", directoryId}, {"client", request.clientAddress}});
        return page(portal::LoginError::busy, 0,
                    static_cast<int>(runtime_->throttle.busyRetryAfter.count()));
    };
    if (login.empty() || password.empty() || login.size() > 256 || password.size() > 1024 ||
        !core::isValidUtf8(login) || !core::isValidUtf8(password))
        co_return page(portal::LoginError::failed);
    // Every directory the login may reach, before the counters and any delay; the place itself
    // is taken just before the check, so a queue that fills meanwhile still sheds the login.
    for (const auto& directoryId : chosen->directories) {
        const auto* directory = runtime_->directory(directoryId);
        if (directory && directory->connector->checks().full()) co_return busy(directoryId);
    }

    LoginThrottle throttle(store_, runtime_->throttle);
    const auto& directories = chosen->directories;
    auto verdict = co_await throttle.reserve(directories, login, request.clientAddress);
    if (!verdict) co_return unavailable(request);
    if (!verdict->allowed) {
        metrics_.logins.inc({chosen->id, "throttled"});
        log.warning("login_throttled", {{"choice", chosen->id}, {"client", request.clientAddress}});
        co_return page(portal::LoginError::throttled, retryMinutes(verdict->retryAfter));
    }
    if (!co_await delayedLogins_.waitOut(request.clientAddress, *verdict)) {
        (void)co_await throttle.giveBack(directories, login);
        metrics_.logins.inc({chosen->id, "slowed"});
        co_return page(portal::LoginError::slowed, 0, retrySeconds(verdict->delay));
    }

    // A choice may group several directories: the first that knows the person wins.
    std::optional<core::Identity> identity;
    bool someUnavailable = false, someAnswered = false;
    const Directory* authenticatedBy = nullptr;
    for (const auto& directoryId : chosen->directories) {
        const auto* directory = runtime_->directory(directoryId);
        if (!directory) continue;
        auto place = directory->connector->checks().enter();
        if (!place) {
            // A directory before this one judged the password wrong: that answer was learnt
            // and stays counted, or keeping this queue full would make guesses free.
            if (someAnswered)
                (void)co_await throttle.recordFailure(request.clientAddress);
            else
                (void)co_await throttle.giveBack(directories, login);
            co_return busy(directoryId);
        }
        auto verified = co_await directory->connector->verify(login, password);
        if (verified) {
            identity = std::move(*verified);
            authenticatedBy = directory;
            break;
        }
        if (verified.error() == core::Errc::invalid_credentials) {
            someAnswered = true;
        } else {
            someUnavailable = true;
            log.error("directory_unavailable",
                      {{"directory", directoryId}, {"error", verified.error().message()}});
            metrics_.logins.inc({directoryId, "unavailable"});
        }
    }
    if (!identity) {
        // The attempt stays counted (it was reserved) when any directory judged the password;
        // when none could, it is given back: an outage must not lock people out after it.
        if (!someAnswered) {
            (void)co_await throttle.giveBack(directories, login);
            co_return page(portal::LoginError::directoryUnavailable);
        }
        (void)co_await throttle.recordFailure(request.clientAddress);
        if (someUnavailable) co_return page(portal::LoginError::directoryUnavailable);
        metrics_.logins.inc({chosen->id, "failure"});
        log.info("login_failed", {{"choice", chosen->id}, {"client", request.clientAddress}});
        co_return page(portal::LoginError::failed);
    }
    (void)co_await throttle.recordSuccess(directories, login);

    identity->directory = authenticatedBy->id;
    identity->authMethod = "password";
    identity->assurance = authenticatedBy->assurance;
    identity->authTime = clock_.nowSeconds();
    auto [level, rank] = runtime_->policy->habilitation().compute(*identity);
    identity->habilitation = level;
    identity->habilitationRank = rank;
    metrics_.logins.inc({authenticatedBy->id, "success"});
    log.info("login", {{"directory", authenticatedBy->id},
                       {"subject", identity->subject},
                       {"profile", identity->active() ? identity->active()->profile : ""},
                       {"uai", identity->active() ? identity->active()->uai : ""},
                       {"habilitation", level}});

    // The flow is single use: taken (GETDEL) before the session opens, so that of two
    // concurrent submits of one flow exactly one logs in. It was only read until here, so that
    // a mistyped password keeps the form.
    auto taken = co_await store_.takeArtefact(loginFlows, flowId);
    if (!taken) co_return unavailable(request);
    if (!*taken) co_return error(request, 400, "error.flow_expired");
    auto session = co_await openSession(request, std::move(*identity));
    if (!session) co_return unavailable(request);

    core::HttpResponse response;
    const auto& flow = (*pending)->flow;
    if (flow.protocol == portalProtocol) {
        // CAS /login without a service, or Sesame's own page: show who is signed in.
        response = core::HttpResponse::redirect("/login", 303);
    } else {
        response = co_await decideAndResume(request, flow, *session, true);
    }
    response.cookies.push_back(sessionCookie(session->id));
    response.authenticationPage = true;
    co_return response;
}

session::Task<Result<core::Session>> LoginFlow::openSession(const core::HttpRequest& request,
                                                            core::Identity identity) {
    // The session id is rotated at every login (OWASP session management: no fixation). The
    // previous session of this browser ends here; services it opened for the same person stay
    // reachable by single logout through the new session.
    std::vector<core::ServiceVisit> inherited;
    auto previous = co_await currentSession(request);
    if (!previous) co_return previous.error();
    if (*previous) {
        if ((*previous)->identity.subject == identity.subject &&
            (*previous)->identity.directory == identity.directory) {
            auto visits = co_await store_.visits((*previous)->id);
            if (visits) inherited = std::move(*visits);
        } else {
            auto visits = co_await store_.visits((*previous)->id);
            if (visits) (void)co_await sendSingleLogout(*visits);
        }
        (void)co_await store_.deleteSession((*previous)->id);
    }
    core::Session session;
    // The SSO cookie's value: CAS 3.0 §3.6 gives ticket-granting values the tickets' alphabet.
    session.id = core::ticketToken();
    session.identity = std::move(identity);
    session.createdAt = session.lastSeenAt = clock_.nowSeconds();
    session.language = std::string(portal::languageCode(pageContext(request).language));
    auto created = co_await store_.createSession(session);
    if (!created) co_return created.error();
    for (const auto& visit : inherited) (void)co_await store_.addVisit(session.id, visit);
    co_return session;
}

session::Task<std::vector<std::string>> LoginFlow::sendSingleLogout(
    const std::vector<core::ServiceVisit>& visits) {
    // Every service is told at once; a slow one costs its own timeout, not the sum of all.
    std::vector<core::BackChannelMessage> messages;
    for (auto* endpoint : endpoints_)
        for (auto& m : endpoint->logoutMessages(visits)) messages.push_back(std::move(m));
    // The sends may outlive this request (a service slower than the round's bound): they keep
    // its id in their log lines, not the one of whatever the connection serves next.
    auto executor =
        http::RequestExecutor(co_await boost::asio::this_coro::executor,
                              std::make_shared<const std::string>(core::currentRequestId()));
    auto remaining = std::make_shared<std::size_t>(messages.size());
    // Each send has its own timeout; this bounds the whole round in case one never finishes.
    auto done = std::make_shared<boost::asio::steady_timer>(executor, std::chrono::seconds(15));
    auto told = std::make_shared<std::vector<std::string>>();
    for (auto& message : messages) {
        boost::asio::co_spawn(
            executor,
            [&backChannel = backChannel_, &metrics = metrics_, message, remaining, done,
             told]() -> session::Task<void> {
                core::OutboundRequest out;
                out.method = "POST";
                out.url = message.url;
                out.contentType = message.contentType;
                out.body = message.body;
                out.soapAction = message.soapAction;
                auto result = co_await backChannel.send(std::move(out));
                bool ok = result && result->status >= 200 && result->status < 400;
                metrics.singleLogouts.inc({ok ? "success" : "failure"});
                if (ok) {
                    told->push_back(message.service);
                } else {
                    log.warning("single_logout_failed",
                                {{"url", core::redactQuery(message.url)},
                                 {"error", result ? std::to_string(result->status)
                                                  : result.error().message()}});
                }
                // Expiring the timer ends the wait below whether or not it has begun: a send
                // refused at once (before the wait starts) must not leave it for the full bound.
                if (--*remaining == 0)
                    done->expires_at(std::chrono::steady_clock::time_point::min());
            },
            boost::asio::detached);
    }
    if (!messages.empty()) {
        boost::system::error_code ec;
        co_await done->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    co_return *told;
}

std::vector<std::string> LoginFlow::serviceNames(
    const std::vector<core::ServiceVisit>& visits,
    const std::vector<std::string>& toldServices) const {
    // What the logged-out page lists: each service told, by its registered name, with its URL
    // when several share a name (the demo's catch-all serves every loopback URL).
    std::vector<std::pair<std::string, std::string>> told;  // name, url
    for (const auto& url : toldServices) {
        auto visit = std::find_if(visits.begin(), visits.end(),
                                  [&](const core::ServiceVisit& v) { return v.service == url; });
        if (visit == visits.end()) continue;
        const auto* service = runtime_->registry.byId(visit->serviceId);
        std::string name = service && !service->name.empty() ? service->name : visit->service;
        if (std::none_of(told.begin(), told.end(), [&](const auto& t) { return t.second == url; }))
            told.emplace_back(std::move(name), url);
    }
    std::vector<std::string> out;
    for (const auto& entry : told) {
        // Not a structured binding: clang 14 (the sanitizer and fuzz builds) cannot capture one.
        const std::string& name = entry.first;
        const std::string& url = entry.second;
        auto sameName =
            std::count_if(told.begin(), told.end(), [&](const auto& t) { return t.first == name; });
        out.push_back(sameName > 1 && name != url ? name + " (" + url + ")" : name);
    }
    return out;
}

session::Task<core::HttpResponse> LoginFlow::logoutPage(const core::HttpRequest& request) {
    auto session = co_await currentSession(request);
    if (!session) co_return unavailable(request);
    // Nobody to sign out: say so (and drop a stale cookie) rather than ask.
    if (!*session) co_return co_await logout(request, std::string{});
    co_return portal::renderLogoutQuestion(pageContext(request),
                                           portal::LogoutView{logoutToken((*session)->id)});
}

session::Task<core::HttpResponse> LoginFlow::logoutSubmit(const core::HttpRequest& request) {
    auto session = co_await currentSession(request);
    if (!session) co_return unavailable(request);
    if (!*session) co_return co_await logout(request, std::string{});
    bool repeated = false;
    auto token = request.formParam("csrf", &repeated);
    if (repeated || !token || !sameSecret(*token, logoutToken((*session)->id))) {
        log.warning("csrf_mismatch", {{"form", "logout"}, {"client", request.clientAddress}});
        co_return error(request, 403, "error.csrf");
    }
    co_return co_await logout(request, std::string{});
}

session::Task<core::HttpResponse> LoginFlow::logout(const core::HttpRequest& request,
                                                    std::string redirectTo) {
    core::LogoutRequested requested;
    requested.redirectTo = std::move(redirectTo);
    co_return co_await logout(request, std::move(requested));
}

session::Task<core::HttpResponse> LoginFlow::logout(const core::HttpRequest& request,
                                                    core::LogoutRequested requested) {
    auto session = co_await currentSession(request);
    if (!session) co_return unavailable(request);
    const auto& initiator = requested.initiator;
    // The service that started the logout is answered by its endpoint at the end, not sent a
    // logout message of its own.
    auto startedIt = [&](const core::ServiceVisit& v) {
        return initiator && v.protocol == initiator->protocol &&
               v.serviceId == initiator->serviceId && v.service == initiator->service;
    };
    portal::LoggedOutView view;
    if (*session) {
        auto visits = co_await store_.visits((*session)->id);
        if (visits) {
            std::erase_if(*visits, startedIt);
            view.services = serviceNames(*visits, co_await sendSingleLogout(*visits));
            for (auto* endpoint : endpoints_)
                for (auto& m : endpoint->frontChannelLogout(*visits))
                    view.frames.push_back(std::move(m.url));
        }
        auto deleted = co_await store_.deleteSession((*session)->id);
        if (!deleted) co_return unavailable(request);
        log.info("logout", {{"subject", (*session)->identity.subject},
                            {"services", std::to_string(view.services.size())},
                            {"front_channel", std::to_string(view.frames.size())}});
    }
    if (auto* endpoint = initiator ? endpointFor(initiator->protocol) : nullptr)
        view.next = endpoint->completeLogout(*initiator);
    if (!view.next && !requested.redirectTo.empty())
        view.next = core::FormPost{requested.redirectTo, {}};

    core::HttpResponse response;
    if (!view.frames.empty() || !view.next)
        response = portal::renderLoggedOut(pageContext(request), view);
    else if (view.next->fields.empty())
        response = core::HttpResponse::redirect(view.next->action, 303);
    else
        response =
            core::renderAutoPost(*view.next, portal::languageCode(pageContext(request).language));
    response.cookies.push_back(sessionCookie("", true));
    response.authenticationPage = true;
    co_return response;
}

const Directory* Runtime::directory(const std::string& id) const {
    for (const auto& d : directories)
        if (d.id == id) return &d;
    return nullptr;
}

}  // namespace sesame::app
