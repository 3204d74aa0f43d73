// hello: the agent (re)introduces itself. Store its manifest and status,
// tell it what the orchestrator already holds of each job it reports, fail
// the jobs it should hold but does not, then fill its free slots.
#include <algorithm>
#include <boost/json.hpp>
#include <unordered_set>
#include <utility>

#include "core/agent/agent_hub_impl.hpp"
#include "scriptmesh/manifest.hpp"

namespace scriptmesh {
namespace {

// An agent announcing more slots than this is capped: the orchestrator's
// per-agent state stays bounded whatever the agent claims.
constexpr int kMaxConcurrentCap = 1024;

Result<hub::ResumePlan> plan_resume(Store& store, const hub::SessionView& view,
                                    const std::vector<agent_protocol::HeldJob>& held) {
  hub::ResumePlan plan;
  for (const agent_protocol::HeldJob& h : held) {
    agent_protocol::ResumeJob r;
    r.job_id = h.job_id;
    Result<JobRecord> job = store.get_job(view.tenant, JobId(h.job_id));
    if (!job.ok() && job.error().category() != ErrorCategory::kNotFound) {
      return std::move(job).error();
    }
    // Unknown, another agent's, or never dispatched: nothing to resume.
    if (!job.ok() || job->agent_id != view.agent || job->status == JobStatus::kPending) {
      r.wanted = false;
      plan.jobs.push_back(std::move(r));
      continue;
    }
    r.stdout_offset = job->stdout_bytes;
    r.stderr_offset = job->stderr_bytes;
    r.result_stored = is_final(job->status) && !hub::accepts_late_result(*job);
    plan.listed.insert(h.job_id);
    if (!h.finished && !r.result_stored) plan.holding.insert(h.job_id);
    plan.jobs.push_back(std::move(r));
  }
  return plan;
}

}  // namespace

void AgentHub::Impl::start_hello(AgentSessionId session, hub::SessionView view,
                                 agent_protocol::Hello hello) {
  async_begun();
  hello_lanes_[session % hello_lanes_.size()].post(
      [this, session, view = std::move(view), hello = std::move(hello)] {
        on_hello(session, view, hello);
        if (view.connection) view.connection->resume();
        async_ended();
      });
}

void AgentHub::Impl::on_hello(AgentSessionId session, const hub::SessionView& view,
                              const agent_protocol::Hello& hello) {
  Result<std::map<std::string, ScriptSpec>> summary =
      parse_manifest_summary(hello.manifest_summary);
  if (!summary.ok()) {
    refuse(session, view, "invalid_manifest");
    return;
  }
  Result<hub::ResumePlan> plan = plan_resume(store_, view, hello.jobs);
  if (!plan.ok()) {
    store_failed(session, view, plan.error());
    return;
  }
  // A second hello on one connection is a manifest reload: dispatches may be
  // in transit to the agent, so its job list proves nothing about them.
  if (!view.hello_done) {
    Result<void> lost = fail_lost_jobs(view, plan->listed);
    if (!lost.ok()) {
      store_failed(session, view, lost.error());
      return;
    }
  }
  std::vector<std::string> names;
  for (const auto& [name, spec] : *summary)
    names.push_back(name);
  const int max_concurrent = std::clamp(hello.max_concurrent, 1, kMaxConcurrentCap);
  std::vector<std::string> cancels;
  if (!go_online(session, view, hello, std::move(names), max_concurrent, *plan, cancels)) {
    return;
  }
  agent_protocol::Welcome welcome;
  welcome.agent_id = view.agent.str();
  welcome.heartbeat_sec = options_.heartbeat_sec;
  welcome.jobs = std::move(plan->jobs);
  send(view.connection, welcome);
  for (std::string& job : cancels)
    send(view.connection, agent_protocol::Cancel{std::move(job)});
  dispatch_pending(view.key, true);
}

Result<void> AgentHub::Impl::fail_lost_jobs(const hub::SessionView& view,
                                            const std::unordered_set<std::string>& listed) {
  for (JobStatus status : {JobStatus::kDispatched, JobStatus::kRunning}) {
    JobFilter filter;
    filter.agent_id = view.agent;
    filter.status = status;
    filter.limit = 1000;
    filter.oldest_first = true;
    std::vector<JobRecord> lost;
    do {
      Result<JobPage> page = store_.list_jobs(view.tenant, filter);
      if (!page.ok()) return std::move(page).error();
      for (JobRecord& job : page->jobs) {
        if (!listed.contains(job.id.str())) lost.push_back(std::move(job));
      }
      filter.cursor = page->next_cursor;
    } while (!filter.cursor.empty());
    for (const JobRecord& job : lost) {
      JobTransition t;
      t.to = JobStatus::kFailed;
      t.error = std::string(hub::kAgentLost);
      t.finished_at = clock_.now();
      Result<JobRecord> failed = transition(job, t);
      if (!failed.ok() && failed.error().category() != ErrorCategory::kConflict) {
        return std::move(failed).error();
      }
      logger_.warn("job lost by its agent",
                   {{"job_id", job.id.str()}, {"agent_id", view.agent.str()}});
      if (failed.ok()) job_final(*failed);
    }
  }
  return ok_result();
}

bool AgentHub::Impl::go_online(AgentSessionId session, const hub::SessionView& view,
                               const agent_protocol::Hello& hello, std::vector<std::string> names,
                               int max_concurrent, const hub::ResumePlan& plan,
                               std::vector<std::string>& cancels) {
  std::unique_lock status(status_lock(view.key));
  AgentStateUpdate update;
  update.status = AgentStatus::kOnline;
  update.last_heartbeat_at = clock_.now();
  update.manifest = std::move(names);
  update.manifest_summary = hello.manifest_summary;
  update.max_concurrent = max_concurrent;
  Result<void> stored = store_.update_agent_state(view.tenant, view.agent, update);
  if (!stored.ok()) {
    status.unlock();  // dropping the session takes it again
    store_failed(session, view, stored.error());
    return false;
  }
  bool current = false;
  bool announce = false;
  {
    std::lock_guard lock(mu_);
    auto s = sessions_.find(session);
    current = s != sessions_.end() && s->second == view.key;
    if (current) {
      hub::LiveAgent& live = live_.at(view.key);
      live.hello_done = true;
      live.max_concurrent = max_concurrent;
      live.in_flight.insert(plan.holding.begin(), plan.holding.end());
      if (live.owned.size() + plan.listed.size() > hub::kMaxOwnedCache) live.owned.clear();
      live.owned.insert(plan.listed.begin(), plan.listed.end());
      auto lease = leases_.find(view.key);
      if (lease != leases_.end()) {
        live.cancel_requested.merge(lease->second.cancel_requested);
        leases_.erase(lease);
      }
      // Cancels for jobs the agent no longer runs have nothing left to stop.
      std::erase_if(live.cancel_requested,
                    [&](const std::string& job) { return !live.in_flight.contains(job); });
      for (const std::string& job : live.cancel_requested) {
        if (plan.holding.contains(job)) cancels.push_back(job);
      }
      announce = announced_online_.insert(view.key).second;
    }
  }
  std::optional<EventRecord> event;
  if (!current) {
    // The connection went away while we stored "online": undo it, unless a
    // newer connection of the agent is online by now.
    event = mark_offline_locked(view, "disconnected");
  } else if (announce) {
    boost::json::object data{{"agent_id", view.agent.str()}, {"name", view.name}};
    event = append_agent_event(view.tenant, kEventAgentOnline, view.agent,
                               boost::json::serialize(data));
  }
  status.unlock();
  if (event) events_.publish(*event);
  return current;
}

}  // namespace scriptmesh
