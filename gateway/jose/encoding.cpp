// What the files of gateway/jose share (jose_internal.hpp): digests, JSON objects, base64url.
#include <openssl/evp.h>

#include <boost/json/parse.hpp>

#include <algorithm>

#include "gateway/core/base64.hpp"
#include "gateway/jose/jose_internal.hpp"

namespace sesame::jose {
namespace {

bool isBase64UrlCharacter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

}  // namespace

std::optional<std::string> base64UrlDecode(std::string_view part) {
    if (part.size() % 4 == 1 || !std::all_of(part.begin(), part.end(), isBase64UrlCharacter))
        return std::nullopt;
    std::string standard(part);
    std::replace(standard.begin(), standard.end(), '-', '+');
    std::replace(standard.begin(), standard.end(), '_', '/');
    standard.append((4 - standard.size() % 4) % 4, '=');
    auto bytes = core::base64Decode(standard);
    if (!bytes || core::base64UrlEncode(*bytes) != part) return std::nullopt;
    return bytes;
}

std::string digest(const EVP_MD* md, std::string_view value) {
    std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
    unsigned int size = 0;
    if (EVP_Digest(value.data(), value.size(), reinterpret_cast<unsigned char*>(out.data()), &size,
                   md, nullptr) != 1)
        throw std::bad_alloc();  // EVP_Digest of a built-in hash fails only without memory
    out.resize(size);
    return out;
}

std::optional<boost::json::object> parseObject(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

}  // namespace sesame::jose
