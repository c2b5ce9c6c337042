#pragma once
// Writing SAML as text (no DOM: a Response must cost far less to write than the RSA signature
// the signer adds): elements and attributes appended to one string, every value escaped. Used by
// the SAML writers of this folder only.
#include <cstdint>
#include <string>
#include <string_view>

namespace sesame::xml::saml {

class Markup {
  public:
    explicit Markup(std::size_t capacity = 2048) { out_.reserve(capacity); }
    // "<name": then attributes, then open() or empty().
    Markup& start(std::string_view name);
    // ` name="value"`, value escaped (markup, quotes, invalid UTF-8, and tab/LF/CR as character
    // references so that attribute-value normalisation gives the value back unchanged).
    Markup& attribute(std::string_view name, std::string_view value);
    // The same, left out when the value is empty (an absent optional attribute).
    Markup& optionalAttribute(std::string_view name, std::string_view value);
    Markup& instant(std::string_view name, std::int64_t unixSeconds);
    Markup& open() { return raw(">"); }
    Markup& empty() { return raw("/>"); }
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
};

}  // namespace sesame::xml::saml
