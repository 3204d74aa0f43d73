// AgentRuntime: accepting a dispatch and running its process on a worker.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/agent/agent_runtime.hpp"
#include "core/agent/manifest_rules.hpp"

namespace scriptmesh::agent {
namespace {

namespace proto = agent_protocol;

// Sets `name`, replacing an earlier value: later sources override earlier
// ones, and execve must not see a name twice.
void set_env(std::vector<std::pair<std::string, std::string>>& env, const std::string& name,
             const std::string& value) {
  for (auto& entry : env) {
    if (entry.first == name) {
      entry.second = value;
      return;
    }
  }
  env.emplace_back(name, value);
}

// The common reasons a spawn would fail, found before `started` is sent so
// the job is rejected instead. The runner still reports a failure that
// slips through (the file removed in between, no memory, no pids).
Result<void> check_spawnable(const ProcessSpec& spec) {
  struct stat st {};
  const std::string& program = spec.argv[0];
  int err = 0;
  if (::stat(program.c_str(), &st) != 0) {
    err = errno;
  } else if (!S_ISREG(st.st_mode)) {
    err = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
  } else if (::access(program.c_str(), X_OK) != 0) {
    err = errno;
  }
  if (err != 0) {
    return Error::failed_precondition("spawn_failed",
                                      "cannot start " + program + ": " + std::strerror(err));
  }
  if (!spec.workdir.empty() && (::stat(spec.workdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return Error::failed_precondition(
        "spawn_failed", "cannot start " + program + " in " + spec.workdir + ": not a directory");
  }
  return ok_result();
}

proto::Finished to_finished(const std::string& job_id, const Result<ProcessOutcome>& outcome) {
  proto::Finished f;
  f.job_id = job_id;
  if (!outcome.ok()) {
    f.error = outcome.error().code();
    return f;
  }
  if (outcome->signal != 0) {
    f.signal = outcome->signal;
  } else if (outcome->exit_code >= 0) {
    f.exit_code = outcome->exit_code;
  }
  f.duration_ms = outcome->duration.count();
  f.timed_out = outcome->timed_out;
  f.cancelled = outcome->cancelled;
  return f;
}

}  // namespace

// Appends each chunk to the job's held output while it fits, otherwise to
// the spool, then tells the pump. A chunk that cannot be spooled cannot be
// delivered either: the job is cancelled rather than left to run with a
// hole in its output.
class AgentRuntime::JobSink final : public OutputSink {
 public:
  JobSink(AgentRuntime& runtime, Job& job) : runtime_(runtime), job_(job) {}

  void on_output(ProcessStream stream, std::string_view bytes) override {
    if (failed_) return;
    const OutputStream s =
        stream == ProcessStream::kStdout ? OutputStream::kStdout : OutputStream::kStderr;
    Result<bool> held = hold(s, bytes);
    Result<void> stored = held.ok() ? ok_result() : Result<void>(held.error());
    if (held.ok() && !*held) stored = runtime_.spool_.append(job_.id, s, bytes);
    if (!stored.ok()) {
      failed_ = true;
      runtime_.logger_.error("cannot spool job output; cancelling the job",
                             {{"job_id", job_.id}, {"error", stored.error().to_string()}});
      runtime_.abort_job(job_, "spool_write_failed");
      return;
    }
    if (!*held) runtime_.output_spooled(job_, s, bytes.size());
  }

 private:
  // True when `bytes` were kept in memory (the job is held and they fit);
  // false when they are for the spool, where a held job that outgrew its
  // memory has just been written.
  Result<bool> hold(OutputStream s, std::string_view bytes) {
    std::lock_guard lock(runtime_.mu_);
    if (job_.on_disk) return false;
    const std::size_t total = job_.held_out.size() + job_.held_err.size() + bytes.size();
    if (total > runtime_.options_.held_output_bytes) {
      SCRIPTMESH_RETURN_IF_ERROR(runtime_.spill_locked(job_));
      return false;
    }
    (s == OutputStream::kStdout ? job_.held_out : job_.held_err).append(bytes);
    (s == OutputStream::kStdout ? job_.out : job_.err).spooled +=
        static_cast<std::int64_t>(bytes.size());
    runtime_.pump_cv_.notify_all();
    return true;
  }

  AgentRuntime& runtime_;
  Job& job_;  // active while the run lasts, so never erased meanwhile
  bool failed_ = false;
};

void AgentRuntime::on_dispatch_locked(proto::Dispatch dispatch) {
  const std::string& id = dispatch.job_id;
  if (auto it = jobs_.find(id); it != jobs_.end()) {
    // A repeated dispatch (the orchestrator missed `started`) never runs twice.
    logger_.warn("dispatch for a job already held", {{"job_id", id}});
    if (it->second.active) send_locked(proto::Started{id});
    return;
  }
  if (!accepting_) {
    return reject_locked(id, Error::unavailable("agent_stopping", "the agent is shutting down"));
  }
  if (!is_valid_job_id(id)) {
    return reject_locked(
        id, Error::invalid_argument("invalid_job_id", "the job id cannot name a spool directory"));
  }
  auto spec = plan_run_locked(dispatch);
  if (!spec.ok()) return reject_locked(id, spec.error());
  if (running_ >= options_.max_concurrent) {
    return reject_locked(id, Error::resource_exhausted(
                                 "no_free_slot", "all " + std::to_string(options_.max_concurrent) +
                                                     " job slots of this agent are busy"));
  }
  if (auto spawnable = check_spawnable(*spec); !spawnable.ok()) {
    return reject_locked(id, spawnable.error());
  }
  // Held in memory while the connection that brought it is up (see the
  // top of agent_runtime.hpp); spooled at once otherwise.
  const bool held = link_ != nullptr && welcomed_ && options_.held_output_bytes > 0;
  if (!held) {
    if (auto created = spool_.create_job(dispatch); !created.ok()) {
      return reject_locked(id, created.error());
    }
  }
  logger_.info("job started", {{"job_id", id}, {"script", dispatch.script}});
  Job& job = jobs_[id];
  job.id = id;
  job.on_disk = !held;
  // `id` refers into `dispatch`: job.id from here on.
  if (held) job.dispatch = std::move(dispatch);
  job.cancel = std::make_shared<CancelToken>();
  job.active = true;
  ++running_;
  queue_.push_back(Run{job.id, std::move(*spec), job.cancel});
  send_locked(proto::Started{job.id});
  work_cv_.notify_one();
}

// The agent's own manifest decides, whatever the orchestrator believed.
Result<ProcessSpec> AgentRuntime::plan_run_locked(const proto::Dispatch& dispatch) const {
  const ScriptSpec* script = manifest_.find(dispatch.script);
  if (script == nullptr) {
    return Error::permission_denied(
        "script_not_allowed",
        "script " + manifest_detail::quoted(dispatch.script) + " is not in this agent's manifest");
  }
  SCRIPTMESH_RETURN_IF_ERROR(validate_params(*script, dispatch.params));
  ProcessSpec spec;
  spec.argv = script->command;
  spec.workdir = script->workdir;
  set_env(spec.env, "PATH", options_.path_env);
  set_env(spec.env, "HOME", options_.home_env);
  set_env(spec.env, "LANG", options_.lang_env);
  for (const auto& [name, value] : script->env)
    set_env(spec.env, name, value);
  for (const auto& [name, value] : dispatch.params)
    set_env(spec.env, name, value);
  set_env(spec.env, "SM_JOB_ID", dispatch.job_id);
  set_env(spec.env, "SM_SCRIPT", script->name);
  const int timeout_sec = dispatch.timeout_sec > 0 ? dispatch.timeout_sec : script->timeout_sec;
  spec.timeout = std::chrono::seconds(timeout_sec);
  spec.kill_grace = options_.kill_grace;
  return spec;
}

void AgentRuntime::reject_locked(const std::string& job_id, const Error& error) {
  logger_.warn("dispatch rejected",
               {{"job_id", job_id.substr(0, kMaxJobIdLength)}, {"error", error.code()}});
  send_locked(proto::Rejected{job_id, error.code(), error.message()});
}

// Workers drain the queue even while stopping: a queued job's token is
// already cancelled then, so it ends at once and still gets a result.
void AgentRuntime::worker_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;
    Run run = std::move(queue_.front());
    queue_.pop_front();
    Job& job = jobs_.at(run.job_id);
    lock.unlock();
    execute(job, run);
    lock.lock();
  }
}

void AgentRuntime::execute(Job& job, Run& run) {
  Result<ProcessOutcome> outcome = ProcessOutcome{};
  if (run.cancel->cancelled()) {
    // Cancelled while queued: no process is started just to be killed.
    outcome->cancelled = true;
  } else {
    JobSink sink(*this, job);
    outcome = runner_.run(run.spec, sink, *run.cancel);
  }
  if (!outcome.ok()) {
    logger_.error("job process failed",
                  {{"job_id", job.id}, {"error", outcome.error().to_string()}});
  }
  record_result(job, to_finished(job.id, outcome));
}

void AgentRuntime::output_spooled(Job& job, OutputStream stream, std::size_t bytes) {
  std::lock_guard lock(mu_);
  (stream == OutputStream::kStdout ? job.out : job.err).spooled += static_cast<std::int64_t>(bytes);
  pump_cv_.notify_all();
}

void AgentRuntime::abort_job(Job& job, std::string reason) {
  std::lock_guard lock(mu_);
  if (job.stop_reason.empty()) job.stop_reason = std::move(reason);
  job.cancel->cancel();
}

// The slot frees as soon as the process has ended; the job stays active
// (so no welcome or ack can erase it) until its result is recorded.
void AgentRuntime::record_result(Job& job, proto::Finished finished) {
  {
    std::lock_guard lock(mu_);
    --running_;
    if (finished.error.empty()) finished.error = job.stop_reason;
    // With no connection to take it, the result goes to disk.
    if (link_ == nullptr || !welcomed_) spill_or_log_locked(job);
    // A held job ends under this same lock, so a disconnect spills it
    // with its result, or came first and made it spooled.
    if (!job.on_disk) return finish_locked(job, std::move(finished));
  }
  auto written = spool_.write_result(SpooledResult{finished, clock_.now()});
  if (!written.ok()) {
    // Still delivered from memory; only a restart before delivery loses it.
    logger_.error("cannot spool job result",
                  {{"job_id", job.id}, {"error", written.error().to_string()}});
  }
  std::lock_guard lock(mu_);
  finish_locked(job, std::move(finished));
}

void AgentRuntime::finish_locked(Job& job, proto::Finished finished) {
  job.result = std::move(finished);
  job.finished = true;
  job.active = false;
  logger_.info("job finished", {{"job_id", job.id},
                                {"exit_code", job.result.exit_code.value_or(-1)},
                                {"signal", job.result.signal.value_or(0)},
                                {"error", job.result.error}});
  if (job.discard) {
    drop_job_locked(job.id);
    return;
  }
  pump_cv_.notify_all();
}

}  // namespace scriptmesh::agent
