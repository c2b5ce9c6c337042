#include "protocols/saml/name_id.hpp"

#include "gateway/core/digest.hpp"
#include "gateway/core/random.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::saml {
namespace {
namespace names = xml::saml;

// The profile's identifiers are case-insensitive [a-z0-9=-]: lower-case hex.
std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

}  // namespace

Result<xml::saml::NameId> nameIdFor(std::string_view format, const NameIdContext& context,
                                    const core::Identity& identity, const core::Release& release) {
    xml::saml::NameId id;
    id.format = std::string(format);
    if (format == names::nameid::persistent) {
        id.value = core::base64UrlEncode(core::hmacSha256(
            context.secret,
            {"persistent", context.spEntityId, identity.directory, identity.subject}));
        id.nameQualifier = std::string(context.idpEntityId);
        id.spNameQualifier = std::string(context.spEntityId);
    } else if (format == names::nameid::transient) {
        id.value = "_" + core::randomToken(20);
        id.nameQualifier = std::string(context.idpEntityId);
        id.spNameQualifier = std::string(context.spEntityId);
    } else if (format == names::nameid::emailAddress) {
        id.value = identity.email;
    } else if (format == names::nameid::unspecified) {
        id.value = release.user;
    } else {
        return core::Errc::invalid_argument;
    }
    if (id.value.empty()) return core::Errc::invalid_argument;
    return id;
}

std::string subjectId(const NameIdContext& context, const core::Identity& identity,
                      std::string_view scope) {
    return hex(core::hmacSha256(context.secret,
                                {"subject-id", identity.directory, identity.subject})) +
           "@" + std::string(scope);
}

std::string pairwiseId(const NameIdContext& context, const core::Identity& identity,
                       std::string_view scope) {
    return hex(core::hmacSha256(context.secret, {"pairwise-id", context.spEntityId,
                                                 identity.directory, identity.subject})) +
           "@" + std::string(scope);
}

}  // namespace sesame::saml
