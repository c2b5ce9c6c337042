#pragma once
// Throttling of failed logins, per account and per client address, with Redis counters
// (fixed windows). Every attempt is counted before the directory is asked (reserve), so that
// attempts sent in parallel cannot all pass a check made before any of them was counted; a
// refused attempt costs the directory nothing and learns nothing. A success gives its attempt
// back (a school behind one address logs many people in), and so does an attempt that no
// directory could answer.
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
    // Logins started (flows stored in Redis) per client address: bounds what an unauthenticated
    // client can make Redis hold. High: a school behind one address starts many at 8 o'clock.
    ThrottleLimit loginStartsPerAddress{600, std::chrono::minutes(1)};
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
    // Counts one attempt; not allowed (and given back) when either limit is passed.
    session::Task<Result<ThrottleVerdict>> reserve(const std::string& directory,
                                                   const std::string& login,
                                                   const std::string& address);
    // The attempt could not be judged (every directory was unavailable): it does not count.
    session::Task<Result<void>> giveBack(const std::string& directory, const std::string& login,
                                         const std::string& address);
    // The password was right: the account's failures are forgotten, the attempt given back.
    session::Task<Result<void>> recordSuccess(const std::string& directory,
                                              const std::string& login, const std::string& address);
    // Counts one login started from `address`; false when there were too many this window.
    session::Task<Result<bool>> reserveLoginStart(const std::string& address);
    // The key of an account: logins compare without case and without surrounding or repeated
    // spaces, as LDAP's caseIgnoreMatch does (RFC 4518 §2.6.1), so " Prof.Herriot" is the same.
    static std::string accountKey(const std::string& directory, const std::string& login);

  private:
    static std::string addressKey(const std::string& address);
    session::SessionStore& store_;
    ThrottleConfig config_;
};

}  // namespace sesame::app
