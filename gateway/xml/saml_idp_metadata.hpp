#pragma once
// The IdP's own metadata (saml-metadata-2.0-os §2.3.2, §2.4.3): an EntityDescriptor with one
// IDPSSODescriptor, as text for /saml/metadata (and for the signer, by its ID: ds:Signature is
// then the EntityDescriptor's first child, §3.1). SP metadata is read elsewhere (saml_metadata).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/xml/saml_endpoint.hpp"

namespace sesame::xml::saml {

struct IdpMetadata {
    std::string id;  // ID of the EntityDescriptor, for signing (newMessageId()); empty: none
    std::string entityId;
    bool wantAuthnRequestsSigned = false;
    // Certificates as base64 DER or PEM (armour and line breaks are removed): the current one
    // first, then the next one published ahead of a key rollover (§2.4.1.1: several
    // KeyDescriptors of one use, any of them may be used).
    std::vector<std::string> signingCertificates;
    std::vector<std::string> encryptionCertificates;
    std::vector<std::string> nameIdFormats;  // saml::nameid::...
    std::vector<MetadataEndpoint> singleSignOnServices;
    // Published only for the bindings protocols/saml serves: a SOAP one means the IdP takes
    // back-channel LogoutRequests.
    std::vector<MetadataEndpoint> singleLogoutServices;
    std::optional<std::int64_t> validUntil;            // unix seconds
    std::optional<std::int64_t> cacheDurationSeconds;  // written as xs:duration "PT<n>S"
};

std::string writeIdpMetadata(const IdpMetadata& metadata);

// The base64 body of a certificate given as PEM or base64 DER: armour lines and all white
// space removed.
std::string certificateBase64(std::string_view certificate);

}  // namespace sesame::xml::saml
