#pragma once
// Failed client authentications at the token, introspection and revocation endpoints, counted per
// client address by each worker of a node: past `budget` failures in `window`, the address's next
// attempts are refused (429) before any secret is compared, so that a client secret cannot be
// guessed quickly. In memory on purpose: a successful exchange costs no Redis round trip, and a
// second worker or node only multiplies an attacker's budget by the number of them (docs/oidc.md).
// Bounded: the table never holds more than `maxAddresses` addresses (the oldest windows are dropped
// first).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sesame::oidc {

class ClientThrottle {
  public:
    ClientThrottle(int budget = 20, std::chrono::seconds window = std::chrono::minutes(5),
                   std::size_t maxAddresses = 10000);
    // Seconds until the address may try again; 0: it may try now.
    std::int64_t retryAfter(const std::string& address, std::int64_t now) const;
    void failed(const std::string& address, std::int64_t now);

  private:
    struct Window {
        std::int64_t start = 0;
        int failures = 0;
    };
    int budget_;
    std::int64_t window_;
    std::size_t maxAddresses_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
};

}  // namespace sesame::oidc
