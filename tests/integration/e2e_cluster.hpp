// What the end-to-end tests of the real binaries share: an orchestrator
// with short heartbeats and leases, one tenant and its admin, and the REST
// calls every such test makes (create an agent, trigger, wait, read output).
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "support/orchestrator_fixture.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

namespace e2e_json = boost::json;

struct CreatedAgent {
  std::string id;
  std::string key;
};

inline CreatedAgent create_agent(ApiClient& api, const std::string& token, const std::string& name,
                                 e2e_json::array tags = {}) {
  auto r = api.post("/v1/agents", {{"name", name}, {"tags", std::move(tags)}}, token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return {r.str("id"), r.str("key")};
}

inline std::filesystem::path write_script(const TempDir& dir, const std::string& name,
                                          const std::string& body) {
  auto path = dir / name;
  std::ofstream out(path, std::ios::trunc);
  out << "#!/bin/sh\n" << body;
  out.close();
  REQUIRE(::chmod(path.c_str(), 0755) == 0);
  return path;
}

inline std::string trigger(ApiClient& api, const std::string& token, e2e_json::object body) {
  auto r = api.post("/v1/jobs", body, token);
  INFO(r.body);
  REQUIRE(r.status == 202);
  return r.str("job_id");
}

// Long-polls until the job is final (or the test's patience ends).
inline e2e_json::object wait_final(ApiClient& api, const std::string& token,
                                   const std::string& job_id,
                                   std::chrono::seconds patience = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  ApiResponse r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = api.get("/v1/jobs/" + job_id + "?wait=10", token);
    REQUIRE(r.status == 200);
    std::string status = r.str("status");
    if (status != "pending" && status != "dispatched" && status != "running") {
      return r.json.as_object();
    }
  }
  FAIL("job " << job_id << " is not final: " << r.body);
  return {};
}

// Polls until the job reaches `status` (for states that are not final).
inline void wait_status(ApiClient& api, const std::string& token, const std::string& job_id,
                        const std::string& status) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  ApiResponse r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = api.get("/v1/jobs/" + job_id, token);
    if (r.str("status") == status) return;
    // Polling another process's state: real time must pass here.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("job " << job_id << " never became " << status << ": " << r.body);
}

inline std::string output(ApiClient& api, const std::string& token, const std::string& job_id,
                          const std::string& stream) {
  auto r = api.get("/v1/jobs/" + job_id + "/output?stream=" + stream, token);
  REQUIRE(r.status == 200);
  return r.body;
}

inline std::int64_t int_field(const e2e_json::object& job, const char* key) {
  const e2e_json::value* v = job.if_contains(key);
  REQUIRE(v != nullptr);
  REQUIRE(v->is_number());
  return v->to_number<std::int64_t>();
}

inline std::string str_field(const e2e_json::object& job, const char* key) {
  const e2e_json::value* v = job.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// An orchestrator with short heartbeats and leases, one tenant and its admin.
struct Cluster {
  explicit Cluster(std::map<std::string, std::string> settings = {})
      : Cluster(options_with(std::move(settings))) {}
  explicit Cluster(TestOrchestratorOptions options)
      : server(with_defaults(std::move(options))),
        api(server.port()),
        account(sign_up(server, api, "owner@example.com", "Acme")),
        token(account.access_token) {}

  static TestOrchestratorOptions options_with(std::map<std::string, std::string> settings) {
    TestOrchestratorOptions o;
    o.settings = std::move(settings);
    return o;
  }

  static TestOrchestratorOptions with_defaults(TestOrchestratorOptions o) {
    o.settings.emplace("heartbeat_sec", "1");
    o.settings.emplace("lease_timeout_sec", "3");
    return o;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }

  TestOrchestrator server;
  ApiClient api;
  TestAccount account;
  std::string token;
  TempDir scripts;
};

}  // namespace scriptmesh::testing
