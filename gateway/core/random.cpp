#include "gateway/core/random.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "gateway/core/base64.hpp"

namespace sesame::core {

std::string randomToken(std::size_t bytes) {
    std::vector<unsigned char> buffer(bytes);
    // A CSPRNG failure is a broken invariant: never fall back to anything weaker.
    if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return base64UrlEncode({reinterpret_cast<const char*>(buffer.data()), buffer.size()});
}

std::string ticketToken(std::size_t characters) {
    // base64url characters are drawn uniformly (6 bits each) and '-'/'_' are rejected, leaving a
    // uniform draw over 62 symbols. 48 bytes = 64 characters, about 62 kept.
    std::string token;
    token.reserve(characters);
    while (token.size() < characters) {
        for (char c : randomToken(48)) {
            if (c == '-' || c == '_') continue;
            token += c;
            if (token.size() == characters) break;
        }
    }
    return token;
}

std::string ticketId(std::string_view prefix) {
    std::string id(prefix);
    id += '-';
    id += ticketToken();
    return id;
}

}  // namespace sesame::core
