// ProcessRunner: the seam through which the agent runs a job's process.
//
// A run starts argv[0] with execve semantics (no shell), in a process group of
// its own, with exactly the environment given, stdin from /dev/null and the
// working directory given. stdout and stderr are handed to an OutputSink as
// they arrive, in bounded chunks, byte-exact; the runner never holds a whole
// output. The run ends when the process has exited and its output has been
// read; by then every process left in its group has been sent SIGKILL, so a
// background grandchild neither outlives the job nor keeps run() blocked.
//
// Stopping: when the timeout passes, or the caller's CancelToken is set, the
// whole group gets SIGTERM, then SIGKILL once kill_grace has passed.
//
// The production implementation (make_posix_process_runner) spawns with
// posix_spawn, never fork, so the cost of starting a job does not grow with
// the agent's memory. Tests of code above this seam use a fake runner.
//
// Thread safety: run() may be called from many threads at once; each call is
// independent. The runner holds no state and touches no global state (it
// installs no signal handlers).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Which of the process's output streams a chunk came from.
enum class ProcessStream {
  kStdout,
  kStderr,
};

// Stable lowercase name of a stream ("stdout", "stderr").
std::string_view process_stream_name(ProcessStream stream) noexcept;

// A flag a caller sets, from any thread, to ask a running run() to stop the
// process. Setting it is permanent; a token serves one run. The runner checks
// it at least every 50 ms.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

// What to run and how long to let it run.
struct ProcessSpec {
  // argv[0] is the program, an absolute path (no PATH search); never empty.
  // No element may contain a NUL byte.
  std::vector<std::string> argv;
  // Working directory of the process; empty means the caller's own.
  std::string workdir;
  // The whole environment, in this order ("NAME", "value"); nothing is
  // inherited from the caller. Names are non-empty without '=' or NUL;
  // values have no NUL.
  std::vector<std::pair<std::string, std::string>> env;
  // Wall time, from a monotonic clock, before the group gets SIGTERM. > 0.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // After SIGTERM (timeout or cancel), time before the group gets SIGKILL. >= 0.
  std::chrono::milliseconds kill_grace{5000};
  // Once the process has exited, how long to keep reading output that its
  // background children still write before the group is killed. >= 0.
  std::chrono::milliseconds drain_timeout{500};
};

// Receives output while a run is in progress. Called on the thread that called
// run(), one chunk at a time, in the order each stream produced its bytes
// (the relative order of stdout and stderr chunks is only approximate).
// Chunks are never empty and at most 64 KiB; `bytes` is valid only during the
// call. A sink that throws ends the run: the group is killed and reaped first.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void on_output(ProcessStream stream, std::string_view bytes) = 0;
};

// How a run ended.
struct ProcessOutcome {
  // Exit status when the process exited normally; -1 when a signal ended it.
  int exit_code = -1;
  // The signal that ended the process (SIGTERM, SIGKILL, SIGSEGV...); 0 if none.
  int signal = 0;
  // The timeout passed and the runner sent SIGTERM. The process may still
  // have exited normally during the grace period; exit_code/signal tell.
  bool timed_out = false;
  // The CancelToken was set while the process ran and the runner sent SIGTERM.
  bool cancelled = false;
  // From just before the spawn until the process's exit was seen (monotonic).
  std::chrono::milliseconds duration{0};
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;

  // Runs `spec` to completion, feeding its output to `sink`, and returns how
  // it ended. A process that fails, times out or is cancelled is still an ok
  // Result; an Error means no outcome exists:
  //   invalid_argument/invalid_process_spec   argv, env or a duration is malformed
  //   failed_precondition/spawn_failed        argv[0] or workdir is missing or
  //                                           not accessible (message names them)
  //   unavailable/spawn_failed                out of processes, memory or fds
  //   internal/process_wait_failed            poll/wait failed unexpectedly
  // On an Error after the spawn, the group has been killed and reaped.
  [[nodiscard]] virtual Result<ProcessOutcome> run(const ProcessSpec& spec, OutputSink& sink,
                                                   const CancelToken& cancel) = 0;
};

// The real runner: posix_spawn, pipes read with poll(), steady_clock.
std::unique_ptr<ProcessRunner> make_posix_process_runner();

}  // namespace scriptmesh
