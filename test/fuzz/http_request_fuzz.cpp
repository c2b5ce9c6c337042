// A whole request as it arrives on a connection: the bytes through Beast's parser with the
// server's limits (as gateway/http/connection.cpp reads them), then Sesame's own decoding,
// http::decodeRequest (request target, query, form body, Host, forwarded headers), from a
// trusted proxy and from a client; then what handlers read first: cookies, parameters, language.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/http/exchange.hpp"
#include "gateway/http/server_config.hpp"
#include "gateway/portal/language.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;
namespace bhttp = boost::beast::http;

namespace {

void decode(const http::BeastRequest& request, const http::Peer& peer,
            const http::TrustedProxies& proxies) {
    auto decoded = http::decodeRequest(request, peer, proxies);
    if (!decoded) return;
    // A decoded path never carries a NUL (C APIs downstream would cut it).
    FUZZ_CHECK(decoded->path.find('\0') == std::string::npos);
    FUZZ_CHECK(!decoded->clientAddress.empty());
    bool repeated = false;
    decoded->cookie("SESAME");
    decoded->param("service", &repeated);
    decoded->param("ticket", &repeated);
    decoded->formParam("username", &repeated);
    decoded->formParam("csrf", &repeated);
    portal::pickLanguage(*decoded);
    decoded->baseUrl();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const http::ServerLimits limits;
    static const http::TrustedProxies proxies(
        {*http::AddressRange::parse("10.0.0.0/8"), *http::AddressRange::parse("::1")});
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(limits.headerBytes);
    parser.body_limit(limits.bodyBytes);
    parser.eager(true);
    boost::beast::error_code ec;
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    while (!rest.empty() && !parser.is_done()) {
        std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        if (ec == bhttp::error::need_more) break;  // the peer would send more, or time out
        if (ec) return 0;
        rest.remove_prefix(used);
    }
    if (!parser.is_header_done()) return 0;
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec) return 0;
    }
    const auto& request = parser.get();
    decode(request, {boost::asio::ip::make_address("10.1.2.3"), true, ""}, proxies);
    decode(request, {boost::asio::ip::make_address("203.0.113.9"), false, "203.0.113.9"}, proxies);
    decode(request, {boost::asio::ip::make_address("::ffff:10.0.0.1"), true, ""}, proxies);
    return 0;
}
