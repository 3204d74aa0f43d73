// When to try again after a failed or dropped connection: exponential
// backoff with full jitter, capped.
//
// The n-th consecutive failure (n = 0, 1, 2, ...) waits a delay drawn
// uniformly from [0, ceiling(n)], ceiling(n) = min(max, min * 2^n). Full
// jitter (rather than a fixed doubling) spreads out the reconnects of many
// agents that lost the same orchestrator at the same moment, so its restart
// is not met by all of them at once.
//
// The random draw is passed in, so the schedule is a pure function a test can
// check exactly.
//
// Thread safety: none; one owner.
#pragma once

#include <chrono>

namespace scriptmesh::http {

class ReconnectBackoff {
 public:
  // `min` > 0 and `max` >= `min` (clamped to that when they are not).
  ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max);

  // The delay before the next attempt for a draw `fraction` in [0, 1]
  // (clamped), and counts one more failure.
  std::chrono::milliseconds next(double fraction);
  // The upper bound of the next delay.
  std::chrono::milliseconds ceiling() const;
  // Back to the first step, after a connection that lasted.
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  int failures_ = 0;
};

}  // namespace scriptmesh::http
