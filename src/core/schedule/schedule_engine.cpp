#include "scriptmesh/schedules.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>
#include <stdexcept>

#include "core/schedule/schedule_engine_impl.hpp"

namespace scriptmesh {
namespace {

// Rounds of due-schedule queries one run_due() makes at most; more remain
// only when passes keep failing, and the next run_due() takes them up.
constexpr int kMaxRounds = 1000;

}  // namespace

ScheduleEngine::Impl::Impl(Store& store, Clock& clock, JobService& jobs, EventBus& events,
                           ScheduleEngineOptions options)
    : store_(store),
      clock_(clock),
      jobs_(jobs),
      events_(events),
      options_(options),
      logger_(options.logger != nullptr ? *options.logger : null_logger()) {
  if (options_.batch < 1 || options_.batch > 1000) {
    throw std::invalid_argument("ScheduleEngineOptions::batch must be 1..1000");
  }
}

ScheduleRunStats ScheduleEngine::Impl::run_due(WallTime now) {
  std::lock_guard run(run_mu_);
  ScheduleRunStats stats;
  release_buffered(now, stats);
  std::set<ScheduleId> seen;
  for (int round = 0; round < kMaxRounds; ++round) {
    Result<std::vector<ScheduleRecord>> due = store_.list_due_schedules(now, options_.batch);
    if (!due.ok()) {
      logger_.error("cannot read due schedules", {{"error", due.error().to_string()}});
      ++stats.errors;
      break;
    }
    bool progress = false;
    for (const ScheduleRecord& s : *due) {
      // A schedule still due after its pass failed; it waits for the next
      // run_due() rather than being retried in this one.
      if (!seen.insert(s.id).second) continue;
      progress = true;
      pass(s, now, stats);
    }
    if (static_cast<int>(due->size()) < options_.batch || !progress) break;
  }
  if (options_.on_run) options_.on_run(stats);
  return stats;
}

void ScheduleEngine::Impl::release_buffered(WallTime now, ScheduleRunStats& stats) {
  std::vector<std::pair<TenantId, ScheduleId>> finished;
  {
    std::lock_guard lock(mu_);
    finished.swap(finished_);
  }
  std::sort(finished.begin(), finished.end());
  finished.erase(std::unique(finished.begin(), finished.end()), finished.end());
  for (const auto& [tenant, id] : finished) {
    Result<ScheduleRecord> s = store_.get_schedule(tenant, id);
    if (!s.ok()) {
      // A deleted schedule owes nothing.
      if (s.error().category() != ErrorCategory::kNotFound) {
        logger_.error("cannot read a schedule whose run ended",
                      {{"schedule_id", id.str()}, {"error", s.error().to_string()}});
        ++stats.errors;
      }
      continue;
    }
    if (s->enabled && !s->buffered.empty()) pass(*s, now, stats);
  }
}

void ScheduleEngine::Impl::note_final(const JobRecord& job) {
  if (!job.schedule_id) return;
  {
    std::lock_guard lock(mu_);
    finished_.emplace_back(job.tenant_id, *job.schedule_id);
    woken_ = true;
  }
  cv_.notify_all();
}

void ScheduleEngine::Impl::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void ScheduleEngine::Impl::start() {
  std::lock_guard life(lifecycle_mu_);
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void ScheduleEngine::Impl::stop() {
  std::lock_guard life(lifecycle_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::chrono::milliseconds ScheduleEngine::Impl::sleep_after_pass() {
  Result<std::optional<WallTime>> next = store_.next_schedule_due();
  if (!next.ok()) {
    logger_.error("cannot read the next due schedule", {{"error", next.error().to_string()}});
    return options_.max_sleep;
  }
  if (!*next) return options_.max_sleep;
  const auto until = std::chrono::ceil<std::chrono::milliseconds>(**next - clock_.now());
  // Still due right after a pass: its commit failed; do not spin on it.
  if (until <= std::chrono::milliseconds(0)) return options_.retry_sleep;
  return std::min(until, options_.max_sleep);
}

void ScheduleEngine::Impl::loop() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    std::chrono::milliseconds sleep = options_.max_sleep;
    try {
      ScheduleRunStats stats = run_due(clock_.now());
      if (stats.jobs > 0 || stats.missed > 0) {
        logger_.info("schedules fired", {{"schedules", stats.schedules},
                                         {"jobs", stats.jobs},
                                         {"missed", stats.missed},
                                         {"skipped", stats.skipped}});
      }
      sleep = sleep_after_pass();
    } catch (const std::exception& e) {  // a bug; keep the other schedules running
      logger_.error("schedule pass threw", {{"error", e.what()}});
    }
    std::unique_lock lock(mu_);
    // Real time, not the Clock: this only paces the loop; due times are
    // always compared with clock_.now().
    cv_.wait_for(lock, sleep, [this] { return stopping_ || woken_; });
  }
}

ScheduleEngine::ScheduleEngine(Store& store, Clock& clock, JobService& jobs, EventBus& events,
                               ScheduleEngineOptions options)
    : impl_(std::make_unique<Impl>(store, clock, jobs, events, options)) {}

ScheduleEngine::~ScheduleEngine() {
  impl_->stop();
}

ScheduleRunStats ScheduleEngine::run_due(WallTime now) {
  return impl_->run_due(now);
}

void ScheduleEngine::on_job_final(const JobRecord& job) {
  impl_->note_final(job);
}

void ScheduleEngine::wake() {
  impl_->wake();
}

void ScheduleEngine::start() {
  impl_->start();
}

void ScheduleEngine::stop() {
  impl_->stop();
}

}  // namespace scriptmesh
