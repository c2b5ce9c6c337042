// What a reverse proxy says about the client: X-Forwarded-For / -Proto / -Host resolved through
// the trusted proxy ranges (http::TrustedProxies), the ranges themselves as configured
// (http::AddressRange::parse: server.trusted_proxies, metrics_allowed_from) and the Host check.
// Input, one per line: the trusted ranges (comma separated), the TCP peer, X-Forwarded-For,
// X-Forwarded-Proto, X-Forwarded-Host.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/http/trusted_proxies.hpp"
#include "test/fuzz/fuzz_check.hpp"
#include "test/fuzz/fuzz_input.hpp"

using namespace sesame;

using fuzz::takeLine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view ranges = takeLine(text), peerText = takeLine(text),
                     forwardedFor = takeLine(text), proto = takeLine(text), host = takeLine(text);

    std::vector<http::AddressRange> parsed;
    while (!ranges.empty()) {
        auto comma = ranges.find(',');
        if (auto range = http::AddressRange::parse(ranges.substr(0, comma)))
            parsed.push_back(*range);
        ranges = comma == std::string_view::npos ? std::string_view{} : ranges.substr(comma + 1);
    }
    http::TrustedProxies proxies(std::move(parsed));

    boost::system::error_code ec;
    auto peer = boost::asio::ip::make_address(std::string(peerText), ec);
    if (ec) peer = boost::asio::ip::make_address("127.0.0.1");
    auto origin = proxies.resolve(peer, forwardedFor, proto, host);
    // The client is always an address (it goes into logs and throttling keys), the scheme one
    // of two words, the host one we would pass on.
    auto client = boost::asio::ip::make_address(origin.clientAddress, ec);
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(!origin.scheme || *origin.scheme == "https" || *origin.scheme == "http");
    FUZZ_CHECK(!origin.host || http::isPlausibleHost(*origin.host));
    if (!proxies.trusts(http::normalizeAddress(peer))) FUZZ_CHECK(!origin.scheme && !origin.host);
    http::isPlausibleHost(host);
    (void)client;
    return 0;
}
