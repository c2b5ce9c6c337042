#pragma once
// The lexical forms of the XML Schema types SAML's attributes use, read strictly. Each accepts
// surrounding XML whitespace (these types' whiteSpace="collapse" facet) and nothing else
// unusual. SAML times are written with core::formatUtcInstant (gateway/core/text.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace sesame::xml::saml {

// `text` without leading and trailing XML whitespace (space, tab, CR, LF).
std::string_view trimXmlSpace(std::string_view text);

// Unix seconds of a UTC xs:dateTime (core §1.3.3): "YYYY-MM-DDThh:mm:ss", an optional fraction
// of 1 to 9 digits (dropped: nothing here needs a finer resolution than the second) and the 'Z'
// core §1.3.3 requires. An offset, no zone, 24:00:00, a leap second or 30 February: nullopt.
std::optional<std::int64_t> parseDateTime(std::string_view text);

// xs:boolean: "true", "false", "1", "0".
std::optional<bool> parseBoolean(std::string_view text);

// xs:unsignedShort (AssertionConsumerServiceIndex...): 0 to 65535, digits only.
std::optional<std::uint16_t> parseUnsignedShort(std::string_view text);

}  // namespace sesame::xml::saml
