#pragma once
// Hand-built compact tokens for the JOSE tests: what an attacker sends is assembled from parts,
// never through the library under test.
#include <openssl/hmac.h>

#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/base64.hpp"

namespace sesame::jose::testing {

inline std::string part(std::string_view json) {
    return core::base64UrlEncode(json);
}

// The bytes of a base64url text (the library's decoder is not used to check the library).
inline std::optional<std::string> bytesOf(std::string text) {
    for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
    text.append((4 - text.size() % 4) % 4, '=');
    return core::base64Decode(text);
}

inline std::vector<std::string> splitCompact(const std::string& token) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
        parts.push_back(token.substr(start, dot - start));
    parts.push_back(token.substr(start));
    return parts;
}

inline std::string join(const std::string& a, const std::string& b, const std::string& c) {
    return a + "." + b + "." + c;
}

// HMAC-SHA256 of the signing input with `secret` as the key: the key-confusion attack signs
// with the OP's public key, which everybody can read in its JWKS.
inline std::string hs256(const std::string& signingInput, std::string_view secret) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac,
         &size);
    return core::base64UrlEncode({reinterpret_cast<const char*>(mac), size});
}

}  // namespace sesame::jose::testing
