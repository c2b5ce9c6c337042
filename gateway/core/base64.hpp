#pragma once
// Base64 (RFC 4648) written once for every module, through OpenSSL's EVP_EncodeBlock /
// EVP_DecodeBlock. Standard base64 with padding (§4) is what SAML carries (SAMLRequest,
// SAMLResponse, Signature, <ds:X509Certificate>) and what a CSP hash is written in; base64url
// without padding (§5) is what tokens are written in (random.hpp).
#include <optional>
#include <string>
#include <string_view>

namespace sesame::core {

std::string base64Encode(std::string_view bytes);
// Whitespace (space, tab, CR, LF) anywhere is ignored: senders wrap base64 in metadata and in
// POST forms at 64 or 76 columns. Anything else outside the alphabet, padding that is not at the
// end, or more than 2^31 - 1 characters: nullopt.
std::optional<std::string> base64Decode(std::string_view text);

std::string base64UrlEncode(std::string_view bytes);

}  // namespace sesame::core
