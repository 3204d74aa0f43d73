// RetentionPurger: deletes job history older than each tenant's plan allows.
//
// For every tenant, finished jobs (succeeded, failed, timed_out, cancelled)
// created more than the plan's retention_days ago (scriptmesh/plans.hpp:
// starter 7, pro 90) are deleted with all their output. Jobs that have not
// ended are kept whatever their age. A tenant that moves from pro to starter
// loses the history beyond 7 days at the next purge.
//
// purge_once() does one pass; start() runs a pass at once and then one every
// `interval` on a background thread until stop(). A failure for one tenant
// (the store busy) is logged and counted, and the pass goes on with the next
// tenant; that tenant is purged at the next pass.
//
// Time: the cutoff comes from the Clock's wall time (purge_once takes it as
// an argument, so tests pass a fixed time). The background thread waits on a
// condition variable for `interval` of real time between passes.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Logger;
class Store;

struct RetentionOptions {
  // Real time between background passes; > 0.
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  // Where each pass and each failure is logged; nullptr = null_logger().
  Logger* logger = nullptr;
};

// What one pass did.
struct RetentionReport {
  int tenants = 0;                // tenants visited
  int tenants_failed = 0;         // of them, those whose purge failed
  std::int64_t jobs_deleted = 0;  // with their output
};

class RetentionPurger {
 public:
  // Borrows `store` and `clock`, which must outlive the purger. Throws
  // std::invalid_argument for a non-positive interval.
  RetentionPurger(Store& store, Clock& clock, RetentionOptions options = {});
  // Stops the background thread (as stop()).
  ~RetentionPurger();
  RetentionPurger(const RetentionPurger&) = delete;
  RetentionPurger& operator=(const RetentionPurger&) = delete;

  // One pass with `now` as the present.
  // Errors: the store's, when the tenants could not be listed (nothing was
  // deleted); failures of single tenants are in the report instead.
  [[nodiscard]] Result<RetentionReport> purge_once(WallTime now);

  // Starts the background thread (a pass at once, then every interval).
  // Calling start() twice is a no-op.
  void start();
  // Ends a background pass in progress after the tenant being purged, then
  // joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh
