// Query strings and application/x-www-form-urlencoded bodies (the login form, samlValidate's
// TARGET, every CAS parameter): core::parseForm and core::urlDecode, on raw bytes.
#include <cstdint>
#include <string_view>

#include "gateway/core/text.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (bool plusIsSpace : {true, false}) {
        auto decoded = core::urlDecode(text, plusIsSpace);
        // Decoding never makes text longer; what it encodes again decodes to the same bytes.
        if (decoded) {
            FUZZ_CHECK(decoded->size() <= text.size());
            FUZZ_CHECK(core::urlDecode(core::urlEncode(*decoded), plusIsSpace) == decoded);
        }
    }
    auto params = core::parseForm(text);
    if (params) {
        FUZZ_CHECK(core::parseForm(core::formatForm(*params)) == params);
        for (const auto& [name, value] : *params) {
            bool repeated = false;
            FUZZ_CHECK(core::findParameter(*params, name, &repeated).has_value());
            core::isValidUtf8(value);
            core::escapeHtml(value);
        }
    }
    core::isValidUtf8(text);
    return 0;
}
