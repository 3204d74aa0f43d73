// Starts the real scriptmesh-orchestrator binary and talks to it over
// 127.0.0.1, as an operator or a client would.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <regex>

#include "support/child_process.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

// Reads the bound port back from the "orchestrator ready url=..." log line.
std::uint16_t port_from_ready_line(const std::string& line) {
  std::smatch m;
  REQUIRE(std::regex_search(line, m, std::regex(R"(url=http://127\.0\.0\.1:(\d+))")));
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

TEST_CASE("orchestrator binary: --dev serves health checks and stops cleanly on SIGTERM") {
  testing::TempDir dir;
  ChildProcess server({SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--dev", "--listen", "127.0.0.1:0",
                       "--data-dir", (dir / "data").string()},
                      {}, dir.path(), "orchestrator");
  auto ready = server.wait_for_stderr("orchestrator ready", 30s);
  INFO(server.stderr_text());
  REQUIRE(ready);
  testing::HttpTestClient client(port_from_ready_line(*ready));

  auto health = client.request("GET", "/healthz");
  REQUIRE_OK(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");
  CHECK_FALSE(health->header("X-Request-Id").empty());
  auto readiness = client.request("GET", "/readyz");
  REQUIRE_OK(readiness);
  CHECK(readiness->status == 200);

  CHECK(std::filesystem::exists(dir / "data/scriptmesh.db"));
  CHECK(std::filesystem::exists(dir / "data/secrets/fernet.keys"));
  server.signal(SIGTERM);
  CHECK(server.wait_exit(30s) == 0);
  CHECK(server.stderr_text().find("level=info msg=stopped") != std::string::npos);
}

TEST_CASE("orchestrator binary: refuses to start without secrets, naming the setting") {
  testing::TempDir dir;
  ChildProcess server({SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--listen", "127.0.0.1:0",
                       "--data-dir", (dir / "data").string()},
                      {}, dir.path(), "orchestrator");
  auto status = server.wait_exit(30s);
  REQUIRE(status);
  CHECK(*status != 0);
  CHECK(server.stderr_text().find("SCRIPTMESH_FERNET_KEYS") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "data/secrets"));
}

TEST_CASE("orchestrator binary: secrets from the environment are used and never logged") {
  testing::TempDir dir;
  const std::string fernet_key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  const std::string jwt_secret = "integration-test-jwt-secret-0123456789abcdef";
  ChildProcess server({SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--log-level", "debug"},
                      {{"SCRIPTMESH_FERNET_KEYS", fernet_key},
                       {"SCRIPTMESH_JWT_SECRET", jwt_secret},
                       {"SCRIPTMESH_LISTEN", "127.0.0.1:0"},
                       {"SCRIPTMESH_DATA_DIR", (dir / "data").string()}},
                      dir.path(), "orchestrator");
  auto ready = server.wait_for_stderr("orchestrator ready", 30s);
  INFO(server.stderr_text());
  REQUIRE(ready);
  testing::HttpTestClient client(port_from_ready_line(*ready));
  auto health = client.request("GET", "/healthz");
  REQUIRE_OK(health);
  CHECK(health->status == 200);
  CHECK_FALSE(std::filesystem::exists(dir / "data/secrets"));  // nothing generated
  server.signal(SIGINT);
  CHECK(server.wait_exit(30s) == 0);
  std::string log = server.stderr_text();
  CHECK(log.find(fernet_key) == std::string::npos);
  CHECK(log.find(jwt_secret) == std::string::npos);
}

TEST_CASE("orchestrator binary: a malformed setting exits with a message naming it") {
  testing::TempDir dir;
  ChildProcess server({SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--dev", "--http-threads", "lots"}, {},
                      dir.path(), "orchestrator");
  auto status = server.wait_exit(30s);
  REQUIRE(status);
  CHECK(*status == 2);
  CHECK(server.stderr_text().find("http_threads") != std::string::npos);
}

}  // namespace
}  // namespace scriptmesh
