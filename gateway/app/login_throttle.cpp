#include "gateway/app/login_throttle.hpp"

#include "gateway/core/text.hpp"

#include <algorithm>

namespace sesame::app {
namespace {
ThrottleLimit parseLimit(const core::ConfigNode& node, ThrottleLimit fallback,
                         core::ConfigErrors& errors) {
    node.checkKeys(errors, {"attempts", "window"});
    return {node["attempts"].asInt(errors, fallback.attempts, 1, 1'000'000),
            node["window"].asDuration(errors, fallback.window)};
}

}  // namespace

ThrottleConfig ThrottleConfig::parse(const core::ConfigNode& section, core::ConfigErrors& errors) {
    ThrottleConfig config;
    section.checkKeys(errors, {"per_account", "per_address"});
    config.perAccount = parseLimit(section["per_account"], config.perAccount, errors);
    config.perAddress = parseLimit(section["per_address"], config.perAddress, errors);
    return config;
}

std::string LoginThrottle::accountKey(const std::string& directory, const std::string& login) {
    return "acct:" + directory + ":" + core::toLower(login);
}

std::string LoginThrottle::addressKey(const std::string& address) {
    return "addr:" + address;
}

session::Task<Result<ThrottleVerdict>> LoginThrottle::check(const std::string& directory,
                                                            const std::string& login,
                                                            const std::string& address) {
    ThrottleVerdict verdict;
    auto account = co_await store_.counter(accountKey(directory, login));
    if (!account) co_return account.error();
    auto byAddress = co_await store_.counter(addressKey(address));
    if (!byAddress) co_return byAddress.error();
    if (account->count >= config_.perAccount.attempts) {
        verdict.allowed = false;
        verdict.retryAfter = account->ttl;
    }
    if (byAddress->count >= config_.perAddress.attempts) {
        verdict.allowed = false;
        verdict.retryAfter = std::max(verdict.retryAfter, byAddress->ttl);
    }
    co_return verdict;
}

session::Task<Result<void>> LoginThrottle::recordFailure(const std::string& directory,
                                                         const std::string& login,
                                                         const std::string& address) {
    auto a = co_await store_.increment(accountKey(directory, login), config_.perAccount.window);
    if (!a) co_return a.error();
    auto b = co_await store_.increment(addressKey(address), config_.perAddress.window);
    if (!b) co_return b.error();
    co_return Result<void>{};
}

session::Task<Result<void>> LoginThrottle::recordSuccess(const std::string& directory,
                                                         const std::string& login) {
    co_return co_await store_.resetCounter(accountKey(directory, login));
}

}  // namespace sesame::app
