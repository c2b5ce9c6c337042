#include <catch2/catch.hpp>

#include "gateway/http/trusted_proxies.hpp"

using namespace sesame::http;
namespace {
boost::asio::ip::address ip(const char* text) {
    return boost::asio::ip::make_address(text);
}
TrustedProxies proxies(std::initializer_list<const char*> ranges) {
    std::vector<AddressRange> out;
    for (auto r : ranges) out.push_back(*AddressRange::parse(r));
    return TrustedProxies(out);
}
}  // namespace

TEST_CASE("address ranges match addresses and CIDR blocks", "[unit][http]") {
    auto block = AddressRange::parse("10.1.0.0/16");
    REQUIRE(block);
    CHECK(block->contains(ip("10.1.255.3")));
    CHECK_FALSE(block->contains(ip("10.2.0.1")));
    CHECK(block->contains(ip("::ffff:10.1.0.9")));  // dual-stack listener
    auto odd = AddressRange::parse("192.168.1.128/25");
    CHECK(odd->contains(ip("192.168.1.200")));
    CHECK_FALSE(odd->contains(ip("192.168.1.127")));
    auto v6 = AddressRange::parse("fd00::/8");
    CHECK(v6->contains(ip("fd12::1")));
    CHECK_FALSE(v6->contains(ip("10.0.0.1")));
    auto one = AddressRange::parse("203.0.113.5");
    CHECK(one->contains(ip("203.0.113.5")));
    CHECK_FALSE(one->contains(ip("203.0.113.6")));
    CHECK(AddressRange::parse("0.0.0.0/0")->contains(ip("8.8.8.8")));
    for (const char* bad : {"10.0.0.0/33", "fd00::/129", "proxy.local", "10.0.0.0/", "", "1.2.3"})
        CHECK_FALSE(AddressRange::parse(bad));
}

TEST_CASE("the client is the right-most address that is not a trusted proxy", "[unit][http]") {
    auto trusted = proxies({"10.0.0.0/8"});
    SECTION("from an untrusted peer the headers are ignored") {
        auto o = trusted.resolve(ip("198.51.100.1"), "1.2.3.4", "https", "evil.test");
        CHECK(o.clientAddress == "198.51.100.1");
        CHECK_FALSE(o.scheme);
        CHECK_FALSE(o.host);
    }
    SECTION("a chain of proxies") {
        auto o = trusted.resolve(ip("10.0.0.1"), "6.6.6.6, 203.0.113.9,10.0.0.7", "https",
                                 "sso.example.fr");
        CHECK(o.clientAddress == "203.0.113.9");  // 6.6.6.6 was written by the client
        CHECK(o.scheme == "https");
        CHECK(o.host == "sso.example.fr");
    }
    SECTION("only proxies: the left-most one") {
        auto o = trusted.resolve(ip("10.0.0.1"), "10.0.0.3, 10.0.0.2", "", "");
        CHECK(o.clientAddress == "10.0.0.3");
    }
    SECTION("garbage stops the walk at the last readable hop") {
        auto o = trusted.resolve(ip("10.0.0.1"), "203.0.113.9, unknown, 10.0.0.2", "", "");
        CHECK(o.clientAddress == "10.0.0.2");
    }
    SECTION("no header: the peer") {
        auto o = trusted.resolve(ip("10.0.0.1"), "", "", "");
        CHECK(o.clientAddress == "10.0.0.1");
    }
    SECTION("odd schemes and hosts are dropped") {
        auto o = trusted.resolve(ip("10.0.0.1"), "", "javascript", "a b/c");
        CHECK_FALSE(o.scheme);
        CHECK_FALSE(o.host);
    }
}
