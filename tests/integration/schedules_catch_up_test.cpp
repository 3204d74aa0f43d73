// Missed fires with the real binary: schedules due while the orchestrator is
// stopped are found at its next start, recorded as missed, and caught up as
// each schedule's policy says.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "scriptmesh/clock.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// The first whole minute at least `lead` from now, and a daily cron
// expression (UTC) that is due exactly then.
struct DueSoon {
  WallTime at;
  std::string cron;
};

DueSoon due_soon(std::chrono::seconds lead) {
  const std::int64_t now = to_unix_seconds(system_clock().now());
  const std::int64_t due = (now + lead.count() + 59) / 60 * 60;
  const std::int64_t minute_of_day = due % 86400 / 60;
  return {from_unix_seconds(due),
          std::to_string(minute_of_day % 60) + " " + std::to_string(minute_of_day / 60) + " * * *"};
}

std::string create_schedule(Cluster& c, const std::string& agent_id, const std::string& cron,
                            const std::string& catch_up, int grace) {
  auto r = c.api.post("/v1/schedules",
                      {{"name", "nightly " + catch_up},
                       {"cron", cron},
                       {"script", "tick"},
                       {"agent_id", agent_id},
                       {"catch_up", catch_up},
                       {"misfire_grace_sec", grace}},
                      c.token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.str("id");
}

// Oldest first, as "type@due_at".
std::vector<std::string> events(ApiClient& api, const std::string& token,
                                const std::string& schedule) {
  auto r = api.get("/v1/schedules/" + schedule + "/events", token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  std::vector<std::string> out;
  for (const json::value& e : r.json.at("events").as_array()) {
    out.insert(out.begin(), std::string(e.at("type").as_string()) + "@" +
                                std::string(e.at("due_at").as_string()));
  }
  return out;
}

json::array jobs_of(ApiClient& api, const std::string& token, const std::string& schedule) {
  auto r = api.get("/v1/jobs?schedule_id=" + schedule, token);
  REQUIRE(r.status == 200);
  return r.json.at("jobs").as_array();
}

TEST_CASE("fires due while the orchestrator was stopped are missed and caught up per policy") {
  Cluster c;
  auto agent = create_agent(c.api, c.token, "db-1");  // never connects: its jobs stay pending
  // Lead enough to create the schedules and stop the server before the due
  // time, even on a loaded machine.
  const DueSoon due = due_soon(10s);
  const std::string skip = create_schedule(c, agent.id, due.cron, "skip", 1);
  const std::string once = create_schedule(c, agent.id, due.cron, "once", 1);
  const std::string all = create_schedule(c, agent.id, due.cron, "all", 1);
  const std::string lenient = create_schedule(c, agent.id, due.cron, "skip", 3600);
  auto created = c.api.get("/v1/schedules/" + once, c.token);
  CHECK(created.str("next_run_at") == format_rfc3339(due.at));

  REQUIRE(c.server.stop().has_value());
  REQUIRE(system_clock().now() < due.at);
  // The one place this test waits for the wall clock: past the due time
  // (at most a minute away) plus more than the 1 s grace.
  while (system_clock().now() < due.at + 3s)
    std::this_thread::sleep_for(200ms);
  c.server.restart();
  // The old keep-alive connection died with the old process.
  ApiClient api(c.server.port());
  const std::string& token = c.token;

  const std::string d = format_rfc3339(due.at);
  // The engine's first pass runs right after start-up; give it a moment.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  auto all_seen = [&] {
    for (const std::string& id : {skip, once, all, lenient}) {
      if (events(api, token, id).empty()) return false;
    }
    return true;
  };
  while (!all_seen() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);

  CHECK(events(api, token, skip) == std::vector<std::string>{"missed@" + d});
  CHECK(jobs_of(api, token, skip).empty());

  CHECK(events(api, token, once) == std::vector<std::string>{"missed@" + d, "caught_up@" + d});
  auto once_jobs = jobs_of(api, token, once);
  REQUIRE(once_jobs.size() == 1);
  CHECK(once_jobs[0].at("schedule_id").as_string() == once);
  CHECK(once_jobs[0].at("agent_id").as_string() == agent.id);

  CHECK(events(api, token, all) == std::vector<std::string>{"missed@" + d, "caught_up@" + d});
  CHECK(jobs_of(api, token, all).size() == 1);

  // Late by less than its grace: it simply runs.
  CHECK(events(api, token, lenient) == std::vector<std::string>{"fired@" + d});
  CHECK(jobs_of(api, token, lenient).size() == 1);

  auto after = api.get("/v1/schedules/" + skip, token);
  CHECK(after.str("next_run_at") == format_rfc3339(due.at + 24h));
  auto event = api.get("/v1/schedules/" + once + "/events", token);
  const json::object& newest = event.json.at("events").as_array().at(0).as_object();
  CHECK(newest.at("job_id").as_string() == once_jobs[0].at("job_id").as_string());
  CHECK(parse_rfc3339(newest.at("at").as_string()).value() >= due.at + 3s);
}

}  // namespace
}  // namespace scriptmesh::testing
