#include "gateway/session/redis_reply.hpp"

namespace sesame::session {

RedisReply RedisReply::integer(std::int64_t value) {
    RedisReply r;
    r.type_ = Type::integer;
    r.integer_ = value;
    return r;
}

RedisReply RedisReply::string(std::string value) {
    RedisReply r;
    r.type_ = Type::string;
    r.text_ = std::move(value);
    return r;
}

RedisReply RedisReply::status(std::string value) {
    RedisReply r = string(std::move(value));
    r.type_ = Type::status;
    return r;
}

RedisReply RedisReply::error(std::string message) {
    RedisReply r = string(std::move(message));
    r.type_ = Type::error;
    return r;
}

RedisReply RedisReply::array(std::vector<RedisReply> elements) {
    RedisReply r;
    r.type_ = Type::array;
    r.elements_ = std::move(elements);
    return r;
}

std::string describe(const RedisReply& reply) {
    switch (reply.type()) {
        case RedisReply::Type::nil:
            return "(nil)";
        case RedisReply::Type::integer:
            return "(integer) " + std::to_string(reply.asInteger());
        case RedisReply::Type::string:
            return '"' + reply.text() + '"';
        case RedisReply::Type::status:
            return reply.text();
        case RedisReply::Type::error:
            return "(error) " + reply.text();
        case RedisReply::Type::array: {
            std::string out = "[";
            for (const auto& e : reply.elements())
                out += (out.size() > 1 ? ", " : "") + describe(e);
            return out + "]";
        }
    }
    return "?";
}

}  // namespace sesame::session
