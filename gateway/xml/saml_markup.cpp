#include "gateway/xml/saml_markup.hpp"

#include <array>

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
// nothing to change are copied whole.
void appendEscaped(std::string& out, std::string_view value, bool inAttribute) {
    static constexpr Replacements inText = replacements(false), inValue = replacements(true);
    const Replacements& table = inAttribute ? inValue : inText;
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

}  // namespace

Markup& Markup::start(std::string_view name) {
    out_ += '<';
    out_ += name;
    return *this;
}

Markup& Markup::attribute(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    appendEscaped(out_, value, true);
    out_ += '"';
    return *this;
}

Markup& Markup::optionalAttribute(std::string_view name, std::string_view value) {
    return value.empty() ? *this : attribute(name, value);
}

Markup& Markup::instant(std::string_view name, std::int64_t unixSeconds) {
    return attribute(name, core::formatUtcInstant(unixSeconds));
}

Markup& Markup::close(std::string_view name) {
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
    appendEscaped(out_, value, false);
    return *this;
}

Markup& Markup::element(std::string_view name, std::string_view value) {
    return start(name).open().text(value).close(name);
}

}  // namespace sesame::xml::saml
