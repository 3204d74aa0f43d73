// AgentRuntime: everything scriptmesh-agent does apart from the network.
//
// The transport (a WebSocket client) owns the connection and tells the
// runtime when it is up (connected), what arrived (received) and when it went
// away (disconnected); the runtime answers through an AgentLink. The runtime
// runs dispatched scripts, spools their output and results on disk (spool.hpp)
// and streams them to the orchestrator, so a dropped connection or a restarted
// agent loses nothing: after each reconnect the orchestrator's welcome says
// how much of each stream it holds and the runtime resends from there.
//
// A job dispatched over a live connection starts out held in memory: its
// dispatch, output and result are written to the spool only when the
// connection goes, the agent stops, or its output grows past
// held_output_bytes. A short job whose result the orchestrator acknowledges
// first never touches the disk; creating and deleting its spool files used
// to be half of the agent's work per job. What an agent killed outright
// loses is a held job's record, and the orchestrator already fails such a
// job with agent_lost; held output it had acknowledged is stored.
//
// Threads: open() starts one pump thread, which sends output and finished
// frames from the spool, and max_concurrent worker threads, which run the
// processes. Every public method may be called from any thread; they are
// serialized on one mutex, except that open() must return before any other
// call and the destructor must not race with other calls.
//
// A dispatch is run only when the script is in this agent's own manifest and
// validate_params() accepts its parameters (the orchestrator checks the same,
// but the agent does not trust it), and a slot is free. Otherwise, and when
// the command cannot be spawned, the orchestrator gets `rejected` with one of
// these codes and nothing runs:
//   script_not_allowed   the script is not in the manifest
//   invalid_param        validate_params() refused a parameter (or
//                        invalid_manifest for a pattern that does not compile)
//   no_free_slot         max_concurrent jobs are running
//   spawn_failed         command[0] is not an executable file, or the workdir
//                        is not a directory (the message says which)
//   invalid_job_id       the job id cannot name a spool directory
//   agent_stopping       stop() was called, or open() was not
//   spool_*              the job's spool directory could not be created
//
// A `finished` frame's error is empty for a process that ran to its end
// (whatever its status), and otherwise one of:
//   agent_restarted      an earlier agent process lost the job (spool recovery)
//   agent_stopped        stop() cancelled the job
//   spool_write_failed   output could not be spooled; the job was cancelled
//   spawn_failed / process_wait_failed / invalid_process_spec
//                        the ProcessRunner's error after `started` was sent
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/agent/host_metrics.hpp"
#include "core/agent/protocol.hpp"
#include "core/agent/spool.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/manifest.hpp"
#include "scriptmesh/process_runner.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::agent {

class AgentLink {  // implemented by the transport
 public:
  virtual ~AgentLink() = default;
  // Queues one text frame for the orchestrator; thread-safe; never blocks.
  // false when the connection is gone (the runtime resends from its spool after reconnecting).
  // The runtime calls it while holding its own mutex, so that frames leave in
  // the order the runtime decided on: send() must not call back into the
  // AgentRuntime.
  virtual bool send(std::string frame) = 0;
};

struct AgentRuntimeOptions {
  std::string spool_dir;          // created 0700 if missing
  Manifest manifest;              // already validated by the caller
  int max_concurrent = 4;         // >= 1
  std::vector<std::string> tags;  // sent in hello (informational)
  std::string hostname;           // default: gethostname()
  std::string agent_version;      // SCRIPTMESH version string
  std::string disk_path = "/";    // for disk_percent
  // Unacknowledged output bytes in flight per connection.
  std::size_t window_bytes = 8 * 1024 * 1024;
  // Output a job may hold in memory (both streams) before it is spooled;
  // 0 spools every job from its dispatch on.
  std::size_t held_output_bytes = 64 * 1024;
  std::chrono::milliseconds kill_grace{5000};  // SIGTERM -> SIGKILL on timeout/cancel
  // The base environment of every job; the manifest's env may override LANG
  // (PATH and HOME are reserved to the agent).
  std::string path_env = "/usr/local/bin:/usr/bin:/bin";
  std::string home_env;  // default: the agent's own $HOME, or "/" without one
  std::string lang_env = "C.UTF-8";
  // Where procfs is mounted, for heartbeat metrics (tests use fixtures).
  std::string proc_root = "/proc";
};

class AgentRuntime {
 public:
  // Borrows runner, clock and logger, which must outlive the runtime.
  AgentRuntime(AgentRuntimeOptions options, ProcessRunner& runner, Clock& clock, Logger& logger);
  ~AgentRuntime();  // stop()
  AgentRuntime(const AgentRuntime&) = delete;
  AgentRuntime& operator=(const AgentRuntime&) = delete;

  // Creates or scans the spool: jobs an earlier agent process left are held
  // for delivery (those it lost mid-run with the error "agent_restarted").
  // Then starts the pump and worker threads. Call once, before the others.
  // Errors: invalid_argument "invalid_agent_options" (spool_dir empty,
  // max_concurrent < 1, window_bytes 0) and the Spool's errors.
  [[nodiscard]] Result<void> open();
  // A connection is up: sends hello (with the held jobs) on `link`, which is
  // borrowed until disconnected() or the next connected(). Output is resent
  // only after the orchestrator's welcome.
  void connected(AgentLink& link);
  // One frame from the orchestrator. Malformed or unknown frames, and frames
  // about unknown jobs, are logged (never their contents) and ignored.
  void received(std::string_view frame);
  // The link is gone; jobs keep running and output keeps spooling.
  void disconnected();
  // Sends a heartbeat with fresh host metrics; the transport's timer calls
  // it. A no-op unless connected and welcomed. Unreadable metrics are logged
  // and sent as 0, so the agent still counts as alive.
  void send_heartbeat();
  // From the last welcome; 60 before one.
  int heartbeat_sec() const;
  // SIGHUP: later dispatches are checked against `manifest`; hello is re-sent
  // if connected. Running jobs are not affected.
  void replace_manifest(Manifest manifest);
  // Refuses new dispatches, cancels running jobs (their results say
  // "agent_stopped" and stay spooled for the next agent process), and joins
  // the threads. May block for kill_grace while processes stop. Idempotent,
  // and safe to call from several threads at once.
  void stop();

 private:
  // One output stream of a job, as the pump sees it. sent and acked are per
  // connection: they restart from the welcome's offsets.
  struct StreamCursor {
    std::int64_t spooled = 0;  // bytes in the spool file
    std::int64_t sent = 0;     // the next offset to send
    std::int64_t acked = 0;    // bytes the orchestrator said it stored; <= sent
  };
  struct Job {
    std::string id;
    // Set by the cancel frame or by the agent itself. Null for a job
    // recovered from the spool.
    std::shared_ptr<CancelToken> cancel;
    bool active = false;         // a worker owns it: queued, running or recording its result
    bool finished = false;       // `result` is final (and spooled unless the disk failed)
    bool finished_sent = false;  // on this connection
    bool discard = false;        // the orchestrator does not want it: send nothing, drop at the end
    bool pump_failed = false;    // reading its spool failed on this connection
    std::string stop_reason;     // why the agent itself cancelled it, if it did
    StreamCursor out;
    StreamCursor err;
    agent_protocol::Finished result;  // once finished; byte counts come from the cursors
    // False while the job is held in memory (see the top of this file);
    // then `dispatch` and the held streams (every byte since offset 0) are
    // what spill_locked() writes to the spool.
    bool on_disk = false;
    agent_protocol::Dispatch dispatch;
    std::string held_out;
    std::string held_err;
  };
  // A job waiting for a worker.
  struct Run {
    std::string job_id;
    ProcessSpec spec;
    std::shared_ptr<CancelToken> cancel;
  };
  // One output frame the pump decided to send.
  struct ChunkPlan {
    std::uint64_t epoch = 0;
    std::string job_id;
    OutputStream stream = OutputStream::kStdout;
    std::int64_t offset = 0;
    std::size_t length = 0;
    std::optional<std::string> held;  // the bytes, for a job held in memory
  };
  struct Chunk {
    std::string frame;
    std::size_t bytes = 0;
  };
  class JobSink;

  // agent_runtime.cpp; every *_locked function requires mu_.
  Result<void> load_spooled_jobs();
  void send_locked(const agent_protocol::AgentMessage& message);
  void send_hello_locked();
  void on_welcome_locked(const agent_protocol::Welcome& welcome);
  void on_cancel_locked(const agent_protocol::Cancel& cancel);
  void on_output_ack_locked(const agent_protocol::OutputAck& ack);
  void on_finished_ack_locked(const agent_protocol::FinishedAck& ack);
  void drop_job_locked(std::string job_id);  // by value: callers pass the Job's own id
  // Writes a held job to the spool (its result too, once finished); a no-op
  // for a job already there. On failure the job stays held.
  Result<void> spill_locked(Job& job);
  // spill_locked(), logging a failure.
  void spill_or_log_locked(Job& job);
  // spill_or_log_locked() for every held job the orchestrator still wants.
  void spill_all_locked();

  // agent_runtime_dispatch.cpp
  void on_dispatch_locked(agent_protocol::Dispatch dispatch);
  Result<ProcessSpec> plan_run_locked(const agent_protocol::Dispatch& dispatch) const;
  void reject_locked(const std::string& job_id, const Error& error);
  void worker_loop();
  void execute(Job& job, Run& run);
  void output_spooled(Job& job, OutputStream stream, std::size_t bytes);
  void abort_job(Job& job, std::string reason);
  void record_result(Job& job, agent_protocol::Finished finished);
  void finish_locked(Job& job, agent_protocol::Finished finished);

  // agent_runtime_pump.cpp
  void pump_loop();
  void send_due_finished_locked();
  std::optional<ChunkPlan> plan_chunk_locked();
  Result<Chunk> read_chunk(const ChunkPlan& plan) const;
  void deliver_chunk_locked(const ChunkPlan& plan, Result<Chunk> chunk);

  AgentRuntimeOptions options_;  // immutable after construction; manifest moved out
  ProcessRunner& runner_;
  Clock& clock_;
  Logger& logger_;
  Spool spool_;  // holds no mutable state: used from any thread without mu_
  HostMetrics metrics_;
  std::atomic<int> heartbeat_sec_{60};

  mutable std::mutex mu_;
  std::condition_variable pump_cv_;  // work for the pump; waited on with mu_
  std::condition_variable work_cv_;  // work for the workers; waited on with mu_
  Manifest manifest_;                // guarded by mu_
  std::map<std::string, Job> jobs_;  // guarded by mu_; only inactive jobs are erased
  std::deque<Run> queue_;            // guarded by mu_
  int running_ = 0;                  // guarded by mu_; processes not yet ended
  AgentLink* link_ = nullptr;        // guarded by mu_
  bool welcomed_ = false;            // guarded by mu_; the link got its welcome
  std::uint64_t epoch_ = 0;          // guarded by mu_; bumped when resume state changes
  std::string pump_after_;           // guarded by mu_; round-robin position
  bool accepting_ = false;           // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  bool pump_stop_ = false;           // guarded by mu_
  // Serializes stop() calls (a signal thread and a destructor may race).
  std::mutex stop_mu_;
  // Started by open(), joined by stop() under stop_mu_; touched by no other method.
  std::vector<std::thread> workers_;
  std::thread pump_;
};

}  // namespace scriptmesh::agent
