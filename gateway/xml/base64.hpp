#pragma once
// Standard base64 as SAML carries it (both bindings, <ds:X509Certificate>): gateway/core's, with
// its failure as this module's error value.
#include <string>
#include <string_view>

#include "gateway/core/base64.hpp"
#include "gateway/core/result.hpp"
#include "gateway/xml/xml_error.hpp"

namespace sesame::xml {

using core::base64Encode;

// core::base64Decode (whitespace ignored); not base64: bad_base64.
inline Result<std::string> base64Decode(std::string_view text) {
    auto bytes = core::base64Decode(text);
    if (!bytes) return Errc::bad_base64;
    return std::move(*bytes);
}

}  // namespace sesame::xml
