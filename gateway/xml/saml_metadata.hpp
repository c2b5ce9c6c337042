#pragma once
// SAML 2.0 metadata (saml-metadata-2.0-os) of service providers, read into plain structs: no DOM
// is kept. One EntityDescriptor or an EntitiesDescriptor aggregate (nested ones too): a
// federation aggregate of thousands of entities is streamed with libxml2's xmlTextReader, one
// EntityDescriptor expanded at a time, so memory stays bounded by the largest entity rather
// than the document. The hardening is XmlDocument::parse's: DOCTYPE refused, no entity
// substitution, no network, libxml2's depth limit, sizes bounded.
// A bad entity is skipped with a MetadataError naming it and the others load; entities without
// an SPSSODescriptor (the IdPs of an aggregate) are ignored.
// Signature: a signed aggregate is verified first (whole document, xml_signature) and then read
// from that same verified XmlDocument (readSpMetadata(XmlElement)); unsigned local files are
// streamed from their text (readSpMetadata(string_view)). Both read entities identically.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/xml/saml_endpoint.hpp"
#include "gateway/xml/xml_document.hpp"

namespace sesame::xml {

struct IndexedEndpoint {  // md:AssertionConsumerService (IndexedEndpointType, §2.2.3)
    std::string binding;
    std::string location;
    std::uint16_t index = 0;
    std::optional<bool> isDefault;  // absent, true or false: the default rule needs all three
};

enum class KeyUse { signing, encryption, both };  // "use" absent: both (§2.4.1.1)

struct KeyDescriptor {
    KeyUse use = KeyUse::both;
    // base64 DER of each ds:X509Certificate, whitespace removed, each checked to be X.509.
    std::vector<std::string> certificates;
    std::vector<std::string> encryptionMethods;  // md:EncryptionMethod/@Algorithm, in order
};

struct RequestedAttribute {
    std::string name;
    std::string nameFormat;  // empty when absent (then unspecified, saml-core §2.7.3.1)
    std::string friendlyName;
    bool isRequired = false;
};

struct AttributeConsumingService {
    std::uint16_t index = 0;
    std::optional<bool> isDefault;
    std::vector<std::string> serviceNames;
    std::vector<RequestedAttribute> requestedAttributes;
};

struct ServiceProvider {
    std::string entityId;
    bool authnRequestsSigned = false;   // SPSSODescriptor/@AuthnRequestsSigned
    bool wantAssertionsSigned = false;  // SPSSODescriptor/@WantAssertionsSigned
    std::vector<IndexedEndpoint> assertionConsumerServices;  // document order, at least one
    std::vector<MetadataEndpoint> singleLogoutServices;      // md:SingleLogoutService
    std::vector<KeyDescriptor> keyDescriptors;
    std::vector<std::string> nameIdFormats;
    std::vector<AttributeConsumingService> attributeConsumingServices;
    // The earliest validUntil (unix seconds) and shortest cacheDuration (seconds) of the entity,
    // its SPSSODescriptor and every enclosing EntitiesDescriptor.
    std::optional<std::int64_t> validUntil;
    std::optional<std::int64_t> cacheDurationSeconds;

    // §2.2.3 / §2.4.4.1: the first endpoint with isDefault="true", else the first without
    // isDefault, else the first. Never null: an SP is only read with at least one ACS.
    const IndexedEndpoint* defaultAssertionConsumerService() const;
    const IndexedEndpoint* assertionConsumerServiceByIndex(std::uint16_t index) const;
    // Exact comparison of the whole URL (an AuthnRequest's AssertionConsumerServiceURL).
    const IndexedEndpoint* assertionConsumerServiceByLocation(std::string_view location) const;
    // base64 DER certificates usable for `use` (those marked for it and those without use).
    std::vector<std::string> certificates(KeyUse use) const;
    // md:EncryptionMethod algorithms of the encryption keys (chooseDataCipher's input).
    std::vector<std::string> encryptionMethods() const;
};

struct MetadataError {
    std::string entityId;  // empty when the entity has none (then the reason says where)
    std::string reason;
};

struct SpMetadata {
    std::vector<ServiceProvider> serviceProviders;  // document order, entityIDs unique
    std::vector<MetadataError> errors;              // one per skipped entity, for check-config
};

struct MetadataLimits {
    std::size_t maxBytes = 64 * 1024 * 1024;   // the whole document
    std::size_t maxEntityBytes = 1024 * 1024;  // one EntityDescriptor
    std::size_t maxEntities = 50'000;          // EntityDescriptors read (SPs or not)
    std::optional<std::int64_t> now;           // unix seconds: expired entities are skipped
};

// Streams `text`. Whole-document errors (Errc): too_large, forbidden_doctype, malformed (also
// when not well-formed after some entities were read: nothing of a broken document is used),
// not_found (the root is neither EntityDescriptor nor EntitiesDescriptor).
Result<SpMetadata> readSpMetadata(std::string_view text, const MetadataLimits& limits = {});
// Reads a document already parsed (and its signature verified) by the caller; `root` is its
// EntityDescriptor or EntitiesDescriptor.
Result<SpMetadata> readSpMetadata(XmlElement root, const MetadataLimits& limits = {});

}  // namespace sesame::xml
