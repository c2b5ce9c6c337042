#include "test/support/saml_sp.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <cctype>

#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"

namespace sesame::testing {
namespace {

std::string keyDescriptor(std::string_view use, const std::string& certificatePem) {
    return "    <md:KeyDescriptor use=\"" + std::string(use) +
           "\">\n      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
           certificateBase64(certificatePem) +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n    </md:KeyDescriptor>\n";
}

}  // namespace

std::string certificateBase64(const std::string& pem) {
    const std::string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
    const auto from = pem.find(begin), to = pem.find(end);
    if (from == std::string::npos || to == std::string::npos)
        throw HarnessError("not a PEM certificate");
    return pem.substr(from + begin.size(), to - from - begin.size());
}

std::string decodePostMessage(std::string_view base64) {
    std::string text;
    for (char c : base64)
        if (!std::isspace(static_cast<unsigned char>(c))) text += c;
    if (text.empty() || text.size() % 4 != 0) throw HarnessError("not base64: " + text);
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) throw HarnessError("not base64: " + text);
    // EVP_DecodeBlock counts the padding as zero bytes.
    const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

std::string encodePostMessage(std::string_view xml) {
    std::string out((xml.size() + 2) / 3 * 4 + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(xml.data()),
                                  static_cast<int>(xml.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string encodeRedirectMessage(std::string_view xml) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw HarnessError("zlib: deflateInit2");
    std::string deflated(deflateBound(&stream, static_cast<uLong>(xml.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(xml.data()));
    stream.avail_in = static_cast<uInt>(xml.size());
    stream.next_out = reinterpret_cast<Bytef*>(deflated.data());
    stream.avail_out = static_cast<uInt>(deflated.size());
    const int status = deflate(&stream, Z_FINISH);
    deflated.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) throw HarnessError("zlib: deflate");
    return encodePostMessage(deflated);
}

std::string decodeRedirectMessage(std::string_view base64) {
    const std::string deflated = decodePostMessage(base64);
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw HarnessError("zlib: inflateInit2");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
    stream.avail_in = static_cast<uInt>(deflated.size());
    std::string out;
    int status = Z_OK;
    while (status == Z_OK) {
        char chunk[16384];
        stream.next_out = reinterpret_cast<Bytef*>(chunk);
        stream.avail_out = sizeof chunk;
        status = inflate(&stream, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - stream.avail_out);
        if (out.size() > 1024 * 1024) status = Z_DATA_ERROR;
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) throw HarnessError("not a raw DEFLATE stream");
    return out;
}

std::string renderSpMetadata(const SpMetadataSpec& spec) {
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
        "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"" +
        encodeEntities(spec.entityId) + "\">\n  <md:SPSSODescriptor AuthnRequestsSigned=\"" +
        (spec.authnRequestsSigned ? "true" : "false") + "\" WantAssertionsSigned=\"" +
        (spec.wantAssertionsSigned ? "true" : "false") +
        "\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n";
    out += keyDescriptor("signing", spec.certificatePem);
    out += keyDescriptor("encryption", spec.certificatePem);
    // Schema order (saml-metadata §2.4.2, §2.4.4): SingleLogoutService, NameIDFormat, ACS.
    for (const auto& slo : spec.singleLogout) {
        out += "    <md:SingleLogoutService Binding=\"" + encodeEntities(slo.binding) +
               "\" Location=\"" + encodeEntities(slo.location) + "\"/>\n";
    }
    for (const auto& format : spec.nameIdFormats) {
        out += "    <md:NameIDFormat>" + encodeEntities(format) + "</md:NameIDFormat>\n";
    }
    for (std::size_t i = 0; i < spec.assertionConsumers.size(); ++i) {
        const auto& acs = spec.assertionConsumers[i];
        out += "    <md:AssertionConsumerService index=\"" + std::to_string(i) + "\"" +
               (i == 0 ? " isDefault=\"true\"" : "") + " Binding=\"" + encodeEntities(acs.binding) +
               "\" Location=\"" + encodeEntities(acs.location) + "\"/>\n";
    }
    out += "  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n";
    return out;
}

std::string SpPage::value(std::string_view name) const {
    auto it = attributes.find(std::string(name));
    return it == attributes.end() || it->second.empty() ? std::string() : it->second.front();
}

SpPage readSpPage(const std::string& html) {
    SpPage page;
    for (auto& [name, value] : tableRows(html, "attributes"))
        page.attributes[name].push_back(std::move(value));
    for (auto& [name, value] : tableRows(html, "session")) page.session[name] = std::move(value);
    page.remoteUser = elementText(html, "<strong id=\"remote-user\">", "</strong>");
    page.nameId = elementText(html, "<code id=\"name-id\">", "</code>");
    return page;
}

}  // namespace sesame::testing
