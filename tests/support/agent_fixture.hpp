// A real `scriptmesh-agent` process for integration tests: its key file,
// manifest and spool live in a temporary directory that survives restarts of
// the process, as they would on a host.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

struct TestAgentOptions {
  std::string url;       // the orchestrator, e.g. "http://127.0.0.1:PORT"
  std::string key;       // the agent key (written to a 0600 key file)
  std::string manifest;  // manifest JSON text
  // More flags, by name without dashes ("max_concurrent" -> --max-concurrent).
  std::map<std::string, std::string> flags;
  bool wait_connected = true;  // the constructor waits for the first connection
  std::chrono::milliseconds start_timeout{30'000};
};

class TestAgent {
 public:
  explicit TestAgent(TestAgentOptions options);
  TestAgent(std::string url, std::string key, std::string manifest,
            std::map<std::string, std::string> flags = {});
  ~TestAgent();
  TestAgent(const TestAgent&) = delete;
  TestAgent& operator=(const TestAgent&) = delete;

  ChildProcess& process() { return *process_; }
  const std::filesystem::path& spool_dir() const { return spool_dir_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Waits until the agent has connected `count` times in total in this run.
  bool wait_connected(int count = 1,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));
  void kill_hard();           // SIGKILL, as a crash would
  std::optional<int> stop();  // SIGTERM and wait
  void restart();             // starts again with the same files

 private:
  void launch();

  TempDir dir_;
  TestAgentOptions options_;
  std::filesystem::path spool_dir_;
  std::unique_ptr<ChildProcess> process_;
  bool running_ = false;
  int starts_ = 0;
};

// The manifest JSON of one script named `name` running `command` (an argv
// whose first element is an absolute path).
std::string manifest_with(const std::string& name, const std::vector<std::string>& command,
                          const std::string& params_json = "{}", int timeout_sec = 60);

}  // namespace scriptmesh::testing
