#include "gateway/session/redis_errc.hpp"

namespace sesame::session {
namespace {
class RedisCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.session"; }
    std::string message(int ev) const override {
        switch (static_cast<RedisErrc>(ev)) {
            case RedisErrc::ok:
                return "ok";
            case RedisErrc::protocol_error:
                return "redis protocol error";
            case RedisErrc::error_reply:
                return "redis replied with an error";
            case RedisErrc::authentication_failed:
                return "redis authentication failed";
            case RedisErrc::corrupt_value:
                return "stored value does not decode";
            case RedisErrc::tls_setup_failed:
                return "redis TLS material could not be loaded";
        }
        return "unknown sesame.session error";
    }
};
}  // namespace

const boost::system::error_category& redisCategory() noexcept {
    static const RedisCategory category;
    return category;
}

}  // namespace sesame::session
