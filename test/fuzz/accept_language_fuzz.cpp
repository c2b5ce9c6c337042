// Language negotiation on every portal page: the Accept-Language header (RFC 9110 §12.5.4,
// q-values), the `lang` cookie and the `lang` query parameter. Input: the Accept-Language value
// on the first line, the lang cookie on the second, the query string on the third.
#include <cstdint>
#include <string_view>

#include "gateway/core/text.hpp"
#include "gateway/portal/language.hpp"
#include "test/fuzz/fuzz_input.hpp"

using namespace sesame;

using fuzz::takeLine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view accept = takeLine(text), cookie = takeLine(text), query = text;
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
