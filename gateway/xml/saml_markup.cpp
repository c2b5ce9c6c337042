#include "gateway/xml/saml_markup.hpp"

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>
#include <tuple>

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

// The same for exclusive canonical form (Canonical XML 1.0 §2.3, the same references in the
// exclusive variant): hexadecimal references, '>' as it is in attribute values.
constexpr Replacements canonicalReplacements(bool inAttribute) {
    Replacements table{};
    for (int c = 0; c < 0x20; ++c) table[c] = "";
    table['\t'] = inAttribute ? "&#x9;" : nullptr;
    table['\n'] = inAttribute ? "&#xA;" : nullptr;
    table['\r'] = "&#xD;";
    table['&'] = "&amp;";
    table['<'] = "&lt;";
    table['>'] = inAttribute ? nullptr : "&gt;";
    if (inAttribute) table['"'] = "&quot;";
    return table;
}

// Appends `value` escaped, its invalid UTF-8 replaced (validUtf8), in one pass: runs with
// nothing to change are copied whole.
void appendEscaped(std::string& out, std::string_view value, bool inAttribute,
                   bool canonical = false) {
    static constexpr Replacements inText = replacements(false), inValue = replacements(true),
                                  inCanonicalText = canonicalReplacements(false),
                                  inCanonicalValue = canonicalReplacements(true);
    const Replacements& table = canonical ? (inAttribute ? inCanonicalValue : inCanonicalText)
                                          : (inAttribute ? inValue : inText);
    const std::string clean = validUtf8(value);
    std::size_t from = 0;
    for (std::size_t at = 0; at < clean.size(); ++at) {
        const auto c = static_cast<unsigned char>(clean[at]);
        const char* reference = c < 0x80 ? table[c] : nullptr;
        if (!reference) continue;
        out.append(clean, from, at - from);
        out += reference;
        from = at + 1;
    }
    out.append(clean, from);
}

// "prefix" (empty when none) and "local" of "prefix:local".
std::pair<std::string_view, std::string_view> splitName(std::string_view name) {
    auto colon = name.find(':');
    if (colon == std::string_view::npos) return {std::string_view{}, name};
    return {name.substr(0, colon), name.substr(colon + 1)};
}

}  // namespace

// Canonical mode: the elements open (their declarations, what they rendered) and the start tag
// being written, whose namespaces and attributes are sorted when it ends.
struct Markup::Canonical {
    struct Declaration {
        std::string prefix;
        std::string uri;  // escaped as an attribute value: compared and written as it is
        bool rendered = false;
        bool used = false;   // visibly used by the element or a descendant
        std::size_t at = 0;  // where it would go in the start tag
    };
    struct Frame {
        std::string name;
        std::string prefix;
        bool apex = false;
        std::vector<Declaration> declared;
    };
    struct Attribute {
        std::string prefix;
        std::string local;
        std::string value;  // escaped
        std::string uri;
    };
    std::vector<Frame> frames;
    std::vector<Attribute> attributes;  // of the start tag being written
    std::vector<std::pair<std::size_t, std::string>> leftOut;

    Declaration& resolve(const std::string& prefix) {
        for (auto frame = frames.rbegin(); frame != frames.rend(); ++frame)
            for (auto& declaration : frame->declared)
                if (declaration.prefix == prefix) return declaration;
        throw std::logic_error("Markup: undeclared prefix " + prefix);
    }
    // Whether an output ancestor of the current element rendered `prefix` as `uri` (exclusive
    // c14n §3: then it is not rendered again).
    bool renderedAbove(const std::string& prefix, const std::string& uri) const {
        bool pastApex = frames.back().apex;
        for (auto frame = frames.rbegin() + 1; frame != frames.rend(); ++frame) {
            for (const auto& declaration : frame->declared)
                if (declaration.prefix == prefix && declaration.rendered) {
                    if (declaration.uri == uri && pastApex)
                        throw std::logic_error("Markup: " + prefix + " rendered above an apex");
                    return declaration.uri == uri;
                }
            pastApex = pastApex || frame->apex;
        }
        return false;
    }
};

Markup::Markup(std::size_t capacity) {
    out_.reserve(capacity);
}

Markup Markup::canonical(std::size_t capacity) {
    Markup markup(capacity);
    markup.canonical_ = std::make_unique<Canonical>();
    return markup;
}

Markup& Markup::apex() {
    if (!canonical_ || canonical_->frames.empty()) throw std::logic_error("Markup: no apex");
    canonical_->frames.back().apex = true;
    return *this;
}

std::vector<std::pair<std::size_t, std::string>> Markup::takeLeftOut() {
    if (!canonical_) return {};
    auto leftOut = std::move(canonical_->leftOut);
    std::sort(leftOut.begin(), leftOut.end());
    return leftOut;
}

// Writes the start tag whose parts start() and attribute() gathered, in canonical form.
void Markup::endCanonicalStartTag() {
    Canonical& c = *canonical_;
    Canonical::Frame& frame = c.frames.back();
    std::vector<std::string> used;
    if (!frame.prefix.empty()) used.push_back(frame.prefix);
    for (auto& attribute : c.attributes) {
        if (attribute.prefix == "xml") {
            attribute.uri = "http://www.w3.org/XML/1998/namespace";
            continue;
        }
        if (attribute.prefix.empty()) continue;
        attribute.uri = c.resolve(attribute.prefix).uri;
        used.push_back(attribute.prefix);
    }
    std::vector<std::pair<std::string, std::string>> rendered;  // prefix, uri
    for (const auto& prefix : used) {
        Canonical::Declaration& declaration = c.resolve(prefix);
        declaration.used = true;
        if (c.renderedAbove(prefix, declaration.uri)) continue;
        if (std::find_if(rendered.begin(), rendered.end(),
                         [&](const auto& r) { return r.first == prefix; }) == rendered.end())
            rendered.emplace_back(prefix, declaration.uri);
    }
    std::sort(rendered.begin(), rendered.end());
    // A declaration rendered here belongs to this element's own declarations, or is repeated
    // from an ancestor's: mark it on this frame either way, for its descendants.
    for (const auto& [prefix, uri] : rendered) {
        auto own = std::find_if(frame.declared.begin(), frame.declared.end(),
                                [&](const auto& d) { return d.prefix == prefix; });
        if (own == frame.declared.end())
            own = frame.declared.insert(frame.declared.end(), {prefix, uri, false, true, 0});
        own->rendered = true;
    }
    out_ += '<';
    out_ += frame.name;
    std::sort(frame.declared.begin(), frame.declared.end(),
              [](const auto& a, const auto& b) { return a.prefix < b.prefix; });
    for (auto& declaration : frame.declared) {
        declaration.at = out_.size();
        if (!declaration.rendered) continue;
        out_.append(" xmlns:").append(declaration.prefix).append("=\"");
        out_.append(declaration.uri).append("\"");
    }
    std::sort(c.attributes.begin(), c.attributes.end(), [](const auto& a, const auto& b) {
        return std::tie(a.uri, a.local) < std::tie(b.uri, b.local);
    });
    for (const auto& attribute : c.attributes) {
        out_ += ' ';
        if (!attribute.prefix.empty()) out_.append(attribute.prefix).append(":");
        out_.append(attribute.local).append("=\"").append(attribute.value).append("\"");
    }
    out_ += '>';
    c.attributes.clear();
}

// "</name>", and the element's declarations never used listed as left out.
void Markup::closeCanonical() {
    Canonical& c = *canonical_;
    if (c.frames.empty()) throw std::logic_error("Markup: close without start");
    const Canonical::Frame& frame = c.frames.back();
    out_.append("</").append(frame.name).append(">");
    for (const auto& declaration : frame.declared)
        if (!declaration.rendered && !declaration.used)
            c.leftOut.emplace_back(declaration.at,
                                   " xmlns:" + declaration.prefix + "=\"" + declaration.uri + "\"");
    c.frames.pop_back();
}

Markup::Markup(Markup&&) noexcept = default;
Markup& Markup::operator=(Markup&&) noexcept = default;
Markup::~Markup() = default;

Markup& Markup::start(std::string_view name) {
    if (canonical_) {
        auto [prefix, local] = splitName(name);
        canonical_->frames.push_back({std::string(name), std::string(prefix), false, {}});
        return *this;
    }
    out_ += '<';
    out_ += name;
    return *this;
}

Markup& Markup::attribute(std::string_view name, std::string_view value) {
    if (canonical_) {
        auto [prefix, local] = splitName(name);
        if (name == "xmlns") throw std::logic_error("Markup: no default namespace in c14n");
        std::string escaped;
        appendEscaped(escaped, value, true, true);
        auto& frame = canonical_->frames.back();
        if (prefix == "xmlns")
            frame.declared.push_back({std::string(local), std::move(escaped), false, false, 0});
        else
            canonical_->attributes.push_back(
                {std::string(prefix), std::string(local), std::move(escaped), {}});
        return *this;
    }
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    appendEscaped(out_, value, true);
    out_ += '"';
    return *this;
}

Markup& Markup::open() {
    if (canonical_) {
        endCanonicalStartTag();
        return *this;
    }
    out_ += '>';
    openedAt_ = out_.size();
    return *this;
}

Markup& Markup::empty() {
    if (canonical_) {
        endCanonicalStartTag();
        closeCanonical();
        return *this;
    }
    out_ += "/>";
    return *this;
}

Markup& Markup::optionalAttribute(std::string_view name, std::string_view value) {
    return value.empty() ? *this : attribute(name, value);
}

Markup& Markup::instant(std::string_view name, std::int64_t unixSeconds) {
    return attribute(name, core::formatUtcInstant(unixSeconds));
}

Markup& Markup::close(std::string_view name) {
    if (canonical_) {
        if (canonical_->frames.empty() || canonical_->frames.back().name != name)
            throw std::logic_error("Markup: close of an element not open");
        closeCanonical();
        return *this;
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
    if (canonical_) {
        appendEscaped(out_, value, false, true);
        return *this;
    }
    appendEscaped(out_, value, false);
    return *this;
}

Markup& Markup::element(std::string_view name, std::string_view value) {
    return start(name).open().text(value).close(name);
}

}  // namespace sesame::xml::saml
