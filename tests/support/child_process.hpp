// Starts a real program (the orchestrator or agent binary) for an integration
// test, with its stdout and stderr captured to files, and stops it again.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace scriptmesh::testing {

class ChildProcess {
 public:
  // Spawns `argv` with exactly `env` as its environment (plus PATH) and its
  // output in <log_dir>/<name>.stdout and .stderr. Throws on spawn failure.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
               const std::filesystem::path& log_dir, const std::string& name);
  // SIGKILLs the process if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Polls stderr until a line contains `needle`; returns that line, or
  // nullopt when the process exits or `timeout` passes first.
  std::optional<std::string> wait_for_stderr(const std::string& needle,
                                             std::chrono::milliseconds timeout);
  // Waits for the process to exit; returns its exit status (128+signal when
  // killed), or nullopt on timeout.
  // Like wait_for_stderr, for the `count`-th line holding `needle` (e.g. the
  // second "agent connected" after a reconnect).
  std::optional<std::string> wait_for_stderr_count(const std::string& needle, int count,
                                                   std::chrono::milliseconds timeout);
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // Sends `sig` (SIGTERM by default).
  void signal(int sig);

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

}  // namespace scriptmesh::testing
