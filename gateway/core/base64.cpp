#include "gateway/core/base64.hpp"

#include <openssl/evp.h>

#include <limits>

namespace sesame::core {
namespace {

bool isBase64Character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
    std::string compact;
    compact.reserve(text.size());
    std::size_t padding = 0;
    for (char c : text) {
        if (isSpace(c)) continue;
        if (c == '=') {
            ++padding;
        } else if (!isBase64Character(c) || padding > 0) {
            return std::nullopt;  // outside the alphabet, or data after padding
        }
        compact.push_back(c);
    }
    if (compact.size() % 4 != 0 || padding > 2 ||
        compact.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return std::nullopt;
    std::string out(compact.size() / 4 * 3, '\0');
    // EVP_DecodeBlock counts the padding as zero bytes: they are cut below.
    int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(compact.data()),
                                  static_cast<int>(compact.size()));
    if (written < 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(written) - padding);
    return out;
}

std::string base64UrlEncode(std::string_view bytes) {
    std::string out = base64Encode(bytes);
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

}  // namespace sesame::core
