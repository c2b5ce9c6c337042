#include "gateway/xml/saml_markup.hpp"

#include "gateway/core/text.hpp"
#include "gateway/xml/xml_text.hpp"

namespace sesame::xml::saml {
namespace {

// xml::escape, with the white space a parser would not give back as written turned into
// character references: CR anywhere (end-of-line handling, XML 1.0 §2.11), tab and LF in an
// attribute value (normalisation, §3.3.3).
void appendEscaped(std::string& out, std::string_view value, bool inAttribute) {
    const std::string escaped = escape(value);
    std::size_t from = 0;  // runs without such white space are copied whole
    for (std::size_t at = 0; at < escaped.size(); ++at) {
        const char c = escaped[at];
        const char* reference = c == '\r'      ? "&#13;"
                                : !inAttribute ? nullptr
                                : c == '\n'    ? "&#10;"
                                : c == '\t'    ? "&#9;"
                                               : nullptr;
        if (!reference) continue;
        out.append(escaped, from, at - from);
        out += reference;
        from = at + 1;
    }
    out.append(escaped, from);
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
