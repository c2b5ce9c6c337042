#pragma once
// Standard base64 (RFC 4648 §4, with padding) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock:
// what SAML carries in both bindings (SAMLRequest, SAMLResponse, Signature) and what metadata and
// KeyInfo carry in <ds:X509Certificate>. gateway/core only has base64url (random tokens).
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_error.hpp"

namespace sesame::xml {

std::string base64Encode(std::string_view bytes);
// Whitespace (space, tab, CR, LF) anywhere is ignored: senders wrap base64 in metadata and in
// POST forms at 64 or 76 columns. Anything else outside the alphabet, or padding that is not
// at the end, is bad_base64.
Result<std::string> base64Decode(std::string_view text);

}  // namespace sesame::xml
