// RESP encoding and decoding through the hiredis wrapper: what goes on the wire and what comes
// back, including replies split across reads (TCP gives no message boundaries).
#include <catch2/catch.hpp>

#include "gateway/session/redis_errc.hpp"
#include "gateway/session/resp.hpp"
#include "test/unit/session/result_printing.hpp"

using namespace sesame::session;

TEST_CASE("commands are formatted as binary-safe RESP arrays", "[unit]") {
    CHECK(formatCommand({"GET", "k"}) == "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    std::string binary("a\r\nb\0c", 6);
    CHECK(formatCommand({"SET", "k", binary}) ==
          "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n" + binary + "\r\n");
}

TEST_CASE("the reader turns every reply type into a RedisReply value", "[unit]") {
    RespReader reader;
    REQUIRE(reader.feed(
        "+OK\r\n-ERR wrong\r\n:42\r\n$-1\r\n$5\r\nhello\r\n*3\r\n:1\r\n$-1\r\n*1\r\n+x\r\n"));
    std::vector<RedisReply> replies;
    while (auto next = reader.next()) {
        REQUIRE(next);
        if (!*next) break;
        replies.push_back(**next);
    }
    REQUIRE(replies.size() == 6);
    CHECK(replies[0].isStatus("OK"));
    CHECK(replies[1].isError());
    CHECK(replies[1].text() == "ERR wrong");
    CHECK(replies[2].asInteger() == 42);
    CHECK(replies[3].isNil());
    CHECK(replies[4] == RedisReply::string("hello"));
    CHECK(replies[5] == RedisReply::array({RedisReply::integer(1), RedisReply::nil(),
                                           RedisReply::array({RedisReply::status("x")})}));
    CHECK(describe(replies[5]) == "[(integer) 1, (nil), [x]]");
}

TEST_CASE("a reply split across reads comes out whole, once", "[unit]") {
    RespReader reader;
    std::string bytes = "$11\r\nhello world\r\n";
    for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
        REQUIRE(reader.feed(bytes.substr(i, 1)));
        auto next = reader.next();
        REQUIRE(next);
        REQUIRE_FALSE(next->has_value());
    }
    REQUIRE(reader.feed(bytes.substr(bytes.size() - 1)));
    auto next = reader.next();
    REQUIRE(next);
    REQUIRE(next->has_value());
    CHECK((*next)->text() == "hello world");
}

TEST_CASE("bytes that are not RESP are a protocol error", "[unit]") {
    RespReader reader;
    REQUIRE(reader.feed("HTTP/1.1 400 Bad Request\r\n"));
    auto next = reader.next();
    REQUIRE_FALSE(next);
    CHECK(next.error() == RedisErrc::protocol_error);
    CHECK_FALSE(reader.lastError().empty());
}

TEST_CASE("an array reply announcing more elements than any reply has is refused at once",
          "[unit]") {
    // hiredis would allocate 7 GB for the element table of these 12 bytes (test/fuzz,
    // corpus/resp_reply/oom-array-count).
    RespReader reader;
    REQUIRE(reader.feed("*922337203\r\n"));
    auto next = reader.next();
    REQUIRE_FALSE(next);
    CHECK(next.error() == RedisErrc::protocol_error);
    CHECK(reader.lastError().find("array reply longer than") != std::string::npos);

    RespReader nested;
    REQUIRE(nested.feed("*2\r\n:1\r\n*2147483647\r\n"));
    CHECK_FALSE(nested.next());
}

TEST_CASE("array replies of ordinary lengths still come out whole", "[unit]") {
    RespReader reader;
    std::string reply = "*1000\r\n";
    for (int i = 0; i < 1000; ++i) reply += ":1\r\n";
    REQUIRE(reader.feed(reply));
    auto next = reader.next();
    REQUIRE(next);
    REQUIRE(next->has_value());
    CHECK((*next)->elements().size() == 1000);
}
