#pragma once
// Writing SAML as text (no DOM: a Response must cost far less to write than the RSA signature
// the signer adds): elements and attributes appended to one string, every value escaped. Used by
// the SAML writers of this folder only. The text is what libxml2 itself writes for the document
// it parses into (XmlDocument::toString, but for the final newline): references only for
// & < > (and " in an attribute), CR (and tab, LF in an attribute), an empty element as "<a/>".
// In canonical mode (canonical()), the text is exclusive XML canonical form instead (see
// Markup::canonical), so that the signer digests and signs the bytes as they are written.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesame::xml::saml {

class Markup {
  public:
    explicit Markup(std::size_t capacity = 2048);
    // A Markup writing exclusive XML canonical form (XML-EXC-C14N 1.0, no comments): namespace
    // declarations only where visibly used and not rendered by an ancestor, sorted by prefix;
    // attributes sorted by namespace URI then local name; "<a></a>", never "<a/>"; text
    // escaped "&amp; &lt; &gt; &#xD;", attribute values "&amp; &lt; &quot; &#x9; &#xA; &#xD;".
    // A declaration never visibly used is left out of the text and listed (leftOut()). No
    // default namespace (a writer bug: logic_error), as a prefix used but not declared.
    static Markup canonical(std::size_t capacity);
    Markup(Markup&&) noexcept;
    Markup& operator=(Markup&&) noexcept;
    ~Markup();
    // "<name": then attributes, then open() or empty().
    Markup& start(std::string_view name);
    // ` name="value"`, value escaped (markup, the quote, invalid UTF-8, and tab/LF/CR as
    // character references so that attribute-value normalisation gives the value back unchanged).
    // "xmlns:prefix" declares a namespace.
    Markup& attribute(std::string_view name, std::string_view value);
    // The same, left out when the value is empty (an absent optional attribute).
    Markup& optionalAttribute(std::string_view name, std::string_view value);
    Markup& instant(std::string_view name, std::int64_t unixSeconds);
    Markup& open();
    Markup& empty();
    // "</name>", or "/>" ending the start tag when nothing was written since open().
    Markup& close(std::string_view name);
    Markup& text(std::string_view value);
    // start(name).open().text(value).close(name)
    Markup& element(std::string_view name, std::string_view value);
    std::string take() { return std::move(out_); }
    // The length of the text written so far (canonical mode: once a start tag is ended).
    std::size_t size() const { return out_.size(); }
    // Canonical mode: the element just started is the apex of a canonicalisation of its own
    // (it will be signed): a namespace it uses must not be one an ancestor rendered, or its text
    // would not be its canonical form (a writer bug: logic_error).
    Markup& apex();
    // Canonical mode: the declarations left out (CanonicalText::leftOut), in text order.
    std::vector<std::pair<std::size_t, std::string>> takeLeftOut();

  private:
    struct Canonical;
    void endCanonicalStartTag();
    void closeCanonical();
    std::string out_;
    std::size_t openedAt_ = 0;  // the size of out_ right after the last open()
    std::unique_ptr<Canonical> canonical_;
};

}  // namespace sesame::xml::saml
