#include "gateway/xml/xml_document.hpp"

#include <libxml/parser.h>

#include <mutex>
#include <new>

namespace sesame::xml {
namespace {

class XmlCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.xml"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::too_large:
                return "XML document too large";
            case Errc::forbidden_doctype:
                return "XML document type declarations are refused";
            case Errc::malformed:
                return "malformed XML";
            case Errc::not_found:
                return "XML element not found";
        }
        return "unknown sesame.xml error";
    }
};

std::string_view asView(const xmlChar* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

}  // namespace

// Outside a DTD, "<!" only opens a comment or a CDATA section. Anything else ("<!DOCTYPE",
// "<!ENTITY"...) is a document type declaration, refused before parsing: no DTD is ever read,
// so no entity can be declared, expanded or fetched (OWASP XXE prevention).
bool declaresDocumentType(std::string_view text) {
    for (auto at = text.find("<!"); at != std::string_view::npos; at = text.find("<!", at + 2)) {
        auto rest = text.substr(at + 2);
        if (rest.starts_with("--") || rest.starts_with("[CDATA[")) continue;
        return true;
    }
    return false;
}

const boost::system::error_category& xmlCategory() noexcept {
    static const XmlCategory category;
    return category;
}

Result<XmlDocument> XmlDocument::parse(std::string_view text, std::size_t maxBytes) {
    static std::once_flag init;
    std::call_once(init, [] { xmlInitParser(); });
    if (text.size() > maxBytes) return Errc::too_large;
    if (declaresDocumentType(text)) return Errc::forbidden_doctype;
    // No XML_PARSE_NOENT (entities stay unsubstituted), no DTDLOAD/DTDATTR, no HUGE (libxml2
    // keeps its depth and size limits), NONET. The encoding is forced to UTF-8 so that the
    // byte scan above sees what the parser sees (a UTF-16 document fails as malformed).
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc =
        xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8", options);
    if (!doc) return Errc::malformed;
    XmlDocument document(doc);
    if (doc->intSubset || doc->extSubset) return Errc::forbidden_doctype;
    if (!xmlDocGetRootElement(doc)) return Errc::malformed;
    return document;
}

XmlElement XmlDocument::root() const {
    return XmlElement(xmlDocGetRootElement(doc_.get()));
}

std::string XmlDocument::serialize() const {
    xmlChar* text = nullptr;
    int size = 0;
    xmlDocDumpMemoryEnc(doc_.get(), &text, &size, "UTF-8");
    if (!text) throw std::bad_alloc();
    std::string out(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
    xmlFree(text);
    return out;
}

std::string XmlElement::localName() const {
    return std::string(asView(node_->name));
}

std::string XmlElement::namespaceUri() const {
    return node_->ns ? std::string(asView(node_->ns->href)) : std::string{};
}

bool XmlElement::is(std::string_view ns, std::string_view local) const {
    return node_->type == XML_ELEMENT_NODE && asView(node_->name) == local &&
           (node_->ns ? asView(node_->ns->href) : std::string_view{}) == ns;
}

std::string XmlElement::text() const {
    xmlChar* content = xmlNodeGetContent(node_);
    std::string out(asView(content));
    xmlFree(content);
    return out;
}

std::optional<std::string> XmlElement::attribute(const char* name) const {
    xmlChar* value = xmlGetNoNsProp(node_, reinterpret_cast<const xmlChar*>(name));
    if (!value) return std::nullopt;
    std::string out(asView(value));
    xmlFree(value);
    return out;
}

std::vector<XmlElement> XmlElement::children() const {
    std::vector<XmlElement> out;
    for (xmlNodePtr c = node_->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) out.emplace_back(c);
    return out;
}

std::optional<XmlElement> XmlElement::child(std::string_view ns, std::string_view local) const {
    for (xmlNodePtr c = node_->children; c; c = c->next)
        if (XmlElement(c).is(ns, local)) return XmlElement(c);
    return std::nullopt;
}

std::optional<XmlElement> XmlElement::descendant(std::string_view ns,
                                                 std::string_view local) const {
    for (xmlNodePtr c = node_->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        XmlElement e(c);
        if (e.is(ns, local)) return e;
        if (auto found = e.descendant(ns, local)) return found;
    }
    return std::nullopt;
}

}  // namespace sesame::xml
