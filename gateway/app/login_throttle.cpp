#include "gateway/app/login_throttle.hpp"

#include "gateway/core/text.hpp"

#include <algorithm>
#include <boost/asio/ip/address_v6.hpp>

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
    section.checkKeys(errors, {"per_account", "per_address", "login_starts_per_address"});
    config.perAccount = parseLimit(section["per_account"], config.perAccount, errors);
    config.perAddress = parseLimit(section["per_address"], config.perAddress, errors);
    config.loginStartsPerAddress =
        parseLimit(section["login_starts_per_address"], config.loginStartsPerAddress, errors);
    return config;
}

std::string LoginThrottle::accountKey(const std::string& directory, const std::string& login) {
    std::string key = "acct:" + directory + ":";
    bool space = false;
    for (char c : core::toLower(login)) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && key.back() != ':') key += ' ';
        space = false;
        key += c;
    }
    return key;
}

std::string LoginThrottle::addressKey(const std::string& address) {
    // An IPv6 client commonly holds a whole /64: counting per /128 would give it endless fresh
    // addresses, so its /64 is the unit.
    boost::system::error_code ec;
    auto parsed = boost::asio::ip::make_address_v6(address, ec);
    if (ec || parsed.is_v4_mapped()) return "addr:" + address;
    auto bytes = parsed.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return "addr:" + boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

session::Task<Result<ThrottleVerdict>> LoginThrottle::reserve(const std::string& directory,
                                                              const std::string& login,
                                                              const std::string& address) {
    auto account =
        co_await store_.increment(accountKey(directory, login), config_.perAccount.window);
    if (!account) co_return account.error();
    auto byAddress = co_await store_.increment(addressKey(address), config_.perAddress.window);
    if (!byAddress) co_return byAddress.error();
    ThrottleVerdict verdict;
    if (account->count > config_.perAccount.attempts) {
        verdict.allowed = false;
        verdict.retryAfter = account->ttl;
    }
    if (byAddress->count > config_.perAddress.attempts) {
        verdict.allowed = false;
        verdict.retryAfter = std::max(verdict.retryAfter, byAddress->ttl);
    }
    // A refused attempt is not made: it must not push the address (a whole school behind one
    // NAT) over its limit because one account is locked.
    if (!verdict.allowed) (void)co_await giveBack(directory, login, address);
    co_return verdict;
}

session::Task<Result<bool>> LoginThrottle::reserveLoginStart(const std::string& address) {
    auto started =
        co_await store_.increment("start:" + address, config_.loginStartsPerAddress.window);
    if (!started) co_return Result<bool>(boost::system::in_place_error, started.error());
    co_return started->count <= config_.loginStartsPerAddress.attempts;
}

session::Task<Result<void>> LoginThrottle::giveBack(const std::string& directory,
                                                    const std::string& login,
                                                    const std::string& address) {
    auto a = co_await store_.increment(accountKey(directory, login), config_.perAccount.window, -1);
    if (!a) co_return a.error();
    auto b = co_await store_.increment(addressKey(address), config_.perAddress.window, -1);
    if (!b) co_return b.error();
    co_return Result<void>{};
}

session::Task<Result<void>> LoginThrottle::recordSuccess(const std::string& directory,
                                                         const std::string& login,
                                                         const std::string& address) {
    auto reset = co_await store_.resetCounter(accountKey(directory, login));
    if (!reset) co_return reset.error();
    auto b = co_await store_.increment(addressKey(address), config_.perAddress.window, -1);
    if (!b) co_return b.error();
    co_return Result<void>{};
}

}  // namespace sesame::app
