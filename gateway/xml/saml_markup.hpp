#pragma once
// Writing SAML as text (no DOM: a Response must cost far less to write than the RSA signature
// the signer adds): elements and attributes appended to one string, every value escaped. Used by
// the SAML writers of this folder only. The text is what libxml2 itself writes for the document
// it parses into (XmlDocument::toString, but for the final newline): references only for
// & < > (and " in an attribute), CR (and tab, LF in an attribute), an empty element as "<a/>".
// With a document (withDocument()), it also builds, as it writes, the libxml2 document the text
// parses into, for the signer: parsing the text again cost more than writing it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/xml/xml_document.hpp"

namespace sesame::xml::saml {

class Markup {
  public:
    explicit Markup(std::size_t capacity = 2048);
    // A Markup that builds the document too (takeDocument()).
    static Markup withDocument(std::size_t capacity);
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
    // The document built (withDocument() only, once, after take()'s text is complete).
    XmlDocument takeDocument();

  private:
    struct Tree;
    void endStartTag();
    std::string out_;
    std::size_t openedAt_ = 0;  // the size of out_ right after the last open()
    std::unique_ptr<Tree> tree_;
};

}  // namespace sesame::xml::saml
