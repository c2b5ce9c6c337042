#pragma once
// The `saml:` section of etc/sesame.yml (the IdP's own settings and keys) and the SAML keys of
// a service in the registry (where its SPs' metadata is, NameID, signing, encryption), each
// parsed once into an immutable value.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/session/session_store.hpp"
#include "gateway/xml/saml_metadata.hpp"
#include "gateway/xml/xml_encryption.hpp"
#include "gateway/xml/xml_keys.hpp"
#include "policies/policy.hpp"
#include "protocols/saml/metadata_feed.hpp"

namespace sesame::saml {

struct SamlConfig {
    std::string publicUrl;  // server.public_url: endpoints are publicUrl + /saml/...
    std::string entityId;   // default: publicUrl + "/saml/metadata"
    // Generated at first start when the files are absent (key mode 0600), then loaded.
    std::optional<xml::SigningKey> signingKey;
    // Published in the metadata next to the current one before a key rollover (SAML metadata
    // §2.4.1.1), so that SPs that refresh their copy trust it before it signs.
    std::vector<std::string> nextSigningCertificates;  // base64 DER
    // Published for SPs that encrypt what they send to the IdP (an EncryptedID at logout).
    std::optional<xml::SigningKey> encryptionKey;
    // The key of persistent NameIDs (HMAC-SHA256 of the SP and the person): 32 random bytes,
    // generated at first start (mode 0600). Changing it changes every persistent NameID.
    std::string nameIdSecret;
    std::chrono::seconds assertionLifetime{std::chrono::minutes(5)};
    std::chrono::seconds clockSkew{std::chrono::seconds(60)};
    // How old an AuthnRequest or LogoutRequest may be (IssueInstant), and how long its ID is
    // remembered against replay.
    std::chrono::seconds requestLifetime{std::chrono::minutes(5)};
    bool signMetadata = true;
    std::chrono::seconds metadataValidity{std::chrono::hours(24 * 7)};
    bool wantAuthnRequestsSigned = false;  // every SP must sign its AuthnRequests
    // The scope of the subject-id and pairwise-id attributes (SAML V2.0 Subject Identifier
    // Attributes Profile §2.2): the ENT's domain; default, the public URL's host.
    std::string scope;

    std::string ssoUrl() const { return publicUrl + "/saml/sso"; }
    std::string sloUrl() const { return publicUrl + "/saml/slo"; }

    static SamlConfig parse(const core::ConfigNode& section, std::string publicUrl,
                            core::ConfigErrors& errors);
};

// The SPs a service entry names (files of metadata, one SP each or aggregates, and what its
// metadata URL gave), by entityID.
struct SpCatalog {
    std::map<std::string, xml::ServiceProvider, std::less<>> providers;
    std::vector<xml::MetadataError> errors;  // entities skipped, logged at load
    const xml::ServiceProvider* find(std::string_view entityId) const;
};

enum class SignedParts { assertion, response, both };
enum class Encryption { automatic, always, never };

// The SAML keys of a service (etc/services/*.yml, protocol: saml).
struct SamlServiceSettings final : policies::ProtocolSettings {
    std::shared_ptr<const SpCatalog> catalog;  // from `files` and `directory`
    // `metadata: { url: ... }`: refreshed in the background; its catalog includes `catalog`.
    std::shared_ptr<MetadataFeed> feed;
    // The SPs to use now. Keep the pointer while using an SP from it: a refresh may replace it.
    std::shared_ptr<const SpCatalog> providers() const { return feed ? feed->catalog() : catalog; }
    // NameID formats this service may receive (URIs), the first one by default.
    std::vector<std::string> nameIdFormats;
    SignedParts sign = SignedParts::assertion;
    Encryption encrypt = Encryption::automatic;
    std::optional<xml::DataCipher> cipher;  // none: chosen from what the SP advertises
    std::string attributeNameFormat;        // saml::attrname::basic or uri
    bool requireSignedRequests = false;     // even when the SP's metadata does not say so
    bool idpInitiated = false;              // /saml/init may start a login for it
    // urn:oasis:names:tc:SAML:attribute:subject-id / pairwise-id released too (Subject
    // Identifier Attributes Profile): the same person for every SP / for this SP only.
    bool subjectIdAttribute = false;
    bool pairwiseIdAttribute = false;
};
policies::ProtocolSchema samlServiceSchema();
// The metadata feeds of the SAML services of `registry` (refreshFeeds' input).
std::vector<std::shared_ptr<MetadataFeed>> metadataFeeds(const policies::ServiceRegistry& registry);

// The SAML artefacts in the session store (docs/operations.md, "Redis keys").
inline constexpr session::ArtefactKind requestIds{"saml-id"};        // IDs seen, against replay
inline constexpr session::ArtefactKind postedMessages{"saml-post"};  // cross-site POSTs, bounced

}  // namespace sesame::saml
