#pragma once
// Which peers may speak for the client. Behind a reverse proxy the TCP peer is the proxy, and
// only a proxy we trust may tell us the client address, scheme and host through X-Forwarded-*;
// from anybody else those headers are ignored, or a client could pick its own address and walk
// around per-address throttling (RFC 7239 §8.3 discusses the same risk for Forwarded).
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sesame::http {

// One address or one CIDR block, IPv4 or IPv6: "10.0.0.1", "10.0.0.0/8", "fd00::/8" (read by
// Boost.Asio's make_network_v4/v6).
class AddressRange {
  public:
    static std::optional<AddressRange> parse(std::string_view text);
    bool contains(const boost::asio::ip::address& address) const;

  private:
    std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6> network_;
};

// What a trusted proxy says about the original request; empty when it said nothing usable.
struct ForwardedOrigin {
    std::string clientAddress;
    std::optional<std::string> scheme;  // "http" or "https"
    std::optional<std::string> host;
};

class TrustedProxies {
  public:
    TrustedProxies() = default;
    explicit TrustedProxies(std::vector<AddressRange> ranges) : ranges_(std::move(ranges)) {}

    bool trusts(const boost::asio::ip::address& address) const;
    bool empty() const { return ranges_.empty(); }

    // `forwardedFor` is every X-Forwarded-For value joined by commas, in order. The client is the
    // right-most address that is not a trusted proxy: addresses to its left were written by the
    // client itself and prove nothing.
    ForwardedOrigin resolve(const boost::asio::ip::address& peer, std::string_view forwardedFor,
                            std::string_view forwardedProto, std::string_view forwardedHost) const;

  private:
    std::vector<AddressRange> ranges_;
};

// IPv4-mapped IPv6 addresses (a dual-stack listener) are compared and printed as IPv4.
boost::asio::ip::address normalizeAddress(const boost::asio::ip::address& address);
// A Host value we are willing to pass on: host or host:port, no spaces, slashes or controls.
bool isPlausibleHost(std::string_view host);

}  // namespace sesame::http
