#pragma once
// Prometheus text-format metrics (exposition format 0.0.4). Families are created once at start
// (see gateway/app) and incremented from any thread; /metrics renders them all. A hot path
// resolves its series once (series()) and then increments it with atomics only, no lookup and
// no lock; inc()/observe() with label values do the lookup each time.
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sesame::core {

// A family of one-number series by label values: counters and gauges differ only in how their
// series change and in the TYPE line.
template <class S>
class ValueFamily {
  public:
    using Series = S;
    ValueFamily(std::string name, std::string help, std::vector<std::string> labels,
                std::string type);
    double value(const std::vector<std::string>& labelValues) const;
    // The series of these label values, created (and so rendered, at 0) if it was not there:
    // resolve it when it is first incremented.
    Series& series(const std::vector<std::string>& labelValues);
    void render(std::string& out) const;

  private:
    std::string name_, help_, type_;
    std::vector<std::string> labels_;
    mutable std::mutex mutex_;                           // guards the map, not the values
    std::map<std::vector<std::string>, Series> values_;  // nodes never move: handles stay valid
};

// One labelled counter; lives as long as its family.
class CounterSeries {
  public:
    void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

// One labelled gauge (queue depths). Changed with add(±1) only, so that updates from several
// threads commute and the gauge never keeps a stale value.
class GaugeSeries {
  public:
    void add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

class CounterFamily : public ValueFamily<CounterSeries> {
  public:
    CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
        : ValueFamily(std::move(name), std::move(help), std::move(labels), "counter") {}
    void inc(const std::vector<std::string>& labelValues, double by = 1) {
        series(labelValues).inc(by);
    }
};

class GaugeFamily : public ValueFamily<GaugeSeries> {
  public:
    GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
        : ValueFamily(std::move(name), std::move(help), std::move(labels), "gauge") {}
};

class HistogramFamily {
  public:
    HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                    std::vector<double> bounds);
    // One labelled histogram; lives as long as its family.
    class Series {
      public:
        explicit Series(const std::vector<double>& bounds);
        void observe(double value);

      private:
        friend class HistogramFamily;
        const std::vector<double>& bounds_;
        // Per bucket, not cumulative (one increment per observation); the last one is above
        // every bound. Rendering sums them, and takes the count from the same sum.
        std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
        std::atomic<double> sum_{0};
    };

    void observe(const std::vector<std::string>& labelValues, double value);
    // As CounterFamily::series.
    Series& series(const std::vector<std::string>& labelValues);
    void render(std::string& out) const;

  private:
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
    GaugeFamily& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels);
    HistogramFamily& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels, std::vector<double> bounds);
    std::string render() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, std::unique_ptr<CounterFamily>>> counters_;
    std::vector<std::pair<std::string, std::unique_ptr<GaugeFamily>>> gauges_;
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
    // Login storms (gateway/core/blocking_work.hpp): per directory.
    GaugeFamily& passwordQueueDepth;     // directory: checks waiting for a thread
    HistogramFamily& passwordQueueWait;  // directory: seconds a check waited for a thread
    CounterFamily& loginsShed;           // directory: logins refused at once, queue full
};

}  // namespace sesame::core
