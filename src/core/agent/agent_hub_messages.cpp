// Every agent message but hello: heartbeat, started, output, finished,
// rejected. started, output and finished are written asynchronously (see
// on_started and finish_attempt); the others are handled to the end before
// received() returns.
#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/agent/agent_hub_impl.hpp"

namespace scriptmesh {
namespace {

namespace proto = agent_protocol;

// How many times a result is re-read and retried when the job's status moved
// under it (a lease ran out, a cancel landed) between the read and the write.
constexpr int kFinishAttempts = 3;

// The agent's reason for refusing a dispatch, if it is a plain machine code.
std::string rejection_code(std::string_view code) {
  const bool plain =
      !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      });
  return plain ? std::string(code) : std::string("rejected");
}

JobTransition result_transition(const JobRecord& job, const proto::Finished& m, WallTime now) {
  JobTransition t;
  t.exit_code = m.exit_code;
  t.signal = m.signal;
  t.duration_ms = m.duration_ms;
  if (hub::accepts_late_result(job)) {
    t.to = JobStatus::kFailed;  // keeps its error and finished_at
    return t;
  }
  t.finished_at = now;
  if (m.cancelled) {
    t.to = JobStatus::kCancelled;
  } else if (m.timed_out) {
    t.to = JobStatus::kTimedOut;
  } else if (!m.error.empty()) {
    t.to = JobStatus::kFailed;
    t.error = rejection_code(m.error);
  } else if (m.signal || !m.exit_code || *m.exit_code != 0) {
    t.to = JobStatus::kFailed;
  } else {
    t.to = JobStatus::kSucceeded;
  }
  return t;
}

}  // namespace

bool AgentHub::Impl::received(AgentSessionId session, std::string_view frame) {
  std::optional<hub::SessionView> view = view_of(session);
  if (!view) return true;
  Result<proto::AgentMessage> message = proto::decode_agent_message(frame);
  if (!message.ok()) {
    refuse(session, *view, message.error().code());
    return true;
  }
  if (auto* hello = std::get_if<proto::Hello>(&*message)) {
    start_hello(session, std::move(*view), std::move(*hello));
    return false;
  }
  if (!view->hello_done) {
    refuse(session, *view, "hello_required");
    return true;
  }
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, proto::Heartbeat>) on_heartbeat(session, *view, m);
        if constexpr (std::is_same_v<M, proto::Started>) on_started(session, *view, m);
        if constexpr (std::is_same_v<M, proto::Output>) on_output(session, *view, m);
        if constexpr (std::is_same_v<M, proto::Finished>) on_finished(session, *view, m);
        if constexpr (std::is_same_v<M, proto::Rejected>) on_rejected(session, *view, m);
      },
      *message);
  return true;
}

void AgentHub::Impl::on_heartbeat(AgentSessionId, const hub::SessionView& view,
                                  const proto::Heartbeat& m) {
  AgentStateUpdate update;
  update.metrics = m.metrics;
  update.last_heartbeat_at = clock_.now();
  history_.record(view.tenant, view.agent, HeartbeatSample{*update.last_heartbeat_at, m.metrics});
  Result<void> stored = store_.update_agent_state(view.tenant, view.agent, update);
  // Only figures for display: the next heartbeat brings fresh ones.
  if (!stored.ok()) {
    logger_.warn("agent heartbeat not stored",
                 {{"agent_id", view.agent.str()}, {"error", stored.error().to_string()}});
  }
}

// `started` and `output` are written without waiting for their commit, so
// the connection goes on to its next message and several messages share one
// commit; the store keeps them in order with the result that follows.
// Their completions run on the store's thread and must not write to the
// store: a failure only closes the connection (the agent reconnects and
// resends what was not acknowledged).
void AgentHub::Impl::on_started(AgentSessionId session, const hub::SessionView& view,
                                const proto::Started& m) {
  std::optional<JobRecord> job = own_job(session, view, m.job_id, true);
  if (!job || job->status != JobStatus::kDispatched) return;  // a resend, or already over
  JobTransition t;
  t.to = JobStatus::kRunning;
  t.started_at = clock_.now();
  async_begun();
  {
    std::lock_guard lock(async_mu_);
    starting_.insert_or_assign(m.job_id, *t.started_at);
  }
  store_.transition_job_async(
      view.tenant, job->id, JobStatus::kDispatched, std::move(t),
      [this, connection = view.connection, agent = view.agent.str(),
       id = m.job_id](Result<void> done) {
        {
          std::lock_guard lock(async_mu_);
          starting_.erase(id);
        }
        if (!done.ok() && done.error().category() != ErrorCategory::kConflict) {
          logger_.error("job start not stored; closing the agent's connection",
                        {{"agent_id", agent}, {"job_id", id}, {"error", done.error().to_string()}});
          connection->close("store_unavailable");
        }
        async_ended();
      });
}

void AgentHub::Impl::on_output(AgentSessionId session, const hub::SessionView& view,
                               const proto::Output& m) {
  if (!own_job(session, view, m.job_id, false)) return;
  async_begun();
  store_.append_job_output_at_async(
      view.tenant, JobId(m.job_id), m.stream, m.offset, m.data,
      [this, connection = view.connection, agent = view.agent.str(), id = m.job_id,
       stream = m.stream](Result<std::int64_t> stored) {
        if (stored.ok()) {
          send(connection, proto::OutputAck{id, stream, *stored});
        } else if (stored.error().code() == "output_gap") {
          // Bytes before it never arrived; the agent resends from the stored
          // length it learns in the next output_ack or welcome.
          logger_.warn("agent output beyond the stored bytes ignored",
                       {{"agent_id", agent}, {"job_id", id}});
        } else {
          logger_.error(
              "agent output not stored; closing the agent's connection",
              {{"agent_id", agent}, {"job_id", id}, {"error", stored.error().to_string()}});
          connection->close("store_unavailable");
        }
        async_ended();
      });
}

void AgentHub::Impl::on_finished(AgentSessionId session, const hub::SessionView& view,
                                 const proto::Finished& m) {
  finish_attempt(session, view, m, 0);
}

// The result is written asynchronously too, behind the job's output in the
// store's queue, so the agent's next frames are read while it commits. Its
// completion answers the agent, wakes waiters and frees the slot at once;
// announcing the job and handling a failure may write to the store, which
// the store's own thread must not wait for, so they go to followups_.
void AgentHub::Impl::finish_attempt(AgentSessionId session, const hub::SessionView& view,
                                    const proto::Finished& m, int attempt) {
  if (attempt == kFinishAttempts) {
    logger_.warn("job result not recorded: its status kept changing",
                 {{"agent_id", view.agent.str()}, {"job_id", m.job_id}});
    return;
  }
  // Asked before the read: a start still in flight then commits before
  // this result, whatever the read shows, and the record handed to
  // waiters must show it too.
  std::optional<WallTime> start_in_flight;
  {
    std::lock_guard lock(async_mu_);
    auto it = starting_.find(m.job_id);
    if (it != starting_.end()) start_in_flight = it->second;
  }
  std::optional<JobRecord> job = own_job(session, view, m.job_id, true);
  if (!job) return;
  const bool already_final = is_final(job->status);
  if (already_final && !hub::accepts_late_result(*job)) {
    send(view.connection, proto::FinishedAck{m.job_id});  // a resend after a lost ack
    release_slot(view.key, m.job_id);
    return;
  }
  if (start_in_flight && job->status == JobStatus::kDispatched) {
    job->status = JobStatus::kRunning;
    job->started_at = start_in_flight;
  }
  JobTransition t = result_transition(*job, m, clock_.now());
  // The output the agent reports must be stored before its result; output
  // still on its way to the store is ahead of this write in its queue.
  t.min_stdout_bytes = m.stdout_bytes;
  t.min_stderr_bytes = m.stderr_bytes;
  job->stdout_bytes = std::max(job->stdout_bytes, m.stdout_bytes);
  job->stderr_bytes = std::max(job->stderr_bytes, m.stderr_bytes);
  async_begun();
  transition_async(
      *job, t, [this, session, view, m, attempt, already_final](Result<JobRecord> done) {
        if (done.ok()) {
          if (!already_final) wake_waiters(*done);
          send(view.connection, proto::FinishedAck{m.job_id});
          release_slot(view.key, m.job_id);
          if (already_final) return async_ended();
          followups_.post([this, job = std::move(done).value()] {
            announce_final(job);
            async_ended();
          });
          return;
        }
        followups_.post([this, session, view, m, attempt, error = std::move(done).error()] {
          if (error.code() == "output_incomplete") {
            refuse(session, view, "output_incomplete");
          } else if (error.category() == ErrorCategory::kConflict) {
            finish_attempt(session, view, m, attempt + 1);  // re-read and decide again
          } else {
            store_failed(session, view, error);
          }
          async_ended();
        });
      });
}

void AgentHub::Impl::on_rejected(AgentSessionId session, const hub::SessionView& view,
                                 const proto::Rejected& m) {
  std::optional<JobRecord> job = own_job(session, view, m.job_id, true);
  if (!job) return;
  if (job->status == JobStatus::kDispatched || job->status == JobStatus::kRunning) {
    logger_.warn(
        "agent rejected a job",
        {{"agent_id", view.agent.str()}, {"job_id", m.job_id}, {"code", rejection_code(m.error)}});
    JobTransition t;
    t.to = JobStatus::kFailed;
    t.error = rejection_code(m.error);
    t.finished_at = clock_.now();
    Result<JobRecord> failed = transition(*job, t);
    if (failed.ok()) {
      wake_waiters(*failed);
      release_slot(view.key, m.job_id);
      announce_final(*failed);
      return;
    }
    if (failed.error().category() != ErrorCategory::kConflict) {
      store_failed(session, view, failed.error());
      return;
    }
  }
  release_slot(view.key, m.job_id);
}

std::optional<JobRecord> AgentHub::Impl::own_job(AgentSessionId session,
                                                 const hub::SessionView& view,
                                                 const std::string& job_id, bool need_record) {
  if (!need_record) {
    std::lock_guard lock(mu_);
    auto live = live_.find(view.key);
    if (live != live_.end() && live->second.owned.contains(job_id)) {
      JobRecord known;
      known.id = JobId(job_id);
      return known;
    }
  }
  Result<JobRecord> job = store_.get_job(view.tenant, JobId(job_id));
  if (!job.ok() && job.error().category() != ErrorCategory::kNotFound) {
    store_failed(session, view, job.error());
    return std::nullopt;
  }
  // Another tenant's job reads as not found; another agent's, or one never
  // dispatched, is just as foreign: an honest agent never names them.
  if (!job.ok() || job->agent_id != view.agent || job->status == JobStatus::kPending) {
    refuse(session, view, "foreign_job");
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  auto live = live_.find(view.key);
  if (live != live_.end()) {
    if (live->second.owned.size() >= hub::kMaxOwnedCache) live->second.owned.clear();
    live->second.owned.insert(job_id);
  }
  return std::move(job).value();
}

void AgentHub::Impl::release_slot(const std::string& key, const std::string& job_id) {
  {
    std::lock_guard lock(mu_);
    auto live = live_.find(key);
    if (live == live_.end()) return;
    live->second.in_flight.erase(job_id);
    live->second.owned.erase(job_id);
    live->second.cancel_requested.erase(job_id);
  }
  dispatch_pending(key, false);
}

void AgentHub::Impl::store_failed(AgentSessionId session, const hub::SessionView& view,
                                  const Error& error) {
  logger_.error("store failed while handling an agent message",
                {{"agent_id", view.agent.str()}, {"error", error.to_string()}});
  drop_session(session, "store_unavailable", true);
}

}  // namespace scriptmesh
