// Final transitions and what follows them: long-poll waiters, the job's
// event on the store (with the transition) and the bus, and the
// orchestrator's on_job_final hook.
#include <boost/json.hpp>
#include <utility>

#include "core/agent/agent_hub_impl.hpp"

namespace scriptmesh {
namespace {

std::string_view event_type_of(JobStatus status) {
  switch (status) {
    case JobStatus::kSucceeded:
      return kEventJobSucceeded;
    case JobStatus::kCancelled:
      return kEventJobCancelled;
    default:
      return kEventJobFailed;
  }
}

std::string job_event_data(const JobRecord& job) {
  boost::json::object data{{"job_id", job.id.str()},
                           {"agent_id", job.agent_id.str()},
                           {"script", job.script},
                           {"status", std::string(to_string(job.status))}};
  data["exit_code"] = job.exit_code ? boost::json::value(*job.exit_code) : boost::json::value();
  data["duration_ms"] =
      job.duration_ms ? boost::json::value(*job.duration_ms) : boost::json::value();
  if (job.signal) data["signal"] = *job.signal;
  if (!job.error.empty()) data["error"] = job.error;
  if (job.group_id) data["group_id"] = job.group_id->str();
  if (job.schedule_id) data["schedule_id"] = job.schedule_id->str();
  return boost::json::serialize(data);
}

// The event of a job that has just become final. A pure function of the
// final record (one final event per job, so its id derives from the job's),
// so the copy stored with the transition and the one published afterwards
// are the same event.
EventRecord final_event(const JobRecord& job) {
  EventRecord event;
  event.id = EventId("evt_" + job.id.str());
  event.tenant_id = job.tenant_id;
  event.type = std::string(event_type_of(job.status));
  event.subject_id = job.id.str();
  event.data_json = job_event_data(job);
  event.created_at = job.finished_at.value_or(WallTime{});
  return event;
}

}  // namespace

Result<JobRecord> AgentHub::Impl::transition(const JobRecord& job, const JobTransition& given) {
  JobTransition t = given;
  const bool becomes_final = is_final(t.to) && !is_final(job.status);
  if (becomes_final && !t.finished_at) t.finished_at = clock_.now();
  JobRecord after = hub::apply_transition(job, t);
  if (becomes_final) t.event = final_event(after);
  SCRIPTMESH_RETURN_IF_ERROR(store_.transition_job(job.tenant_id, job.id, job.status, t));
  return after;
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
  events_.publish(final_event(job));
  std::function<void(const JobRecord&)> hook;
  {
    std::lock_guard lock(mu_);
    hook = on_job_final_;
  }
  if (hook) hook(job);
}

void AgentHub::Impl::append_and_publish(const TenantId& tenant, std::string_view type,
                                        const std::string& subject, std::string data_json) {
  events_.publish(append_event(tenant, type, subject, std::move(data_json)));
}

EventRecord AgentHub::Impl::append_event(const TenantId& tenant, std::string_view type,
                                         const std::string& subject, std::string data_json) {
  EventRecord event;
  event.id = EventId(new_id("evt"));
  event.tenant_id = tenant;
  event.type = std::string(type);
  event.subject_id = subject;
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
