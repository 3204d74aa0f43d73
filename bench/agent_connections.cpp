// bench_agent_connections: thousands of agents connected to one orchestrator
// (simulated at the protocol level, one process, one I/O thread; see
// support/agent_sim.hpp). Shows what a connection costs the orchestrator in
// resident memory and that its thread count does not grow with them, and
// times a trigger round trip while they are all connected.
//
// Baseline: the same figures with one agent connected, measured first in the
// same run. Target (issue #4): no thread per connection.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/core.h>

#include "support/agent_sim.hpp"
#include "support/api.hpp"
#include "support/baseline.hpp"
#include "support/bench_error.hpp"
#include "support/cluster.hpp"
#include "support/options.hpp"
#include "support/proc_stats.hpp"
#include "support/report.hpp"

namespace scriptmesh::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The HTTP server takes at most this many connections at once (agents and
// API clients together; HttpServerOptions::max_connections, not a setting).
constexpr int kServerConnectionCap = 10'000;

struct Flags {
  CommonOptions common;
  int agents = 2000;
  int round_trips = 50;
  int connect_parallel = 128;
  int settle_ms = 2000;
};

// Sequential trigger + GET ?wait round trips to one agent, in seconds.
std::vector<double> round_trips(Api& api, const std::string& agent_id, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    const auto sent = Clock::now();
    auto job = api.wait_final(api.trigger(agent_id, "noop"));
    out.push_back(seconds_since(sent));
    if (str_field(job, "status") != "succeeded") fail("a job ended " + str_field(job, "status"));
  }
  return out;
}

std::string kib_text(double kib) {
  return kib >= 1024 ? fmt_num(kib / 1024.0) + " MiB" : fmt_num(kib) + " KiB";
}

int run(const Flags& f) {
  Report report("agent_connections");
  // Both this process (the simulated agents) and the orchestrator, which
  // inherits the limit, hold one descriptor per connection.
  const long wanted = f.agents + 1024L;
  const long limit = raise_fd_limit(wanted);
  if (limit < wanted) {
    fail(
        fmt::format("RLIMIT_NOFILE allows {} descriptors, {} agents need {}: raise the hard "
                    "limit (ulimit -Hn) or pass a smaller --agents",
                    limit, f.agents, wanted));
  }
  report.setup("workload", fmt::format("{} simulated agents on one orchestrator, {} round trips "
                                       "before and after they connect",
                                       f.agents, f.round_trips));
  report.setup("limits", fmt::format("RLIMIT_NOFILE {} (bench and orchestrator)", limit));

  Cluster cluster(cluster_options(f.common, "connections"));
  const pid_t orchestrator = cluster.orchestrator().pid();
  const auto create_start = Clock::now();
  const std::vector<CreatedAgent> agents = cluster.create_agents(f.agents, "conn", {"conn"}, 16);
  const double create_seconds = seconds_since(create_start);

  SimulatorOptions sim_options;
  sim_options.port = cluster.port();
  sim_options.connect_parallel = f.connect_parallel;
  AgentSimulator sim(sim_options);
  sim.connect({agents[0].key});
  sim.wait_welcomed(1, 30s);
  Api api = cluster.api();
  (void)round_trips(api, agents[0].id, 10);  // warm-up
  const Summary alone = summarize(round_trips(api, agents[0].id, f.round_trips));
  const ProcStatus before = read_proc_status(orchestrator);
  const int fds_before = open_fds(orchestrator);

  std::vector<std::string> rest;
  for (std::size_t i = 1; i < agents.size(); ++i)
    rest.push_back(agents[i].key);
  const auto connect_start = Clock::now();
  sim.connect(rest);
  sim.wait_welcomed(agents.size(), 600s);
  const double connect_seconds = seconds_since(connect_start);
  // Each welcome is followed by the hub's own work for that agent (status
  // rows, a look for pending jobs); the figures are for the steady state.
  std::this_thread::sleep_for(std::chrono::milliseconds(f.settle_ms));
  const ProcStatus after = read_proc_status(orchestrator);
  const int fds_after = open_fds(orchestrator);
  const Summary loaded = summarize(round_trips(api, agents[0].id, f.round_trips));
  const ProcStatus end = read_proc_status(orchestrator);

  const double added = static_cast<double>(agents.size() - 1);
  const double kib_per_connection = static_cast<double>(after.rss_kib - before.rss_kib) / added;
  const int thread_growth = std::max(after.threads, end.threads) - before.threads;
  report.row({fmt::format("orchestrator threads, {} agents connected", f.agents),
              std::to_string(std::max(after.threads, end.threads)),
              std::to_string(before.threads) + " (1 agent)", "no thread per connection",
              thread_growth <= 4 ? Verdict::kMet : Verdict::kMissed});
  report.row({"orchestrator RSS per added connection", kib_text(kib_per_connection), "-",
              "bounded (reported)", Verdict::kInfo});
  report.row({"orchestrator RSS", kib_text(static_cast<double>(after.rss_kib)),
              kib_text(static_cast<double>(before.rss_kib)) + " (1 agent)", "-", Verdict::kInfo});
  report.row({"orchestrator open descriptors", std::to_string(fds_after),
              std::to_string(fds_before) + " (1 agent)", "-", Verdict::kInfo});
  report.row({"trigger round trip p50 / p99, all connected",
              fmt_ms(loaded.p50) + " / " + fmt_ms(loaded.p99),
              fmt_ms(alone.p50) + " / " + fmt_ms(alone.p99) + " (1 agent)", "-", Verdict::kInfo});
  report.row({fmt::format("connect {} agents (hello to welcome)", agents.size() - 1),
              fmt_num(connect_seconds) + " s (" + fmt_num(added / connect_seconds) + "/s)", "-",
              "-", Verdict::kInfo});
  report.row({fmt::format("create {} agents (POST /v1/agents, 16 clients)", f.agents),
              fmt_num(create_seconds) + " s", "-", "-", Verdict::kInfo});
  report.row({"simulator (this process) RSS",
              kib_text(static_cast<double>(read_proc_status(::getpid()).rss_kib)), "-", "-",
              Verdict::kInfo});
  report.note(
      "the simulated agents answer dispatches at once: round trips are the "
      "orchestrator's own");
  if (f.agents >= kServerConnectionCap) {
    report.note(
        fmt::format("the HTTP server takes at most {} connections in all (agents and API "
                    "clients), and the cap is not a setting",
                    kServerConnectionCap));
  }
  report.print();
  return 0;
}

}  // namespace
}  // namespace scriptmesh::bench

int main(int argc, char** argv) {
  using namespace scriptmesh::bench;
  CLI::App app{"Thousands of connected (simulated) agents on one orchestrator"};
  Flags f;
  add_common_options(app, f.common);
  app.add_option("--agents", f.agents,
                 "simulated agents to connect (10000 needs ulimit -Hn > 11024)")
      ->capture_default_str();
  app.add_option("--round-trips", f.round_trips, "round trips measured before and after")
      ->capture_default_str();
  app.add_option("--connect-parallel", f.connect_parallel, "handshakes in flight at once")
      ->capture_default_str();
  app.add_option("--settle-ms", f.settle_ms, "idle time after connecting, before measuring")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run_bench("bench_agent_connections", [&] { return run(f); });
}
