// What RedisClient reads from sentinels and masters during discovery and failover, on reply
// values (the real exchanges are in redis_sentinel_client_test.cpp).
#include <catch2/catch.hpp>

#include "gateway/session/redis_sentinel.hpp"

using namespace sesame::session;
using R = RedisReply;

TEST_CASE("a sentinel's master address is read, IPv6 and names included", "[unit]") {
    auto answer = readMasterAddress(R::array({R::string("10.0.0.5"), R::string("6380")}));
    REQUIRE(answer.master);
    CHECK(*answer.master == RedisEndpoint{"10.0.0.5", 6380});

    auto v6 = readMasterAddress(R::array({R::string("2001:db8::5"), R::string("6379")}));
    REQUIRE(v6.master);
    CHECK(v6.master->text() == "[2001:db8::5]:6379");

    auto name = readMasterAddress(R::array({R::string("redis-a.ac-demo.fr"), R::string("6379")}));
    REQUIRE(name.master);
    CHECK(name.master->host == "redis-a.ac-demo.fr");
}

TEST_CASE("a sentinel that cannot name the master says why", "[unit]") {
    CHECK(readMasterAddress(R::nil()).problem == "does not know this master name");
    CHECK(readMasterAddress(R::error("NOAUTH Authentication required.")).problem ==
          "refused: NOAUTH Authentication required.");
    CHECK_FALSE(readMasterAddress(R::array({R::string("10.0.0.5")})).master);
    CHECK_FALSE(readMasterAddress(R::array({R::string("10.0.0.5"), R::string("0")})).master);
    CHECK_FALSE(readMasterAddress(R::array({R::string("10.0.0.5"), R::string("70000")})).master);
    CHECK_FALSE(readMasterAddress(R::array({R::string(""), R::string("6379")})).master);
    CHECK_FALSE(readMasterAddress(R::array({R::string("h"), R::string("63x")})).master);
    CHECK_FALSE(readMasterAddress(R::string("10.0.0.5:6379")).master);
}

TEST_CASE("only a server whose ROLE says master is taken as the master", "[unit]") {
    CHECK(isMasterRole(R::array({R::string("master"), R::integer(3129), R::array({})})));
    // A stale sentinel answer: the old master, demoted since.
    CHECK_FALSE(isMasterRole(R::array({R::string("slave"), R::string("10.0.0.6"), R::integer(6379),
                                       R::string("connected"), R::integer(3129)})));
    CHECK_FALSE(isMasterRole(R::array({R::string("sentinel"), R::array({})})));
    CHECK_FALSE(isMasterRole(R::error("NOPERM this user has no permissions to run 'role'")));
    CHECK_FALSE(isMasterRole(R::array({})));
}

TEST_CASE("a +switch-master message gives the new master of our name only", "[unit]") {
    auto message = [](std::string text) {
        return R::array({R::string("message"), R::string("+switch-master"), R::string(text)});
    };
    auto next = readSwitchMaster(message("sesame 127.0.0.1 6379 127.0.0.1 6380"), "sesame");
    REQUIRE(next);
    CHECK(*next == RedisEndpoint{"127.0.0.1", 6380});
    auto v6 = readSwitchMaster(message("sesame ::1 6379 ::1 6380"), "sesame");
    REQUIRE(v6);
    CHECK(v6->text() == "[::1]:6380");

    CHECK_FALSE(readSwitchMaster(message("other 127.0.0.1 6379 127.0.0.1 6380"), "sesame"));
    CHECK_FALSE(readSwitchMaster(message("sesame 127.0.0.1 6379"), "sesame"));
    CHECK_FALSE(readSwitchMaster(message("sesame 127.0.0.1 6379 127.0.0.1 x"), "sesame"));
    // The subscription's confirmation is not a switch.
    CHECK_FALSE(readSwitchMaster(
        R::array({R::string("subscribe"), R::string("+switch-master"), R::integer(1)}), "sesame"));
}

TEST_CASE("READONLY is recognised alone and inside a transaction", "[unit]") {
    CHECK(isReadOnlyError(R::error("READONLY You can't write against a read only replica.")));
    CHECK(isReadOnlyError(R::array({R::status("OK"), R::error("READONLY You can't write")})));
    CHECK_FALSE(isReadOnlyError(R::error("ERR wrong number of arguments")));
    CHECK_FALSE(isReadOnlyError(R::string("READONLY")));  // a stored value, not an error
    CHECK_FALSE(isReadOnlyError(R::status("OK")));
}

TEST_CASE("the sentinel that answered is asked first next time, the others keep their order",
          "[unit]") {
    std::vector<RedisEndpoint> list{{"a", 1}, {"b", 2}, {"c", 3}};
    preferSentinel(list, 2);
    CHECK(list == std::vector<RedisEndpoint>{{"c", 3}, {"a", 1}, {"b", 2}});
    preferSentinel(list, 0);
    CHECK(list == std::vector<RedisEndpoint>{{"c", 3}, {"a", 1}, {"b", 2}});
    preferSentinel(list, 7);  // out of range: unchanged
    CHECK(list.size() == 3);
}
