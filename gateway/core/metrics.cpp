#include "gateway/core/metrics.hpp"

#include <cstdio>

namespace sesame::core {
namespace {
std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string labelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        if (!out.empty()) out += ',';
        out += names[i] + "=\"" + escapeLabel(values[i]) + "\"";
    }
    if (!extra.empty()) {
        if (!out.empty()) out += ',';
        out += extra;
    }
    return out.empty() ? std::string{} : "{" + out + "}";
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
}  // namespace

template <class S>
ValueFamily<S>::ValueFamily(std::string name, std::string help, std::vector<std::string> labels,
                            std::string type)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      labels_(std::move(labels)) {}

template <class S>
S& ValueFamily<S>::series(const std::vector<std::string>& labelValues) {
    std::lock_guard lock(mutex_);
    auto it = values_.find(labelValues);
    if (it == values_.end()) it = values_.try_emplace(labelValues).first;
    return it->second;
}

template <class S>
double ValueFamily<S>::value(const std::vector<std::string>& labelValues) const {
    std::lock_guard lock(mutex_);
    auto it = values_.find(labelValues);
    return it == values_.end() ? 0 : it->second.value();
}

template <class S>
void ValueFamily<S>::render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + type_ + "\n";
    std::lock_guard lock(mutex_);
    for (const auto& [labels, v] : values_)
        out += name_ + labelText(labels_, labels) + " " + number(v.value()) + "\n";
}

template class ValueFamily<CounterSeries>;
template class ValueFamily<GaugeSeries>;

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> labels, std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      bounds_(std::move(bounds)) {}

HistogramFamily::Series::Series(const std::vector<double>& bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
    for (std::size_t i = 0; i <= bounds.size(); ++i) buckets_[i] = 0;
}

void HistogramFamily::Series::observe(double value) {
    // The first bound at or above the value (Prometheus buckets are "le").
    std::size_t i = 0;
    while (i < bounds_.size() && !(value <= bounds_[i])) ++i;  // NaN: above every bound
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

void HistogramFamily::observe(const std::vector<std::string>& labelValues, double value) {
    series(labelValues).observe(value);
}

HistogramFamily::Series& HistogramFamily::series(const std::vector<std::string>& labelValues) {
    std::lock_guard lock(mutex_);
    auto it = series_.find(labelValues);
    if (it == series_.end()) it = series_.try_emplace(labelValues, bounds_).first;
    return it->second;
}

void HistogramFamily::render(std::string& out) const {
    out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " histogram\n";
    std::lock_guard lock(mutex_);
    for (const auto& [labels, s] : series_) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < bounds_.size(); ++i) {
            cumulative += s.buckets_[i].load(std::memory_order_relaxed);
            out += name_ + "_bucket" +
                   labelText(labels_, labels, "le=\"" + number(bounds_[i]) + "\"") + " " +
                   std::to_string(cumulative) + "\n";
        }
        cumulative += s.buckets_[bounds_.size()].load(std::memory_order_relaxed);
        out += name_ + "_bucket" + labelText(labels_, labels, "le=\"+Inf\"") + " " +
               std::to_string(cumulative) + "\n";
        out += name_ + "_sum" + labelText(labels_, labels) + " " +
               number(s.sum_.load(std::memory_order_relaxed)) + "\n";
        out +=
            name_ + "_count" + labelText(labels_, labels) + " " + std::to_string(cumulative) + "\n";
    }
}

CounterFamily& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    for (auto& [n, c] : counters_)
        if (n == name) return *c;
    counters_.emplace_back(name, std::make_unique<CounterFamily>(name, help, std::move(labels)));
    return *counters_.back().second;
}

GaugeFamily& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                    std::vector<std::string> labels) {
    std::lock_guard lock(mutex_);
    for (auto& [n, g] : gauges_)
        if (n == name) return *g;
    gauges_.emplace_back(name, std::make_unique<GaugeFamily>(name, help, std::move(labels)));
    return *gauges_.back().second;
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> labels,
                                            std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    for (auto& [n, h] : histograms_)
        if (n == name) return *h;
    histograms_.emplace_back(
        name, std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(bounds)));
    return *histograms_.back().second;
}

std::string MetricsRegistry::render() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& [n, c] : counters_) c->render(out);
    for (const auto& [n, g] : gauges_) g->render(out);
    for (const auto& [n, h] : histograms_) h->render(out);
    return out;
}

SesameMetrics::SesameMetrics(MetricsRegistry& r)
    : requests(r.counter("sesame_http_requests_total", "HTTP requests by route and status",
                         {"route", "status"})),
      latency(
          r.histogram("sesame_http_request_duration_seconds", "Request latency by route", {"route"},
                      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      logins(r.counter("sesame_logins_total", "Login attempts by directory and result",
                       {"directory", "result"})),
      ticketsIssued(r.counter("sesame_tickets_issued_total", "Tickets issued by kind", {"kind"})),
      ticketsValidated(r.counter("sesame_tickets_validated_total",
                                 "Ticket validations by kind and result", {"kind", "result"})),
      redisErrors(
          r.counter("sesame_redis_errors_total", "Redis errors by operation", {"operation"})),
      singleLogouts(r.counter("sesame_single_logout_total",
                              "Back-channel logout requests sent, by result", {"result"})),
      passwordQueueDepth(r.gauge("sesame_password_queue_depth",
                                 "Password checks waiting for a directory thread, by directory",
                                 {"directory"})),
      passwordQueueWait(r.histogram(
          "sesame_password_queue_wait_seconds",
          "Time a password check waited for a directory thread, by directory", {"directory"},
          {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      loginsShed(r.counter("sesame_logins_shed_total",
                           "Logins answered at once with 503: the directory's queue was full",
                           {"directory"})) {}

}  // namespace sesame::core
