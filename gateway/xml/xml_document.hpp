#pragma once
// RAII over libxml2 for the messages Sesame reads (CAS samlValidate now, SAML 2.0 later).
// Hostile input is the normal case: a document with a DOCTYPE (hence any DTD or entity
// declaration: billion laughs, external entities, XXE) is refused before libxml2 sees it,
// entities are never substituted (no XML_PARSE_NOENT), the network is never used
// (XML_PARSE_NONET), and the size and depth are bounded by the caller.
#include <libxml/tree.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_error.hpp"

namespace sesame::xml {

// Whether `text` holds a document type declaration ("<!" opening anything but a comment or a
// CDATA section): what parse() refuses, and the streaming metadata reader too.
bool declaresDocumentType(std::string_view text);

// A non-owning view of an element; valid while its XmlDocument lives.
class XmlElement {
  public:
    explicit XmlElement(xmlNodePtr node) : node_(node) {}
    bool operator==(const XmlElement&) const = default;  // the same node
    std::string localName() const;
    std::string namespaceUri() const;  // empty when the element has no namespace
    bool is(std::string_view ns, std::string_view local) const;
    // The whole text of the element and its descendants, text and CDATA concatenated; comments
    // and processing instructions are skipped, never cut the value ("a<!---->b" reads "ab"): a
    // comment inserted into a signed value stays valid under exclusive c14n, so reading only
    // the first text node would let it truncate a NameID.
    std::string text() const;
    // An attribute without a namespace (SAML's RequestID, ID...).
    std::optional<std::string> attribute(const char* name) const;
    std::vector<XmlElement> children() const;  // element children only
    std::optional<XmlElement> child(std::string_view ns, std::string_view local) const;
    // First element in document order below this one (depth first) with that name.
    std::optional<XmlElement> descendant(std::string_view ns, std::string_view local) const;
    // For the xmlsec wrappers of gateway/xml (signatures, encryption) only.
    xmlNodePtr native() const { return node_; }

  private:
    xmlNodePtr node_;
};

class XmlDocument {
  public:
    static constexpr std::size_t defaultMaxBytes = 256 * 1024;
    // SAML messages nest about 10 elements (metadata aggregates a few more); libxml2's own limit
    // (256) is kept far from what any sender needs.
    static constexpr std::size_t defaultMaxDepth = 64;
    // Parses `text` (UTF-8). Errors: too_large, forbidden_doctype, malformed, too_deep.
    static Result<XmlDocument> parse(std::string_view text, std::size_t maxBytes = defaultMaxBytes,
                                     std::size_t maxDepth = defaultMaxDepth);
    // Takes a document built in memory (gateway/xml's writers, saml_markup.hpp).
    static XmlDocument adopt(xmlDocPtr doc) { return XmlDocument(doc); }
    XmlElement root() const;
    // The document as UTF-8 XML without an XML declaration, nodes as they are (no
    // re-indentation: a signed document stays valid).
    std::string toString() const;
    // One element of this document and its descendants, written as toString writes them
    // inside the document.
    std::string toString(XmlElement element) const;
    // For the xmlsec wrappers of gateway/xml (signatures, encryption) only.
    xmlDocPtr native() const { return doc_.get(); }

  private:
    struct Free {
        void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
    };
    explicit XmlDocument(xmlDocPtr doc) : doc_(doc) {}
    std::unique_ptr<xmlDoc, Free> doc_;
};

}  // namespace sesame::xml
