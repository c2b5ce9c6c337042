#pragma once
// Encodings every layer needs once: HTML/XML escaping, URL percent-encoding, form decoding and
// UTF-8 validation. Markup in a parameter is always escaped where it is written out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/http_message.hpp"

namespace sesame::core {

std::string escapeHtml(std::string_view text);  // also valid for XML text and attributes
std::string urlEncode(std::string_view text);   // RFC 3986 unreserved characters kept
std::optional<std::string> urlDecode(std::string_view text, bool plusIsSpace = true);
// "a=1&b=2" (query or x-www-form-urlencoded body). Fails on a malformed percent-escape.
std::optional<Parameters> parseForm(std::string_view text);
std::string formatForm(const Parameters& params);
bool isValidUtf8(std::string_view text);
// The well-formed UTF-8 sequence at text[at] (RFC 3629 §3-4: no overlong form, no surrogate,
// nothing past U+10FFFF): its length in bytes and its code point; nullopt when there is none.
struct Utf8Sequence {
    std::size_t length;
    std::uint32_t codePoint;
};
std::optional<Utf8Sequence> utf8SequenceAt(std::string_view text, std::size_t at);
// ASCII lower case (logins, header names, key names): locale-independent on purpose.
std::string toLower(std::string_view text);
// "2026-12-01T08:54:00Z": a UTC instant as ISO 8601 / xsd:dateTime write it (CAS and SAML
// instants, CLI listings, the seconds part of log timestamps). Formatted by hand: strftime
// costs more than a whole CAS reply's other formatting.
std::string formatUtcInstant(std::int64_t unixSeconds);
// Appends "name=value" to a URL with '?' or '&' as needed (CAS: service?ticket=ST-...).
std::string appendQuery(std::string url, std::string_view name, std::string_view value);

}  // namespace sesame::core
