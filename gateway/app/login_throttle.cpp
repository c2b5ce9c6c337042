#include "gateway/app/login_throttle.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"

namespace sesame::app {
namespace {
using std::chrono::milliseconds;
const core::Logger log{"login"};

ThrottleLimit parseLimit(const core::ConfigNode& node, ThrottleLimit fallback,
                         core::ConfigErrors& errors) {
    node.checkKeys(errors, {"attempts", "window"});
    return {node["attempts"].asInt(errors, fallback.attempts, 1, 1'000'000),
            node["window"].asDuration(errors, fallback.window)};
}

AddressBudget parseBudget(const core::ConfigNode& node, const AddressBudget& fallback,
                          core::ConfigErrors& errors) {
    node.checkKeys(errors, {"attempts", "window", "delay_step", "max_delay"});
    AddressBudget b;
    b.attempts = node["attempts"].asInt(errors, fallback.attempts, 1, 10'000'000);
    b.window = node["window"].asDuration(errors, fallback.window);
    using std::chrono::duration_cast, std::chrono::seconds;
    b.delayStep = node["delay_step"].asDuration(errors, duration_cast<seconds>(fallback.delayStep));
    b.maxDelay = node["max_delay"].asDuration(errors, duration_cast<seconds>(fallback.maxDelay));
    if (b.delayStep.count() == 0) errors.add(node["delay_step"], "must be at least 1s");
    if (b.maxDelay < b.delayStep) errors.add(node["max_delay"], "must be at least delay_step");
    // A delay holds the request open: the load balancer in front gives up first otherwise
    // (etc/haproxy/sesame.cfg: `timeout server 30s`, a 504), and the check takes time too.
    if (b.maxDelay > std::chrono::seconds(20))
        errors.add(node["max_delay"],
                   "must be at most 20s: a delayed login holds its request open, and a load "
                   "balancer's server timeout (30s in etc/haproxy/sesame.cfg) answers 504 first");
    return b;
}

ThrottleNetwork parseNetwork(const core::ConfigNode& node, const ThrottleConfig& defaults,
                             core::ConfigErrors& errors) {
    node.checkKeys(errors, {"range", "per_address", "login_starts_per_address"});
    const auto& rangeNode = node["range"];
    auto text = rangeNode.requiredString(errors);
    auto range = http::AddressRange::parse(text);
    if (!range && !text.empty())
        errors.add(rangeNode, "'" + text +
                                  "' is not an IPv4 or IPv6 address or CIDR block "
                                  "(such as 10.0.0.0/8 or 2001:db8::/48)");
    return {range.value_or(http::AddressRange{}),
            parseBudget(node["per_address"], defaults.perAddress, errors),
            parseLimit(node["login_starts_per_address"], defaults.loginStartsPerAddress, errors)};
}

const ThrottleNetwork* networkOf(const std::vector<ThrottleNetwork>& networks,
                                 const std::string& address) {
    if (networks.empty()) return nullptr;
    boost::system::error_code ec;
    auto parsed = boost::asio::ip::make_address(address, ec);
    if (ec) return nullptr;
    for (const auto& n : networks)
        if (n.range.contains(parsed)) return &n;
    return nullptr;
}

// RFC 4518 §2.2 (Map): what string preparation maps to nothing, and to a space.
bool mapsToNothing(UChar32 c) {
    if (c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x85) return false;
    auto type = u_charType(c);
    return type == U_CONTROL_CHAR || type == U_FORMAT_CHAR || c == 0x00AD || c == 0x1806 ||
           c == 0x034F || (c >= 0x180B && c <= 0x180D) || (c >= 0xFE00 && c <= 0xFE0F) ||
           c == 0xFFFC || c == 0x200B;
}

bool mapsToSpace(UChar32 c) {
    if (c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x85) return true;
    auto type = u_charType(c);
    return type == U_SPACE_SEPARATOR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR;
}

// RFC 4518 §2 for caseIgnoreMatch: map, then NFKC with case folding (§2.3, §2.4: ICU's
// NFKC_Casefold is NFKC with the full case folding of RFC 3454 table B.2), then insignificant
// spaces (§2.6.1): none at the ends, one between words.
std::string prepared(const std::string& login) {
    auto text = icu::UnicodeString::fromUTF8(login);
    icu::UnicodeString mapped;
    for (int32_t i = 0; i < text.length();) {
        UChar32 c = text.char32At(i);
        i += U16_LENGTH(c);
        if (mapsToNothing(c)) continue;
        mapped.append(mapsToSpace(c) ? UChar32{0x20} : c);
    }
    UErrorCode status = U_ZERO_ERROR;
    const auto* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
    icu::UnicodeString folded;
    if (U_SUCCESS(status)) folded = fold->normalize(mapped, status);
    std::string utf8;
    // The login was checked as UTF-8 before: a failure here is ICU's data missing, a broken
    // installation; the ASCII folding is better than nothing.
    if (U_FAILURE(status)) return core::toLower(login);
    folded.toUTF8String(utf8);
    return utf8;
}
}  // namespace

milliseconds AddressBudget::delayFor(std::int64_t counted) const {
    if (counted <= attempts) return milliseconds(0);
    // Linear, not exponential: a school's shared address is slowed by its mistakes in
    // proportion, never shut out; the cap keeps each wait shorter than a browser's patience.
    auto beyond = counted - attempts;
    if (beyond > maxDelay / std::max(delayStep, milliseconds(1))) return maxDelay;
    return std::min(maxDelay, delayStep * beyond);
}

ThrottleConfig ThrottleConfig::parse(const core::ConfigNode& section, core::ConfigErrors& errors) {
    ThrottleConfig config;
    section.checkKeys(errors, {"per_account", "per_address", "login_starts_per_address", "networks",
                               "busy_retry_after", "max_waiting_per_account", "max_waiting"});
    config.perAccount = parseLimit(section["per_account"], config.perAccount, errors);
    config.perAddress = parseBudget(section["per_address"], config.perAddress, errors);
    config.loginStartsPerAddress =
        parseLimit(section["login_starts_per_address"], config.loginStartsPerAddress, errors);
    config.busyRetryAfter = section["busy_retry_after"].asDuration(errors, config.busyRetryAfter);
    if (config.busyRetryAfter.count() < 1)
        errors.add(section["busy_retry_after"], "must be at least 1s");
    config.maxWaitingPerAccount =
        section["max_waiting_per_account"].asInt(errors, config.maxWaitingPerAccount, 1, 100);
    config.maxWaiting = section["max_waiting"].asInt(errors, config.maxWaiting, 1, 1'000'000);
    const auto& networks = section["networks"];
    if (networks.present() && !networks.isSequence()) {
        errors.add(networks, "expected a list of { range: CIDR, per_address: {...} }");
        return config;
    }
    if (networks.present())
        for (const auto& item : networks.items())
            config.networks.push_back(parseNetwork(item, config, errors));
    return config;
}

const AddressBudget& ThrottleConfig::budgetFor(const std::string& address) const {
    const auto* network = networkOf(networks, address);
    return network ? network->perAddress : perAddress;
}

const ThrottleLimit& ThrottleConfig::loginStartsFor(const std::string& address) const {
    const auto* network = networkOf(networks, address);
    return network ? network->loginStartsPerAddress : loginStartsPerAddress;
}

DelayedLogins::Wait::~Wait() {
    if (!owner_) return;
    std::lock_guard lock(owner_->mutex_);
    --owner_->total_;
    auto it = owner_->waiting_.find(waiter_);
    if (it != owner_->waiting_.end() && --it->second <= 0) owner_->waiting_.erase(it);
}

std::optional<DelayedLogins::Wait> DelayedLogins::enter(const std::string& waiter,
                                                        std::int64_t limit,
                                                        std::int64_t nodeLimit) {
    std::lock_guard lock(mutex_);
    if (total_ >= nodeLimit) return std::nullopt;
    auto& count = waiting_[waiter];
    if (count >= limit) {
        if (count == 0) waiting_.erase(waiter);
        return std::nullopt;
    }
    ++count;
    ++total_;
    return Wait(this, waiter);
}

session::Task<bool> DelayedLogins::waitOut(const std::string& address,
                                           const ThrottleVerdict& verdict) {
    if (verdict.delay.count() <= 0) co_return true;
    auto wait = enter(verdict.waiter, verdict.maxWaiting, verdict.maxWaitingOnNode);
    if (!wait) {
        log.warning("login_slowed_refused", {{"client", address}});
        co_return false;
    }
    log.info("login_delayed",
             {{"client", address}, {"delay_ms", std::to_string(verdict.delay.count())}});
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, verdict.delay);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    co_return true;
}

std::int64_t DelayedLogins::waiting(const std::string& waiter) const {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(waiter);
    return it == waiting_.end() ? 0 : it->second;
}

std::int64_t DelayedLogins::waitingOnNode() const {
    std::lock_guard lock(mutex_);
    return total_;
}

std::string LoginThrottle::accountKey(const std::string& directory, const std::string& login) {
    std::string key = "acct:" + directory + ":";
    bool space = false;
    for (char c : prepared(login)) {
        if (c == ' ') {
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

session::Task<Result<ThrottleVerdict>> LoginThrottle::reserve(
    const std::vector<std::string>& directories, const std::string& login,
    const std::string& address) {
    const auto& budget = config_.budgetFor(address);
    ThrottleVerdict verdict;
    for (const auto& directory : directories) {
        auto account =
            co_await store_.increment(accountKey(directory, login), config_.perAccount.window);
        if (!account) co_return account.error();
        if (account->count > config_.perAccount.attempts) {
            verdict.allowed = false;
            verdict.retryAfter = std::max(verdict.retryAfter, account->ttl);
        }
    }
    if (!verdict.allowed) {
        // A refused attempt is not made.
        (void)co_await giveBack(directories, login);
        co_return verdict;
    }
    // The address's failures so far, not its attempts in flight: a school logging 300 pupils
    // in at once is not slowed by the checks still running.
    auto failures = co_await store_.counter(addressKey(address));
    if (!failures) co_return failures.error();
    verdict.delay = budget.delayFor(failures->count + 1);
    verdict.waiter = addressKey(address) + " " + accountKey({}, login);
    verdict.maxWaiting = config_.maxWaitingPerAccount;
    verdict.maxWaitingOnNode = config_.maxWaiting;
    co_return verdict;
}

session::Task<Result<bool>> LoginThrottle::reserveLoginStart(const std::string& address) {
    const auto& limit = config_.loginStartsFor(address);
    auto started = co_await store_.increment("start:" + addressKey(address), limit.window);
    if (!started) co_return Result<bool>(boost::system::in_place_error, started.error());
    co_return started->count <= limit.attempts;
}

session::Task<Result<void>> LoginThrottle::giveBack(const std::vector<std::string>& directories,
                                                    const std::string& login) {
    for (const auto& directory : directories) {
        // Only from a counter whose window still runs: a delay may have outlasted it.
        auto given = co_await store_.decrement(accountKey(directory, login));
        if (!given) co_return given.error();
    }
    co_return Result<void>{};
}

session::Task<Result<void>> LoginThrottle::recordFailure(const std::string& address) {
    auto b = co_await store_.increment(addressKey(address), config_.budgetFor(address).window);
    if (!b) co_return b.error();
    co_return Result<void>{};
}

session::Task<Result<void>> LoginThrottle::recordSuccess(
    const std::vector<std::string>& directories, const std::string& login) {
    // Every directory of the choice: those asked before the one that knew the person counted
    // the attempt too, and must not lock them out after a few good logins.
    for (const auto& directory : directories) {
        auto reset = co_await store_.resetCounter(accountKey(directory, login));
        if (!reset) co_return reset.error();
    }
    co_return Result<void>{};
}

}  // namespace sesame::app
