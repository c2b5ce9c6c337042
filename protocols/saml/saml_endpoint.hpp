#pragma once
// The SAML 2.0 identity provider (base path /saml), as a core::Endpoint: no transport of its
// own; request IDs and bounced POSTs live in the SessionStore, back-channel logout messages and
// front-channel ones are handed back to the app.
//
//   /metadata  the IdP's metadata (signed), with the next signing certificate before a rollover
//   /sso       AuthnRequest over HTTP-Redirect or HTTP-POST -> NeedsAuthentication, then
//              resume() answers the ACS with a signed Response over HTTP-POST
//   /init      IdP-initiated SSO (?providerId=<SP entityID>[&RelayState=...]) for SPs allowed it
//   /slo       LogoutRequest (SP-initiated: LogoutRequested, answered by completeLogout()) or
//              LogoutResponse (the end of a front-channel logout frame)
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "gateway/core/back_channel.hpp"
#include "gateway/core/clock.hpp"
#include "gateway/core/endpoint.hpp"
#include "gateway/core/metrics.hpp"
#include "gateway/session/session_store.hpp"
#include "gateway/xml/saml_message.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "policies/policy.hpp"
#include "protocols/saml/peer_certificates.hpp"
#include "protocols/saml/saml_config.hpp"

namespace sesame::saml {

class SamlEndpoint final : public core::Endpoint {
  public:
    SamlEndpoint(SamlConfig config, policies::ServiceLookup services, policies::Ladder assurance,
                 session::SessionStore& store, core::Clock& clock,
                 core::SesameMetrics* metrics = nullptr);

    std::string_view protocol() const override { return "saml"; }
    std::string_view basePath() const override { return "/saml"; }
    static std::vector<std::string> routeNames();

    boost::asio::awaitable<core::EndpointReply> handle(
        const core::HttpRequest& request, const std::optional<core::Session>& session) override;
    boost::asio::awaitable<Result<core::HttpResponse>> resume(const core::FlowState& flow,
                                                              const core::Session& session,
                                                              const core::Release& release,
                                                              bool freshLogin) override;
    // IsPassive without a session (or a login that does not do): Responder / NoPassive.
    core::HttpResponse resumeUnauthenticated(const core::FlowState& flow) override;
    std::optional<core::FormPost> refusal(const core::FlowState& flow) override;
    std::vector<core::BackChannelMessage> logoutMessages(
        const std::vector<core::ServiceVisit>& visits) override;
    std::vector<core::FrontChannelMessage> frontChannelLogout(
        const std::vector<core::ServiceVisit>& visits) override;
    std::optional<core::FormPost> completeLogout(const core::FlowState& initiator) override;

    const SamlConfig& config() const { return config_; }

  private:
    struct Peer {  // an SP known by metadata and by the registry
        const policies::Service* service = nullptr;
        const SamlServiceSettings* settings = nullptr;
        const xml::ServiceProvider* metadata = nullptr;
        // Keeps `metadata` alive: a metadata refresh may swap the catalog meanwhile.
        std::shared_ptr<const SpCatalog> catalog;
    };
    struct Received;  // a decoded message (either binding)

    boost::asio::awaitable<core::EndpointReply> singleSignOn(
        const core::HttpRequest& request, const std::optional<core::Session>& session);
    boost::asio::awaitable<core::EndpointReply> idpInitiated(const core::HttpRequest& request);
    boost::asio::awaitable<core::EndpointReply> singleLogout(
        const core::HttpRequest& request, const std::optional<core::Session>& session);
    boost::asio::awaitable<core::EndpointReply> bounce(const core::HttpRequest& request);
    boost::asio::awaitable<Result<std::optional<Received>>> receive(
        const core::HttpRequest& request);
    core::HttpResponse metadata();

    std::optional<Peer> findPeer(const std::string& entityId) const;
    std::optional<Peer> peerOf(const core::FlowState& flow) const;
    bool signatureRequired(const Peer& peer) const;
    Result<void> verify(const Received& message, const Peer& peer) const;
    core::FormPost errorResponse(const Peer& peer, const std::string& acs,
                                 const std::string& inResponseTo,
                                 const std::optional<std::string>& relayState,
                                 xml::saml::Status status) const;
    Result<std::string> signedResponse(const Peer& peer, xml::saml::WrittenResponse written) const;
    std::optional<core::FormPost> logoutResponse(const core::FlowState& initiator,
                                                 xml::saml::Status status) const;
    core::EndpointReply answerLogout(const core::FlowState& initiator, xml::saml::Status status,
                                     const std::optional<core::Session>& session) const;
    std::optional<core::FormPost> logoutRequestTo(const Peer& peer, const core::ServiceVisit& visit,
                                                  bool frontChannel) const;

    SamlConfig config_;
    policies::ServiceLookup services_;
    policies::Ladder assurance_;
    session::SessionStore& store_;
    core::Clock& clock_;
    core::SesameMetrics* metrics_;
    std::mutex metadataMutex_;
    std::string metadata_;  // signed, rebuilt when half its validity has passed
    std::int64_t metadataBuiltAt_ = 0;
    mutable PeerCertificates peerCertificates_;  // a cache: parsed on first use, then shared
};

}  // namespace sesame::saml
