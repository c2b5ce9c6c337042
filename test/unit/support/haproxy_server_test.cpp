// The HAProxy launcher of the two-node tests: without haproxy they must fail and say what to
// install, not hang or skip.
#include <catch2/catch.hpp>

#include "test/support/servers.hpp"

using namespace sesame::testing;

TEST_CASE("a missing haproxy is named in the error, with the package to install", "[unit]") {
    HaproxyOptions options;
    options.node1 = "127.0.0.1:1";
    options.node2 = "127.0.0.1:2";
    options.binary = "/nonexistent/haproxy";
    CHECK_THROWS_WITH(HaproxyServer(options), Catch::Contains("/nonexistent/haproxy is missing") &&
                                                  Catch::Contains("install haproxy"));
}
