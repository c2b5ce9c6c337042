#pragma once
// Prometheus text-format metrics (exposition format 0.0.4). Families are created once at start
// (see gateway/app) and incremented from any thread; /metrics renders them all.
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sesame::core {

class CounterFamily {
  public:
    CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
    void inc(const std::vector<std::string>& labelValues, double by = 1);
    double value(const std::vector<std::string>& labelValues) const;
    void render(std::string& out) const;

  private:
    std::string name_, help_;
    std::vector<std::string> labels_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, double> values_;
};

class HistogramFamily {
  public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                    std::vector<double> bounds);
    void observe(const std::vector<std::string>& labelValues, double value);
    void render(std::string& out) const;

  private:
    struct Series {
        std::vector<std::uint64_t> buckets;
        double sum = 0;
        std::uint64_t count = 0;
    };
    std::string name_, help_;
    std::vector<std::string> labels_;
    std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, Series> series_;
};

class MetricsRegistry {
  public:
    CounterFamily& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels);
    HistogramFamily& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels, std::vector<double> bounds);
    std::string render() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, std::unique_ptr<CounterFamily>>> counters_;
    std::vector<std::pair<std::string, std::unique_ptr<HistogramFamily>>> histograms_;
};

// The metrics Sesame exposes, named once so that every module increments the same families.
struct SesameMetrics {
    explicit SesameMetrics(MetricsRegistry& registry);
    CounterFamily& requests;          // route, status
    HistogramFamily& latency;         // route
    CounterFamily& logins;            // directory, result
    CounterFamily& ticketsIssued;     // kind (ST, PT, PGT)
    CounterFamily& ticketsValidated;  // kind, result
    CounterFamily& redisErrors;       // operation
    CounterFamily& singleLogouts;     // result
};

}  // namespace sesame::core
