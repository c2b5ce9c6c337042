#pragma once
// Throttling of failed logins, per account and per client address, with Redis counters
// (fixed windows). A throttled attempt is refused before the directory is asked, so that a
// password-guessing run costs the directory nothing and learns nothing.
#include <chrono>
#include <string>

#include "gateway/core/config_node.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::app {

struct ThrottleLimit {
    std::int64_t attempts = 5;
    std::chrono::seconds window{std::chrono::minutes(15)};
};

struct ThrottleConfig {
    ThrottleLimit perAccount{5, std::chrono::minutes(15)};
    ThrottleLimit perAddress{50, std::chrono::minutes(15)};
    static ThrottleConfig parse(const core::ConfigNode& section, core::ConfigErrors& errors);
};

struct ThrottleVerdict {
    bool allowed = true;
    std::chrono::seconds retryAfter{0};
};

class LoginThrottle {
  public:
    LoginThrottle(session::SessionStore& store, ThrottleConfig config)
        : store_(store), config_(config) {}
    session::Task<Result<ThrottleVerdict>> check(const std::string& directory,
                                                 const std::string& login,
                                                 const std::string& address);
    session::Task<Result<void>> recordFailure(const std::string& directory,
                                              const std::string& login, const std::string& address);
    session::Task<Result<void>> recordSuccess(const std::string& directory,
                                              const std::string& login);

  private:
    static std::string accountKey(const std::string& directory, const std::string& login);
    static std::string addressKey(const std::string& address);
    session::SessionStore& store_;
    ThrottleConfig config_;
};

}  // namespace sesame::app
