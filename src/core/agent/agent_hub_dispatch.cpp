// Dispatching pending jobs into free agent slots (FIFO per agent), and
// cancelling jobs.
#include <algorithm>
#include <unordered_set>
#include <utility>

#include "core/agent/agent_hub_impl.hpp"

namespace scriptmesh {
namespace {

namespace proto = agent_protocol;

// How often cancel_job re-reads a job whose status moved under it.
constexpr int kCancelAttempts = 3;

proto::Dispatch dispatch_of(const JobRecord& job) {
  return proto::Dispatch{job.id.str(), job.script, job.params, job.timeout_sec};
}

}  // namespace

bool AgentHub::Impl::reserve_dispatch(const JobRecord& job) {
  const std::string key = hub::agent_key(job.tenant_id, job.agent_id);
  std::lock_guard lock(mu_);
  auto live = live_.find(key);
  if (live == live_.end()) return false;
  hub::LiveAgent& agent = live->second;
  // A running or owed dispatch round means older pending jobs may wait:
  // they go first, so this one queues behind them.
  if (!agent.hello_done || agent.dispatching || agent.dispatch_retry) return false;
  const auto busy = agent.in_flight.size() + agent.reserved.size();
  if (busy >= static_cast<std::size_t>(agent.max_concurrent)) return false;
  agent.reserved.insert(job.id.str());
  return true;
}

void AgentHub::Impl::release_reservations(const std::vector<JobRecord>& jobs) {
  std::lock_guard lock(mu_);
  for (const JobRecord& job : jobs) {
    auto live = live_.find(hub::agent_key(job.tenant_id, job.agent_id));
    if (live != live_.end()) live->second.reserved.erase(job.id.str());
  }
}

void AgentHub::Impl::jobs_created(const std::vector<JobRecord>& jobs) {
  std::unordered_set<std::string> keys;
  for (const JobRecord& job : jobs) {
    if (job.status == JobStatus::kDispatched) send_reserved(job);
    if (job.status == JobStatus::kPending) keys.insert(hub::agent_key(job.tenant_id, job.agent_id));
  }
  for (const std::string& key : keys)
    dispatch_pending(key);
}

void AgentHub::Impl::send_reserved(const JobRecord& job) {
  const std::string key = hub::agent_key(job.tenant_id, job.agent_id);
  const std::string id = job.id.str();
  std::shared_ptr<AgentConnection> connection;
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live != live_.end() && live->second.reserved.erase(id) == 1) {
      live->second.in_flight.insert(id);
      live->second.owned.insert(id);
      live->second.sending.insert(id);
      connection = live->second.connection;
    }
  }
  if (!connection) {
    // The agent went (or reconnected on a new session) before the job was
    // sent: nobody has it, so it queues again like any pending job.
    JobTransition back;
    back.to = JobStatus::kPending;
    Result<void> queued =
        store_.transition_job(job.tenant_id, job.id, JobStatus::kDispatched, back);
    if (!queued.ok()) {
      logger_.error("reserved job not put back to pending",
                    {{"job_id", id}, {"error", queued.error().to_string()}});
    }
    dispatch_pending(key);
    return;
  }
  send(connection, dispatch_of(job));
  if (cancel_after_send(key, id)) send(connection, proto::Cancel{id});
}

// One dispatcher per agent at a time (LiveAgent::dispatching): two of them
// would each see the same free slots and overfill the agent. A request that
// arrives meanwhile sets dispatch_again, and the running dispatcher loops.
void AgentHub::Impl::dispatch_pending(const std::string& key) {
  AgentSessionId session = 0;
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live == live_.end() || !live->second.hello_done) return;
    if (live->second.dispatching) {
      live->second.dispatch_again = true;
      return;
    }
    live->second.dispatching = true;
    session = live->second.session;
  }
  for (;;) {
    std::optional<hub::DispatchSlots> slots;
    {
      std::lock_guard lock(mu_);
      auto live = live_.find(key);
      // A replaced LiveAgent carries its own dispatching flag.
      if (live == live_.end() || live->second.session != session) return;
      live->second.dispatch_again = false;
      const int free =
          live->second.max_concurrent -
          static_cast<int>(live->second.in_flight.size() + live->second.reserved.size());
      if (free > 0)
        slots = hub::DispatchSlots{live->second.tenant, live->second.agent, session, free};
    }
    const Round round = slots ? dispatch_batch(key, *slots) : Round::kDone;
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live == live_.end() || live->second.session != session) return;
    if (round == Round::kFailed) live->second.dispatch_retry = true;
    if (round != Round::kMore && !live->second.dispatch_again) {
      live->second.dispatching = false;
      return;
    }
  }
}

AgentHub::Impl::Round AgentHub::Impl::dispatch_batch(const std::string& key,
                                                     const hub::DispatchSlots& slots) {
  JobFilter filter;
  filter.agent_id = slots.agent;
  filter.status = JobStatus::kPending;
  filter.oldest_first = true;
  filter.limit = std::min(slots.free, 1000);
  Result<JobPage> page = store_.list_jobs(slots.tenant, filter);
  if (!page.ok()) {
    logger_.error("pending jobs not read",
                  {{"agent_id", slots.agent.str()}, {"error", page.error().to_string()}});
    return Round::kFailed;
  }
  bool raced = false;
  for (const JobRecord& job : page->jobs) {
    JobTransition t;
    t.to = JobStatus::kDispatched;
    t.dispatched_at = clock_.now();
    Result<JobRecord> dispatched = transition(job, t);
    if (!dispatched.ok()) {
      if (dispatched.error().category() != ErrorCategory::kConflict) {
        logger_.error("job not dispatched",
                      {{"job_id", job.id.str()}, {"error", dispatched.error().to_string()}});
        return Round::kFailed;
      }
      raced = true;  // cancelled or timed out meanwhile: its slot is still free
      continue;
    }
    std::shared_ptr<AgentConnection> connection;
    {
      std::lock_guard lock(mu_);
      auto live = live_.find(key);
      if (live != live_.end() && live->second.session == slots.session) {
        live->second.in_flight.insert(job.id.str());
        live->second.owned.insert(job.id.str());
        live->second.sending.insert(job.id.str());
        connection = live->second.connection;
      }
    }
    if (!connection) {
      // The connection went away before the job left: nobody has it.
      JobTransition back;
      back.to = JobStatus::kPending;
      (void)store_.transition_job(job.tenant_id, job.id, JobStatus::kDispatched, back);
      return Round::kDone;
    }
    send(connection, dispatch_of(*dispatched));
    if (cancel_after_send(key, job.id.str())) send(connection, proto::Cancel{job.id.str()});
  }
  return raced ? Round::kMore : Round::kDone;
}

Result<JobRecord> AgentHub::Impl::cancel_job(const JobRecord& given) {
  JobRecord job = given;
  for (int attempt = 0; attempt < kCancelAttempts; ++attempt) {
    if (is_final(job.status)) {
      return Error::conflict("job_already_final", "the job has already ended");
    }
    if (job.status != JobStatus::kPending && request_cancel(job)) return job;
    // Pending, or no agent holds it any more: nothing to stop, it ends now.
    JobTransition t;
    t.to = JobStatus::kCancelled;
    t.finished_at = clock_.now();
    Result<JobRecord> cancelled = transition(job, t);
    if (cancelled.ok()) {
      job_final(*cancelled);
      return cancelled;
    }
    if (cancelled.error().category() != ErrorCategory::kConflict) return cancelled;
    Result<JobRecord> fresh = store_.get_job(job.tenant_id, job.id);
    if (!fresh.ok()) return fresh;
    job = std::move(fresh).value();
  }
  return Error::conflict("job_status_conflict", "the job changed while it was being cancelled");
}

bool AgentHub::Impl::cancel_after_send(const std::string& key, const std::string& job) {
  std::lock_guard lock(mu_);
  auto live = live_.find(key);
  if (live == live_.end()) return false;
  live->second.sending.erase(job);
  return live->second.cancel_requested.contains(job);
}

bool AgentHub::Impl::request_cancel(const JobRecord& job) {
  const std::string key = hub::agent_key(job.tenant_id, job.agent_id);
  const std::string id = job.id.str();
  std::shared_ptr<AgentConnection> connection;
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live != live_.end() && live->second.hello_done) {
      live->second.cancel_requested.insert(id);
      // Not sent yet: the dispatcher (or send_reserved) sends it after the job.
      if (live->second.sending.contains(id) || live->second.reserved.contains(id)) return true;
      connection = live->second.connection;
    } else {
      // Away (or back but not past hello yet): sent when its hello lists the job.
      auto lease = leases_.find(key);
      if (lease == leases_.end() || !lease->second.jobs.contains(id)) return false;
      lease->second.cancel_requested.insert(id);
      return true;
    }
  }
  send(connection, proto::Cancel{id});
  return true;
}

}  // namespace scriptmesh
