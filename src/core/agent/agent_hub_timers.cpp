// tick(): everything that happens because time passed.
#include <chrono>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/agent/agent_hub_impl.hpp"

namespace scriptmesh {
namespace {

// Pending jobs the dispatch-timeout sweep looks at per run.
constexpr int kSweepBatch = 1000;

}  // namespace

void AgentHub::Impl::tick() {
  const MonoTime now = clock_.monotonic_now();
  expire_heartbeats(now);
  expire_leases(now);
  bool sweep = false;
  {
    std::lock_guard lock(mu_);
    if (now >= next_sweep_) {
      next_sweep_ = now + std::chrono::milliseconds(options_.sweep_interval_ms);
      sweep = true;
    }
  }
  if (sweep) sweep_dispatch_timeouts();
  retry_failed_writes();
  expire_waiters(now);
}

void AgentHub::Impl::retry_failed_writes() {
  std::vector<std::string> redispatch;
  std::unordered_map<std::string, std::pair<hub::SessionView, std::string>> offline;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, live] : live_) {
      if (live.dispatch_retry) redispatch.push_back(key);
      live.dispatch_retry = false;
    }
    offline.swap(offline_retry_);
  }
  for (const std::string& key : redispatch)
    dispatch_pending(key, true);
  for (const auto& [key, entry] : offline)
    mark_offline(entry.first, entry.second);
}

void AgentHub::Impl::expire_heartbeats(MonoTime now) {
  const auto silence = std::chrono::seconds(static_cast<std::int64_t>(options_.heartbeat_sec) *
                                            options_.missed_heartbeats);
  std::vector<AgentSessionId> silent;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, live] : live_) {
      if (now - live.last_seen >= silence) silent.push_back(live.session);
    }
  }
  for (AgentSessionId session : silent)
    drop_session(session, "heartbeat_timeout", true);
}

void AgentHub::Impl::expire_leases(MonoTime now) {
  std::vector<std::pair<std::string, hub::Lease>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = leases_.begin(); it != leases_.end();) {
      if (it->second.expires <= now) {
        expired.emplace_back(it->first, std::move(it->second));
        it = leases_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [key, lease] : expired) {
    std::unordered_set<std::string> failed;
    for (const std::string& id : lease.jobs) {
      if (!fail_if_lost(key, lease, id)) failed.insert(id);
    }
    if (failed.empty()) continue;
    // The store failed: keep those jobs under an already expired lease, so
    // the next tick tries again (unless the agent is back by then).
    std::lock_guard lock(mu_);
    if (live_.contains(key) && live_.at(key).hello_done) continue;
    hub::Lease& again = leases_[key];
    again.tenant = lease.tenant;
    again.agent = lease.agent;
    again.expires = now;
    again.jobs.merge(failed);
    again.cancel_requested.merge(lease.cancel_requested);
  }
}

bool AgentHub::Impl::fail_if_lost(const std::string& key, const hub::Lease& lease,
                                  const std::string& id) {
  Result<JobRecord> job = store_.get_job(lease.tenant, JobId(id));
  if (!job.ok()) return job.error().category() == ErrorCategory::kNotFound;
  if (job->agent_id != lease.agent ||
      (job->status != JobStatus::kDispatched && job->status != JobStatus::kRunning)) {
    return true;
  }
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live != live_.end() && live->second.in_flight.contains(id)) return true;  // it is back
  }
  JobTransition t;
  t.to = JobStatus::kFailed;
  t.error = std::string(hub::kAgentLost);
  t.finished_at = clock_.now();
  Result<JobRecord> failed = transition(*job, t);
  if (failed.ok()) {
    logger_.warn("job lost: its agent did not come back in time",
                 {{"job_id", id}, {"agent_id", lease.agent.str()}});
    job_final(*failed);
    return true;
  }
  if (failed.error().category() == ErrorCategory::kConflict) return true;
  logger_.error("lost job not recorded", {{"job_id", id}, {"error", failed.error().to_string()}});
  return false;
}

void AgentHub::Impl::sweep_dispatch_timeouts() {
  const WallTime cutoff = clock_.now() - std::chrono::seconds(options_.dispatch_timeout_sec);
  Result<std::vector<JobRecord>> stale = store_.list_pending_jobs_before(cutoff, kSweepBatch);
  if (!stale.ok()) {
    logger_.error("pending jobs not swept", {{"error", stale.error().to_string()}});
    return;
  }
  for (const JobRecord& job : *stale) {
    // A connected agent will take it when a slot frees: it is queued, not stranded.
    if (is_online(job.tenant_id, job.agent_id)) continue;
    JobTransition t;
    t.to = JobStatus::kFailed;
    t.error = std::string(hub::kAgentOffline);
    t.finished_at = clock_.now();
    Result<JobRecord> failed = transition(job, t);
    if (failed.ok()) {
      job_final(*failed);
    } else if (failed.error().category() != ErrorCategory::kConflict) {
      logger_.error("timed-out job not recorded",
                    {{"job_id", job.id.str()}, {"error", failed.error().to_string()}});
    }
  }
}

void AgentHub::Impl::expire_waiters(MonoTime now) {
  for (auto& waiter : waiters_.take_expired(now)) {
    waiter.callback(store_.get_job(waiter.tenant, waiter.job));
  }
}

}  // namespace scriptmesh
