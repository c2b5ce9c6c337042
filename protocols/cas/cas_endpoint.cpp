#include "protocols/cas/cas_endpoint.hpp"

#include "gateway/core/form_post.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/core/text.hpp"
#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_text.hpp"

namespace sesame::cas {
namespace {

using boost::asio::awaitable;

// Where single logout POSTs for this service: its logout_url, else the service URL (empty).
std::string logoutUrlOf(const policies::Service& service) {
    const auto* settings = service.settingsAs<CasServiceSettings>();
    return settings ? settings->logoutUrl : std::string{};
}

using core::HttpRequest;
using core::HttpResponse;

const core::Logger& logger() {
    static const core::Logger log("cas");
    return log;
}

// A parameter from the query, else from a form body; `repeated` when it appears twice
// anywhere (a malformed CAS request: one value per parameter).
std::optional<std::string> parameter(const HttpRequest& r, std::string_view name, bool& repeated) {
    bool inQuery = false, inForm = false;
    auto q = r.param(name, &inQuery);
    auto f = r.formParam(name, &inForm);
    repeated = repeated || inQuery || inForm || (q && f);
    return q ? q : f;
}

// CAS 3.0 §2.1.1 says "if this parameter is set"; an explicit "false" is read as not set, as
// Apereo does, so that a client writing renew=false is not forced to log in again.
bool flag(const std::optional<std::string>& value) {
    return value && *value != "false" && *value != "0";
}

std::string clip(std::string_view s) {
    return std::string(s.substr(0, 200)) + (s.size() > 200 ? "..." : "");
}

HttpResponse body(int status, std::string text, std::string_view type) {
    auto r = HttpResponse::text(status, std::move(text), std::string(type));
    r.authenticationPage = true;  // user data and tickets: Cache-Control: no-store
    return r;
}

std::string ticketKind(const std::string& ticket) {
    return ticket.starts_with("PT-") ? "PT" : "ST";
}

}  // namespace

CasEndpoint::CasEndpoint(CasConfig config, policies::ServiceLookup services,
                         session::SessionStore& store, core::BackChannel& backChannel,
                         core::Clock& clock, core::SesameMetrics* metrics,
                         ProxyRelease proxyRelease)
    : config_(std::move(config)),
      services_(std::move(services)),
      store_(store),
      backChannel_(backChannel),
      clock_(clock),
      metrics_(metrics),
      proxyRelease_(std::move(proxyRelease)) {}

const policies::Service* CasEndpoint::findService(const std::string& url) const {
    if (url.empty() || !core::isValidUtf8(url)) return nullptr;
    return services_ ? services_("cas", url) : nullptr;
}

void CasEndpoint::countValidation(std::string_view kind, std::string_view result) const {
    if (!metrics_) return;
    if (result == "success" && (kind == "ST" || kind == "PT")) {
        auto*& series = kind == "ST" ? serviceTicketsValidated_ : proxyTicketsValidated_;
        if (!series) series = &metrics_->ticketsValidated.series({std::string(kind), "success"});
        return series->inc();
    }
    metrics_->ticketsValidated.inc({std::string(kind), std::string(result)});
}

void CasEndpoint::countIssued(std::string_view kind) const {
    if (!metrics_) return;
    if (kind == "ST") {
        if (!serviceTicketsIssued_) serviceTicketsIssued_ = &metrics_->ticketsIssued.series({"ST"});
        return serviceTicketsIssued_->inc();
    }
    metrics_->ticketsIssued.inc({std::string(kind)});
}

awaitable<core::EndpointReply> CasEndpoint::handle(const HttpRequest& request,
                                                   const std::optional<core::Session>&) {
    std::string_view path = request.path;
    if (path.starts_with(basePath())) path.remove_prefix(basePath().size());
    if (path == "/login") co_return login(request);
    if (path == "/logout") co_return logout(request);
    if (path == "/validate") co_return co_await validateRoute(request, Route::cas1);
    if (path == "/serviceValidate") co_return co_await validateRoute(request, Route::service);
    if (path == "/proxyValidate") co_return co_await validateRoute(request, Route::proxy);
    if (path == "/p3/serviceValidate") co_return co_await validateRoute(request, Route::p3Service);
    if (path == "/p3/proxyValidate") co_return co_await validateRoute(request, Route::p3Proxy);
    if (path == "/proxy") co_return co_await proxy(request);
    if (path == "/samlValidate") co_return co_await samlValidate(request);
    co_return HttpResponse::text(404, "Not found\n");
}

// ---- /login, /logout (CAS 3.0 §2.1, §2.3) ----

core::EndpointReply CasEndpoint::login(const HttpRequest& request) const {
    bool repeated = false;
    auto service = parameter(request, "service", repeated);
    auto renew = parameter(request, "renew", repeated);
    auto gateway = parameter(request, "gateway", repeated);
    auto method = parameter(request, "method", repeated);
    if (repeated)
        return core::UserFacingError{400, "error.invalid_request",
                                     "service, renew, gateway and method may be given once"};
    std::string responseMethod = "GET";
    if (method) {
        std::string m = *method;
        for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        // §2.1.1: POST and HEADER are optional; Sesame offers GET and POST.
        if (m != "GET" && m != "POST")
            return core::UserFacingError{400, "error.invalid_request", clip(*method)};
        responseMethod = m;
    }
    core::FlowState flow;
    flow.protocol = "cas";
    if (service && !service->empty()) {
        // §2.2.1: in non-open mode an unknown service is refused with a message, never
        // redirected to.
        const policies::Service* registered = findService(*service);
        if (!registered) return core::UserFacingError{400, "error.service_unknown", clip(*service)};
        flow.serviceId = registered->id;
        flow.service = *service;
    }
    flow.forceAuthentication = flag(renew);
    // §2.1.1: gateway is ignored when renew is set, and without a service it is as if absent.
    flow.passive = !flow.forceAuthentication && !flow.service.empty() && flag(gateway);
    flow.params.emplace_back("method", responseMethod);
    return core::NeedsAuthentication{std::move(flow)};
}

std::vector<std::string> CasEndpoint::routeNames() {
    return {"/login",
            "/logout",
            "/validate",
            "/serviceValidate",
            "/proxyValidate",
            "/p3/serviceValidate",
            "/p3/proxyValidate",
            "/proxy",
            "/samlValidate"};
}

core::EndpointReply CasEndpoint::logout(const HttpRequest& request) const {
    bool repeated = false;
    auto service = parameter(request, "service", repeated);
    // The CAS 2.0 `url` parameter is still honoured for old clients (phpCAS < 1.3 sends it),
    // under the same rule as `service`: only a registered service is redirected to (§2.3.2).
    if (!service) service = parameter(request, "url", repeated);
    core::LogoutRequested reply;
    if (!repeated && service && findService(*service)) reply.redirectTo = *service;
    return reply;
}

awaitable<Result<HttpResponse>> CasEndpoint::resume(const core::FlowState& flow,
                                                    const core::Session& session,
                                                    const core::Release& release, bool freshLogin) {
    if (flow.service.empty()) co_return Errc::no_service;
    // Checked again: the registry may have been reloaded while the person was at the portal.
    const policies::Service* service = findService(flow.service);
    if (!service) co_return Errc::invalid_service;

    TicketGrant grant;
    grant.service = flow.service;
    grant.serviceId = service->id;
    grant.sessionId = session.id;
    grant.user = release.user;
    grant.attributes = release.attributes;
    grant.freshLogin = freshLogin;
    grant.authTime = session.identity.authTime;
    grant.authMethod = session.identity.authMethod;
    grant.issuedAt = clock_.nowSeconds();
    std::string ticket = newTicketId("ST");
    // Bound to the session: a logout before validation makes the ticket fail. The visit (for
    // single logout) is recorded in the same step.
    std::optional<core::ServiceVisit> visit;
    if (service->singleLogout)
        visit =
            core::ServiceVisit{"cas", service->id, flow.service, ticket, logoutUrlOf(*service), {}};
    auto stored = co_await store_.putSessionArtefact(
        serviceTickets, ticket, serialize(grant), config_.serviceTicketLifetime, session.id, visit);
    if (!stored) co_return stored.error();
    countIssued("ST");

    auto method = core::findParameter(flow.params, "method");
    if (method && *method == "POST") co_return postForm(flow.service, ticket, session.language);
    // §2.2.4 / Appendix B: a GET to the service with the ticket parameter.
    HttpResponse redirect =
        HttpResponse::redirect(core::appendQuery(flow.service, "ticket", ticket));
    redirect.authenticationPage = true;
    co_return redirect;
}

HttpResponse CasEndpoint::postForm(const std::string& service, const std::string& ticket,
                                   const std::string& language) const {
    // method=POST (§2.1.1): a form that posts the ticket to the service.
    return core::renderAutoPost({service, {{"ticket", ticket}}}, language);
}

HttpResponse CasEndpoint::resumeUnauthenticated(const core::FlowState& flow) {
    // gateway=true without a session: back to the service with no ticket (§2.1.1), only to a
    // service that is (still) registered.
    if (flow.service.empty() || !findService(flow.service))
        return HttpResponse::text(400, "Unknown service\n");
    return HttpResponse::redirect(flow.service);
}

std::vector<core::BackChannelMessage> CasEndpoint::logoutMessages(
    const std::vector<core::ServiceVisit>& visits) {
    std::vector<core::BackChannelMessage> out;
    for (const auto& visit : visits) {
        if (visit.protocol != "cas" || visit.sessionIndex.empty()) continue;
        std::string xmlText =
            renderLogoutRequest(newTicketId("LR"), clock_.nowSeconds(), visit.sessionIndex);
        // §2.3.3: a POST with the logout document in the `logoutRequest` form parameter, first
        // in the body (mod_auth_cas only looks at a body starting with "logoutRequest=").
        out.push_back({visit.logoutUrl.empty() ? visit.service : visit.logoutUrl,
                       "application/x-www-form-urlencoded",
                       core::formatForm({{"logoutRequest", xmlText}}), "", visit.service});
    }
    return out;
}

// ---- ticket validation (§2.4 - §2.9) ----

awaitable<CasEndpoint::Outcome> CasEndpoint::validate(const Validation& v) {
    auto fail = [](Errc code, std::string description, int status = 200) {
        return Outcome{std::nullopt, Failure{code, std::move(description), status}};
    };
    if (v.service.empty() || v.ticket.empty())
        co_return fail(Errc::invalid_request,
                       "'service' and 'ticket' parameters are both required");
    const bool isProxyTicket = v.ticket.starts_with("PT-");
    if ((!isProxyTicket && !v.ticket.starts_with("ST-")) || v.ticket.size() > maxTicketLength)
        co_return fail(Errc::invalid_ticket, "Ticket '" + clip(v.ticket) + "' not recognized");

    // §3.1.1 / §3.2.1: one validation attempt per ticket, whatever its outcome. The take is
    // atomic (GETDEL): of concurrent validations exactly one sees the ticket.
    auto kind = isProxyTicket ? proxyTickets : serviceTickets;
    auto taken = co_await store_.takeArtefact(kind, v.ticket);
    if (!taken) {
        logger().error("ticket_store_unavailable", {{"error", taken.error().message()}});
        co_return fail(Errc::internal_error, "The ticket store is unavailable, retry later", 503);
    }
    if (!*taken)
        co_return fail(Errc::invalid_ticket, "Ticket '" + clip(v.ticket) + "' not recognized");
    auto grant = parseTicketGrant(**taken);
    if (!grant) co_return fail(Errc::internal_error, "Ticket could not be read", 500);

    // §2.5 / §2.4: proxy tickets only at the proxyValidate URLs (the PT is consumed anyway).
    bool acceptsProxyTickets = v.route == Route::proxy || v.route == Route::p3Proxy;
    if (isProxyTicket && !acceptsProxyTickets)
        co_return fail(Errc::invalid_ticket_spec,
                       "Ticket '" + clip(v.ticket) +
                           "' is a proxy ticket: it is validated at /proxyValidate only");
    auto lifetime = isProxyTicket ? config_.proxyTicketLifetime : config_.serviceTicketLifetime;
    if (clock_.nowSeconds() > grant->issuedAt + lifetime.count())
        co_return fail(Errc::invalid_ticket, "Ticket '" + clip(v.ticket) + "' has expired");
    // §2.5.3 INVALID_SERVICE: the ticket is invalidated too (it was taken above).
    if (grant->service != v.service)
        co_return fail(
            Errc::invalid_service,
            "Ticket '" + clip(v.ticket) + "' was not issued for service '" + clip(v.service) + "'");
    if (v.renew && !grant->freshLogin)
        co_return fail(Errc::invalid_ticket,
                       "Ticket '" + clip(v.ticket) +
                           "' was not issued from a fresh login and renew was requested");

    Authentication auth;
    if (!v.pgtUrl.empty() && v.route != Route::cas1 && v.route != Route::saml) {
        if (auto refused = co_await grantProxy(*grant, v.pgtUrl, auth))
            co_return Outcome{std::nullopt, *refused};
    }
    // The grant is not used past this point: its strings move into the reply.
    auth.user = std::move(grant->user);
    auth.attributes = std::move(grant->attributes);
    auth.authTime = grant->authTime;
    auth.freshLogin = grant->freshLogin;
    auth.authMethod = std::move(grant->authMethod);
    auth.includeAttributes =
        v.route == Route::p3Service || v.route == Route::p3Proxy || v.route == Route::saml ||
        (config_.releaseAttributesV2 && (v.route == Route::service || v.route == Route::proxy));
    if (isProxyTicket) auth.proxies = std::move(grant->proxies);
    co_return Outcome{std::move(auth), {}};
}

awaitable<std::optional<Failure>> CasEndpoint::grantProxy(const TicketGrant& grant,
                                                          const std::string& pgtUrl,
                                                          Authentication& auth) {
    const policies::Service* service = findService(grant.service);
    const auto* settings = service ? service->settingsAs<CasServiceSettings>() : nullptr;
    if (!settings || settings->proxyCallback.text.empty())
        co_return Failure{Errc::unauthorized_service_proxy,
                          "The service '" + clip(grant.service) + "' may not proxy"};
    // §2.5.4 step 1: the callback MUST be https, and trusted (BackChannel verifies TLS); it
    // must also be one this service registered.
    if (!pgtUrl.starts_with("https://"))
        co_return Failure{Errc::invalid_proxy_callback,
                          "The proxy callback '" + clip(pgtUrl) + "' is not https"};
    // Matched by RE2 in linear time; a pgtUrl over 4096 characters never matches.
    if (!settings->proxyCallback.matches(pgtUrl))
        co_return Failure{Errc::invalid_proxy_callback, "The proxy callback '" + clip(pgtUrl) +
                                                            "' is not allowed for this service"};

    TicketGrant pgt = grant;
    pgt.issuedAt = clock_.nowSeconds();
    pgt.proxies.insert(pgt.proxies.begin(), pgtUrl);  // most recent first (§2.6.2)
    std::string pgtId = newTicketId("PGT");
    std::string iou = newTicketId("PGTIOU");
    // Stored before the callback, so that the service can use it as soon as it receives it.
    auto stored =
        co_await store_.putSessionArtefact(proxyGrantingTickets, pgtId, serialize(pgt),
                                           config_.proxyGrantingTicketLifetime, pgt.sessionId);
    // The session ended since the ticket was issued (its idle timeout): no PGT, as when the
    // callback fails; the ticket itself was valid.
    if (!stored && stored.error() == core::Errc::not_found) co_return std::nullopt;
    if (!stored)
        co_return Failure{Errc::internal_error, "The ticket store is unavailable, retry later",
                          503};
    // §2.5.4 steps 2-3: GET pgtUrl?pgtIou=..&pgtId=.. (its own parameters kept); only a 200
    // issues the PGT. Any other answer: the validation still succeeds, but its response "MUST
    // NOT contain a <cas:proxyGrantingTicket> block" — the person's login does not fail
    // because a service's callback is down.
    core::OutboundRequest callback;
    callback.url = core::appendQuery(core::appendQuery(pgtUrl, "pgtIou", iou), "pgtId", pgtId);
    auto answer = co_await backChannel_.send(std::move(callback));
    if (!answer || answer->status != 200) {
        co_await store_.deleteArtefact(proxyGrantingTickets, pgtId);
        logger().warning(
            "proxy_callback_failed",
            {{"callback", core::redactQuery(pgtUrl)},
             {"status", answer ? std::to_string(answer->status) : answer.error().message()}});
        co_return std::nullopt;
    }
    countIssued("PGT");
    auth.proxyGrantingTicketIou = iou;
    co_return std::nullopt;
}

awaitable<HttpResponse> CasEndpoint::validateRoute(const HttpRequest& request, Route route) {
    bool repeated = false;
    Validation v;
    v.route = route;
    auto service = parameter(request, "service", repeated);
    auto ticket = parameter(request, "ticket", repeated);
    auto pgtUrl = parameter(request, "pgtUrl", repeated);
    auto renew = parameter(request, "renew", repeated);
    auto format = parameter(request, "format", repeated);
    if (service) v.service = std::move(*service);
    if (ticket) v.ticket = std::move(*ticket);
    if (pgtUrl) v.pgtUrl = std::move(*pgtUrl);
    v.renew = flag(renew);

    Format f = Format::xml;
    bool badFormat = false;
    if (format && route != Route::cas1) {
        if (*format == "JSON" || *format == "json")
            f = Format::json;
        else if (*format != "XML" && *format != "xml")
            badFormat = true;  // §2.5.1: an unsupported format is an error (answered in XML)
    }
    Outcome outcome;
    if (repeated || badFormat) {
        outcome.failure = {Errc::invalid_request, badFormat
                                                      ? "Unsupported format '" + clip(*format) + "'"
                                                      : "Each parameter may be given once"};
    } else {
        outcome = co_await validate(v);
    }
    std::string kind = ticketKind(v.ticket);
    countValidation(kind, outcome.success ? "success" : wireCode(outcome.failure.code));
    if (!outcome.success)
        logger().info("ticket_refused", {{"error", std::string(wireCode(outcome.failure.code))},
                                         {"service", core::redactQuery(v.service)}});
    if (route == Route::cas1) {
        // CAS 1.0 has no error codes; a store outage still says 503.
        int status = outcome.success ? 200 : outcome.failure.status;
        co_return body(status, renderCas1(outcome.success ? &*outcome.success : nullptr),
                       "text/plain; charset=utf-8");
    }
    if (outcome.success) co_return body(200, renderSuccess(*outcome.success, f), contentType(f));
    co_return body(outcome.failure.status, renderFailure(outcome.failure, f), contentType(f));
}

// ---- /proxy (§2.7) ----

awaitable<HttpResponse> CasEndpoint::proxy(const HttpRequest& request) {
    bool repeated = false;
    auto pgt = parameter(request, "pgt", repeated);
    auto target = parameter(request, "targetService", repeated);
    auto format = parameter(request, "format", repeated);
    Format f = format && (*format == "JSON" || *format == "json") ? Format::json : Format::xml;
    auto refuse = [&](Errc code, std::string description, int status = 200) {
        countValidation("PGT", wireCode(code));
        return body(status, renderProxyFailure({code, std::move(description), status}, f),
                    contentType(f));
    };
    if (repeated || !pgt || pgt->empty() || !target || target->empty())
        co_return refuse(Errc::invalid_request,
                         "'pgt' and 'targetService' parameters are both required");
    const policies::Service* targetService = findService(*target);
    if (!targetService)
        co_return refuse(Errc::unauthorized_service,
                         "The target service '" + clip(*target) + "' is not registered");
    if (!pgt->starts_with("PGT-") || pgt->size() > maxTicketLength)
        co_return refuse(Errc::bad_pgt, "The proxy-granting ticket is not recognized");
    // A PGT serves many /proxy calls: read, not taken (§3.3.1).
    auto stored = co_await store_.peekArtefact(proxyGrantingTickets, *pgt);
    if (!stored)
        co_return refuse(Errc::internal_error, "The ticket store is unavailable, retry later", 503);
    if (!*stored) co_return refuse(Errc::bad_pgt, "The proxy-granting ticket is not recognized");
    auto grant = parseTicketGrant(**stored);
    if (!grant) co_return refuse(Errc::internal_error, "Ticket could not be read", 500);
    // §3.3.1: a PGT MUST expire when the person logs out: its SSO session must still exist.
    // Read without refreshing its idle timeout: the service acts here, not the person.
    auto session = co_await store_.readSession(grant->sessionId);
    if (!session)
        co_return refuse(Errc::internal_error, "The session store is unavailable, retry later",
                         503);
    if (!*session) {
        co_await store_.deleteArtefact(proxyGrantingTickets, *pgt);
        co_return refuse(Errc::bad_pgt, "The proxy-granting ticket has ended with its session");
    }

    TicketGrant pt;
    pt.service = *target;
    pt.serviceId = targetService->id;
    pt.sessionId = grant->sessionId;
    pt.user = grant->user;
    pt.freshLogin = false;  // the PT comes from a PGT, never from presented credentials
    pt.authTime = grant->authTime;
    pt.authMethod = grant->authMethod;
    pt.issuedAt = clock_.nowSeconds();
    pt.proxies = grant->proxies;
    if (proxyRelease_) {
        // What the target may see is the target's release, not the proxying service's.
        auto release = proxyRelease_((*session)->identity, *targetService);
        if (!release)
            co_return refuse(Errc::unauthorized_service,
                             "This person may not use the target service '" + clip(*target) + "'");
        pt.user = release->user;
        pt.attributes = release->attributes;
    }
    std::string ptId = newTicketId("PT");
    std::optional<core::ServiceVisit> visit;
    if (targetService->singleLogout)
        visit = core::ServiceVisit{"cas", targetService->id,           *target,
                                   ptId,  logoutUrlOf(*targetService), {}};
    auto put = co_await store_.putSessionArtefact(proxyTickets, ptId, serialize(pt),
                                                  config_.proxyTicketLifetime, pt.sessionId, visit);
    if (!put && put.error() == core::Errc::not_found)
        co_return refuse(Errc::bad_pgt, "The proxy-granting ticket has ended with its session");
    if (!put)
        co_return refuse(Errc::internal_error, "The ticket store is unavailable, retry later", 503);
    countIssued("PT");
    co_return body(200, renderProxySuccess(ptId, f), contentType(f));
}

// ---- /samlValidate (§4.2) ----

awaitable<HttpResponse> CasEndpoint::samlValidate(const HttpRequest& request) {
    SamlContext context;
    context.responseId = "_" + core::randomToken(16);
    context.assertionId = "_" + core::randomToken(16);
    context.issuer = config_.publicUrl;
    context.now = clock_.nowSeconds();
    context.validity = config_.serviceTicketLifetime;
    auto refuse = [&](std::string_view code, std::string message, int status = 200) {
        countValidation("ST", code == "samlp:Responder" ? "INTERNAL_ERROR" : "INVALID_REQUEST");
        return body(status, renderSaml11Failure(code, message, context), "text/xml; charset=utf-8");
    };

    bool repeated = false;
    auto target = request.param("TARGET", &repeated);
    auto renew = request.param("renew");
    if (target) context.recipient = *target;
    // §4.2.2: a POST with a SAML 1.x request document.
    if (request.method != "POST") co_return refuse("samlp:Requester", "samlValidate needs a POST");
    if (repeated || !target || target->empty())
        co_return refuse("samlp:Requester", "The TARGET parameter is required");
    auto doc = xml::XmlDocument::parse(request.body, 64 * 1024);
    if (!doc)
        co_return refuse("samlp:Requester", "The request is not an acceptable SAML 1.1 document");
    constexpr std::string_view soap = "http://schemas.xmlsoap.org/soap/envelope/";
    constexpr std::string_view samlp = "urn:oasis:names:tc:SAML:1.0:protocol";
    auto root = doc->root();
    std::optional<xml::XmlElement> samlRequest;
    if (root.is(soap, "Envelope"))
        if (auto soapBody = root.child(soap, "Body"))
            samlRequest = soapBody->child(samlp, "Request");
    std::optional<xml::XmlElement> artifact;
    if (samlRequest) artifact = samlRequest->child(samlp, "AssertionArtifact");
    if (!artifact) co_return refuse("samlp:Requester", "No samlp:AssertionArtifact in the request");
    // §4.2.3 makes RequestID required, but mod_auth_cas sends none: echoed when present.
    if (auto id = samlRequest->attribute("RequestID")) context.inResponseTo = *id;

    Validation v;
    v.route = Route::saml;
    v.service = *target;
    v.ticket = artifact->text();
    // Surrounding whitespace is layout, not part of the ticket.
    while (!v.ticket.empty() && std::isspace(static_cast<unsigned char>(v.ticket.back())))
        v.ticket.pop_back();
    while (!v.ticket.empty() && std::isspace(static_cast<unsigned char>(v.ticket.front())))
        v.ticket.erase(0, 1);
    v.renew = flag(renew);
    Outcome outcome = co_await validate(v);
    if (!outcome.success) {
        countValidation("ST", wireCode(outcome.failure.code));
        // As Apereo's Saml10FailureResponseView: RequestDenied with the description.
        bool internal = outcome.failure.code == Errc::internal_error;
        co_return body(outcome.failure.status,
                       renderSaml11Failure(internal ? "samlp:Responder" : "samlp:RequestDenied",
                                           outcome.failure.description, context),
                       "text/xml; charset=utf-8");
    }
    // Attributes are released as for the other validations, whatever the TARGET's scheme. §4.2.1
    // forbids releasing them "to a non-SSL site", but they travel in this answer, on Sesame's own
    // https back channel, never through the TARGET; withholding them left phpCAS in SAML 1.1
    // mode (common in PHP school software on http://) with the user and nothing else.
    countValidation("ST", "success");
    co_return body(200, renderSaml11Success(*outcome.success, context), "text/xml; charset=utf-8");
}

}  // namespace sesame::cas
