// GET /metrics of a real orchestrator that ran a job and served some
// requests: the bearer token is required, the families are there with the
// figures the run produced, and promtool accepts the whole text.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "integration/e2e_cluster.hpp"
#include "support/agent_fixture.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {
namespace {

constexpr const char* kToken = "metrics-token-0123456789";

// Runs `promtool check metrics` over `text`; answers its exit status and
// everything it printed.
std::pair<int, std::string> promtool_check(const std::string& text) {
  TempDir dir;
  const auto input = dir / "metrics.txt";
  const auto output = dir / "promtool.out";
  std::ofstream(input) << text;
  const std::string command =
      "promtool check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(output);
  std::stringstream printed;
  printed << in.rdbuf();
  return {status, printed.str()};
}

// The value of the first sample line starting with `series` ("name{labels}").
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  FAIL("no sample " << series);
  return 0;
}

TEST_CASE("GET /metrics: token required, figures of the run, promtool accepts it") {
  REQUIRE_MESSAGE(std::system("command -v promtool > /dev/null") == 0,
                  "promtool is missing: run scripts/install-deps.sh");
  Cluster c(std::map<std::string, std::string>{{"metrics_token", kToken}});
  auto script = write_script(c.scripts, "fail.sh", "exit 2\n");
  auto agent = create_agent(c.api, c.token, "m-1");
  TestAgent process(c.url(), agent.key, manifest_with("fail", {script.string()}));
  const std::string job = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "fail"}});
  wait_final(c.api, c.token, job);

  auto anonymous = c.api.get("/metrics");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("WWW-Authenticate") == "Bearer");
  CHECK(c.api.get("/metrics", "wrong-token").status == 401);

  auto r = c.api.get("/metrics", kToken);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = r.body;
  CHECK(sample(text, R"(scriptmesh_jobs_finished_total{status="failed"})") == 1);
  CHECK(sample(text, R"(scriptmesh_job_duration_seconds_count{status="failed"})") == 1);
  CHECK(sample(text, R"(scriptmesh_agents{status="online"})") == 1);
  CHECK(sample(
            text,
            R"(scriptmesh_http_requests_total{route="jobs.trigger",method="POST",status="202"})") ==
        1);
  CHECK(sample(text,
               R"(scriptmesh_http_requests_total{route="metrics",method="GET",status="401"})") ==
        2);
  CHECK(sample(text, "process_resident_memory_bytes") > 0);
  CHECK(text.find(job) == std::string::npos);  // no job ids in labels

  auto [status, printed] = promtool_check(text);
  INFO(printed);
  CHECK(status == 0);
  CHECK(printed.empty());
}

}  // namespace
}  // namespace scriptmesh::testing
