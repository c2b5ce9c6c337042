#pragma once
// The lexical forms of the XML Schema types SAML's attributes use, read strictly. Each accepts
// surrounding XML whitespace (these types' whiteSpace="collapse" facet) and nothing else
// unusual. SAML times are written with core::formatUtcInstant (gateway/core/text.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace sesame::xml::saml {

// XML whitespace (XML 1.0 §2.3 S: space, tab, CR, LF).
inline bool isXmlSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
// `text` without leading and trailing XML whitespace.
std::string_view trimXmlSpace(std::string_view text);

// The time zones an xs:dateTime may carry. SAML messages: UTC with its 'Z' only (core §1.3.3).
// Metadata (validUntil): any xs:dateTime, a "+hh:mm"/"-hh:mm" offset (at most 14 hours) or
// none, which is read as UTC.
enum class Zone { utcOnly, anyOffset };

// Unix seconds of an xs:dateTime: "YYYY-MM-DDThh:mm:ss", an optional fraction of 1 to 9 digits
// (dropped: nothing here needs a finer resolution than the second) and the zone `zone` allows.
// 24:00:00, a leap second or 30 February: nullopt.
std::optional<std::int64_t> parseDateTime(std::string_view text, Zone zone = Zone::utcOnly);

// Whole seconds of a non-negative xs:duration ("PT6H", "P1DT12H", "PT30.5S": a fraction only
// on seconds, dropped), years and months counted as 365 and 30 days (metadata's cacheDuration
// is a hint, saml-metadata §2.2.1); each number at most 10^9.
std::optional<std::int64_t> parseDuration(std::string_view text);

// xs:boolean: "true", "false", "1", "0".
std::optional<bool> parseBoolean(std::string_view text);

// xs:unsignedShort (AssertionConsumerServiceIndex...): 0 to 65535, digits only.
std::optional<std::uint16_t> parseUnsignedShort(std::string_view text);

}  // namespace sesame::xml::saml
