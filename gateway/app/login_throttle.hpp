#pragma once
// Throttling of failed logins, per account and per client address, with Redis counters
// (fixed windows). Every attempt on an account is counted before the directory is asked
// (reserve), so that attempts sent in parallel cannot all pass a check made before any of them
// was counted; a refused attempt costs the directory nothing and learns nothing. An account is
// counted per directory (each directory of a portal choice, so that two choices sharing a
// directory share its counter). A success clears the account's failures; an attempt that no
// directory judged is given back. An address counts its failures only (recordFailure), once a
// directory has answered.
//
// The two limits answer two threats. Guessing one account's password: past `per_account` the
// account is refused until its window ends. Guessing many accounts from one address: but a whole
// school sits behind one NAT address, and 300 pupils who mistype must not lock each other out, so
// an address is never refused: past its free budget each failure adds a delay before its next
// logins are checked (capped), and configured network ranges (a school's, an academy's) get
// larger budgets.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/core/config_node.hpp"
#include "gateway/http/trusted_proxies.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::app {

struct ThrottleLimit {
    std::int64_t attempts = 5;
    std::chrono::seconds window{std::chrono::minutes(15)};
};

// Failed logins from one client address: `attempts` free per `window`, then each failure adds
// `delayStep` to the wait of the address's next logins, up to `maxDelay`.
struct AddressBudget {
    std::int64_t attempts = 50;
    std::chrono::seconds window{std::chrono::minutes(15)};
    std::chrono::milliseconds delayStep{std::chrono::seconds(1)};
    std::chrono::milliseconds maxDelay{std::chrono::seconds(10)};

    // The wait of a login that is the address's `counted`-th attempt this window.
    std::chrono::milliseconds delayFor(std::int64_t counted) const;
};

// A network range with budgets of its own (a school's or an academy's NAT).
struct ThrottleNetwork {
    http::AddressRange range;
    AddressBudget perAddress;
    ThrottleLimit loginStartsPerAddress;
};

struct ThrottleConfig {
    ThrottleLimit perAccount{5, std::chrono::minutes(15)};
    AddressBudget perAddress;
    // Logins started (flows stored in Redis) per client address: bounds what an unauthenticated
    // client can make Redis hold. High: a school behind one address starts many at 8 o'clock.
    ThrottleLimit loginStartsPerAddress{600, std::chrono::minutes(1)};
    std::vector<ThrottleNetwork> networks;  // the first range holding the address wins
    // Retry-After of a login refused because its directory's queue was full.
    std::chrono::seconds busyRetryAfter{5};
    // Slowed logins waiting at once on a node: per account from one address (one pupil's
    // repeated submits must not use up the waits of a whole school behind its NAT), and in all
    // (each holds a connection and a little memory).
    std::int64_t maxWaitingPerAccount = 2;
    std::int64_t maxWaiting = 10'000;

    const AddressBudget& budgetFor(const std::string& address) const;
    const ThrottleLimit& loginStartsFor(const std::string& address) const;
    static ThrottleConfig parse(const core::ConfigNode& section, core::ConfigErrors& errors);
};

struct ThrottleVerdict {
    bool allowed = true;  // false: the account is refused until retryAfter
    std::chrono::seconds retryAfter{0};
    std::chrono::milliseconds delay{0};  // the address is slowed: wait this long first
    std::string waiter;                  // who waits: the address (IPv6 /64) and the account
    std::int64_t maxWaiting = 0;         // logins of that waiter that may wait at once (per node)
    std::int64_t maxWaitingOnNode = 0;   // logins that may wait at once on the node, in all
};

// The delayed logins waiting on this node, per waiter (an address and an account) and in all,
// shared by the workers: nobody piles up connections by sending logins faster than their delay,
// and one client behind a school's address cannot use up the waits of the others.
class DelayedLogins {
  public:
    class Wait {
      public:
        Wait(Wait&& other) noexcept
            : owner_(std::exchange(other.owner_, nullptr)), waiter_(std::move(other.waiter_)) {}
        Wait& operator=(Wait&&) = delete;
        ~Wait();

      private:
        friend class DelayedLogins;
        Wait(DelayedLogins* owner, std::string waiter)
            : owner_(owner), waiter_(std::move(waiter)) {}
        DelayedLogins* owner_;
        std::string waiter_;
    };
    // Waits out the verdict's delay (none: at once) on a timer of the caller's executor, no
    // thread held; false at once when its waiter already has verdict.maxWaiting logins waiting,
    // or the node verdict.maxWaitingOnNode. `address` is for the log.
    session::Task<bool> waitOut(const std::string& address, const ThrottleVerdict& verdict);
    // A place among the `limit` waits of `waiter` and the `nodeLimit` of the node, or nothing
    // when either are all taken.
    std::optional<Wait> enter(const std::string& waiter, std::int64_t limit,
                              std::int64_t nodeLimit);
    std::int64_t waiting(const std::string& waiter) const;
    std::int64_t waitingOnNode() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> waiting_;
    std::int64_t total_ = 0;
};

class LoginThrottle {
  public:
    LoginThrottle(session::SessionStore& store, ThrottleConfig config)
        : store_(store), config_(std::move(config)) {}
    // Counts one attempt on the account in each of `directories` (a portal choice's). Refused
    // (and given back) when the account passed its limit in any of them; slowed down (delay)
    // when the address's failures passed its free budget.
    session::Task<Result<ThrottleVerdict>> reserve(const std::vector<std::string>& directories,
                                                   const std::string& login,
                                                   const std::string& address);
    // The attempt was not made (no directory judged the password, or it was not let in): it
    // does not count.
    session::Task<Result<void>> giveBack(const std::vector<std::string>& directories,
                                         const std::string& login);
    // A directory said the password was wrong: one more failure for the address (the attempt
    // stays counted on the account).
    session::Task<Result<void>> recordFailure(const std::string& address);
    // The password was right: the account's failures in `directories` are forgotten.
    session::Task<Result<void>> recordSuccess(const std::vector<std::string>& directories,
                                              const std::string& login);
    // Counts one login started from `address` (IPv6: its /64); false when there were too many
    // this window.
    session::Task<Result<bool>> reserveLoginStart(const std::string& address);
    // The key of an account: logins compare as LDAP's caseIgnoreMatch compares them (RFC 4518
    // string preparation: mapping, NFKC, case folding, insignificant spaces), so " Prof.Herriot"
    // and a full-width "ｐrof.herriot" are the account the directory finds for "prof.herriot".
    static std::string accountKey(const std::string& directory, const std::string& login);
    // The counter of an address: IPv6 by its /64.
    static std::string addressKey(const std::string& address);

  private:
    session::SessionStore& store_;
    ThrottleConfig config_;
};

}  // namespace sesame::app
