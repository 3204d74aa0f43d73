// bench_fanout: one POST /v1/jobs with tags fans out to every agent holding
// them; how long until all those jobs are final. The agents are simulated
// at the protocol level (support/agent_sim.hpp) and answer each dispatch at
// once, so the figure is the orchestrator's own: creating the jobs,
// dispatching them over 200 WebSockets, committing 200 results.
//
// "Final" is when the simulated agent receives finished_ack, which the
// orchestrator sends only after the result is committed; the REST listing of
// the group is checked afterwards (and its own time reported).
//
// Baseline: the same trigger path to one agent. Target (issue #4): all 200
// final within 2 s.
#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include <boost/json.hpp>

#include "support/agent_sim.hpp"
#include "support/api.hpp"
#include "support/baseline.hpp"
#include "support/bench_error.hpp"
#include "support/cluster.hpp"
#include "support/options.hpp"
#include "support/report.hpp"

namespace scriptmesh::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace json = boost::json;

struct Flags {
  CommonOptions common;
  int agents = 200;
  int rounds = 5;
};

double between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Polls the group's listing until all `count` jobs are final; fails unless
// every one succeeded.
void wait_group_final(Api& api, const std::string& group_id, std::size_t count) {
  const auto deadline = Clock::now() + 60s;
  for (;;) {
    json::object page = api.get("/v1/jobs?group_id=" + group_id + "&limit=1000");
    const json::array& jobs = page.at("jobs").as_array();
    std::size_t final = 0;
    for (const json::value& job : jobs) {
      const std::string status = str_field(job.as_object(), "status");
      if (!is_final_status(status)) continue;
      if (status != "succeeded") fail("a fan-out job ended " + json::serialize(job));
      ++final;
    }
    if (jobs.size() == count && final == count) return;
    if (Clock::now() > deadline) fail("group " + group_id + " is not final after 60 s");
  }
}

int run(const Flags& f) {
  Report report("fanout");
  report.setup("workload", fmt::format("{} simulated agents tagged \"fanout\", {} rounds of one "
                                       "POST /v1/jobs {{\"tags\":[\"fanout\"]}}",
                                       f.agents, f.rounds));
  report.setup("sqlite", "synchronous=" + f.common.sqlite_synchronous);

  Cluster cluster(cluster_options(f.common, "fanout"));
  const std::vector<CreatedAgent> agents = cluster.create_agents(f.agents, "fan", {"fanout"});
  std::vector<std::string> keys;
  for (const CreatedAgent& a : agents)
    keys.push_back(a.key);

  SimulatorOptions sim_options;
  sim_options.port = cluster.port();
  AgentSimulator sim(sim_options);
  const auto connect_start = Clock::now();
  sim.connect(keys);
  sim.wait_welcomed(keys.size(), 120s);
  const double connect_seconds = seconds_since(connect_start);

  Api api = cluster.api();
  std::size_t acks = 0;
  std::vector<double> single;
  for (int r = 0; r <= f.rounds; ++r) {
    const auto sent = Clock::now();
    (void)api.trigger(agents[0].id, "noop");
    const auto done = sim.wait_finished_acks(++acks, 30s);
    if (r > 0) single.push_back(between(sent, done));  // round 0 warms up
  }

  std::vector<double> all_final;
  std::vector<double> posts;
  std::vector<double> listed;
  for (int r = 0; r < f.rounds; ++r) {
    const auto sent = Clock::now();
    json::object answer = api.trigger_tags({"fanout"}, "noop");
    posts.push_back(seconds_since(sent));
    const std::size_t jobs = answer.at("jobs").as_array().size();
    if (jobs != agents.size()) fail(fmt::format("the trigger created {} jobs", jobs));
    acks += jobs;
    all_final.push_back(between(sent, sim.wait_finished_acks(acks, 60s)));
    wait_group_final(api, str_field(answer, "group_id"), jobs);
    listed.push_back(seconds_since(sent));
  }

  const Summary fan = summarize(all_final);
  const Summary one = summarize(single);
  report.row({fmt::format("one trigger to {} agents, all final (worst of {})", f.agents, f.rounds),
              fmt_num(fan.max) + " s", fmt_ms(one.p50) + " (1 agent, median)", "< 2 s",
              below(fan.max, 2.0)});
  report.row({"  median of the rounds", fmt_num(fan.p50) + " s", "-", "-", Verdict::kInfo});
  report.row({"  POST /v1/jobs answered (median)", fmt_ms(summarize(posts).p50), "-", "-",
              Verdict::kInfo});
  report.row({"  all final in GET /v1/jobs?group_id (median)",
              fmt_num(summarize(listed).p50) + " s", "-", "-", Verdict::kInfo});
  report.row({fmt::format("connect {} agents (hello to welcome)", f.agents),
              fmt_num(connect_seconds) + " s", "-", "-", Verdict::kInfo});
  report.note(
      fmt::format("{} dispatches answered by the simulated agents in all", sim.dispatches()));
  report.print();
  return 0;
}

}  // namespace
}  // namespace scriptmesh::bench

int main(int argc, char** argv) {
  using namespace scriptmesh::bench;
  CLI::App app{"One trigger by tag to many (simulated) agents"};
  Flags f;
  add_common_options(app, f.common);
  app.add_option("--agents", f.agents, "simulated agents with the tag")->capture_default_str();
  app.add_option("--rounds", f.rounds, "fan-out triggers measured")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return run_bench("bench_fanout", [&] { return run(f); });
}
