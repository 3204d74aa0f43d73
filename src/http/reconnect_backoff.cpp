#include "http/reconnect_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace scriptmesh::http {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, std::chrono::milliseconds(1))), max_(std::max(max, min_)) {}

std::chrono::milliseconds ReconnectBackoff::ceiling() const {
  // Doubling stops once it passes the cap, so the shift never overflows.
  std::chrono::milliseconds c = min_;
  for (int i = 0; i < failures_ && c < max_; ++i)
    c *= 2;
  return std::min(c, max_);
}

std::chrono::milliseconds ReconnectBackoff::next(double fraction) {
  if (!(fraction >= 0.0)) fraction = 0.0;  // also catches NaN
  fraction = std::min(fraction, 1.0);
  const auto bound = ceiling();
  if (failures_ < 64) ++failures_;
  return std::chrono::milliseconds(std::llround(static_cast<double>(bound.count()) * fraction));
}

}  // namespace scriptmesh::http
