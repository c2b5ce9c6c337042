#pragma once
// What a service provider receives as the person's identifier (SAML core §8.3 NameID formats,
// and the SAML V2.0 Subject Identifier Attributes Profile). Nothing is written back to a
// directory (many are read-only): a persistent identifier is a keyed hash, so it is the same at
// every login for one person and one SP, and two SPs cannot correlate theirs.
#include <string>
#include <string_view>

#include "gateway/core/endpoint.hpp"
#include "gateway/core/identity.hpp"
#include "gateway/core/result.hpp"
#include "gateway/xml/saml_message.hpp"

namespace sesame::saml {

struct NameIdContext {
    std::string_view idpEntityId;
    std::string_view spEntityId;
    std::string_view secret;  // SamlConfig::nameIdSecret
};

// The NameID of `format` (a saml::nameid URI) for this person at this SP:
// persistent: base64url(HMAC-SHA256(secret, SP, directory, subject)), qualified by both entity
// IDs; transient: a fresh random value; emailAddress: the person's mail (an error when there
// is none); unspecified: the release's user (the service's user_attribute).
// Errors: core::Errc::invalid_argument (no value for that format, or an unknown format).
Result<xml::saml::NameId> nameIdFor(std::string_view format, const NameIdContext& context,
                                    const core::Identity& identity, const core::Release& release);

// urn:oasis:names:tc:SAML:attribute:subject-id: the person, the same for every SP.
std::string subjectId(const NameIdContext& context, const core::Identity& identity,
                      std::string_view scope);
// urn:oasis:names:tc:SAML:attribute:pairwise-id: the person for this SP only.
std::string pairwiseId(const NameIdContext& context, const core::Identity& identity,
                       std::string_view scope);

}  // namespace sesame::saml
