#include "protocols/oidc/client_throttle.hpp"

#include <algorithm>
#include <vector>

namespace sesame::oidc {

ClientThrottle::ClientThrottle(int budget, std::chrono::seconds window, std::size_t maxAddresses)
    : budget_(budget), window_(window.count()), maxAddresses_(maxAddresses) {}

std::int64_t ClientThrottle::retryAfter(const std::string& address, std::int64_t now) const {
    std::lock_guard lock(mutex_);
    auto it = windows_.find(address);
    if (it == windows_.end() || now - it->second.start >= window_ || it->second.failures < budget_)
        return 0;
    return it->second.start + window_ - now;
}

void ClientThrottle::failed(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    if (windows_.size() >= maxAddresses_ && !windows_.count(address)) {
        // Full: drop the windows that are over, else the oldest half.
        std::erase_if(windows_, [&](const auto& e) { return now - e.second.start >= window_; });
        if (windows_.size() >= maxAddresses_) {
            std::vector<std::int64_t> starts;
            for (const auto& [a, w] : windows_) starts.push_back(w.start);
            std::nth_element(starts.begin(), starts.begin() + starts.size() / 2, starts.end());
            auto median = starts[starts.size() / 2];
            std::erase_if(windows_, [&](const auto& e) { return e.second.start <= median; });
        }
    }
    auto& w = windows_[address];
    if (now - w.start >= window_) w = Window{now, 0};
    ++w.failures;
}

}  // namespace sesame::oidc
