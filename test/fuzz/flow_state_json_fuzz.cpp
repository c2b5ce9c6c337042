// A login in progress, read back from Redis when the login form is submitted
// (core::flowStateFromJson: protocol, service, renew/gateway and the protocol parameters). The
// flow id comes from the form, the flow from Redis; what Redis gives back must never crash the
// reader. Input: JSON text.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/core/endpoint.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec) return 0;
    auto flow = core::flowStateFromJson(value);
    if (!flow) {
        // The app keeps the flow under a "flow" member next to its CSRF token.
        if (value.is_object())
            if (auto* inner = value.as_object().if_contains("flow"))
                flow = core::flowStateFromJson(*inner);
        if (!flow) return 0;
    }
    auto written = boost::json::serialize(core::toJson(*flow));
    auto again = core::flowStateFromJson(boost::json::parse(written));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(boost::json::serialize(core::toJson(*again)) == written);
    return 0;
}
