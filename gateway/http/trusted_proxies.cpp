#include "gateway/http/trusted_proxies.hpp"

#include <algorithm>
#include <cctype>

namespace sesame::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<boost::asio::ip::address> parseAddress(std::string_view text) {
    text = trim(text);
    // X-Forwarded-For may carry "[v6]" or "v4:port" from some proxies; accept the bare forms only.
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    return normalizeAddress(address);
}

// The right-most comma-separated element: the one the nearest (trusted) proxy wrote.
std::string_view lastElement(std::string_view list) {
    auto comma = list.rfind(',');
    return trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
}

}  // namespace

boost::asio::ip::address normalizeAddress(const boost::asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    return address;
}

bool isPlausibleHost(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    return std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' ||
               c == '_';
    });
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
    namespace ip = boost::asio::ip;
    text = trim(text);
    AddressRange range;
    if (text.find('/') == std::string_view::npos) {
        // One address: a block of one (an IPv4-mapped IPv6 address counts as IPv4).
        auto address = parseAddress(text);
        if (!address) return std::nullopt;
        if (address->is_v4())
            range.network_ = ip::network_v4(address->to_v4(), 32);
        else
            range.network_ = ip::network_v6(address->to_v6(), 128);
        return range;
    }
    boost::system::error_code ec;
    if (text.find(':') == std::string_view::npos)
        range.network_ = ip::make_network_v4(text, ec);
    else
        range.network_ = ip::make_network_v6(text, ec);
    if (ec) return std::nullopt;
    return range;
}

bool AddressRange::contains(const boost::asio::ip::address& raw) const {
    namespace ip = boost::asio::ip;
    auto address = normalizeAddress(raw);
    if (const auto* v4 = std::get_if<ip::network_v4>(&network_)) {
        return address.is_v4() &&
               ip::network_v4(address.to_v4(), v4->prefix_length()).canonical() == v4->canonical();
    }
    const auto& v6 = std::get<ip::network_v6>(network_);
    return address.is_v6() &&
           ip::network_v6(address.to_v6(), v6.prefix_length()).canonical() == v6.canonical();
}

bool TrustedProxies::trusts(const boost::asio::ip::address& address) const {
    return std::any_of(ranges_.begin(), ranges_.end(),
                       [&](const AddressRange& r) { return r.contains(address); });
}

ForwardedOrigin TrustedProxies::resolve(const boost::asio::ip::address& rawPeer,
                                        std::string_view forwardedFor,
                                        std::string_view forwardedProto,
                                        std::string_view forwardedHost) const {
    auto peer = normalizeAddress(rawPeer);
    ForwardedOrigin origin{peer.to_string(), std::nullopt, std::nullopt};
    if (!trusts(peer)) return origin;

    // Walk X-Forwarded-For from the right while the hops are our own proxies. An element that
    // is not an address stops the walk: the last hop we could read is the best we know.
    std::string_view rest = forwardedFor;
    while (!trim(rest).empty()) {
        auto comma = rest.rfind(',');
        std::string_view element = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        auto hop = parseAddress(element);
        if (!hop) break;
        origin.clientAddress = hop->to_string();
        if (!trusts(*hop)) break;
    }

    std::string_view proto = lastElement(forwardedProto);
    if (proto == "https" || proto == "http") origin.scheme = std::string(proto);
    std::string_view host = lastElement(forwardedHost);
    if (isPlausibleHost(host)) origin.host = std::string(host);
    return origin;
}

}  // namespace sesame::http
