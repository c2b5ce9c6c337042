#pragma once
// Writing SAML as text (no DOM: a Response must cost far less to write than the RSA signature
// the signer adds): elements and attributes appended to one string, every value escaped. Used by
// the SAML writers of this folder only. The text is what libxml2 itself writes for the document
// it parses into (XmlDocument::toString, but for the final newline): references only for
// & < > (and " in an attribute), CR (and tab, LF in an attribute), an empty element as "<a/>".
#include <cstdint>
#include <string>
#include <string_view>

namespace sesame::xml::saml {

class Markup {
  public:
    explicit Markup(std::size_t capacity = 2048) { out_.reserve(capacity); }
    // "<name": then attributes, then open() or empty().
    Markup& start(std::string_view name);
    // ` name="value"`, value escaped (markup, the quote, invalid UTF-8, and tab/LF/CR as
    // character references so that attribute-value normalisation gives the value back unchanged).
    Markup& attribute(std::string_view name, std::string_view value);
    // The same, left out when the value is empty (an absent optional attribute).
    Markup& optionalAttribute(std::string_view name, std::string_view value);
    Markup& instant(std::string_view name, std::int64_t unixSeconds);
    Markup& open() {
        raw(">");
        openedAt_ = out_.size();
        return *this;
    }
    Markup& empty() { return raw("/>"); }
    // "</name>", or "/>" ending the start tag when nothing was written since open().
    Markup& close(std::string_view name);
    Markup& text(std::string_view value);
    // start(name).open().text(value).close(name)
    Markup& element(std::string_view name, std::string_view value);
    // Trusted literal markup (namespace declarations, constants).
    Markup& raw(std::string_view markup) {
        out_ += markup;
        return *this;
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
    std::size_t openedAt_ = 0;  // the size of out_ right after the last open()
};

}  // namespace sesame::xml::saml
