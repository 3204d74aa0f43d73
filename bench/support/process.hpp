// Child processes of a benchmark: the real scriptmesh-orchestrator and
// scriptmesh-agent binaries (Process, logging to a file), and scripts spawned
// directly for the baselines (Command).
//
// Everything is started with posix_spawn, and every descriptor above 2 is
// closed in the child, so no socket of the benchmark leaks into an agent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scriptmesh::bench {

// An argv (and optional environment) prepared once, spawned many times, as
// the baseline loops do. argv[0] is an absolute path.
class Command {
 public:
  // `env` empty: the benchmark's own environment.
  explicit Command(std::vector<std::string> argv, std::vector<std::string> env = {});
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  // posix_spawn with stdin, stdout and stderr on the given descriptors.
  // Throws BenchError when the spawn fails.
  pid_t spawn(int in_fd, int out_fd, int err_fd) const;

 private:
  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::vector<char*> argv_ptrs_;
  std::vector<char*> env_ptrs_;
};

// waitpid(pid) (retrying on EINTR); answers the raw wait status.
int wait_for(pid_t pid);

// A long-running child whose stdout and stderr go to `log_file`.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  // SIGKILL and reap when still running.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }
  std::string log_text() const;

  // Waits until the log holds at least `count` lines containing `text` and
  // answers the last of them. Throws BenchError (with the log's tail) when the
  // process exits first or `timeout` passes.
  std::string wait_for_log(std::string_view text, int count, std::chrono::milliseconds timeout);

  // SIGTERM, then SIGKILL after `grace`; answers the wait status, or nullopt
  // when the process was already reaped.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

 private:
  bool reap_nonblocking();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path log_file_;
};

// The last `lines` lines of `text`, for error messages.
std::string tail_lines(const std::string& text, int lines);

}  // namespace scriptmesh::bench
