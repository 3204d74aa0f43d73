// MetricsRegistry: counters, gauges and histograms, rendered in the
// Prometheus text exposition format, version 0.0.4.
//
// A metric family has a name, a help text and a fixed list of label names,
// all given once at registration. Its children are the time series, one per
// distinct list of label values, created on first use:
//
//   MetricsRegistry registry;
//   CounterFamily& requests = registry.counter(
//       "app_requests_total", "Requests handled.", {"route", "method"});
//   requests.labels({"/v1/jobs", "GET"}).inc();
//   std::string body = registry.render();  // served with kPrometheusContentType
//
// Names. Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* and may not start with "__"; a histogram may not
// have a label "le". A counter's name must end in "_total" (it is rendered as
// given), and no other type's name may. Registering a name twice, or a name
// that collides with a series another family renders (a histogram "x" owns
// x_bucket, x_sum and x_count), is a bug: std::logic_error. So are a bad
// name, the wrong number of label values, a counter going down, and unsorted
// histogram bounds; these are all mistakes in the calling code, not input.
//
// Cardinality. Each family holds at most `max_children` children (default
// kDefaultMaxChildren). Once that many exist, label values not seen before
// all go to one extra child whose label values are all "other"
// (kOverflowLabelValue), so a family renders at most max_children + 1
// series. Its totals stay right; only the breakdown is lost. A family
// without labels has exactly one child, which exists (at 0) from
// registration on.
//
// Callback gauges. For values that live elsewhere (jobs by status in the
// store), register a gauge callback: render() calls it and renders what it
// returns. It runs on the scraping thread with no lock of this registry
// held, must be quick and must not throw; when its source cannot be read it
// returns an empty list (the family then renders its HELP and TYPE lines
// only). Samples with equal label values are added together, and the same
// cardinality cap applies.
//
// Process metrics. With Options::process_metrics, render() also reads
// /proc/self (Linux) and renders the process_* families the standard client
// libraries export: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds,
// process_open_fds and process_max_fds. A value that cannot be read is left
// out rather than guessed.
//
// Output. Families render in registration order (process metrics last),
// children sorted by label values. Each family has "# HELP" and "# TYPE"
// lines even while it has no children. Label values escape \ " and newline
// as \\ \" \n; help text escapes \ and newline. Numbers are written so
// Prometheus parses them: integers without an exponent ("1000000"), other
// values in the shortest form that reads back exactly, and +Inf, -Inf, NaN.
//
// Thread safety: every method of every class here may be called from any
// thread. Registration and render() take the registry's mutex; resolving a
// child takes its family's mutex for a map lookup that allocates nothing
// once the child exists. A child reference (Counter&, Gauge&, Histogram&)
// stays valid as long as the registry and may be kept as a pre-resolved
// handle: updating it is lock-free (atomics) and never allocates. render()
// sees each child's value at some moment during the call; a histogram's
// buckets and _count always agree, its _sum may be one observation apart.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scriptmesh {

// The Content-Type of render()'s output.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";
// Children a family holds before new label values go to the overflow child.
inline constexpr std::size_t kDefaultMaxChildren = 1000;
// Every label value of the overflow child.
inline constexpr std::string_view kOverflowLabelValue = "other";

// Label values of one child, in the order of the family's label names.
using LabelValues = std::span<const std::string_view>;

// Settings of one family, given at registration.
struct FamilyOptions {
  // Distinct children before new label values go to the overflow child; >= 1.
  std::size_t max_children = kDefaultMaxChildren;
};

// A value that only goes up (requests served, jobs finished).
class Counter {
 public:
  Counter() = default;
  // Adds `amount`, which must be >= 0 (std::logic_error otherwise).
  void inc(double amount = 1.0);
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down (queue length, temperature).
class Gauge {
 public:
  Gauge() = default;
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0) noexcept { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1.0) noexcept { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets by upper bound (request durations).
class Histogram {
 public:
  // `bounds` (strictly increasing) must outlive this; families own theirs.
  // Bucket i counts observations <= bounds[i]; the last, +Inf, counts all.
  // A NaN observation lands in +Inf only and makes the sum NaN.
  explicit Histogram(std::span<const double> bounds);
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;  // equals cumulative.back()
  };
  Snapshot snapshot() const;

 private:
  std::span<const double> bounds_;  // owned by the family, which outlives this
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0.0};
};

namespace metrics_detail {
// Maps label values to a dense child index and applies the cardinality cap.
// Not thread-safe by itself: the owning family locks around every call.
class LabelIndex {
 public:
  LabelIndex(std::size_t label_count, std::size_t max_children);
  ~LabelIndex();
  LabelIndex(const LabelIndex&) = delete;
  LabelIndex& operator=(const LabelIndex&) = delete;

  struct Slot {
    std::size_t index;  // of the child; dense, in order of creation
    bool added;         // true when this call created it (index == old size)
  };
  // The child for `values` (created when new; the overflow child when full).
  // Throws std::logic_error when values.size() != label_count.
  Slot find_or_add(LabelValues values);
  // Calls fn(label values, index) for every child, sorted by label values.
  void for_each(const std::function<void(const std::vector<std::string>&, std::size_t)>& fn) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
}  // namespace metrics_detail

enum class MetricType { kCounter, kGauge, kHistogram };

// What every family has; the registry renders families through this.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  MetricType type() const noexcept { return type_; }

  // Appends the HELP and TYPE lines and every sample to `out`.
  void render(std::string& out) const;

 protected:
  MetricFamily(MetricType type, std::string name, std::string help,
               std::vector<std::string> label_names);
  // Appends the sample lines only.
  virtual void render_samples(std::string& out) const = 0;

 private:
  MetricType type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

class CounterFamily final : public MetricFamily {
 public:
  // The child for `values` (one per label name), created at 0 when new.
  Counter& labels(LabelValues values);
  Counter& labels(std::initializer_list<std::string_view> values) {
    return labels(LabelValues(values.begin(), values.size()));
  }

 private:
  friend class MetricsRegistry;
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names,
                FamilyOptions options);
  void render_samples(std::string& out) const override;

  mutable std::mutex mu_;
  metrics_detail::LabelIndex index_;  // guarded by mu_
  std::deque<Counter> children_;      // guarded by mu_ (the container; values are atomic)
};

class GaugeFamily final : public MetricFamily {
 public:
  Gauge& labels(LabelValues values);
  Gauge& labels(std::initializer_list<std::string_view> values) {
    return labels(LabelValues(values.begin(), values.size()));
  }

 private:
  friend class MetricsRegistry;
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
              FamilyOptions options);
  void render_samples(std::string& out) const override;

  mutable std::mutex mu_;
  metrics_detail::LabelIndex index_;  // guarded by mu_
  std::deque<Gauge> children_;        // guarded by mu_ (the container; values are atomic)
};

class HistogramFamily final : public MetricFamily {
 public:
  Histogram& labels(LabelValues values);
  Histogram& labels(std::initializer_list<std::string_view> values) {
    return labels(LabelValues(values.begin(), values.size()));
  }
  // Upper bounds of the buckets, without the implicit +Inf.
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  friend class MetricsRegistry;
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds, FamilyOptions options);
  void render_samples(std::string& out) const override;

  const std::vector<double> bounds_;  // strictly increasing, finite; immutable
  mutable std::mutex mu_;
  metrics_detail::LabelIndex index_;  // guarded by mu_
  std::deque<Histogram> children_;    // guarded by mu_ (the container; values are atomic)
};

// One sample a gauge callback returns.
struct GaugeSample {
  std::vector<std::string> label_values;  // one per label name of the family
  double value = 0;
};
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

// A gauge family whose samples a callback computes at scrape time.
class CallbackGaugeFamily final : public MetricFamily {
 public:
  // Replaces the callback; an empty one renders no samples. The callback
  // runs on render()'s thread, outside every lock of the registry.
  void set_callback(GaugeCallback callback);

 private:
  friend class MetricsRegistry;
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      GaugeCallback callback, FamilyOptions options);
  void render_samples(std::string& out) const override;

  const FamilyOptions options_;
  mutable std::mutex mu_;
  // shared so render_samples() can call it after dropping mu_.
  std::shared_ptr<const GaugeCallback> callback_;  // guarded by mu_
};

class MetricsRegistry {
 public:
  struct Options {
    // Render the process_* families read from /proc/self.
    bool process_metrics = false;
    // Where /proc is; tests point it at a fixture directory.
    std::string proc_root = "/proc";
  };

  MetricsRegistry() : MetricsRegistry(Options{}) {}
  explicit MetricsRegistry(Options options);
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each registers a new family and returns it; the reference lives as long
  // as the registry. Throws std::logic_error on a bad or taken name.
  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {}, FamilyOptions options = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {},
                     FamilyOptions options = {});
  // `bounds`: bucket upper bounds, strictly increasing and finite; a
  // trailing +Inf is dropped (it is always there).
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> label_names, std::vector<double> bounds,
                             FamilyOptions options = {});
  CallbackGaugeFamily& gauge_callback(std::string name, std::string help,
                                      std::vector<std::string> label_names, GaugeCallback callback,
                                      FamilyOptions options = {});

  // The whole exposition text of every family.
  std::string render() const;

 private:
  template <typename Family>
  Family& add(std::unique_ptr<Family> family);

  const Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;  // guarded by mu_; append only
  std::vector<std::string> taken_names_;                 // guarded by mu_; series names in use
};

// `count` buckets: start, start*factor, start*factor^2, ...
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);

}  // namespace scriptmesh
