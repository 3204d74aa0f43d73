#include <map>
#include <stdexcept>
#include <utility>

#include "core/metrics/exposition.hpp"
#include "scriptmesh/metrics.hpp"

namespace scriptmesh {

using metrics_detail::append_sample;
using metrics_detail::ExtraLabel;

MetricFamily::MetricFamily(MetricType type, std::string name, std::string help,
                           std::vector<std::string> label_names)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void MetricFamily::render(std::string& out) const {
  metrics_detail::append_header(out, name_, help_, type_);
  render_samples(out);
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names, FamilyOptions options)
    : MetricFamily(MetricType::kCounter, std::move(name), std::move(help), std::move(label_names)),
      index_(this->label_names().size(), options.max_children) {
  if (this->label_names().empty()) labels(LabelValues{});
}

Counter& CounterFamily::labels(LabelValues values) {
  std::lock_guard lock(mu_);
  auto slot = index_.find_or_add(values);
  if (slot.added) children_.emplace_back();
  return children_[slot.index];
}

void CounterFamily::render_samples(std::string& out) const {
  std::lock_guard lock(mu_);
  index_.for_each([&](const std::vector<std::string>& values, std::size_t i) {
    append_sample(out, name(), label_names(), values, nullptr, children_[i].value());
  });
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                         FamilyOptions options)
    : MetricFamily(MetricType::kGauge, std::move(name), std::move(help), std::move(label_names)),
      index_(this->label_names().size(), options.max_children) {
  if (this->label_names().empty()) labels(LabelValues{});
}

Gauge& GaugeFamily::labels(LabelValues values) {
  std::lock_guard lock(mu_);
  auto slot = index_.find_or_add(values);
  if (slot.added) children_.emplace_back();
  return children_[slot.index];
}

void GaugeFamily::render_samples(std::string& out) const {
  std::lock_guard lock(mu_);
  index_.for_each([&](const std::vector<std::string>& values, std::size_t i) {
    append_sample(out, name(), label_names(), values, nullptr, children_[i].value());
  });
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds,
                                 FamilyOptions options)
    : MetricFamily(MetricType::kHistogram, std::move(name), std::move(help),
                   std::move(label_names)),
      bounds_(std::move(bounds)),
      index_(this->label_names().size(), options.max_children) {
  if (this->label_names().empty()) labels(LabelValues{});
}

Histogram& HistogramFamily::labels(LabelValues values) {
  std::lock_guard lock(mu_);
  auto slot = index_.find_or_add(values);
  if (slot.added) children_.emplace_back(std::span<const double>(bounds_));
  return children_[slot.index];
}

void HistogramFamily::render_samples(std::string& out) const {
  const std::string bucket_name = name() + "_bucket";
  const std::string sum_name = name() + "_sum";
  const std::string count_name = name() + "_count";
  std::vector<std::string> les;
  les.reserve(bounds_.size() + 1);
  for (double b : bounds_)
    les.push_back(metrics_detail::format_value(b));
  les.emplace_back("+Inf");

  std::lock_guard lock(mu_);
  index_.for_each([&](const std::vector<std::string>& values, std::size_t i) {
    const Histogram::Snapshot s = children_[i].snapshot();
    for (std::size_t b = 0; b < les.size(); ++b) {
      const ExtraLabel le{"le", les[b]};
      append_sample(out, bucket_name, label_names(), values, &le,
                    static_cast<double>(s.cumulative[b]));
    }
    append_sample(out, sum_name, label_names(), values, nullptr, s.sum);
    append_sample(out, count_name, label_names(), values, nullptr, static_cast<double>(s.count));
  });
}

CallbackGaugeFamily::CallbackGaugeFamily(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         GaugeCallback callback, FamilyOptions options)
    : MetricFamily(MetricType::kGauge, std::move(name), std::move(help), std::move(label_names)),
      options_(options) {
  if (options_.max_children == 0) {
    throw std::logic_error("metrics: max_children must be at least 1");
  }
  set_callback(std::move(callback));
}

void CallbackGaugeFamily::set_callback(GaugeCallback callback) {
  auto shared = callback ? std::make_shared<const GaugeCallback>(std::move(callback)) : nullptr;
  std::lock_guard lock(mu_);
  callback_ = std::move(shared);
}

void CallbackGaugeFamily::render_samples(std::string& out) const {
  std::shared_ptr<const GaugeCallback> callback;
  {
    std::lock_guard lock(mu_);
    callback = callback_;
  }
  if (!callback) return;
  // Called without mu_: the callback may read a store that takes its own
  // locks, and a slow one must not block set_callback().
  const std::vector<GaugeSample> samples = (*callback)();

  // Equal label values are summed; the cap works as for the other families.
  std::map<std::vector<std::string>, double> merged;
  for (const GaugeSample& sample : samples) {
    if (sample.label_values.size() != label_names().size()) {
      throw std::logic_error("metrics: callback of " + name() + " returned " +
                             std::to_string(sample.label_values.size()) + " label values");
    }
    if (merged.size() >= options_.max_children && !merged.contains(sample.label_values)) {
      merged[std::vector<std::string>(label_names().size(), std::string(kOverflowLabelValue))] +=
          sample.value;
    } else {
      merged[sample.label_values] += sample.value;
    }
  }
  for (const auto& [values, value] : merged) {
    append_sample(out, name(), label_names(), values, nullptr, value);
  }
}

}  // namespace scriptmesh
