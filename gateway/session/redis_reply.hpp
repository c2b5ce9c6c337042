#pragma once
// A Redis reply as a plain value (RESP2: nil, integer, bulk string, status, error, array), so
// that no hiredis pointer leaves resp.cpp, the one file that sees hiredis.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sesame::session {

class RedisReply {
  public:
    enum class Type { nil, integer, string, status, error, array };

    RedisReply() = default;  // nil
    static RedisReply nil() { return {}; }
    static RedisReply integer(std::int64_t value);
    static RedisReply string(std::string value);
    static RedisReply status(std::string value);
    static RedisReply error(std::string message);
    static RedisReply array(std::vector<RedisReply> elements);

    Type type() const { return type_; }
    bool isNil() const { return type_ == Type::nil; }
    bool isInteger() const { return type_ == Type::integer; }
    bool isString() const { return type_ == Type::string; }
    bool isStatus() const { return type_ == Type::status; }
    bool isError() const { return type_ == Type::error; }
    bool isArray() const { return type_ == Type::array; }
    // A status reply equal to `expected` ("OK", "PONG", "QUEUED").
    bool isStatus(std::string_view expected) const { return isStatus() && text_ == expected; }

    std::int64_t asInteger() const { return integer_; }  // 0 unless integer
    const std::string& text() const { return text_; }    // string, status or error message
    const std::vector<RedisReply>& elements() const { return elements_; }  // empty unless array

    friend bool operator==(const RedisReply&, const RedisReply&) = default;

  private:
    Type type_ = Type::nil;
    std::int64_t integer_ = 0;
    std::string text_;
    std::vector<RedisReply> elements_;
};

// For test failure messages and debug logs: `(nil)`, `(integer) 3`, `"value"`, `[a, b]`.
std::string describe(const RedisReply& reply);

}  // namespace sesame::session
