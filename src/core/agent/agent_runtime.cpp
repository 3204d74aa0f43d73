#include "core/agent/agent_runtime.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <utility>
#include <variant>

namespace scriptmesh::agent {
namespace {

namespace proto = agent_protocol;

std::string this_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string agent_home() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? home : "/";
}

AgentRuntimeOptions with_defaults(AgentRuntimeOptions options) {
  if (options.hostname.empty()) options.hostname = this_hostname();
  if (options.home_env.empty()) options.home_env = agent_home();
  return options;
}

}  // namespace

AgentRuntime::AgentRuntime(AgentRuntimeOptions options, ProcessRunner& runner, Clock& clock,
                           Logger& logger)
    : options_(with_defaults(std::move(options))),
      runner_(runner),
      clock_(clock),
      logger_(logger),
      spool_(options_.spool_dir),
      metrics_(HostMetricsOptions{options_.proc_root, options_.disk_path}),
      manifest_(std::move(options_.manifest)) {}

AgentRuntime::~AgentRuntime() {
  stop();
}

Result<void> AgentRuntime::open() {
  if (options_.spool_dir.empty() || options_.max_concurrent < 1 || options_.window_bytes == 0) {
    return Error::invalid_argument(
        "invalid_agent_options",
        "spool_dir must be set, max_concurrent at least 1 and window_bytes at least 1");
  }
  auto recovered = spool_.open(clock_.now());
  SCRIPTMESH_RETURN_IF_ERROR(recovered);
  for (const std::string& id : *recovered) {
    logger_.warn("job lost by an earlier agent process", {{"job_id", id}});
  }
  SCRIPTMESH_RETURN_IF_ERROR(load_spooled_jobs());
  // The first heartbeat then reports CPU use since open(), not since boot.
  (void)metrics_.sample();
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  for (int i = 0; i < options_.max_concurrent; ++i)
    workers_.emplace_back([this] { worker_loop(); });
  pump_ = std::thread([this] { pump_loop(); });
  return ok_result();
}

// Every job left in the spool has a result by now (Spool::open recovered the
// lost ones); each waits for delivery and finished_ack.
Result<void> AgentRuntime::load_spooled_jobs() {
  auto ids = spool_.list_jobs();
  SCRIPTMESH_RETURN_IF_ERROR(ids);
  std::lock_guard lock(mu_);
  for (const std::string& id : *ids) {
    auto result = spool_.load_result(id);
    if (!result.ok() || !result->has_value()) {
      logger_.error("spooled job unreadable; left on disk",
                    {{"job_id", id}, {"error", result.ok() ? "no result" : result.error().code()}});
      continue;
    }
    Job& job = jobs_[id];
    job.id = id;
    job.on_disk = true;
    job.finished = true;
    job.result = (*result)->finished;
    job.out.spooled = job.result.stdout_bytes;
    job.err.spooled = job.result.stderr_bytes;
  }
  if (!ids->empty()) logger_.info("spooled jobs held for delivery", {{"count", ids->size()}});
  return ok_result();
}

// Workers go first: they record the results of the jobs being cancelled.
// The pump then stops; whatever it did not send stays spooled.
void AgentRuntime::stop() {
  std::lock_guard stopping(stop_mu_);
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    stopping_ = true;
    for (auto& [id, job] : jobs_) {
      if (!job.active || !job.cancel || job.cancel->cancelled()) continue;
      job.stop_reason = "agent_stopped";
      job.cancel->cancel();
    }
  }
  work_cv_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  {
    std::lock_guard lock(mu_);
    spill_all_locked();  // undelivered results wait on disk for the next agent process
    pump_stop_ = true;
  }
  pump_cv_.notify_all();
  if (pump_.joinable()) pump_.join();
}

void AgentRuntime::connected(AgentLink& link) {
  std::lock_guard lock(mu_);
  link_ = &link;
  welcomed_ = false;
  ++epoch_;
  for (auto& [id, job] : jobs_) {
    job.out.sent = job.out.acked = 0;
    job.err.sent = job.err.acked = 0;
    job.finished_sent = false;
    job.pump_failed = false;
  }
  send_hello_locked();
}

void AgentRuntime::disconnected() {
  std::lock_guard lock(mu_);
  link_ = nullptr;
  welcomed_ = false;
  ++epoch_;
  spill_all_locked();
}

void AgentRuntime::received(std::string_view frame) {
  auto message = proto::decode_orchestrator_message(frame);
  std::lock_guard lock(mu_);
  if (!message.ok()) {
    logger_.warn("orchestrator frame refused",
                 {{"error", message.error().code()}, {"bytes", frame.size()}});
    return;
  }
  if (auto* m = std::get_if<proto::Welcome>(&*message)) {
    on_welcome_locked(*m);
  } else if (auto* d = std::get_if<proto::Dispatch>(&*message)) {
    on_dispatch_locked(std::move(*d));
  } else if (auto* c = std::get_if<proto::Cancel>(&*message)) {
    on_cancel_locked(*c);
  } else if (auto* a = std::get_if<proto::OutputAck>(&*message)) {
    on_output_ack_locked(*a);
  } else if (auto* f = std::get_if<proto::FinishedAck>(&*message)) {
    on_finished_ack_locked(*f);
  }
}

void AgentRuntime::send_heartbeat() {
  {
    std::lock_guard lock(mu_);
    if (link_ == nullptr || !welcomed_) return;
  }
  proto::Heartbeat heartbeat;
  auto metrics = metrics_.sample();
  if (metrics.ok()) {
    heartbeat.metrics = *metrics;
  } else {
    logger_.warn("host metrics unreadable", {{"error", metrics.error().to_string()}});
  }
  std::lock_guard lock(mu_);
  if (link_ != nullptr && welcomed_) send_locked(heartbeat);
}

int AgentRuntime::heartbeat_sec() const {
  return heartbeat_sec_.load();
}

void AgentRuntime::replace_manifest(Manifest manifest) {
  std::lock_guard lock(mu_);
  manifest_ = std::move(manifest);
  logger_.info("manifest replaced", {{"scripts", manifest_.scripts.size()}});
  if (link_ != nullptr) send_hello_locked();
}

// A false return means the link is gone; the transport reports that through
// disconnected(), and everything is resent from the spool after the next
// welcome, so the frame itself needs no retry.
void AgentRuntime::send_locked(const proto::AgentMessage& message) {
  if (link_ != nullptr) (void)link_->send(proto::encode(message));
}

void AgentRuntime::send_hello_locked() {
  proto::Hello hello;
  hello.agent_version = options_.agent_version;
  hello.hostname = options_.hostname;
  hello.tags = options_.tags;
  hello.manifest_summary = manifest_summary_json(manifest_);
  hello.max_concurrent = options_.max_concurrent;
  for (const auto& [id, job] : jobs_) {
    if (job.discard) continue;
    if (hello.jobs.size() == proto::kMaxJobsInHello) {
      logger_.warn("too many held jobs for one hello; the rest wait for a later connection",
                   {{"held", jobs_.size()}});
      break;
    }
    hello.jobs.push_back(proto::HeldJob{id, job.finished});
  }
  send_locked(hello);
}

// The welcome's offsets are where this connection resumes; a job it does not
// mention resumes from 0 (the orchestrator ignores bytes it already holds).
void AgentRuntime::on_welcome_locked(const proto::Welcome& welcome) {
  heartbeat_sec_.store(welcome.heartbeat_sec);
  for (const proto::ResumeJob& resume : welcome.jobs) {
    auto it = jobs_.find(resume.job_id);
    if (it == jobs_.end()) continue;
    Job& job = it->second;
    if (!resume.wanted || resume.result_stored) {
      if (job.active) {
        job.discard = true;
      } else {
        drop_job_locked(job.id);
      }
      continue;
    }
    job.out.sent = job.out.acked = resume.stdout_offset;
    job.err.sent = job.err.acked = resume.stderr_offset;
  }
  welcomed_ = true;
  ++epoch_;
  logger_.info("welcomed by the orchestrator", {{"agent_id", welcome.agent_id}});
  pump_cv_.notify_all();
}

void AgentRuntime::on_cancel_locked(const proto::Cancel& cancel) {
  auto it = jobs_.find(cancel.job_id);
  if (it == jobs_.end() || !it->second.active || !it->second.cancel) {
    logger_.info("cancel for a job not running here", {{"job_id", cancel.job_id}});
    return;
  }
  it->second.cancel->cancel();
  logger_.info("job cancel requested", {{"job_id", cancel.job_id}});
}

// `stored` beyond what was sent (a welcome that lagged) also moves `sent`:
// the orchestrator holds those bytes, so there is no point sending them.
void AgentRuntime::on_output_ack_locked(const proto::OutputAck& ack) {
  auto it = jobs_.find(ack.job_id);
  if (it == jobs_.end()) return;
  StreamCursor& c = ack.stream == OutputStream::kStdout ? it->second.out : it->second.err;
  c.acked = std::max(c.acked, ack.stored);
  c.sent = std::max(c.sent, c.acked);
  pump_cv_.notify_all();
}

void AgentRuntime::on_finished_ack_locked(const proto::FinishedAck& ack) {
  auto it = jobs_.find(ack.job_id);
  if (it == jobs_.end() || !it->second.finished || it->second.active) {
    logger_.info("finished_ack for a job without a result here", {{"job_id", ack.job_id}});
    return;
  }
  drop_job_locked(ack.job_id);
}

void AgentRuntime::drop_job_locked(std::string job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && it->second.on_disk) {
    auto removed = spool_.remove_job(job_id);
    if (!removed.ok()) {
      logger_.error("cannot remove a delivered job's spool",
                    {{"job_id", job_id}, {"error", removed.error().to_string()}});
    }
  }
  jobs_.erase(job_id);
  pump_cv_.notify_all();
}

Result<void> AgentRuntime::spill_locked(Job& job) {
  if (job.on_disk) return ok_result();
  SCRIPTMESH_RETURN_IF_ERROR(spool_.create_job(job.dispatch));
  Result<void> written = spool_.append(job.id, OutputStream::kStdout, job.held_out);
  if (written.ok()) written = spool_.append(job.id, OutputStream::kStderr, job.held_err);
  if (written.ok() && job.finished) {
    proto::Finished finished = job.result;
    written = spool_.write_result(SpooledResult{std::move(finished), clock_.now()});
  }
  if (!written.ok()) {
    // Half a spool would be taken for a lost job by the next agent process.
    (void)spool_.remove_job(job.id);
    return written;
  }
  job.on_disk = true;
  job.held_out.clear();
  job.held_out.shrink_to_fit();
  job.held_err.clear();
  job.held_err.shrink_to_fit();
  return ok_result();
}

void AgentRuntime::spill_or_log_locked(Job& job) {
  if (Result<void> spilled = spill_locked(job); !spilled.ok()) {
    logger_.error("cannot spool a held job; it is kept in memory only",
                  {{"job_id", job.id}, {"error", spilled.error().to_string()}});
  }
}

void AgentRuntime::spill_all_locked() {
  for (auto& [id, job] : jobs_) {
    if (!job.discard) spill_or_log_locked(job);
  }
}

}  // namespace scriptmesh::agent
