#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "core/metrics/exposition.hpp"
#include "core/metrics/process_metrics.hpp"
#include "scriptmesh/metrics.hpp"

namespace scriptmesh {
namespace {

using metrics_detail::is_valid_label_name;
using metrics_detail::is_valid_metric_name;

[[noreturn]] void bug(const std::string& what) {
  throw std::logic_error("metrics: " + what);
}

void check_names(MetricType type, const std::string& name,
                 const std::vector<std::string>& label_names) {
  if (!is_valid_metric_name(name)) bug("invalid metric name \"" + name + "\"");
  const bool total = name.ends_with("_total");
  if (type == MetricType::kCounter && !total) bug("counter " + name + " must end in _total");
  if (type != MetricType::kCounter && total) bug(name + " ends in _total but is no counter");
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!is_valid_label_name(label)) bug(name + ": invalid label name \"" + label + "\"");
    if (type == MetricType::kHistogram && label == "le") bug(name + ": label le is reserved");
    if (std::find(label_names.begin(), label_names.begin() + static_cast<std::ptrdiff_t>(i),
                  label) != label_names.begin() + static_cast<std::ptrdiff_t>(i)) {
      bug(name + ": label " + label + " given twice");
    }
  }
}

// The sample names a family renders; no two families may share one.
std::vector<std::string> series_names(const MetricFamily& family) {
  if (family.type() != MetricType::kHistogram) return {family.name()};
  return {family.name(), family.name() + "_bucket", family.name() + "_sum",
          family.name() + "_count"};
}

std::vector<double> checked_bounds(const std::string& name, std::vector<double> bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity()) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) bug(name + ": bucket bounds must be finite");
    if (i > 0 && !(bounds[i - 1] < bounds[i])) bug(name + ": bucket bounds must increase");
  }
  return bounds;
}

}  // namespace

MetricsRegistry::MetricsRegistry(Options options) : options_(std::move(options)) {
  if (options_.process_metrics) {
    for (std::string_view n : metrics_detail::process_metric_names())
      taken_names_.emplace_back(n);
  }
}

MetricsRegistry::~MetricsRegistry() = default;

template <typename Family>
Family& MetricsRegistry::add(std::unique_ptr<Family> family) {
  check_names(family->type(), family->name(), family->label_names());
  std::vector<std::string> names = series_names(*family);
  Family& result = *family;
  std::lock_guard lock(mu_);
  for (const std::string& n : names) {
    if (std::find(taken_names_.begin(), taken_names_.end(), n) != taken_names_.end()) {
      bug(n + " is already registered");
    }
  }
  families_.push_back(std::move(family));
  for (std::string& n : names)
    taken_names_.push_back(std::move(n));
  return result;
}

CounterFamily& MetricsRegistry::counter(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        FamilyOptions options) {
  return add(std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), std::move(label_names), options)));
}

GaugeFamily& MetricsRegistry::gauge(std::string name, std::string help,
                                    std::vector<std::string> label_names, FamilyOptions options) {
  return add(std::unique_ptr<GaugeFamily>(
      new GaugeFamily(std::move(name), std::move(help), std::move(label_names), options)));
}

HistogramFamily& MetricsRegistry::histogram(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds, FamilyOptions options) {
  bounds = checked_bounds(name, std::move(bounds));
  return add(std::unique_ptr<HistogramFamily>(new HistogramFamily(
      std::move(name), std::move(help), std::move(label_names), std::move(bounds), options)));
}

CallbackGaugeFamily& MetricsRegistry::gauge_callback(std::string name, std::string help,
                                                     std::vector<std::string> label_names,
                                                     GaugeCallback callback,
                                                     FamilyOptions options) {
  return add(std::unique_ptr<CallbackGaugeFamily>(new CallbackGaugeFamily(
      std::move(name), std::move(help), std::move(label_names), std::move(callback), options)));
}

std::string MetricsRegistry::render() const {
  std::vector<const MetricFamily*> families;
  {
    std::lock_guard lock(mu_);
    families.reserve(families_.size());
    for (const auto& f : families_)
      families.push_back(f.get());
  }
  // Families are never removed, so the pointers outlive the lock; rendering
  // outside it keeps callbacks free of the registry's mutex.
  std::string out;
  for (const MetricFamily* f : families)
    f->render(out);
  if (options_.process_metrics) {
    metrics_detail::append_process_metrics(out,
                                           metrics_detail::read_process_stats(options_.proc_root));
  }
  return out;
}

}  // namespace scriptmesh
