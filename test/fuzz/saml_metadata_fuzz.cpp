// SAML metadata of service providers (gateway/xml/saml_metadata.cpp): it comes from a URL or a
// file, untrusted bytes until its signature is checked. The streaming reader (xmlTextReader, one
// EntityDescriptor expanded at a time) and the reader of an already parsed DOM (the path after a
// signature check) must agree on every input, and what they accept must keep the promises the
// SAML IdP relies on.
#include <cstdint>
#include <string_view>
#include <unordered_set>

#include "gateway/xml/saml_metadata.hpp"
#include "gateway/xml/xml_encryption.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

namespace {

bool isWeb(std::string_view url) {
    return url.starts_with("https://") || url.starts_with("http://") ||
           url.starts_with("HTTPS://") || url.starts_with("HTTP://");
}

void checkPromises(const xml::SpMetadata& metadata) {
    std::unordered_set<std::string> ids;
    for (const auto& sp : metadata.serviceProviders) {
        FUZZ_CHECK(!sp.entityId.empty());
        FUZZ_CHECK(ids.insert(sp.entityId).second);
        FUZZ_CHECK(!sp.assertionConsumerServices.empty());
        FUZZ_CHECK(sp.defaultAssertionConsumerService() != nullptr);
        for (const auto& acs : sp.assertionConsumerServices) {
            FUZZ_CHECK(isWeb(acs.location));
            FUZZ_CHECK(sp.assertionConsumerServiceByIndex(acs.index) != nullptr);
        }
        for (const auto& slo : sp.singleLogoutServices) FUZZ_CHECK(isWeb(slo.location));
        for (const auto& key : sp.keyDescriptors)
            for (const auto& cert : key.certificates)
                FUZZ_CHECK(xml::Certificate::fromBase64Der(cert).has_value());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    xml::MetadataLimits limits;
    limits.maxBytes = 256 * 1024;
    auto streamed = xml::readSpMetadata(text, limits);
    if (streamed) checkPromises(*streamed);

    auto doc = xml::XmlDocument::parse(text, limits.maxBytes);
    if (!doc) {
        FUZZ_CHECK(!streamed);  // what the DOM parser refuses, the stream refuses too
        return 0;
    }
    auto fromDom = xml::readSpMetadata(doc->root(), limits);
    FUZZ_CHECK(fromDom.has_value() == streamed.has_value());
    if (!fromDom) return 0;
    FUZZ_CHECK(fromDom->serviceProviders.size() == streamed->serviceProviders.size());
    FUZZ_CHECK(fromDom->errors.size() == streamed->errors.size());
    for (std::size_t i = 0; i < fromDom->serviceProviders.size(); ++i) {
        const auto& a = fromDom->serviceProviders[i];
        const auto& b = streamed->serviceProviders[i];
        FUZZ_CHECK(a.entityId == b.entityId);
        FUZZ_CHECK(a.validUntil == b.validUntil);
        FUZZ_CHECK(a.assertionConsumerServices.size() == b.assertionConsumerServices.size());
        FUZZ_CHECK(a.certificates(xml::KeyUse::encryption) ==
                   b.certificates(xml::KeyUse::encryption));
    }
    return 0;
}
