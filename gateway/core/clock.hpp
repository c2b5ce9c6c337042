#pragma once
// Time through an interface, so that expiry and timeouts are unit-testable without sleeping.
#include <chrono>
#include <cstdint>

namespace sesame::core {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::int64_t nowSeconds() const = 0;  // unix time
};

class SystemClock final : public Clock {
  public:
    std::int64_t nowSeconds() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

class ManualClock final : public Clock {
  public:
    explicit ManualClock(std::int64_t now = 1'700'000'000) : now_(now) {}
    std::int64_t nowSeconds() const override { return now_; }
    void advance(std::int64_t seconds) { now_ += seconds; }

  private:
    std::int64_t now_;
};

}  // namespace sesame::core
