// bench_job_latency: on an idle loopback, one job at a time,
//  - trigger to started: from sending POST /v1/jobs until GET /v1/jobs/{id}
//    (polled back to back) first shows the job past "dispatched", and the
//    same span from the job record (created_at to started_at, which the
//    store keeps to the millisecond);
//  - round trip: POST the trigger, then GET ?wait until the job is final,
//    for a script that prints one line.
// Baseline: posix_spawn + waitpid of the same script by this process.
// Targets (issue #4): trigger to started p50 < 2 ms, p99 < 10 ms; round trip
// p50 < 2 ms.
#include <chrono>

#include <fmt/core.h>
#include <boost/json.hpp>

#include "scriptmesh/sqlite_store.hpp"
#include "support/api.hpp"
#include "support/baseline.hpp"
#include "support/bench_error.hpp"
#include "support/cluster.hpp"
#include "support/options.hpp"
#include "support/report.hpp"

namespace scriptmesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  CommonOptions common;
  int samples = 1000;
  int warmup = 50;
};

// Answers seconds from sending the trigger until the job is seen started.
double trigger_to_started(Api& api, const std::string& agent_id, std::string& job_id) {
  const auto sent = Clock::now();
  job_id = api.trigger(agent_id, "line");
  const std::string target = "/v1/jobs/" + job_id;
  for (;;) {
    const std::string status = str_field(api.get(target), "status");
    if (status != "pending" && status != "dispatched") return seconds_since(sent);
  }
}

void check_job(const boost::json::object& job) {
  if (str_field(job, "status") != "succeeded" || int_field(job, "stdout_bytes") != 6) {
    fail("job did not succeed with 6 bytes of stdout: " + boost::json::serialize(job));
  }
}

// started_at - created_at of each job, in seconds, read from the stopped
// orchestrator's database through the store's public API.
std::vector<double> recorded_start_delays(const Cluster& cluster,
                                          const std::vector<std::string>& job_ids) {
  SqliteStoreOptions options;
  options.path = cluster.data_dir() / "scriptmesh.db";
  auto store = open_sqlite_store(options);
  if (!store.ok()) fail("cannot open the database: " + store.error().to_string());
  std::vector<double> out;
  for (const std::string& id : job_ids) {
    auto job = (*store)->get_job(TenantId(cluster.tenant_id()), JobId(id));
    if (!job.ok() || !job->started_at) fail("job " + id + " has no started_at in the database");
    out.push_back(std::chrono::duration<double>(*job->started_at - job->created_at).count());
  }
  return out;
}

int run(const Flags& f) {
  Report report("job_latency");
  report.setup("workload", fmt::format("{} sequential jobs per figure (after {} warm-up) of "
                                       "`#!/bin/sh\\necho hello`, 1 agent, 1 keep-alive client",
                                       f.samples, f.warmup));
  report.setup("sqlite", "synchronous=" + f.common.sqlite_synchronous);

  Cluster cluster(cluster_options(f.common, "latency"));
  const auto script = cluster.write_script("line.sh", "echo hello\n");
  (void)spawn_loop(script, 50);
  const Summary spawn = summarize(spawn_loop(script, f.samples));

  const CreatedAgent agent = cluster.create_agent("worker");
  cluster.start_agent(agent, {{"line", script}});
  Api api = cluster.api();
  for (int i = 0; i < f.warmup; ++i)
    check_job(api.wait_final(api.trigger(agent.id, "line")));

  std::vector<double> started;
  std::vector<std::string> started_ids;
  for (int i = 0; i < f.samples; ++i) {
    std::string id;
    started.push_back(trigger_to_started(api, agent.id, id));
    started_ids.push_back(id);
    check_job(api.wait_final(id));  // idle again before the next sample
  }

  std::vector<double> round_trips;
  std::string last_id;
  for (int i = 0; i < f.samples; ++i) {
    const auto sent = Clock::now();
    last_id = api.trigger(agent.id, "line");
    auto job = api.wait_final(last_id);
    round_trips.push_back(seconds_since(sent));
    check_job(job);
  }
  std::string output;
  api.read_output(last_id, "stdout", [&](std::string_view page) { output += page; });
  if (output != "hello\n") fail("the last job's stdout is not \"hello\\n\": " + output);
  const int connections = api.http().connections_opened();

  cluster.stop();
  const Summary recorded = summarize(recorded_start_delays(cluster, started_ids));
  const Summary s = summarize(started);
  const Summary rt = summarize(round_trips);
  const std::string spawn_p50 = fmt_ms(spawn.p50) + " (spawn alone)";
  report.row({"trigger to started p50 (client, polling)", fmt_ms(s.p50), spawn_p50, "< 2 ms",
              below(s.p50, 0.002)});
  report.row({"trigger to started p99 (client, polling)", fmt_ms(s.p99),
              fmt_ms(spawn.p99) + " (spawn alone)", "< 10 ms", below(s.p99, 0.010)});
  report.row({"trigger to started p50 (job record, ms)", fmt_ms(recorded.p50), spawn_p50, "< 2 ms",
              below(recorded.p50, 0.002)});
  report.row({"trigger to started p99 (job record, ms)", fmt_ms(recorded.p99),
              fmt_ms(spawn.p99) + " (spawn alone)", "< 10 ms", below(recorded.p99, 0.010)});
  report.row({"round trip p50 (POST, GET ?wait)", fmt_ms(rt.p50), spawn_p50, "< 2 ms",
              below(rt.p50, 0.002)});
  report.row({"round trip p90 / p99 / max",
              fmt_ms(rt.p90) + " / " + fmt_ms(rt.p99) + " / " + fmt_ms(rt.max), "-", "-",
              Verdict::kInfo});
  report.note(
      "client-side trigger to started includes the POST's own round trip and one "
      "GET of polling resolution");
  report.note("the job record keeps times to the millisecond, so its figures are whole ms");
  report.note(
      fmt::format("{} HTTP connection(s) opened for all requests (keep-alive)", connections));
  report.print();
  return 0;
}

}  // namespace
}  // namespace scriptmesh::bench

int main(int argc, char** argv) {
  using namespace scriptmesh::bench;
  CLI::App app{"Trigger-to-started latency and sequential round trip on an idle loopback"};
  Flags f;
  add_common_options(app, f.common);
  app.add_option("--samples", f.samples, "jobs measured per figure")->capture_default_str();
  app.add_option("--warmup", f.warmup, "jobs run before measuring")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run_bench("bench_job_latency", [&] { return run(f); });
}
