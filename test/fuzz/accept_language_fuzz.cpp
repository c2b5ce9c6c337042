// Language negotiation on every portal page: the Accept-Language header (RFC 9110 §12.5.4,
// q-values), the `lang` cookie and the `lang` query parameter. Input: the Accept-Language value
// on the first line, the lang cookie on the second, the query string on the third.
#include <cstdint>
#include <string_view>

#include "gateway/core/text.hpp"
#include "gateway/portal/language.hpp"

using namespace sesame;

namespace {
std::string_view line(std::string_view& text) {
    auto newline = text.find('\n');
    auto out = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view accept = line(text), cookie = line(text), query = text;
    for (auto fallback : {portal::Language::fr, portal::Language::en})
        portal::preferredLanguage(accept, fallback);
    portal::parseLanguage(accept);

    core::HttpRequest request;
    request.headers.emplace_back("accept-language", std::string(accept));
    request.headers.emplace_back("cookie", "lang=" + std::string(cookie));
    if (auto params = core::parseForm(query)) request.query = std::move(*params);
    portal::languageCode(portal::pickLanguage(request));
    return 0;
}
