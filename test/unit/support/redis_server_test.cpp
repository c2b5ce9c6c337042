// RedisServer is how Sesame's tests get a real Redis, and how they take it away in the middle of a
// test ("Redis stopped gives a 503, service resumes when it is back"): restart keeps the port.
#include <catch2/catch.hpp>

#include "test/support/harness_error.hpp"
#include "test/support/http_client.hpp"
#include "test/support/servers.hpp"

using namespace sesame::testing;

namespace {
RawOptions halfClosing() {
    RawOptions o;
    o.closeWrite = true;  // redis replies, then closes on end of input
    return o;
}
}  // namespace

TEST_CASE("redis-server starts on a free port and can be stopped and restarted", "[redis]") {
    RedisServer redis;
    const int port = redis.port();
    CHECK(redis.command({"SET", "sesame:test", "1"}) == "OK");
    CHECK(redis.command({"GETDEL", "sesame:test"}) == "1");
    CHECK(redis.command({"GET", "sesame:test"}) == "(nil)");

    redis.stop();
    CHECK_FALSE(redis.running());
    CHECK_FALSE(tcpAccepts("127.0.0.1", port));
    CHECK_THROWS_AS(redis.command({"PING"}), HarnessError);

    redis.start();
    CHECK(redis.port() == port);
    CHECK(redis.command({"PING"}) == "PONG");
    // --save '' --appendonly no: nothing survives a restart.
    CHECK(redis.command({"DBSIZE"}) == "0");
}

TEST_CASE("a password-protected redis-server refuses clients without it", "[redis]") {
    RedisOptions options;
    options.password = "s3cret";
    RedisServer redis(options);
    CHECK(redis.command({"PING"}) == "PONG");
    std::string reply =
        rawExchange("127.0.0.1", redis.port(), "*1\r\n$4\r\nPING\r\n", halfClosing());
    CHECK(reply.rfind("-NOAUTH", 0) == 0);
}
