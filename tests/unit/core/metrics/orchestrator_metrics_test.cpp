#include "scriptmesh/orchestrator_metrics.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

OrchestratorMetricsOptions options(std::string version, bool process_metrics,
                                   std::size_t max_children = kDefaultMaxChildren) {
  OrchestratorMetricsOptions o;
  o.version = std::move(version);
  o.process_metrics = process_metrics;
  o.max_children = max_children;
  return o;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every family populated, with label values that need escaping.
OrchestratorMetrics& populate(OrchestratorMetrics& m) {
  m.job_finished("succeeded", 1500);
  m.job_finished("succeeded", 20);
  m.job_finished("failed", std::nullopt);
  m.job_finished("timed_out", 3'600'000);
  m.job_finished("cancelled", -5);
  m.set_job_counts_source([] {
    return OrchestratorMetrics::StatusCounts{{"pending", 3}, {"dispatched", 1}, {"running", 2}};
  });
  m.set_agent_counts_source([] {
    return OrchestratorMetrics::StatusCounts{{"online", 4}, {"offline", 1}};
  });
  m.schedule_fired();
  m.schedule_fired();
  m.schedule_missed(3);
  m.delivery_finished("job_webhook", kDeliverySucceeded);
  m.delivery_finished("job_webhook", kDeliveryRetry);
  m.delivery_finished("email", kDeliveryDead);
  m.delivery_finished("we\"ird\\kind\nx", kDeliveryFailed);
  m.http_request("/v1/jobs/{id}", "GET", 200, 0.0012);
  m.http_request("/v1/jobs", "POST", 201, 0.02);
  m.http_request(kUnmatchedRoute, "GET", 404, 0.0001);
  m.http_request("/v1/\"odd\"\\route\n", "DELETE", 500, 12);
  return m;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// promtool comes from Debian's `prometheus` package. It may still be being
// installed when the tests start, so its absence is waited out a little,
// then fails the test: a missing linter must not pass as a clean lint.
bool promtool_available() {
  for (int attempt = 0; attempt < 30; ++attempt) {
    if (std::system("command -v promtool >/dev/null 2>&1") == 0) return true;
    std::system("sleep 2");
  }
  return false;
}

TEST_SUITE("metrics") {
  TEST_CASE("metrics: the orchestrator renders every family") {
    OrchestratorMetrics m(options("1.2.3", true));
    const std::string text = populate(m).render();
    for (const char* type_line : {
             "# TYPE scriptmesh_build_info gauge\nscriptmesh_build_info{version=\"1.2.3\"} 1\n",
             "# TYPE scriptmesh_jobs_finished_total counter\n",
             "# TYPE scriptmesh_job_duration_seconds histogram\n",
             "# TYPE scriptmesh_jobs gauge\n",
             "# TYPE scriptmesh_agents gauge\n",
             "# TYPE scriptmesh_schedule_fires_total counter\nscriptmesh_schedule_fires_total 2\n",
             "# TYPE scriptmesh_schedule_misses_total counter\n"
             "scriptmesh_schedule_misses_total 3\n",
             "# TYPE scriptmesh_deliveries_total counter\n",
             "# TYPE scriptmesh_http_requests_total counter\n",
             "# TYPE scriptmesh_http_request_duration_seconds histogram\n",
             "# TYPE process_cpu_seconds_total counter\n",
             "# TYPE process_resident_memory_bytes gauge\n",
             "# TYPE process_virtual_memory_bytes gauge\n",
             "# TYPE process_start_time_seconds gauge\n",
             "# TYPE process_open_fds gauge\n",
             "# TYPE process_max_fds gauge\n",
         }) {
      CHECK_MESSAGE(contains(text, type_line), type_line);
    }
    CHECK(contains(text, "scriptmesh_jobs_finished_total{status=\"succeeded\"} 2\n"));
    CHECK(contains(text, "scriptmesh_jobs_finished_total{status=\"failed\"} 1\n"));
    CHECK(contains(
        text, "scriptmesh_job_duration_seconds_bucket{status=\"succeeded\",le=\"0.025\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_job_duration_seconds_bucket{status=\"succeeded\",le=\"2.5\"} 2\n"));
    CHECK(contains(text, "scriptmesh_job_duration_seconds_sum{status=\"succeeded\"} 1.52\n"));
    CHECK(contains(text,
                   "scriptmesh_job_duration_seconds_bucket{status=\"timed_out\",le=\"3600\"} 1\n"));
    CHECK(contains(text, "scriptmesh_job_duration_seconds_sum{status=\"cancelled\"} 0\n"));
    // No duration, no observation: failed has a counter child but no histogram one.
    CHECK_FALSE(contains(text, "scriptmesh_job_duration_seconds_count{status=\"failed\"}"));
    CHECK(contains(text,
                   "scriptmesh_jobs{status=\"dispatched\"} 1\n"
                   "scriptmesh_jobs{status=\"pending\"} 3\n"
                   "scriptmesh_jobs{status=\"running\"} 2\n"));
    CHECK(contains(text,
                   "scriptmesh_agents{status=\"offline\"} 1\n"
                   "scriptmesh_agents{status=\"online\"} 4\n"));
    CHECK(contains(text, "scriptmesh_deliveries_total{kind=\"email\",result=\"dead\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_deliveries_total{kind=\"we\\\"ird\\\\kind\\nx\","
                   "result=\"failed\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_http_requests_total{route=\"/v1/jobs/{id}\",method=\"GET\","
                   "status=\"200\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_http_requests_total{route=\"unmatched\",method=\"GET\","
                   "status=\"404\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_http_request_duration_seconds_bucket{route=\"/v1/jobs\","
                   "method=\"POST\",le=\"0.025\"} 1\n"));
    CHECK(contains(text,
                   "scriptmesh_http_request_duration_seconds_bucket{route=\"/v1/jobs\","
                   "method=\"POST\",le=\"0.01\"} 0\n"));
  }

  TEST_CASE("metrics: final job statuses start at 0 and the version defaults to unknown") {
    OrchestratorMetrics m(options("", false));
    const std::string text = m.render();
    for (const char* status : {"succeeded", "failed", "timed_out", "cancelled"}) {
      CHECK(contains(text,
                     std::string("scriptmesh_jobs_finished_total{status=\"") + status + "\"} 0\n"));
    }
    CHECK(contains(text, "scriptmesh_build_info{version=\"unknown\"} 1\n"));
    CHECK_FALSE(contains(text, "process_"));
    // Sources not set yet: the families are announced without samples.
    CHECK(contains(text, "# TYPE scriptmesh_jobs gauge\n# HELP scriptmesh_agents"));
  }

  TEST_CASE("metrics: the orchestrator's HTTP families are capped") {
    OrchestratorMetrics m(options("", false, 2));
    for (int i = 0; i < 10; ++i)
      m.http_request("/raw/" + std::to_string(i), "GET", 200, 0.001);
    const std::string text = m.render();
    CHECK(contains(text,
                   "scriptmesh_http_requests_total{route=\"other\",method=\"other\","
                   "status=\"other\"} 8\n"));
    CHECK(contains(text,
                   "scriptmesh_http_request_duration_seconds_count{route=\"other\","
                   "method=\"other\"} 8\n"));
  }

  TEST_CASE("metrics: promtool check metrics accepts the orchestrator's output") {
    REQUIRE_MESSAGE(
        promtool_available(),
        "promtool not found (Debian package `prometheus`): run scripts/install-deps.sh");
    OrchestratorMetrics m(options("0.1.0\"dev\\", true));
    testing::TempDir dir;
    const auto input = dir / "metrics.txt";
    const auto output = dir / "promtool.out";
    {
      std::ofstream out(input, std::ios::binary);
      out << populate(m).render();
    }
    const std::string command =
        "promtool check metrics < '" + input.string() + "' > '" + output.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    const std::string report = read_all(output);
    INFO("promtool said:\n" << report);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(report.empty());

    // The check can fail: a counter without _total is flagged.
    std::ofstream(input, std::ios::binary) << "# HELP bad_count Bad.\n# TYPE bad_count counter\n"
                                              "bad_count 1\n";
    const int bad = std::system(command.c_str());
    REQUIRE(WIFEXITED(bad));
    CHECK(WEXITSTATUS(bad) != 0);
    CHECK(contains(read_all(output), "_total"));
  }
}

}  // namespace
}  // namespace scriptmesh
