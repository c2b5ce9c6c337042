// Every CAS route as a client or a service can call it before any authentication: /login,
// /logout, /validate, /serviceValidate, /proxyValidate, /p3/*, /proxy and /samlValidate (with
// its SOAP body), through cas::CasEndpoint::handle with a store that holds one live service
// ticket, one proxy ticket and one proxy-granting ticket (so that the success paths, the
// pgtUrl callback and the SAML 1.1 reply are reached too), and the service registry parsed from
// YAML as etc/services/ gives it.
// Input: the request target ("/cas/serviceValidate?service=...&ticket=...") on the first line,
// the body (a form, or a samlValidate SOAP document) after it; a body makes it a POST.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/config/yaml_file.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/session/memory_session_store.hpp"
#include "gateway/xml/xml_document.hpp"
#include "policies/policy.hpp"
#include "protocols/cas/cas_endpoint.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;
namespace asio = boost::asio;

namespace {

// The ids the corpus uses: real-looking tickets (prefix and 43 characters of [A-Za-z0-9]).
constexpr std::string_view serviceTicket = "ST-fuzzServiceTicket000000000000000000000000000";
constexpr std::string_view proxyTicket = "PT-fuzzProxyTicket00000000000000000000000000000";
constexpr std::string_view proxyGrantingTicket =
    "PGT-fuzzProxyGrantingTicket0000000000000000000000";
constexpr std::string_view app = "https://app.example.org/home";

constexpr std::string_view registryYaml = R"(services:
  - id: app
    name: App
    protocol: cas
    url_pattern: '^https://app\.example\.org(/.*)?$'
    proxy_callback_pattern: '^https://app\.example\.org/proxy(\?.*)?$'
    release:
      uid: login
      mail: email
  - id: backend
    name: Backend
    protocol: cas
    url_pattern: '^https://backend\.example\.org(/.*)?$'
  - id: legacy
    name: Legacy
    protocol: cas
    url_pattern: '^http://legacy\.example\.org(/.*)?$'
)";

const policies::ServiceRegistry& registry() {
    static const policies::ServiceRegistry services = [] {
        core::ConfigErrors errors;
        auto file = config::loadYamlString(std::string(registryYaml), "fuzz-services.yml", errors);
        FUZZ_CHECK(file.has_value());
        auto habilitation = policies::HabilitationRules::defaults();
        auto parsed = policies::ServiceRegistry::parse({*file}, habilitation.ladder(),
                                                       habilitation.assurance(),
                                                       {cas::casServiceSchema()}, errors);
        FUZZ_CHECK(errors.empty());
        return parsed;
    }();
    return services;
}

// The pgtUrl callback answers 200 without leaving the process.
class AnsweringBackChannel final : public core::BackChannel {
  public:
    asio::awaitable<Result<core::OutboundResponse>> send(core::OutboundRequest) override {
        co_return core::OutboundResponse{200, "ok"};
    }
};

cas::TicketGrant grantFor(std::string service, std::int64_t now) {
    cas::TicketGrant g;
    g.service = std::move(service);
    g.serviceId = "app";
    g.sessionId = "session-1";
    g.user = "prof.herriot";
    g.attributes.set("mail", {"prof.herriot@example.org"});
    g.attributes.set("ENTPersonProfils", {"National_ENS", "National_DOC"});
    g.freshLogin = true;
    g.authTime = now;
    g.authMethod = "password";
    g.issuedAt = now;
    return g;
}

asio::awaitable<void> seed(session::SessionStore& store, std::int64_t now) {
    core::Session session;
    session.id = "session-1";
    session.identity.login = "prof.herriot";
    session.createdAt = session.lastSeenAt = now;
    co_await store.createSession(session);
    auto proxied = grantFor(std::string(app), now);
    proxied.proxies = {"https://app.example.org/proxy"};
    co_await store.putArtefact(cas::serviceTickets, std::string(serviceTicket),
                               cas::serialize(grantFor(std::string(app), now)),
                               std::chrono::seconds(60));
    co_await store.putArtefact(cas::proxyTickets, std::string(proxyTicket), cas::serialize(proxied),
                               std::chrono::seconds(60));
    co_await store.putArtefact(cas::proxyGrantingTickets, std::string(proxyGrantingTicket),
                               cas::serialize(proxied), std::chrono::seconds(3600));
}

// Runs one coroutine to its end; an exception out of a handler is a finding.
void runToEnd(asio::io_context& io, asio::awaitable<void> task) {
    asio::co_spawn(io, std::move(task), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.restart();
    io.run();
}

asio::awaitable<void> handle(cas::CasEndpoint& endpoint, const core::HttpRequest& request,
                             std::optional<core::EndpointReply>& reply) {
    reply = co_await endpoint.handle(request, std::nullopt);
}

bool registered(const std::string& url) {
    return registry().find("cas", url) != nullptr;
}

// A redirect goes to a registered service, or to one with the ticket appended (CAS 3.0 §2.2.4:
// "https://app.example.org" is registered, "https://app.example.org?ticket=ST-..." follows).
bool registeredRedirect(const std::string& location) {
    if (registered(location)) return true;
    auto ticket = location.rfind("ticket=");
    if (ticket == std::string::npos || ticket == 0) return false;
    char separator = location[ticket - 1];
    return (separator == '?' || separator == '&') && registered(location.substr(0, ticket - 1));
}

void checkResponse(const core::HttpResponse& response) {
    FUZZ_CHECK(response.status >= 200 && response.status <= 599);
    // A redirect only ever goes to a registered service.
    if (auto location = core::findParameter(response.headers, "Location"))
        FUZZ_CHECK(registeredRedirect(*location));
    // Whatever the request reflects into a reply (a service, a ticket, a TARGET), the reply
    // stays a document its client can parse.
    auto type = core::findParameter(response.headers, "Content-Type").value_or("");
    if (type.find("xml") != std::string::npos)
        FUZZ_CHECK(xml::XmlDocument::parse(response.body, 1 << 20).has_value());
    if (type.find("json") != std::string::npos) {
        boost::system::error_code ec;
        boost::json::parse(response.body, ec);
        FUZZ_CHECK(!ec);
    }
}

// What the app does after /login: the person logs in and the flow resumes with a session.
asio::awaitable<void> resumeLoggedIn(cas::CasEndpoint& endpoint, const core::FlowState& flow) {
    core::Session session;
    session.id = "session-1";
    session.identity.login = "prof.herriot";
    core::Release release;
    release.user = "prof.herriot";
    release.attributes.set("mail", {"prof.herriot@example.org"});
    auto resumed = co_await endpoint.resume(flow, session, release, true);
    if (resumed) checkResponse(*resumed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = (core::setMinimumLogLevel(core::LogLevel::error), true);
    (void)quiet;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto newline = text.find('\n');
    std::string_view target = text.substr(0, newline);
    std::string_view bodyText =
        newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

    core::HttpRequest request;
    auto question = target.find('?');
    auto path = core::urlDecode(target.substr(0, question), false);
    if (!path) return 0;
    request.path = std::move(*path);
    request.rawTarget = std::string(target);
    if (question != std::string_view::npos) {
        auto query = core::parseForm(target.substr(question + 1));
        if (!query) return 0;
        request.query = std::move(*query);
    }
    request.method = bodyText.empty() ? "GET" : "POST";
    request.body = std::string(bodyText);
    if (!bodyText.empty() && !bodyText.starts_with('<'))
        if (auto form = core::parseForm(bodyText)) request.form = std::move(*form);
    request.host = "sesame.example.org";
    request.clientAddress = "192.0.2.1";

    core::ManualClock clock;
    session::MemorySessionStore store(clock);
    AnsweringBackChannel backChannel;
    cas::CasConfig config;
    config.publicUrl = "https://sesame.example.org";
    cas::CasEndpoint endpoint(
        config,
        [](const std::string& protocol, const std::string& url) {
            return registry().find(protocol, url);
        },
        store, backChannel, clock);

    asio::io_context io;
    runToEnd(io, seed(store, clock.nowSeconds()));
    std::optional<core::EndpointReply> reply;
    runToEnd(io, handle(endpoint, request, reply));
    FUZZ_CHECK(reply.has_value());
    if (auto* response = std::get_if<core::HttpResponse>(&*reply)) checkResponse(*response);
    if (auto* logout = std::get_if<core::LogoutRequested>(&*reply))
        FUZZ_CHECK(logout->redirectTo.empty() || registered(logout->redirectTo));
    if (auto* needs = std::get_if<core::NeedsAuthentication>(&*reply)) {
        // No session and gateway=true (resumeUnauthenticated), or a login (resume).
        checkResponse(endpoint.resumeUnauthenticated(needs->flow));
        runToEnd(io, resumeLoggedIn(endpoint, needs->flow));
    }
    return 0;
}
