#include "protocols/saml/name_id.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gateway/core/random.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::saml {
namespace {
namespace names = xml::saml;

// HMAC-SHA256 over the parts separated by NUL bytes (no part can be made to look like two).
std::string keyedHash(std::string_view secret, std::initializer_list<std::string_view> parts) {
    std::string message;
    for (auto part : parts) {
        message.append(part);
        message.push_back('\0');
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
    return std::string(reinterpret_cast<const char*>(mac), size);
}

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
        id.value = core::base64UrlEncode(
            keyedHash(context.secret,
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
    return hex(keyedHash(context.secret, {"subject-id", identity.directory, identity.subject})) +
           "@" + std::string(scope);
}

std::string pairwiseId(const NameIdContext& context, const core::Identity& identity,
                       std::string_view scope) {
    return hex(keyedHash(context.secret, {"pairwise-id", context.spEntityId, identity.directory,
                                          identity.subject})) +
           "@" + std::string(scope);
}

}  // namespace sesame::saml
