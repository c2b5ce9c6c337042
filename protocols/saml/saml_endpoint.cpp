#include "protocols/saml/saml_endpoint.hpp"


#include <boost/json.hpp>
#include <variant>

#include "gateway/core/digest.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/random.hpp"
#include "gateway/xml/base64.hpp"
#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/saml_error.hpp"
#include "gateway/xml/saml_idp_metadata.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_reader.hpp"
#include "gateway/xml/saml_soap.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "protocols/saml/authn_context.hpp"
#include "protocols/saml/name_id.hpp"

namespace sesame::saml {
namespace {

using boost::asio::awaitable;
using core::HttpRequest;
using core::HttpResponse;
namespace names = xml::saml;
const core::Logger log{"saml"};

// A bounced cross-site POST waits this long for the browser to come back (one redirect).
constexpr std::chrono::seconds bounceLifetime{60};
// The largest SAML message read: an AuthnRequest or LogoutRequest is a few kB.
constexpr std::size_t maxMessageBytes = 64 * 1024;

std::string param(const core::FlowState& flow, std::string_view name) {
    return core::findParameter(flow.params, name).value_or(std::string{});
}

std::optional<std::string> optionalParam(const core::FlowState& flow, std::string_view name) {
    return core::findParameter(flow.params, name);
}

std::string_view comparisonName(names::AuthnContextComparison c) {
    using C = names::AuthnContextComparison;
    switch (c) {
        case C::exact:
            return "exact";
        case C::minimum:
            return "minimum";
        case C::maximum:
            return "maximum";
        case C::better:
            return "better";
    }
    return "exact";
}

names::AuthnContextComparison comparisonFrom(std::string_view name) {
    using C = names::AuthnContextComparison;
    if (name == "minimum") return C::minimum;
    if (name == "maximum") return C::maximum;
    if (name == "better") return C::better;
    return C::exact;
}

// The SP endpoint of `binding` in a list read from its metadata; null when it has none.
template <class Endpoint>
const Endpoint* endpointOf(const std::vector<Endpoint>& endpoints, std::string_view binding) {
    for (const auto& e : endpoints)
        if (e.binding == binding) return &e;
    return nullptr;
}

std::string withQuery(const std::string& url, const std::string& query) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

// The key a request ID is remembered under: a digest of the SP and the ID, so that the key
// stays short and free of ':' whatever an SP puts in its entityID (docs/operations.md).
std::string replayKey(std::string_view issuer, std::string_view id) {
    std::string both(issuer);
    both.push_back('\0');
    both.append(id);
    return core::base64UrlEncode(core::sha256(both));
}

// How long a request ID is remembered: longer, by a second, than a request can be accepted
// (IssueInstant up to skew in the future, then requestLifetime + skew old; times are whole
// seconds), so that no copy is accepted after its ID is forgotten.
std::chrono::seconds replayMemory(const SamlConfig& config) {
    return config.requestLifetime + 2 * config.clockSkew + std::chrono::seconds(1);
}

// Bounds on what an SP sends before anybody is authenticated: an entityID (as metadata readers
// bound it) and a RelayState (bindings §3.4.3 says 80 bytes; SPs that put a return URL there,
// as mod_auth_mellon does, are allowed more).
constexpr std::size_t maxEntityIdLength = 1024;
constexpr std::size_t maxRelayStateLength = 1024;
// Cross-site POSTs bounced per client address and minute (each keeps a Redis key for a minute).
constexpr std::int64_t maxBouncesPerMinute = 60;

// The ACS of `location` that takes HTTP-POST (the same Location may be listed for several
// bindings), or the SP's default one when none is named, else its first HTTP-POST one.
const xml::IndexedEndpoint* postConsumer(const xml::ServiceProvider& sp,
                                         std::optional<std::string_view> location) {
    const xml::IndexedEndpoint* first = nullptr;
    for (const auto& acs : sp.assertionConsumerServices) {
        if (acs.binding != names::binding::httpPost) continue;
        if (location && acs.location == *location) return &acs;
        if (!first) first = &acs;
    }
    if (location) return nullptr;
    const auto* byDefault = sp.defaultAssertionConsumerService();
    return byDefault && byDefault->binding == names::binding::httpPost ? byDefault : first;
}

core::UserFacingError pageError(int status, std::string key, std::string detail = {}) {
    return core::UserFacingError{status, std::move(key), std::move(detail)};
}

}  // namespace

struct SamlEndpoint::Received {
    std::variant<xml::ReceivedRedirect, xml::ReceivedPost> message;
    const xml::XmlDocument& document() const {
        return std::visit([](const auto& m) -> const xml::XmlDocument& { return m.document; },
                          message);
    }
    const std::optional<std::string>& relayState() const {
        return std::visit(
            [](const auto& m) -> const std::optional<std::string>& { return m.relayState; },
            message);
    }
    bool isSigned() const {
        if (auto* r = std::get_if<xml::ReceivedRedirect>(&message)) return r->isSigned();
        return document().root().child(names::ns::dsig, "Signature").has_value();
    }
};

SamlEndpoint::SamlEndpoint(SamlConfig config, policies::ServiceLookup services,
                           policies::Ladder assurance, session::SessionStore& store,
                           core::Clock& clock, core::SesameMetrics* metrics)
    : config_(std::move(config)),
      services_(std::move(services)),
      assurance_(std::move(assurance)),
      store_(store),
      clock_(clock),
      metrics_(metrics) {}

std::vector<std::string> SamlEndpoint::routeNames() {
    return {"/metadata", "/sso", "/init", "/slo"};
}

awaitable<core::EndpointReply> SamlEndpoint::handle(const HttpRequest& request,
                                                    const std::optional<core::Session>& session) {
    const std::string_view path = std::string_view(request.path).substr(basePath().size());
    if (path == "/metadata") co_return metadata();
    if (path == "/sso") co_return co_await singleSignOn(request, session);
    if (path == "/init") co_return co_await idpInitiated(request);
    if (path == "/slo") co_return co_await singleLogout(request, session);
    co_return pageError(404, "error.not_found");
}

// ---- Metadata --------------------------------------------------------------------------------

HttpResponse SamlEndpoint::metadata() {
    // Written again (and signed) once half its validity has passed, so that an SP refreshing its
    // copy is never handed one past its validUntil; the workers share the endpoint.
    const std::lock_guard lock(metadataMutex_);
    const auto now = clock_.nowSeconds();
    if (metadata_.empty() || now >= metadataBuiltAt_ + config_.metadataValidity.count() / 2) {
        metadataBuiltAt_ = now;
        names::IdpMetadata m;
        m.id = names::newMessageId();
        m.entityId = config_.entityId;
        m.wantAuthnRequestsSigned = config_.wantAuthnRequestsSigned;
        if (config_.signingKey)
            m.signingCertificates.push_back(config_.signingKey->certificateBase64Der());
        for (const auto& next : config_.nextSigningCertificates)
            m.signingCertificates.push_back(next);
        if (config_.encryptionKey)
            m.encryptionCertificates.push_back(config_.encryptionKey->certificateBase64Der());
        m.nameIdFormats = {
            std::string(names::nameid::persistent), std::string(names::nameid::transient),
            std::string(names::nameid::emailAddress), std::string(names::nameid::unspecified)};
        for (auto binding : {names::binding::httpRedirect, names::binding::httpPost}) {
            m.singleSignOnServices.push_back({std::string(binding), config_.ssoUrl(), {}});
            m.singleLogoutServices.push_back({std::string(binding), config_.sloUrl(), {}});
        }
        m.validUntil = now + config_.metadataValidity.count();
        m.cacheDurationSeconds = 86400;
        metadata_ = names::writeIdpMetadata(m);
        if (config_.signMetadata && config_.signingKey) {
            auto doc = xml::XmlDocument::parse(metadata_, 1024 * 1024);
            if (doc && xml::signEnveloped(*doc, doc->root(), *config_.signingKey))
                metadata_ = doc->toString();
            else
                log.error("metadata_not_signed", {});
        }
    }
    return HttpResponse::text(200, metadata_, "application/samlmetadata+xml");
}

// ---- Receiving -------------------------------------------------------------------------------

std::optional<SamlEndpoint::Peer> SamlEndpoint::findPeer(const std::string& entityId) const {
    if (entityId.empty()) return std::nullopt;
    const policies::Service* service = services_("saml", entityId);
    if (!service) return std::nullopt;
    const auto* settings = service->settingsAs<SamlServiceSettings>();
    auto catalog = settings ? settings->providers() : nullptr;
    if (!catalog) return std::nullopt;
    const auto* sp = catalog->find(entityId);
    if (!sp) return std::nullopt;
    return Peer{service, settings, sp, std::move(catalog)};
}

// The SP of a saved flow, again: the registry or its metadata may have been reloaded while the
// person was away, and an ACS no longer listed gets no message at all.
std::optional<SamlEndpoint::Peer> SamlEndpoint::peerOf(const core::FlowState& flow) const {
    auto peer = findPeer(flow.service);
    if (!peer || !peer->metadata->assertionConsumerServiceByLocation(param(flow, "acs")))
        return std::nullopt;
    return peer;
}

bool SamlEndpoint::signatureRequired(const Peer& peer) const {
    return config_.wantAuthnRequestsSigned || peer.metadata->authnRequestsSigned ||
           peer.settings->requireSignedRequests;
}

Result<void> SamlEndpoint::verify(const Received& message, const Peer& peer) const {
    auto trusted = peerCertificates_.signing(peer.metadata->certificates(xml::KeyUse::signing));
    if (auto* redirect = std::get_if<xml::ReceivedRedirect>(&message.message)) {
        auto verified = xml::verifyRedirect(*redirect, trusted);
        if (!verified) return verified.error();
        return Result<void>{};
    }
    const auto& document = message.document();
    auto verified = xml::verifyEnveloped(document, document.root(), trusted);
    if (!verified) return verified.error();
    return Result<void>{};
}

// A POST from an SP's page is cross-site: the browser keeps the SameSite=Lax session cookie
// from it (RFC 6265bis §5.6.7.1). Rather than weaken the cookie for every request, the message
// is kept for a minute under a random id and the browser is sent back here by a top-level GET,
// which carries Lax cookies: the login then finds the session (docs/saml.md).
awaitable<core::EndpointReply> SamlEndpoint::bounce(const HttpRequest& request) {
    // Only a readable SAML message, bounded, is kept, and only so many per address: an
    // unauthenticated client must not be able to fill Redis.
    auto message = xml::decodePost(request.form, maxMessageBytes);
    if (!message) {
        log.warning("saml_post_unreadable",
                    {{"error", message.error().message()}, {"client", request.clientAddress}});
        co_return pageError(400, "error.saml_request");
    }
    if (message->relayState && message->relayState->size() > maxRelayStateLength)
        co_return pageError(400, "error.saml_request");
    auto count =
        co_await store_.increment("saml-bounce:" + request.clientAddress, std::chrono::seconds(60));
    if (!count) co_return pageError(503, "error.unavailable");
    if (count->count > maxBouncesPerMinute) {
        log.warning("saml_post_throttled", {{"client", request.clientAddress}});
        co_return pageError(429, "error.too_many_requests");
    }
    core::Parameters kept;
    for (const auto& [name, value] : request.form)
        if (name == "SAMLRequest" || name == "SAMLResponse" || name == "RelayState")
            kept.emplace_back(name, value);
    std::string id = core::randomToken(24);
    auto fields = boost::json::serialize(core::parametersToJson(kept));
    auto saved = co_await store_.putArtefact(postedMessages, id, fields, bounceLifetime);
    if (!saved) co_return pageError(503, "error.unavailable");
    auto response = HttpResponse::redirect(request.path + "?continue=" + id, 303);
    response.authenticationPage = true;
    co_return response;
}

awaitable<Result<std::optional<SamlEndpoint::Received>>> SamlEndpoint::receive(
    const HttpRequest& request) {
    using Out = std::optional<Received>;
    if (request.method == "POST") {
        auto post = xml::decodePost(request.form, maxMessageBytes);
        if (!post) co_return post.error();
        co_return Out{Received{std::move(*post)}};
    }
    if (auto continued = request.param("continue")) {
        if (continued->size() > 64) co_return Out{};
        auto fields = co_await store_.takeArtefact(postedMessages, *continued);
        if (!fields) co_return fields.error();
        if (!*fields) co_return Out{};
        boost::system::error_code ec;
        auto value = boost::json::parse(**fields, ec);
        if (ec) co_return Out{};
        auto post = xml::decodePost(core::parametersFromJson(&value), maxMessageBytes);
        if (!post) co_return post.error();
        co_return Out{Received{std::move(*post)}};
    }
    auto query = request.rawTarget.find('?');
    if (query == std::string::npos) co_return Out{};
    auto redirect =
        xml::decodeRedirect(std::string_view(request.rawTarget).substr(query + 1), maxMessageBytes);
    if (!redirect) co_return redirect.error();
    co_return Out{Received{std::move(*redirect)}};
}

// ---- Responses -------------------------------------------------------------------------------

Result<std::string> SamlEndpoint::signedResponse(const Peer& peer,
                                                 const names::Response& response) const {
    if (!config_.signingKey) return core::Errc::unavailable;
    const auto sign = peer.settings->sign;
    const bool hasAssertion = response.assertion.has_value();
    const bool signAssertion =
        hasAssertion && (sign != SignedParts::response || peer.metadata->wantAssertionsSigned);
    const bool signResponse = !hasAssertion || sign != SignedParts::assertion;
    const bool encrypt = hasAssertion && peer.settings->encrypt != Encryption::never &&
                         (peer.settings->encrypt == Encryption::always ||
                          !peer.metadata->certificates(xml::KeyUse::encryption).empty());
    if (encrypt) return encryptedResponse(peer, response, signAssertion, signResponse);
    // Written in exclusive canonical form and signed as written: no tree, no c14n, no xmlsec.
    auto written = names::writeCanonicalResponse(response);
    std::vector<xml::CanonicalElement> signedElements;  // the Assertion first, then the Response
    if (signAssertion) signedElements.push_back(written.elements.front());
    if (signResponse) signedElements.push_back(written.elements.back());
    written.elements = std::move(signedElements);
    return xml::signCanonicalText(std::move(written), *config_.signingKey);
}

// The assertion is signed before it is encrypted, the Response after (its digest covers the
// encrypted assertion): SAML core §6.2. The assertion is signed as signedResponse signs it (the
// canonical text), then the text is parsed: encryption and the Response's signature need the
// tree, and go through xmlsec.
Result<std::string> SamlEndpoint::encryptedResponse(const Peer& peer,
                                                    const names::Response& response,
                                                    bool signAssertion, bool signResponse) const {
    auto written = names::writeCanonicalResponse(response);
    written.elements.pop_back();  // the Response: after encryption
    if (!signAssertion) written.elements.clear();
    auto text = xml::signCanonicalText(std::move(written), *config_.signingKey);
    if (!text) return text.error();
    auto parsed = xml::XmlDocument::parse(*text, text->size() + 1);
    if (!parsed) return parsed.error();
    auto* doc = &*parsed;
    auto encryptionCerts = peer.metadata->certificates(xml::KeyUse::encryption);
    if (encryptionCerts.empty()) return core::Errc::invalid_argument;  // "always", no key
    auto certificate = peerCertificates_.encryption(encryptionCerts.front());
    if (!certificate) return certificate.error();
    auto cipher =
        peer.settings->cipher.value_or(xml::chooseDataCipher(peer.metadata->encryptionMethods()));
    auto current = doc->root().child(names::ns::assertion, "Assertion");
    if (!current) return core::Errc::invalid_argument;
    if (auto e = xml::encryptAssertion(*doc, *current, *certificate, cipher); !e) return e.error();
    if (signResponse) {
        if (auto s = xml::signEnveloped(*doc, doc->root(), *config_.signingKey); !s)
            return s.error();
    }
    return doc->toString();
}

core::FormPost SamlEndpoint::errorResponse(const Peer& peer, const std::string& acs,
                                           const std::string& inResponseTo,
                                           const std::optional<std::string>& relayState,
                                           names::Status status) const {
    log.info("saml_error_response", {{"sp", peer.metadata->entityId},
                                     {"status", status.code},
                                     {"sub_status", status.subCode},
                                     {"message", status.message}});
    auto response =
        names::errorResponse(config_.entityId, acs, inResponseTo, clock_.nowSeconds(), status);
    // An error Response carries no assertion: the Response itself is signed, always (written
    // in canonical form and signed as written, as signedResponse does).
    auto written = names::writeCanonicalResponse(response);
    std::string xmlText = written.text;
    if (config_.signingKey) {
        auto text = xml::signCanonicalText(std::move(written), *config_.signingKey);
        if (text) xmlText = std::move(*text);
    }
    core::FormPost post{acs, {{"SAMLResponse", xml::base64Encode(xmlText)}}};
    if (relayState) post.fields.emplace_back("RelayState", *relayState);
    return post;
}

// ---- Single sign-on --------------------------------------------------------------------------

awaitable<core::EndpointReply> SamlEndpoint::singleSignOn(
    const HttpRequest& request, const std::optional<core::Session>& session) {
    if (request.method == "POST" && !session) co_return co_await bounce(request);
    auto received = co_await receive(request);
    if (!received) {
        if (received.error() == core::Errc::unavailable)
            co_return pageError(503, "error.unavailable");
        log.warning("saml_request_unreadable",
                    {{"error", received.error().message()}, {"client", request.clientAddress}});
        co_return pageError(400, "error.saml_request");
    }
    if (!*received) co_return pageError(400, "error.saml_request");
    const Received& message = **received;
    auto authn = names::readAuthnRequest(message.document().root());
    if (!authn) {
        // Nothing in it can be trusted, not even where to send an error: a page (§3.4.1.1 lets
        // the IdP refuse a request it cannot process).
        log.warning("saml_authn_request_refused",
                    {{"error", authn.error().message()}, {"client", request.clientAddress}});
        co_return pageError(400, "error.saml_request");
    }
    // Bounded before it is looked up, logged or shown: a 150-byte deflated request can carry a
    // 64 kB Issuer.
    if (authn->issuer.size() > maxEntityIdLength ||
        (message.relayState() && message.relayState()->size() > maxRelayStateLength)) {
        log.warning("saml_authn_request_oversized", {{"client", request.clientAddress}});
        co_return pageError(400, "error.saml_request");
    }
    auto peer = findPeer(authn->issuer);
    if (!peer) {
        log.warning("saml_unknown_sp", {{"sp", authn->issuer}, {"client", request.clientAddress}});
        co_return pageError(400, "error.saml_unknown_sp", authn->issuer);
    }
    // The ACS: by index, by URL, or the default; only one the metadata lists, with HTTP-POST
    // (the binding Sesame answers with). Anything else gets a page and no SAML message at all:
    // never a message to an address the SP did not register (profiles §4.1.4.1).
    const xml::IndexedEndpoint* acs = nullptr;
    if (authn->assertionConsumerServiceIndex)
        acs =
            peer->metadata->assertionConsumerServiceByIndex(*authn->assertionConsumerServiceIndex);
    else if (!authn->assertionConsumerServiceUrl.empty())
        acs = postConsumer(*peer->metadata, authn->assertionConsumerServiceUrl);
    else
        acs = postConsumer(*peer->metadata, std::nullopt);
    if (!acs || acs->binding != names::binding::httpPost ||
        (!authn->protocolBinding.empty() && authn->protocolBinding != names::binding::httpPost)) {
        log.warning("saml_acs_refused",
                    {{"sp", authn->issuer}, {"acs", authn->assertionConsumerServiceUrl}});
        co_return pageError(400, "error.saml_acs_unknown",
                            authn->assertionConsumerServiceUrl.empty()
                                ? authn->issuer
                                : authn->assertionConsumerServiceUrl);
    }
    const std::string acsUrl = acs->location;
    auto refuse = [&](std::string_view code, std::string_view subCode, std::string text) {
        return core::renderAutoPost(
            errorResponse(*peer, acsUrl, authn->id, message.relayState(),
                          names::Status{std::string(code), std::string(subCode), std::move(text)}),
            session ? session->language : "fr");
    };
    using namespace names::status;
    if (message.isSigned()) {
        if (auto v = verify(message, *peer); !v) {
            log.warning("saml_signature_refused",
                        {{"sp", authn->issuer}, {"error", v.error().message()}});
            co_return refuse(requester, requestDenied, "The request's signature is not valid");
        }
    } else if (signatureRequired(*peer)) {
        log.warning("saml_signature_missing", {{"sp", authn->issuer}});
        co_return refuse(requester, requestDenied, "The request must be signed");
    }
    // Bindings §3.4.5.2, §3.5.5.2: a signed message says where it was sent, and it is here.
    if ((message.isSigned() || !authn->destination.empty()) &&
        authn->destination != config_.ssoUrl())
        co_return refuse(requester, requestDenied, "Wrong Destination");
    const auto now = clock_.nowSeconds();
    const auto skew = config_.clockSkew.count();
    if (authn->issueInstant > now + skew ||
        authn->issueInstant + config_.requestLifetime.count() + skew < now)
        co_return refuse(requester, requestDenied, "The request has expired");
    // Each request is accepted once: a copy replayed (by the browser's history or an attacker
    // holding it) is refused while the original could still be fresh.
    auto first = co_await store_.rememberOnce(requestIds, replayKey(authn->issuer, authn->id),
                                              replayMemory(config_));
    if (!first) co_return pageError(503, "error.unavailable");
    if (!*first) {
        log.warning("saml_request_replayed",
                    {{"sp", authn->issuer}, {"client", request.clientAddress}});
        co_return refuse(requester, requestDenied, "The request was already used");
    }
    // NameIDPolicy (core §3.4.1.1): a format the service may receive, else InvalidNameIDPolicy.
    // A Subject the SP names (§3.4.1.4) says the format when the policy does not.
    const auto& formats = peer->settings->nameIdFormats;
    std::string format = formats.empty() ? std::string(names::nameid::transient) : formats.front();
    std::string asked = authn->nameIdPolicy ? authn->nameIdPolicy->format : std::string{};
    if ((asked.empty() || asked == names::nameid::unspecified) && authn->subject)
        asked = authn->subject->format;
    if (!asked.empty() && asked != names::nameid::unspecified) {
        format = asked;
        if (std::find(formats.begin(), formats.end(), format) == formats.end())
            co_return refuse(requester, invalidNameIdPolicy, "NameID format not allowed");
    }
    // core §3.4.1: IsPassive forbids taking control of the browser, which a forced login needs
    // (the login flow would let the forced login win, as CAS's renew does over gateway).
    if (authn->isPassive && authn->forceAuthn)
        co_return refuse(responder, noPassive, "A fresh login cannot be passive");
    core::FlowState flow;
    flow.protocol = "saml";
    flow.serviceId = peer->service->id;
    flow.service = authn->issuer;
    flow.forceAuthentication = authn->forceAuthn;
    flow.passive = authn->isPassive;
    if (const auto& requested = authn->requestedAuthnContext) {
        auto required = requiredAssurance(*requested, assurance_);
        if (!required)
            co_return refuse(responder, noAuthnContext, "No such authentication context");
        flow.authnContexts = requested->classRefs;
        flow.authnComparison = std::string(comparisonName(requested->comparison));
        flow.minimumAssurance = *required;
    }
    flow.params = {{"id", authn->id}, {"acs", acsUrl}, {"format", format}};
    if (message.relayState()) flow.params.emplace_back("relay", *message.relayState());
    if (authn->subject) flow.params.emplace_back("subject", authn->subject->value);
    co_return core::NeedsAuthentication{std::move(flow)};
}

awaitable<core::EndpointReply> SamlEndpoint::idpInitiated(const HttpRequest& request) {
    bool repeated = false;
    auto providerId = request.param("providerId", &repeated);
    if (!providerId || repeated) co_return pageError(400, "error.invalid_request");
    auto peer = findPeer(*providerId);
    if (!peer) co_return pageError(400, "error.saml_unknown_sp", *providerId);
    if (!peer->settings->idpInitiated)
        co_return pageError(403, "error.saml_unsolicited", *providerId);
    const auto* acs = postConsumer(*peer->metadata, std::nullopt);
    if (!acs) co_return pageError(400, "error.saml_acs_unknown", *providerId);
    core::FlowState flow;
    flow.protocol = "saml";
    flow.serviceId = peer->service->id;
    flow.service = *providerId;
    const auto& formats = peer->settings->nameIdFormats;
    flow.params = {
        {"id", ""},
        {"acs", acs->location},
        {"format", formats.empty() ? std::string(names::nameid::transient) : formats.front()}};
    if (auto relay = request.param("RelayState"); relay && relay->size() <= 80)
        flow.params.emplace_back("relay", *relay);
    co_return core::NeedsAuthentication{std::move(flow)};
}

awaitable<Result<HttpResponse>> SamlEndpoint::resume(const core::FlowState& flow,
                                                     const core::Session& session,
                                                     const core::Release& release,
                                                     bool freshLogin) {
    (void)freshLogin;
    auto peer = peerOf(flow);
    if (!peer) co_return HttpResponse::text(400, "Unknown service provider\n");
    const std::string acs = param(flow, "acs");
    const std::string inResponseTo = param(flow, "id");
    const auto relay = optionalParam(flow, "relay");
    auto refuse = [&](std::string_view code, std::string_view subCode, std::string text) {
        return core::renderAutoPost(
            errorResponse(*peer, acs, inResponseTo, relay,
                          names::Status{std::string(code), std::string(subCode), std::move(text)}),
            session.language);
    };
    if (!flow.authnContexts.empty()) {
        names::RequestedAuthnContext requested{comparisonFrom(flow.authnComparison),
                                               flow.authnContexts};
        if (!satisfies(session.identity, requested, assurance_))
            co_return refuse(names::status::responder, names::status::noAuthnContext,
                             "The login does not match the requested context");
    }
    NameIdContext context{config_.entityId, flow.service, config_.nameIdSecret};
    auto nameId = nameIdFor(param(flow, "format"), context, session.identity, release);
    if (!nameId)
        co_return refuse(names::status::requester, names::status::invalidNameIdPolicy,
                         "No identifier of the requested format for this person");
    // One visit per SP and NameID format in a session: a second login to the same SP keeps its
    // SessionIndex (and transient NameID), so that an SP logging in again and again cannot push
    // the other services out of the session's bounded visit list (single logout must reach them).
    std::optional<core::ServiceVisit> previous;
    if (peer->service->singleLogout) {
        auto visits = co_await store_.visits(session.id);
        if (!visits) co_return visits.error();
        for (auto& v : *visits)
            if (v.protocol == protocol() && v.service == flow.service &&
                core::findParameter(v.details, "format") == nameId->format)
                previous = std::move(v);
    }
    if (previous && nameId->format == names::nameid::transient)
        nameId->value = core::findParameter(previous->details, "nameid").value_or(nameId->value);
    // core §3.4.1.4: an SP that named the subject gets an assertion about that subject or none
    // (another person may be logged in in this browser).
    if (auto subject = optionalParam(flow, "subject"); subject && *subject != nameId->value)
        co_return refuse(names::status::responder, names::status::authnFailed,
                         "The person logged in is not the subject of the request");

    names::BearerTerms terms;
    terms.idpEntityId = config_.entityId;
    terms.spEntityId = flow.service;
    terms.acsUrl = acs;
    terms.inResponseTo = inResponseTo;
    terms.nameId = *nameId;
    terms.authn.authnInstant = session.identity.authTime;
    terms.authn.sessionIndex = previous ? previous->sessionIndex : "_" + core::randomToken(20);
    terms.authn.classRef = classRefFor(session.identity);
    for (const auto& [name, values] : release.attributes.all())
        terms.attributes.push_back({name, peer->settings->attributeNameFormat, "", values});
    if (peer->settings->subjectIdAttribute)
        terms.attributes.push_back({"urn:oasis:names:tc:SAML:attribute:subject-id",
                                    std::string(names::attrname::uri),
                                    "subject-id",
                                    {subjectId(context, session.identity, config_.scope)}});
    if (peer->settings->pairwiseIdAttribute)
        terms.attributes.push_back({"urn:oasis:names:tc:SAML:attribute:pairwise-id",
                                    std::string(names::attrname::uri),
                                    "pairwise-id",
                                    {pairwiseId(context, session.identity, config_.scope)}});
    terms.now = clock_.nowSeconds();
    terms.skewSeconds = config_.clockSkew.count();
    terms.lifetimeSeconds = config_.assertionLifetime.count();
    auto signedXml = signedResponse(*peer, names::bearerResponse(terms));
    if (!signedXml) {
        log.error("saml_response_failed",
                  {{"sp", flow.service}, {"error", signedXml.error().message()}});
        co_return signedXml.error();
    }
    // Single logout will name this login to the SP by its NameID and SessionIndex.
    if (peer->service->singleLogout && !previous) {
        core::ServiceVisit visit{"saml",
                                 peer->service->id,
                                 flow.service,
                                 terms.authn.sessionIndex,
                                 "",
                                 {{"nameid", nameId->value},
                                  {"format", nameId->format},
                                  {"nq", nameId->nameQualifier},
                                  {"spnq", nameId->spNameQualifier}}};
        auto added = co_await store_.addVisit(session.id, visit);
        if (!added) co_return added.error();
    }
    log.info("saml_assertion", {{"sp", flow.service}, {"format", nameId->format}});
    core::FormPost post{acs, {{"SAMLResponse", xml::base64Encode(*signedXml)}}};
    if (relay) post.fields.emplace_back("RelayState", *relay);
    co_return core::renderAutoPost(post, session.language);
}

HttpResponse SamlEndpoint::resumeUnauthenticated(const core::FlowState& flow) {
    auto peer = peerOf(flow);
    if (!peer) return HttpResponse::text(400, "Unknown service provider\n");
    return core::renderAutoPost(
        errorResponse(*peer, param(flow, "acs"), param(flow, "id"), optionalParam(flow, "relay"),
                      names::Status{std::string(names::status::responder),
                                    std::string(names::status::noPassive),
                                    "The person would have to log in"}),
        "fr");
}

std::optional<core::FormPost> SamlEndpoint::refusal(const core::FlowState& flow) {
    auto peer = peerOf(flow);
    if (!peer) return std::nullopt;
    return errorResponse(*peer, param(flow, "acs"), param(flow, "id"), optionalParam(flow, "relay"),
                         names::Status{std::string(names::status::requester),
                                       std::string(names::status::requestDenied),
                                       "Access refused by the policy of the ENT"});
}

// ---- Single logout ---------------------------------------------------------------------------

std::optional<core::FormPost> SamlEndpoint::logoutRequestTo(const Peer& peer,
                                                            const core::ServiceVisit& visit,
                                                            bool frontChannel) const {
    if (!config_.signingKey) return std::nullopt;
    const auto& slo = peer.metadata->singleLogoutServices;
    const auto* endpoint =
        endpointOf(slo, frontChannel ? names::binding::httpRedirect : names::binding::soap);
    if (!endpoint) return std::nullopt;
    names::LogoutRequest request;
    request.id = names::newMessageId();
    request.issueInstant = clock_.nowSeconds();
    request.destination = endpoint->location;
    request.issuer = config_.entityId;
    request.notOnOrAfter = request.issueInstant + config_.assertionLifetime.count();
    request.nameId.value = core::findParameter(visit.details, "nameid").value_or("");
    request.nameId.format = core::findParameter(visit.details, "format").value_or("");
    request.nameId.nameQualifier = core::findParameter(visit.details, "nq").value_or("");
    request.nameId.spNameQualifier = core::findParameter(visit.details, "spnq").value_or("");
    if (request.nameId.value.empty()) return std::nullopt;
    request.sessionIndexes.push_back(visit.sessionIndex);
    request.reason = std::string(names::reason::user);
    const std::string text = names::writeLogoutRequest(request);
    if (frontChannel) {
        auto query = xml::encodeSignedRedirect(xml::SamlMessageKind::request, text, std::nullopt,
                                               *config_.signingKey);
        if (!query) return std::nullopt;
        return core::FormPost{withQuery(endpoint->location, *query), {}};
    }
    auto doc = xml::XmlDocument::parse(text, 256 * 1024);
    if (!doc || !xml::signEnveloped(*doc, doc->root(), *config_.signingKey)) return std::nullopt;
    return core::FormPost{endpoint->location,
                          {{"soap", names::wrapInSoapEnvelope(doc->toString())}}};
}

std::vector<core::BackChannelMessage> SamlEndpoint::logoutMessages(
    const std::vector<core::ServiceVisit>& visits) {
    std::vector<core::BackChannelMessage> out;
    for (const auto& visit : visits) {
        if (visit.protocol != "saml") continue;
        auto peer = findPeer(visit.service);
        if (!peer) continue;
        if (auto soap = logoutRequestTo(*peer, visit, false))
            out.push_back({soap->action, "text/xml; charset=utf-8", soap->fields.front().second,
                           std::string(names::soapAction), visit.service});
    }
    return out;
}

std::vector<core::FrontChannelMessage> SamlEndpoint::frontChannelLogout(
    const std::vector<core::ServiceVisit>& visits) {
    std::vector<core::FrontChannelMessage> out;
    for (const auto& visit : visits) {
        if (visit.protocol != "saml") continue;
        auto peer = findPeer(visit.service);
        // An SP with a SOAP endpoint was told on the back channel.
        if (!peer || endpointOf(peer->metadata->singleLogoutServices, names::binding::soap))
            continue;
        if (auto redirect = logoutRequestTo(*peer, visit, true))
            out.push_back({redirect->action});
        else
            log.warning("saml_logout_unreachable", {{"sp", visit.service}});
    }
    return out;
}

std::optional<core::FormPost> SamlEndpoint::completeLogout(const core::FlowState& initiator) {
    return logoutResponse(initiator, names::Status{std::string(names::status::success), "", ""});
}

std::optional<core::FormPost> SamlEndpoint::logoutResponse(const core::FlowState& initiator,
                                                           names::Status status) const {
    auto peer = findPeer(initiator.service);
    if (!peer || !config_.signingKey) return std::nullopt;
    const auto& slo = peer->metadata->singleLogoutServices;
    const auto* redirect = endpointOf(slo, names::binding::httpRedirect);
    const auto* post = endpointOf(slo, names::binding::httpPost);
    const auto* endpoint = redirect ? redirect : post;
    if (!endpoint) return std::nullopt;
    const std::string location =
        endpoint->responseLocation.empty() ? endpoint->location : endpoint->responseLocation;
    names::LogoutResponse response;
    response.id = names::newMessageId();
    response.inResponseTo = param(initiator, "id");
    response.issueInstant = clock_.nowSeconds();
    response.destination = location;
    response.issuer = config_.entityId;
    response.status = std::move(status);
    const std::string text = names::writeLogoutResponse(response);
    const auto relay = optionalParam(initiator, "relay");
    if (redirect) {
        auto query = xml::encodeSignedRedirect(
            xml::SamlMessageKind::response, text,
            relay ? std::optional<std::string_view>(*relay) : std::nullopt, *config_.signingKey);
        if (!query) return std::nullopt;
        return core::FormPost{withQuery(location, *query), {}};
    }
    auto doc = xml::XmlDocument::parse(text, 256 * 1024);
    if (!doc || !xml::signEnveloped(*doc, doc->root(), *config_.signingKey)) return std::nullopt;
    core::FormPost out{location, {{"SAMLResponse", xml::base64Encode(doc->toString())}}};
    if (relay) out.fields.emplace_back("RelayState", *relay);
    return out;
}

// The LogoutResponse to the SP that sent a LogoutRequest, through the browser.
core::EndpointReply SamlEndpoint::answerLogout(const core::FlowState& initiator,
                                               names::Status status,
                                               const std::optional<core::Session>& session) const {
    auto done = logoutResponse(initiator, std::move(status));
    if (!done) return pageError(400, "error.saml_request");
    if (done->fields.empty()) {
        // The LogoutResponse is in the URL: no-store, as every page that carries a SAML message.
        auto redirect = HttpResponse::redirect(done->action, 303);
        redirect.authenticationPage = true;
        return redirect;
    }
    return core::renderAutoPost(*done, session ? session->language : "fr");
}

awaitable<core::EndpointReply> SamlEndpoint::singleLogout(
    const HttpRequest& request, const std::optional<core::Session>& session) {
    if (request.method == "POST" && !session) co_return co_await bounce(request);
    auto received = co_await receive(request);
    if (!received || !*received) {
        log.warning("saml_logout_unreadable",
                    {{"error", received ? std::string("no message") : received.error().message()}});
        co_return pageError(400, "error.saml_request");
    }
    const Received& message = **received;
    const auto root = message.document().root();
    if (root.is(names::ns::protocol, "LogoutResponse")) {
        // The end of a front-channel logout frame: the SP says it is done. Nothing waits on it.
        auto response = names::readLogoutResponse(root);
        log.info("saml_logout_response",
                 {{"sp", response ? response->issuer : std::string{}},
                  {"status", response ? response->status.code : response.error().message()}});
        auto page = HttpResponse::text(200, "ok\n");
        page.authenticationPage = true;
        co_return page;
    }
    auto logout = names::readLogoutRequest(root);
    if (!logout) {
        log.warning("saml_logout_refused", {{"error", logout.error().message()}});
        co_return pageError(400, "error.saml_request");
    }
    if (logout->issuer.size() > maxEntityIdLength ||
        (message.relayState() && message.relayState()->size() > maxRelayStateLength))
        co_return pageError(400, "error.saml_request");
    auto peer = findPeer(logout->issuer);
    if (!peer) co_return pageError(400, "error.saml_unknown_sp", logout->issuer);
    core::FlowState initiator;
    initiator.protocol = "saml";
    initiator.serviceId = peer->service->id;
    initiator.service = logout->issuer;
    initiator.params = {{"id", logout->id}};
    if (message.relayState()) initiator.params.emplace_back("relay", *message.relayState());
    // Profiles §4.4.4.1: a LogoutRequest over a front-channel binding MUST be signed.
    bool valid = message.isSigned() && verify(message, *peer).has_value();
    const auto now = clock_.nowSeconds();
    const auto skew = config_.clockSkew.count();
    // Signed, it says where it was sent (bindings §3.4.5.2, §3.5.5.2).
    if (valid && logout->destination != config_.sloUrl()) valid = false;
    if (valid && logout->notOnOrAfter && *logout->notOnOrAfter + skew < now) valid = false;
    if (valid && logout->issueInstant + config_.requestLifetime.count() + skew < now) valid = false;
    // From the future, it would stay fresh after its ID is forgotten (rememberOnce below): a
    // replay window. Refused as an AuthnRequest from the future is.
    if (valid && logout->issueInstant > now + skew) valid = false;
    // Refused, the SP is told so (core §3.7.3.2) at the SLO endpoint of its metadata; the
    // session is untouched.
    auto denied = [&](std::string why) {
        log.warning("saml_logout_request_refused", {{"sp", logout->issuer}, {"reason", why}});
        return answerLogout(initiator,
                            names::Status{std::string(names::status::requester),
                                          std::string(names::status::requestDenied), why},
                            session);
    };
    if (!valid) co_return denied("The request is not signed by the SP, stale or not for this IdP");
    auto first = co_await store_.rememberOnce(requestIds, replayKey(logout->issuer, logout->id),
                                              replayMemory(config_));
    if (!first) co_return pageError(503, "error.unavailable");
    if (!*first) co_return denied("The request was already used");
    // The session of this browser ends only if it is the one the SP names (its NameID as issued
    // in this session and, when it names some, one of its SessionIndexes: core §3.7.3.2);
    // otherwise the SP is answered and nothing else changes.
    const auto& indexes = logout->sessionIndexes;
    bool known = false;
    if (session) {
        auto visits = co_await store_.visits(session->id);
        if (!visits) co_return pageError(503, "error.unavailable");
        for (const auto& v : *visits)
            if (v.protocol == "saml" && v.service == logout->issuer &&
                core::findParameter(v.details, "nameid") == logout->nameId.value &&
                (indexes.empty() ||
                 std::find(indexes.begin(), indexes.end(), v.sessionIndex) != indexes.end()))
                known = true;
    }
    log.info("saml_logout_request", {{"sp", logout->issuer}, {"matched", known ? "yes" : "no"}});
    if (known) co_return core::LogoutRequested{"", initiator};
    co_return answerLogout(initiator, names::Status{std::string(names::status::success), "", ""},
                           session);
}

}  // namespace sesame::saml
