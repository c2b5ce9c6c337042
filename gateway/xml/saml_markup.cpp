#include "gateway/xml/saml_markup.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>

#include "gateway/core/text.hpp"
#include "gateway/xml/xml_text.hpp"

namespace sesame::xml::saml {
namespace {

// What an ASCII byte becomes: itself (nullptr), nothing (""), or a reference. It is what
// libxml2 writes for the parsed character (xmlsave.c: xmlEscapeContent for text,
// xmlBufAttrSerializeTxtContent for attribute values), so that a message written here is byte
// for byte what XmlDocument::toString writes for it once parsed: the signer adds its signature
// to the text instead of writing the whole document again (xml_signature.hpp). That is also
// what a parser gives back unchanged: CR anywhere is a character reference (end-of-line
// handling, XML 1.0 §2.11), tab and LF too in an attribute value (normalisation, §3.3.3). C0
// controls other than those three are no XML Char (§2.2): dropped.
using Replacements = std::array<const char*, 128>;
constexpr Replacements replacements(bool inAttribute) {
    Replacements table{};
    for (int c = 0; c < 0x20; ++c) table[c] = "";
    table['\t'] = inAttribute ? "&#9;" : nullptr;
    table['\n'] = inAttribute ? "&#10;" : nullptr;
    table['\r'] = "&#13;";
    table['&'] = "&amp;";
    table['<'] = "&lt;";
    table['>'] = "&gt;";
    if (inAttribute) table['"'] = "&quot;";
    return table;
}

// Appends `value` escaped, its invalid UTF-8 replaced (validUtf8), in one pass: runs with
// nothing to change are copied whole. Returns what a parser reads back from what was written
// (the value as valid UTF-8, without the C0 controls dropped).
std::string appendEscaped(std::string& out, std::string_view value, bool inAttribute) {
    static constexpr Replacements inText = replacements(false), inValue = replacements(true);
    const Replacements& table = inAttribute ? inValue : inText;
    std::string clean = validUtf8(value);
    std::size_t from = 0;
    bool dropped = false;
    for (std::size_t at = 0; at < clean.size(); ++at) {
        const auto c = static_cast<unsigned char>(clean[at]);
        const char* reference = c < 0x80 ? table[c] : nullptr;
        if (!reference) continue;
        out.append(clean, from, at - from);
        out += reference;
        dropped = dropped || *reference == '\0';
        from = at + 1;
    }
    out.append(clean, from);
    if (dropped)
        std::erase_if(clean, [](char c) {
            return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
        });
    return clean;
}

const xmlChar* xmlString(const std::string& s) {
    return reinterpret_cast<const xmlChar*>(s.c_str());
}

// A copy of `name` for libxml2, which takes it (the ...EatName functions).
xmlChar* xmlCopy(std::string_view name) {
    xmlChar* copy =
        xmlStrndup(reinterpret_cast<const xmlChar*>(name.data()), static_cast<int>(name.size()));
    if (!copy) throw std::bad_alloc();
    return copy;
}

// "prefix" (empty when none) and "local" of "prefix:local".
std::pair<std::string_view, std::string_view> splitName(std::string_view name) {
    auto colon = name.find(':');
    if (colon == std::string_view::npos) return {std::string_view{}, name};
    return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace

// The document being built: the element whose start tag is being written (its attributes wait
// for the namespace declarations of the same tag), and the element new nodes go into.
struct Markup::Tree {
    struct Free {
        void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
    };
    std::unique_ptr<xmlDoc, Free> doc;
    xmlNodePtr parent = nullptr;
    xmlNodePtr element = nullptr;
    std::string prefix;
    std::vector<std::pair<xmlAttrPtr, std::string>> prefixed;  // attributes, and their prefix
};

Markup::Markup(std::size_t capacity) {
    out_.reserve(capacity);
}

Markup Markup::withDocument(std::size_t capacity) {
    Markup markup(capacity);
    markup.tree_ = std::make_unique<Tree>();
    markup.tree_->doc.reset(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    if (!markup.tree_->doc) throw std::bad_alloc();
    // As a document parsed as UTF-8 (XmlDocument::parse): toString then writes non-ASCII
    // characters of attribute values as they are.
    markup.tree_->doc->encoding = xmlStrdup(reinterpret_cast<const xmlChar*>("UTF-8"));
    return markup;
}

Markup::Markup(Markup&&) noexcept = default;
Markup& Markup::operator=(Markup&&) noexcept = default;
Markup::~Markup() = default;

Markup& Markup::start(std::string_view name) {
    out_ += '<';
    out_ += name;
    if (tree_) {
        auto [prefix, local] = splitName(name);
        xmlNodePtr node = xmlNewDocNodeEatName(tree_->doc.get(), nullptr, xmlCopy(local), nullptr);
        if (!node) throw std::bad_alloc();
        if (tree_->parent)
            xmlAddChild(tree_->parent, node);
        else
            xmlDocSetRootElement(tree_->doc.get(), node);
        tree_->element = node;
        tree_->prefix = prefix;
        tree_->prefixed.clear();
    }
    return *this;
}

Markup& Markup::attribute(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    const std::string read = appendEscaped(out_, value, true);
    out_ += '"';
    if (tree_) {
        auto [prefix, local] = splitName(name);
        if (prefix == "xmlns") {
            if (!xmlNewNs(tree_->element, xmlString(read), xmlString(std::string(local))))
                throw std::bad_alloc();
        } else {
            // Its namespace is known once the tag has declared its own (endStartTag).
            xmlAttrPtr attribute =
                xmlNewNsPropEatName(tree_->element, nullptr, xmlCopy(local), xmlString(read));
            if (!attribute) throw std::bad_alloc();
            if (!prefix.empty()) tree_->prefixed.emplace_back(attribute, prefix);
        }
    }
    return *this;
}

// The element's and its attributes' namespaces, now that the tag has declared its own.
void Markup::endStartTag() {
    xmlNodePtr node = tree_->element;
    auto resolve = [&](const std::string& prefix) {
        return prefix.empty() ? nullptr : xmlSearchNs(tree_->doc.get(), node, xmlString(prefix));
    };
    xmlSetNs(node, resolve(tree_->prefix));
    for (const auto& [attribute, prefix] : tree_->prefixed) attribute->ns = resolve(prefix);
    tree_->prefixed.clear();
}

Markup& Markup::open() {
    out_ += '>';
    openedAt_ = out_.size();
    if (tree_) {
        endStartTag();
        tree_->parent = tree_->element;
    }
    return *this;
}

Markup& Markup::empty() {
    out_ += "/>";
    if (tree_) endStartTag();
    return *this;
}

Markup& Markup::optionalAttribute(std::string_view name, std::string_view value) {
    return value.empty() ? *this : attribute(name, value);
}

Markup& Markup::instant(std::string_view name, std::int64_t unixSeconds) {
    return attribute(name, core::formatUtcInstant(unixSeconds));
}

Markup& Markup::close(std::string_view name) {
    if (tree_ && tree_->parent) {
        xmlNodePtr up = tree_->parent->parent;
        tree_->parent = up && up->type == XML_ELEMENT_NODE ? up : nullptr;
    }
    // An element left empty is written "<name/>", as libxml2 writes it.
    if (out_.size() == openedAt_) {
        out_.insert(out_.size() - 1, 1, '/');
        return *this;
    }
    out_ += "</";
    out_ += name;
    out_ += '>';
    return *this;
}

Markup& Markup::text(std::string_view value) {
    const std::string content = appendEscaped(out_, value, false);
    if (tree_ && tree_->parent) {
        if (!content.empty())
            xmlNodeAddContentLen(tree_->parent, xmlString(content),
                                 static_cast<int>(content.size()));
    }
    return *this;
}

XmlDocument Markup::takeDocument() {
    if (!tree_ || !tree_->doc) throw std::logic_error("Markup: no document");
    return XmlDocument::adopt(tree_->doc.release());
}

Markup& Markup::element(std::string_view name, std::string_view value) {
    return start(name).open().text(value).close(name);
}

}  // namespace sesame::xml::saml
