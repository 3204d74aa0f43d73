// bench_job_throughput: how many jobs a second go end to end (REST trigger,
// dispatch over the agent channel, a real spawn on a real agent, result
// committed) when many API clients trigger a script that exits at once.
//
// Baseline: the same script spawned in a tight posix_spawn + waitpid loop by
// this process. Target (issue #4): at least half the baseline rate.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>

#include <fmt/core.h>
#include <boost/json.hpp>

#include "support/api.hpp"
#include "support/baseline.hpp"
#include "support/bench_error.hpp"
#include "support/cluster.hpp"
#include "support/options.hpp"
#include "support/parallel.hpp"
#include "support/proc_stats.hpp"
#include "support/report.hpp"

namespace scriptmesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  CommonOptions common;
  int jobs = 5000;
  int clients = 16;
  int max_concurrent = 16;
  int baseline_runs = 2000;
  int warmup = 20;
};

struct ClientResult {
  std::vector<std::string> job_ids;
  std::vector<double> post_seconds;
  Clock::time_point posts_done;
};

double rate_of(const std::vector<double>& durations) {
  return static_cast<double>(durations.size()) /
         std::accumulate(durations.begin(), durations.end(), 0.0);
}

int run(const Flags& f) {
  Report report("job_throughput");
  report.setup("workload", fmt::format("{} triggers of `#!/bin/sh\\nexit 0`, {} keep-alive HTTP "
                                       "clients, 1 agent --max-concurrent {}",
                                       f.jobs, f.clients, f.max_concurrent));
  report.setup("sqlite", "synchronous=" + f.common.sqlite_synchronous);

  Cluster cluster(cluster_options(f.common, "throughput"));
  const auto script = cluster.write_script("noop.sh", "exit 0\n");

  (void)spawn_loop(script, 50);  // warms the page cache and the dynamic loader
  const std::vector<double> baseline = spawn_loop(script, f.baseline_runs);
  const double baseline_rate = rate_of(baseline);

  const CreatedAgent agent = cluster.create_agent("worker");
  Process& agent_process = cluster.start_agent(
      agent, {{"noop", script}}, {{"max_concurrent", std::to_string(f.max_concurrent)}});
  {
    Api api = cluster.api();
    for (int i = 0; i < f.warmup; ++i)
      (void)api.wait_final(api.trigger(agent.id, "noop"));
  }

  const double orchestrator_cpu = cpu_seconds(cluster.orchestrator().pid());
  const double agent_cpu = cpu_seconds(agent_process.pid());
  std::vector<ClientResult> results(static_cast<std::size_t>(f.clients));
  std::atomic<int> not_succeeded{0};
  std::atomic<int> connections{0};
  std::mutex mu;
  std::string first_bad;  // guarded by mu

  const auto start = Clock::now();
  run_parallel(f.clients, [&](int c) {
    ClientResult& mine = results[static_cast<std::size_t>(c)];
    Api api = cluster.api();
    for (int i = c; i < f.jobs; i += f.clients) {
      const auto sent = Clock::now();
      mine.job_ids.push_back(api.trigger(agent.id, "noop"));
      mine.post_seconds.push_back(seconds_since(sent));
    }
    mine.posts_done = Clock::now();
    for (const std::string& id : mine.job_ids) {
      auto job = api.wait_final(id);
      if (str_field(job, "status") != "succeeded") {
        ++not_succeeded;
        std::lock_guard lock(mu);
        if (first_bad.empty()) first_bad = id + " " + str_field(job, "status");
      }
    }
    connections += api.http().connections_opened();
  });
  const double elapsed = seconds_since(start);

  const double rate = f.jobs / elapsed;
  std::vector<double> post_seconds;
  Clock::time_point posts_done = start;
  for (const ClientResult& r : results) {
    post_seconds.insert(post_seconds.end(), r.post_seconds.begin(), r.post_seconds.end());
    posts_done = std::max(posts_done, r.posts_done);
  }
  const Summary post = summarize(post_seconds);
  const Summary spawn = summarize(baseline);
  const double orchestrator_ms =
      (cpu_seconds(cluster.orchestrator().pid()) - orchestrator_cpu) * 1000.0 / f.jobs;
  const double agent_ms = (cpu_seconds(agent_process.pid()) - agent_cpu) * 1000.0 / f.jobs;

  report.row({"end-to-end throughput (jobs/s, until all final)", fmt_num(rate),
              fmt_num(baseline_rate) + " (posix_spawn+waitpid loop)",
              ">= " + fmt_num(baseline_rate / 2) + " (half)",
              not_succeeded == 0 ? at_least(rate, baseline_rate / 2) : Verdict::kMissed});
  report.row({"jobs not succeeded", std::to_string(not_succeeded.load()), "-", "0",
              not_succeeded == 0 ? Verdict::kMet : Verdict::kMissed});
  report.row({"wall time for all jobs", fmt_num(elapsed) + " s",
              fmt_num(f.jobs / baseline_rate) + " s (spawn loop)", "-", Verdict::kInfo});
  report.row({"triggers accepted (POST /v1/jobs per s)",
              fmt_num(f.jobs / std::chrono::duration<double>(posts_done - start).count()), "-", "-",
              Verdict::kInfo});
  report.row({"POST /v1/jobs latency p50 / p99", fmt_ms(post.p50) + " / " + fmt_ms(post.p99), "-",
              "-", Verdict::kInfo});
  report.row({"spawn alone p50 / p99", fmt_ms(spawn.p50) + " / " + fmt_ms(spawn.p99), "-", "-",
              Verdict::kInfo});
  report.row(
      {"orchestrator CPU per job", fmt_num(orchestrator_ms) + " ms", "-", "-", Verdict::kInfo});
  report.row(
      {"agent CPU per job (incl. spawning)", fmt_num(agent_ms) + " ms", "-", "-", Verdict::kInfo});
  report.note(fmt::format("{} HTTP connections opened by {} clients (keep-alive)",
                          connections.load(), f.clients));
  if (!first_bad.empty()) report.note("first job not succeeded: " + first_bad);
  report.note("the API clients, the orchestrator and the agent share this machine's CPUs");
  report.print();
  return 0;
}

}  // namespace
}  // namespace scriptmesh::bench

int main(int argc, char** argv) {
  using namespace scriptmesh::bench;
  CLI::App app{"End-to-end job throughput through the REST API to one real agent"};
  Flags f;
  add_common_options(app, f.common);
  app.add_option("--jobs", f.jobs, "triggers in total")->capture_default_str();
  app.add_option("--clients", f.clients, "concurrent HTTP clients")->capture_default_str();
  app.add_option("--max-concurrent", f.max_concurrent, "the agent's --max-concurrent")
      ->capture_default_str();
  app.add_option("--baseline-runs", f.baseline_runs, "spawns in the baseline loop")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run_bench("bench_job_throughput", [&] { return run(f); });
}
