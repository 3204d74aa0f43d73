#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "scriptmesh/metrics.hpp"

namespace scriptmesh {

void Counter::inc(double amount) {
  // Written so that NaN fails too: a counter that went NaN never recovers.
  if (!(amount >= 0)) throw std::logic_error("metrics: a counter cannot go down");
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::observe(double value) noexcept {
  // lower_bound finds the first bound >= value, i.e. the bucket `le` holds
  // it. NaN compares false with everything, so it is sent to +Inf by hand.
  std::size_t bucket = bounds_.size();
  if (!std::isnan(value)) {
    bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                      bounds_.begin());
  }
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // _count is the +Inf bucket rather than a separate atomic, so the two
  // always agree even while other threads observe.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  if (!(start > 0) || !(factor > 1)) {
    throw std::logic_error("metrics: exponential buckets need start > 0 and factor > 1");
  }
  std::vector<double> bounds;
  bounds.reserve(count);
  for (double b = start; bounds.size() < count; b *= factor)
    bounds.push_back(b);
  return bounds;
}

}  // namespace scriptmesh
