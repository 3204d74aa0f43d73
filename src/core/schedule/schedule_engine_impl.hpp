// The state of a ScheduleEngine. The thread, the wake-ups and the batching
// live in schedule_engine.cpp; one schedule's pass (walking its due times,
// overlap, catch-up, the compare-and-set commit) in schedule_engine_pass.cpp.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "scriptmesh/event_bus.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/schedules.hpp"

namespace scriptmesh {

class ScheduleEngine::Impl {
 public:
  Impl(Store& store, Clock& clock, JobService& jobs, EventBus& events,
       ScheduleEngineOptions options);

  ScheduleRunStats run_due(WallTime now);
  void note_final(const JobRecord& job);
  void wake();
  void start();
  void stop();

 private:
  // Schedules whose runs ended since the last pass, with runs owed.
  void release_buffered(WallTime now, ScheduleRunStats& stats);
  // One pass over one schedule at `now`, committed or dropped as a whole.
  void pass(const ScheduleRecord& schedule, WallTime now, ScheduleRunStats& stats);
  // The background thread's loop.
  void loop();
  // How long the thread may sleep after a pass.
  std::chrono::milliseconds sleep_after_pass();

  Store& store_;
  Clock& clock_;
  JobService& jobs_;
  EventBus& events_;
  ScheduleEngineOptions options_;
  Logger& logger_;

  // Serialises run_due(): passes never overlap, so the engine never races
  // itself on a schedule (only edits through the API do, and the
  // compare-and-set settles those).
  std::mutex run_mu_;

  // Taken only briefly and never while calling out, so on_job_final() may
  // be called from inside a pass (a cancel made by the pass ends a job).
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;                                     // guarded by mu_
  bool stopping_ = false;                                  // guarded by mu_
  std::vector<std::pair<TenantId, ScheduleId>> finished_;  // guarded by mu_

  std::mutex lifecycle_mu_;  // serialises start() and stop()
  std::thread thread_;       // guarded by lifecycle_mu_
};

}  // namespace scriptmesh
