#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "scriptmesh/metrics.hpp"

namespace scriptmesh::metrics_detail {
namespace {

// Orders stored label values and lets find() take a span of string_views,
// so looking up an existing child builds no strings.
struct LabelLess {
  using is_transparent = void;

  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

}  // namespace

struct LabelIndex::Impl {
  std::size_t label_count;
  std::size_t max_children;
  std::map<std::vector<std::string>, std::size_t, LabelLess> children;
};

LabelIndex::LabelIndex(std::size_t label_count, std::size_t max_children)
    : impl_(std::make_unique<Impl>(Impl{label_count, max_children, {}})) {
  if (max_children == 0) throw std::logic_error("metrics: max_children must be at least 1");
}

LabelIndex::~LabelIndex() = default;

LabelIndex::Slot LabelIndex::find_or_add(LabelValues values) {
  if (values.size() != impl_->label_count) {
    throw std::logic_error("metrics: expected " + std::to_string(impl_->label_count) +
                           " label values, got " + std::to_string(values.size()));
  }
  auto& children = impl_->children;
  if (auto it = children.find(values); it != children.end()) return {it->second, false};

  std::vector<std::string> key;
  if (children.size() >= impl_->max_children) {
    key.assign(impl_->label_count, std::string(kOverflowLabelValue));
    // The overflow child is the one entry allowed past the cap.
    if (auto it = children.find(key); it != children.end()) return {it->second, false};
  } else {
    key.assign(values.begin(), values.end());
  }
  const std::size_t index = children.size();
  children.emplace(std::move(key), index);
  return {index, true};
}

void LabelIndex::for_each(
    const std::function<void(const std::vector<std::string>&, std::size_t)>& fn) const {
  for (const auto& [values, index] : impl_->children)
    fn(values, index);
}

}  // namespace scriptmesh::metrics_detail
