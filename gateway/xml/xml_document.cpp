#include "gateway/xml/xml_document.hpp"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

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
            case Errc::too_deep:
                return "XML elements nested too deep";
            case Errc::key_unreadable:
                return "key or certificate file missing or unreadable";
            case Errc::key_mismatch:
                return "certificate does not match the RSA private key";
            case Errc::key_write_failed:
                return "key or certificate file could not be written";
            case Errc::bad_certificate:
                return "certificate does not parse";
            case Errc::missing_id:
                return "element has no usable ID attribute";
            case Errc::duplicate_id:
                return "ID carried by more than one element";
            case Errc::signature_missing:
                return "signature missing";
            case Errc::signature_refused:
                return "signature of a refused shape or algorithm";
            case Errc::signature_invalid:
                return "signature does not verify with a trusted certificate";
            case Errc::signing_failed:
                return "signing failed";
            case Errc::bad_base64:
                return "invalid base64";
            case Errc::bad_deflate:
                return "invalid DEFLATE data";
            case Errc::bad_query:
                return "malformed SAML binding parameters";
        }
        return "unknown sesame.xml error";
    }
};

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

namespace {

xmlNodePtr firstElement(xmlNodePtr node) {
    while (node && node->type != XML_ELEMENT_NODE) node = node->next;
    return node;
}

// Whether elements nest deeper than `maxDepth` below and including `root`. Iterative: the
// depth is what is being bounded, so no recursion on it.
bool deeperThan(xmlNodePtr root, std::size_t maxDepth) {
    std::size_t depth = 1;
    xmlNodePtr node = root;
    for (;;) {
        if (depth > maxDepth) return true;
        if (xmlNodePtr child = firstElement(node->children)) {
            node = child;
            ++depth;
            continue;
        }
        for (;;) {
            if (node == root) return false;
            if (xmlNodePtr sibling = firstElement(node->next)) {
                node = sibling;
                break;
            }
            node = node->parent;
            --depth;
        }
    }
}

std::string_view asView(const xmlChar* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

}  // namespace

const boost::system::error_category& xmlCategory() noexcept {
    static const XmlCategory category;
    return category;
}

Result<XmlDocument> XmlDocument::parse(std::string_view text, std::size_t maxBytes,
                                       std::size_t maxDepth) {
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
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root) return Errc::malformed;
    if (deeperThan(root, maxDepth)) return Errc::too_deep;
    return document;
}

XmlElement XmlDocument::root() const {
    return XmlElement(xmlDocGetRootElement(doc_.get()));
}

namespace {

// What libxml2 writes for a document or one of its nodes (`save` on a context writing UTF-8
// without an XML declaration).
template <class Save>
std::string written(Save save) {
    std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(xmlBufferCreate(), xmlBufferFree);
    if (!buffer) throw std::bad_alloc();
    xmlSaveCtxtPtr context = xmlSaveToBuffer(buffer.get(), "UTF-8", XML_SAVE_NO_DECL);
    if (!context) throw std::bad_alloc();
    save(context);
    xmlSaveClose(context);
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                       static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

}  // namespace

std::string XmlDocument::toString() const {
    return written([&](xmlSaveCtxtPtr context) { xmlSaveDoc(context, doc_.get()); });
}

std::string XmlDocument::toString(XmlElement element) const {
    return written([&](xmlSaveCtxtPtr context) { xmlSaveTree(context, element.native()); });
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
