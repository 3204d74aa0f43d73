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
  // A running or owed dispatch round, or pending jobs not yet ruled out,
  // mean older jobs may wait: they go first, so this one queues behind them.
  if (!agent.hello_done || agent.dispatching || agent.dispatch_retry || agent.maybe_pending) {
    return false;
  }
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
    dispatch_pending(key, true);
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
    dispatch_pending(key, true);
    return;
  }
  send(connection, dispatch_of(job));
  if (cancel_after_send(key, id)) send(connection, proto::Cancel{id});
}

// One dispatcher per agent at a time (LiveAgent::dispatching): two of them
// would each see the same free slots and overfill the agent. A request that
// arrives meanwhile sets dispatch_again, and the round that is running
// starts another when it ends.
//
// A round claims the agent's oldest pending jobs in one asynchronous store
// write and sends them from its completion, so the thread that asked (an
// agent's connection, handling a result) goes on at once instead of waiting
// for a read and a commit per job.
void AgentHub::Impl::dispatch_pending(const std::string& key, bool queued) {
  std::optional<hub::DispatchSlots> slots;
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live == live_.end() || !live->second.hello_done) return;
    if (queued) live->second.maybe_pending = true;
    if (!live->second.maybe_pending) return;
    if (live->second.dispatching) {
      live->second.dispatch_again = true;
      return;
    }
    slots = begin_round_locked(live->second);
  }
  if (slots) claim_round(key, *slots);
}

std::optional<hub::DispatchSlots> AgentHub::Impl::begin_round_locked(hub::LiveAgent& agent) {
  agent.dispatch_again = false;
  const int free =
      agent.max_concurrent - static_cast<int>(agent.in_flight.size() + agent.reserved.size());
  agent.dispatching = free > 0;
  if (!agent.dispatching) return std::nullopt;
  return hub::DispatchSlots{agent.tenant, agent.agent, agent.session,
                            std::min(free, hub::kMaxClaim)};
}

void AgentHub::Impl::claim_round(const std::string& key, const hub::DispatchSlots& slots) {
  async_begun();
  store_.claim_pending_jobs_async(
      slots.tenant, slots.agent, slots.free, clock_.now(),
      [this, key, slots](Result<std::vector<JobRecord>> claimed) {
        bool failed = !claimed.ok();
        if (failed) {
          logger_.error("pending jobs not dispatched",
                        {{"agent_id", slots.agent.str()}, {"error", claimed.error().to_string()}});
        } else {
          send_claimed(key, slots, *claimed);
        }
        std::optional<hub::DispatchSlots> next;
        {
          std::lock_guard lock(mu_);
          auto live = live_.find(key);
          // A replaced LiveAgent carries its own dispatching flag.
          if (live != live_.end() && live->second.session == slots.session) {
            if (failed) live->second.dispatch_retry = true;  // tick() tries again
            // Fewer than asked for: none was left. A job queued meanwhile
            // set dispatch_again, and then another round looks.
            if (!failed && claimed->size() < static_cast<std::size_t>(slots.free) &&
                !live->second.dispatch_again) {
              live->second.maybe_pending = false;
            }
            if (live->second.dispatch_again) {
              next = begin_round_locked(live->second);
            } else {
              live->second.dispatching = false;
            }
          }
        }
        if (next) claim_round(key, *next);
        async_ended();
      });
}

void AgentHub::Impl::send_claimed(const std::string& key, const hub::DispatchSlots& slots,
                                  const std::vector<JobRecord>& jobs) {
  for (const JobRecord& job : jobs) {
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
      // The connection went away before the job left: nobody has it, so it
      // queues again. This runs on the store's thread, which may start a
      // write but not wait for one.
      JobTransition back;
      back.to = JobStatus::kPending;
      async_begun();
      store_.transition_job_async(job.tenant_id, job.id, JobStatus::kDispatched, back,
                                  [this, id = job.id.str()](Result<void> queued) {
                                    if (!queued.ok()) {
                                      logger_.error(
                                          "claimed job not put back to pending",
                                          {{"job_id", id}, {"error", queued.error().to_string()}});
                                    }
                                    async_ended();
                                  });
      continue;
    }
    send(connection, dispatch_of(job));
    if (cancel_after_send(key, job.id.str())) send(connection, proto::Cancel{job.id.str()});
  }
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
