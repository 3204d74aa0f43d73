// One benchmark's world: the real scriptmesh-orchestrator on 127.0.0.1 with a
// fresh data directory (SQLite, --dev secrets), one signed-up tenant on the
// pro plan (no agent limit), and any number of real scriptmesh-agent
// processes, each with its own key file, manifest and spool.
//
//   Cluster cluster(options);                       // orchestrator + account
//   auto agent = cluster.create_agent("a1");        // POST /v1/agents
//   auto script = cluster.write_script("noop.sh", "exit 0\n");
//   cluster.start_agent(agent, {{"noop", script}}, {{"max_concurrent", "16"}});
//   Api api = cluster.api();                        // one per thread
//
// The destructor stops the agents, then the orchestrator (SIGTERM), and
// removes the directory unless keep_temp is set.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/api.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::bench {

struct ClusterOptions {
  std::string name = "run";  // part of the temp directory's name
  std::string orchestrator_bin;
  std::string agent_bin;
  // Orchestrator settings by key ("sqlite_synchronous" -> --sqlite-synchronous).
  // The rate limit defaults to the highest allowed, so the benchmark is not
  // throttled; anything given here wins.
  std::map<std::string, std::string> settings;
  bool keep_temp = false;
};

struct CreatedAgent {
  std::string id;
  std::string key;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& token() const { return token_; }
  const std::string& tenant_id() const { return tenant_id_; }
  const TempDir& dir() const { return dir_; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  Process& orchestrator() { return *orchestrator_; }

  // A new API client holding the tenant owner's token.
  Api api() const { return Api(port_, token_); }

  // POST /v1/agents.
  CreatedAgent create_agent(const std::string& name, const std::vector<std::string>& tags = {});
  // `count` agents named "<prefix>-<i>", created by `clients` threads at once.
  std::vector<CreatedAgent> create_agents(int count, const std::string& prefix,
                                          const std::vector<std::string>& tags, int clients = 8);

  // Writes an executable "#!/bin/sh" script under <dir>/scripts; answers its path.
  std::filesystem::path write_script(const std::string& name, const std::string& body);

  // Starts scriptmesh-agent for `agent` with a manifest of `scripts` (name ->
  // absolute command path) and extra flags by setting key, and waits until it
  // has connected.
  Process& start_agent(const CreatedAgent& agent,
                       const std::map<std::string, std::filesystem::path>& scripts,
                       const std::map<std::string, std::string>& flags = {});

  // Polls GET /v1/agents/{id} until the agent is online with its manifest.
  void wait_online(const std::string& agent_id);

  // Stops every agent, then the orchestrator. Safe to call twice.
  void stop();

 private:
  void start_orchestrator();
  void sign_up();
  std::string wait_for_code(const std::string& email);

  ClusterOptions options_;
  TempDir dir_;
  std::unique_ptr<Process> orchestrator_;
  std::vector<std::unique_ptr<Process>> agents_;
  std::uint16_t port_ = 0;
  std::string token_;
  std::string tenant_id_;
};

// Flag name of a setting key: "max_concurrent" -> "--max-concurrent".
std::string flag_name(const std::string& key);

}  // namespace scriptmesh::bench
