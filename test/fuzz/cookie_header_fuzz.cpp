// The Cookie header (the SSO session cookie, the lang cookie): core::HttpRequest::cookie on
// raw header values. Input: one Cookie header value per line (a request may carry several).
#include <cstdint>
#include <string_view>

#include "gateway/core/http_message.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    core::HttpRequest request;
    while (!text.empty()) {
        auto newline = text.find('\n');
        request.headers.emplace_back("cookie", std::string(text.substr(0, newline)));
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    }
    for (std::string_view name : {"SESAME", "__Host-SESAME", "lang", "", "a"}) {
        auto value = request.cookie(name);
        // A value is a part of one header line: never longer, never spanning lines.
        if (value) {
            FUZZ_CHECK(value->find('\n') == std::string::npos);
            FUZZ_CHECK(value->size() < size + 1);
        }
    }
    return 0;
}
