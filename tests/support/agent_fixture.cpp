#include "support/agent_fixture.hpp"

#include <csignal>
#include <fstream>
#include <vector>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <boost/json.hpp>

namespace scriptmesh::testing {
namespace {

using namespace std::chrono_literals;

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  REQUIRE(out.good());
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string flag_name(const std::string& key) {
  std::string name = "--" + key;
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

}  // namespace

TestAgent::TestAgent(TestAgentOptions options)
    : options_(std::move(options)), spool_dir_(dir_ / "spool") {
  write_file(dir_ / "agent.key", options_.key + "\n", 0600);
  write_file(dir_ / "manifest.json", options_.manifest, 0644);
  launch();
  if (options_.wait_connected) {
    bool connected = wait_connected(1, options_.start_timeout);
    INFO(process_->stderr_text());
    REQUIRE(connected);
  }
}

TestAgent::TestAgent(std::string url, std::string key, std::string manifest,
                     std::map<std::string, std::string> flags)
    : TestAgent([&] {
        TestAgentOptions options;
        options.url = std::move(url);
        options.key = std::move(key);
        options.manifest = std::move(manifest);
        options.flags = std::move(flags);
        return options;
      }()) {}

TestAgent::~TestAgent() {
  if (running_) (void)stop();
}

void TestAgent::launch() {
  std::vector<std::string> argv = {SCRIPTMESH_AGENT_BIN,
                                   "--url",
                                   options_.url,
                                   "--key-file",
                                   (dir_ / "agent.key").string(),
                                   "--manifest",
                                   (dir_ / "manifest.json").string(),
                                   "--spool",
                                   spool_dir_.string()};
  for (const auto& [key, value] : options_.flags) {
    argv.push_back(flag_name(key));
    argv.push_back(value);
  }
  std::string name = starts_ == 0 ? "agent" : "agent-" + std::to_string(starts_);
  ++starts_;
  process_ =
      std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, dir_.path(), name);
  running_ = true;
}

bool TestAgent::wait_connected(int count, std::chrono::milliseconds timeout) {
  return process_->wait_for_stderr_count("agent connected", count, timeout).has_value();
}

void TestAgent::kill_hard() {
  process_->signal(SIGKILL);
  REQUIRE(process_->wait_exit(30s).has_value());
  running_ = false;
}

std::optional<int> TestAgent::stop() {
  running_ = false;
  process_->signal(SIGTERM);
  return process_->wait_exit(30s);
}

void TestAgent::restart() {
  REQUIRE_FALSE(running_);
  launch();
}

std::string manifest_with(const std::string& name, const std::vector<std::string>& command,
                          const std::string& params_json, int timeout_sec) {
  boost::json::array argv;
  for (const auto& arg : command)
    argv.emplace_back(arg);
  boost::json::object script{{"command", std::move(argv)},
                             {"params", boost::json::parse(params_json)},
                             {"timeout_sec", timeout_sec}};
  boost::json::object scripts;
  scripts[name] = std::move(script);
  return boost::json::serialize(boost::json::object{{"scripts", std::move(scripts)}});
}

}  // namespace scriptmesh::testing
