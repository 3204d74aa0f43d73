// Final transitions and what follows them: long-poll waiters, the job's
// event on the store (with the transition) and the bus, and the
// orchestrator's on_job_final hook.
#include <utility>

#include "core/agent/agent_hub_impl.hpp"
#include "scriptmesh/jobs.hpp"

namespace scriptmesh {

// `given` completed for the store (finished_at, the final event) and the
// record as it will be once that commits.
std::pair<JobTransition, JobRecord> AgentHub::Impl::prepare_transition(const JobRecord& job,
                                                                       const JobTransition& given) {
  JobTransition t = given;
  const bool becomes_final = is_final(t.to) && !is_final(job.status);
  if (becomes_final && !t.finished_at) t.finished_at = clock_.now();
  JobRecord after = hub::apply_transition(job, t);
  if (becomes_final) t.event = job_final_event(after);
  return {std::move(t), std::move(after)};
}

Result<JobRecord> AgentHub::Impl::transition(const JobRecord& job, const JobTransition& given) {
  auto [t, after] = prepare_transition(job, given);
  SCRIPTMESH_RETURN_IF_ERROR(store_.transition_job(job.tenant_id, job.id, job.status, t));
  return after;
}

void AgentHub::Impl::transition_async(const JobRecord& job, const JobTransition& given,
                                      std::function<void(Result<JobRecord>)> done) {
  auto [t, after] = prepare_transition(job, given);
  store_.transition_job_async(
      job.tenant_id, job.id, job.status, std::move(t),
      [after = std::move(after), done = std::move(done)](Result<void> stored) mutable {
        if (!stored.ok()) return done(std::move(stored).error());
        done(std::move(after));
      });
}

void AgentHub::Impl::job_final(const JobRecord& job) {
  wake_waiters(job);
  announce_final(job);
}

void AgentHub::Impl::wake_waiters(const JobRecord& job) {
  for (auto& callback : waiters_.take_job(job.tenant_id, job.id))
    callback(job);
}

void AgentHub::Impl::announce_final(const JobRecord& job) {
  events_.publish(job_final_event(job));
  std::function<void(const JobRecord&)> hook;
  {
    std::lock_guard lock(mu_);
    hook = on_job_final_;
  }
  if (hook) hook(job);
}

EventRecord AgentHub::Impl::append_agent_event(const TenantId& tenant, std::string_view type,
                                               const AgentId& agent, std::string data_json) {
  EventRecord event;
  event.id = EventId(new_id("evt"));
  event.tenant_id = tenant;
  event.type = std::string(type);
  event.subject_id = agent.str();
  event.agent_id = agent;
  event.data_json = std::move(data_json);
  event.created_at = clock_.now();
  Result<void> stored = store_.append_event(tenant, event);
  // Subscribers still hear of it: a lost history row is no reason to also
  // lose a notification.
  if (!stored.ok()) {
    logger_.error("event not stored",
                  {{"type", event.type}, {"error", stored.error().to_string()}});
  }
  return event;
}

void AgentHub::Impl::wait_for_job(const TenantId& tenant, const JobId& job, MonoTime deadline,
                                  std::function<void(Result<JobRecord>)> done) {
  if (deadline <= clock_.monotonic_now()) {
    done(store_.get_job(tenant, job));
    return;
  }
  const jobs::JobWaiters::WaiterId id = waiters_.add(tenant, job, deadline, done);
  if (id == 0) {
    done(Error::resource_exhausted("too_many_waiters", "too many requests are waiting for jobs"));
    return;
  }
  // Registered first, read second: a job that turns final in between is
  // seen by one of the two, and take() makes sure only one answers.
  Result<JobRecord> current = store_.get_job(tenant, job);
  if (current.ok() && !is_final(current->status)) return;
  if (std::optional<jobs::JobWaiters::Callback> mine = waiters_.take(id)) {
    (*mine)(std::move(current));
  }
}

}  // namespace scriptmesh
