// The XML Sesame reads from the network: the SOAP envelope of a CAS samlValidate request today
// (SAML 2.0 messages later), through xml::XmlDocument (libxml2, DOCTYPE refused, no entity
// substitution, no network) and the element walk /samlValidate does; and the escaping of values
// written back into XML replies (xml::escape), which must always give a well-formed document.
#include <cstdint>
#include <string_view>

#include "gateway/xml/xml_document.hpp"
#include "gateway/xml/xml_text.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

namespace {

constexpr std::string_view soap = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view samlp = "urn:oasis:names:tc:SAML:1.0:protocol";

void walk(const xml::XmlElement& element, int depth) {
    element.localName();
    element.namespaceUri();
    element.attribute("RequestID");
    element.attribute("ID");
    if (depth > 64) return;  // the reader of a real message never goes this deep
    for (const auto& child : element.children()) walk(child, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto doc = xml::XmlDocument::parse(text, 64 * 1024)) {
        auto root = doc->root();
        // What /samlValidate reads: Envelope / Body / Request / AssertionArtifact.
        if (root.is(soap, "Envelope"))
            if (auto body = root.child(soap, "Body"))
                if (auto request = body->child(samlp, "Request")) {
                    request->attribute("RequestID");
                    if (auto artifact = request->child(samlp, "AssertionArtifact"))
                        artifact->text();
                }
        root.descendant(samlp, "AssertionArtifact");
        root.text();
        walk(root, 0);
    }
    std::string escaped = xml::escape(text);
    auto wrapped = xml::XmlDocument::parse("<a b=\"" + escaped + "\">" + escaped + "</a>", 1 << 20);
    FUZZ_CHECK(wrapped.has_value());
    xml::isNcName(text);
    return 0;
}
