#include "scriptmesh/schedules.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::seconds;

WallTime utc(const char* text) {
  auto t = parse_rfc3339(text);
  REQUIRE_OK(t);
  return *t;
}

std::vector<std::string> texts(const std::vector<WallTime>& times) {
  std::vector<std::string> out;
  for (WallTime t : times)
    out.push_back(format_rfc3339(t));
  return out;
}

// The hub, the job service and an engine with its service over one store,
// the engine told of every job end as the orchestrator wires it.
class EngineFixture {
 public:
  EngineFixture()
      : engine_(hub_.failing(), hub_.clock(), hub_.jobs(), hub_.bus()),
        service_(hub_.failing(), hub_.clock(), hub_.jobs(), &engine_) {
    hub_.hub().set_on_job_final([this](const JobRecord& job) { engine_.on_job_final(job); });
    hub_.set_plan(Plan::kPro);
  }

  HubFixture& hub() { return hub_; }
  FakeClock& clock() { return hub_.clock(); }
  Store& store() { return hub_.store(); }
  ScheduleEngine& engine() { return engine_; }
  ScheduleService& service() { return service_; }

  static ScheduleSpec spec(const TestAgent& agent, std::string cron, std::string tz = "UTC") {
    ScheduleSpec s;
    s.name = "every " + cron;
    s.cron = std::move(cron);
    s.timezone = std::move(tz);
    s.script = "noop";
    s.agent_id = agent.id;
    return s;
  }

  ScheduleRecord create(const ScheduleSpec& spec) {
    auto created = service_.create(hub_.principal(), spec);
    REQUIRE_OK(created);
    return *created;
  }

  ScheduleRecord schedule(const ScheduleId& id) {
    auto s = store().get_schedule(hub_.tenant(), id);
    REQUIRE_OK(s);
    return *s;
  }

  // Then waits for the hub's asynchronous dispatches of what it created.
  ScheduleRunStats run() {
    ScheduleRunStats stats = engine_.run_due(clock().now());
    hub_.flush_writes();
    return stats;
  }

  // Lets wall time pass up to `end` the way the engine's thread sees it:
  // woken at every next due time.
  void run_until(WallTime end) {
    for (;;) {
      auto next = store().next_schedule_due();
      REQUIRE_OK(next);
      if (!*next || **next > end) break;
      if (**next > clock().now()) clock().set_wall(**next);
      ScheduleRunStats stats = run();
      REQUIRE(stats.errors == 0);
    }
    clock().set_wall(end);
    run();
  }

  // Oldest first.
  std::vector<ScheduleEventRecord> events(const ScheduleId& id) {
    auto e = store().list_schedule_events(hub_.tenant(), id, 1000);
    REQUIRE_OK(e);
    std::reverse(e->begin(), e->end());
    return *e;
  }
  std::vector<WallTime> due_times(const ScheduleId& id, ScheduleEventType type) {
    std::vector<WallTime> out;
    for (const auto& e : events(id)) {
      if (e.type == type) out.push_back(e.due_at);
    }
    return out;
  }
  // Oldest first.
  std::vector<JobRecord> jobs(const ScheduleId& id) {
    JobFilter filter;
    filter.schedule_id = id;
    filter.oldest_first = true;
    filter.limit = 1000;
    auto page = store().list_jobs(hub_.tenant(), filter);
    REQUIRE_OK(page);
    return page->jobs;
  }

 private:
  HubFixture hub_;
  ScheduleEngine engine_;
  ScheduleService service_;
};

TEST_CASE("schedule engine: a week across the autumn DST changes of two zones") {
  EngineFixture f;
  f.clock().set_wall(utc("2026-10-24T12:00:00Z"));
  TestAgent agent = f.hub().create_agent("offline");  // jobs stay pending
  auto make = [&](const char* cron, const char* tz) {
    ScheduleSpec s = EngineFixture::spec(agent, cron, tz);
    s.overlap = OverlapPolicy::kAllow;
    return f.create(s);
  };
  ScheduleRecord berlin_fixed = make("30 2 * * *", "Europe/Berlin");
  ScheduleRecord berlin_hourly = make("0 * * * *", "Europe/Berlin");
  ScheduleRecord ny_fixed = make("30 2 * * *", "America/New_York");
  ScheduleRecord ny_wild = make("*/30 1 * * *", "America/New_York");

  f.run_until(utc("2026-11-01T12:00:00Z"));

  // Berlin leaves CEST on 25 October at 03:00 local (01:00Z): 02:30 comes
  // twice that night and a fixed-time schedule takes only the first.
  CHECK(texts(f.due_times(berlin_fixed.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z",
                                 "2026-10-27T01:30:00Z", "2026-10-28T01:30:00Z",
                                 "2026-10-29T01:30:00Z", "2026-10-30T01:30:00Z",
                                 "2026-10-31T01:30:00Z", "2026-11-01T01:30:00Z"});
  // A wildcard schedule fires in both passes: every UTC hour, 8 x 24.
  CHECK(f.due_times(berlin_hourly.id, ScheduleEventType::kFired).size() == 192);
  // New York leaves EDT on 1 November at 02:00 local (06:00Z); 02:30 is not
  // repeated and comes an hour later in UTC.
  CHECK(texts(f.due_times(ny_fixed.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-10-25T06:30:00Z", "2026-10-26T06:30:00Z",
                                 "2026-10-27T06:30:00Z", "2026-10-28T06:30:00Z",
                                 "2026-10-29T06:30:00Z", "2026-10-30T06:30:00Z",
                                 "2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z"});
  // 01:00 and 01:30 are repeated on 1 November: the wildcard runs four times.
  auto wild = texts(f.due_times(ny_wild.id, ScheduleEventType::kFired));
  CHECK(wild.size() == 18);
  CHECK(std::vector<std::string>(wild.end() - 4, wild.end()) ==
        std::vector<std::string>{"2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z",
                                 "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z"});

  for (const auto* s : {&berlin_fixed, &berlin_hourly, &ny_fixed, &ny_wild}) {
    CAPTURE(s->cron);
    // One job per fire, nothing missed, skipped or doubled.
    CHECK(f.jobs(s->id).size() == f.events(s->id).size());
    CHECK(f.due_times(s->id, ScheduleEventType::kMissed).empty());
    for (const JobRecord& job : f.jobs(s->id))
      CHECK(job.schedule_id == s->id);
  }
  CHECK(f.schedule(ny_fixed.id).next_run_at == utc("2026-11-02T07:30:00Z"));
}

TEST_CASE("schedule engine: spring forward runs a fixed time once at the jump in two zones") {
  EngineFixture f;
  f.clock().set_wall(utc("2026-03-07T12:00:00Z"));
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleSpec ny = EngineFixture::spec(agent, "30 2 * * *", "America/New_York");
  ny.overlap = OverlapPolicy::kAllow;
  ScheduleSpec berlin = EngineFixture::spec(agent, "30 2 * * *", "Europe/Berlin");
  berlin.overlap = OverlapPolicy::kAllow;
  ScheduleSpec berlin_wild = EngineFixture::spec(agent, "*/30 2 * * *", "Europe/Berlin");
  berlin_wild.overlap = OverlapPolicy::kAllow;
  ScheduleRecord a = f.create(ny);
  ScheduleRecord b = f.create(berlin);
  ScheduleRecord c = f.create(berlin_wild);
  f.run_until(utc("2026-03-30T12:00:00Z"));

  auto ny_runs = texts(f.due_times(a.id, ScheduleEventType::kFired));
  REQUIRE(ny_runs.size() == 23);
  CHECK(ny_runs[0] == "2026-03-08T07:00:00Z");  // 03:00 EDT, the first minute after the jump
  CHECK(ny_runs[1] == "2026-03-09T06:30:00Z");
  auto berlin_runs = texts(f.due_times(b.id, ScheduleEventType::kFired));
  REQUIRE(berlin_runs.size() == 23);
  CHECK(berlin_runs[20] == "2026-03-28T01:30:00Z");
  CHECK(berlin_runs[21] == "2026-03-29T01:00:00Z");  // 03:00 CEST
  CHECK(berlin_runs[22] == "2026-03-30T00:30:00Z");
  // The wildcard follows the wall clock: no 02:xx on 29 March at all.
  auto wild = texts(f.due_times(c.id, ScheduleEventType::kFired));
  CHECK(wild.size() == 2 * 22);
  CHECK(std::find(wild.begin(), wild.end(), "2026-03-29T01:00:00Z") == wild.end());
  CHECK(wild.back() == "2026-03-30T00:30:00Z");
}

TEST_CASE("schedule engine: a paused period is skipped, not missed") {
  EngineFixture f;  // 2026-11-26T10:00:00Z
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleSpec spec = EngineFixture::spec(agent, "0 * * * *");
  spec.catch_up = CatchUpPolicy::kAll;
  spec.overlap = OverlapPolicy::kAllow;
  ScheduleRecord s = f.create(spec);
  CHECK(s.next_run_at == utc("2026-11-26T11:00:00Z"));
  f.run_until(utc("2026-11-26T11:30:00Z"));
  CHECK(f.jobs(s.id).size() == 1);

  ScheduleChange pause;
  pause.enabled = false;
  auto paused = f.service().update(f.hub().principal(), s.id, pause);
  REQUIRE_OK(paused);
  CHECK_FALSE(paused->enabled);
  CHECK_FALSE(paused->next_run_at.has_value());
  f.run_until(utc("2026-11-26T15:10:00Z"));
  CHECK(f.jobs(s.id).size() == 1);

  ScheduleChange resume;
  resume.enabled = true;
  auto resumed = f.service().update(f.hub().principal(), s.id, resume);
  REQUIRE_OK(resumed);
  CHECK(resumed->next_run_at == utc("2026-11-26T16:00:00Z"));
  CHECK(resumed->cron == "0 * * * *");
  CHECK(resumed->catch_up == CatchUpPolicy::kAll);
  f.run_until(utc("2026-11-26T16:30:00Z"));
  CHECK(texts(f.due_times(s.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-11-26T11:00:00Z", "2026-11-26T16:00:00Z"});
  CHECK(f.due_times(s.id, ScheduleEventType::kMissed).empty());
  CHECK(f.jobs(s.id).size() == 2);
}

// Three hours down (or the wall clock jumping three hours): six half-hourly
// due times pass unseen. The last is checked 10 minutes late, beyond the
// 60 s grace, so all six are missed.
struct Outage {
  EngineFixture f;
  TestAgent agent;
  ScheduleRecord s;
  explicit Outage(CatchUpPolicy policy) {
    agent = f.hub().create_agent("offline");
    ScheduleSpec spec = EngineFixture::spec(agent, "*/30 * * * *");
    spec.catch_up = policy;
    s = f.create(spec);
    f.clock().set_wall(utc("2026-11-26T13:10:00Z"));
  }
  static std::vector<std::string> due() {
    return {"2026-11-26T10:30:00Z", "2026-11-26T11:00:00Z", "2026-11-26T11:30:00Z",
            "2026-11-26T12:00:00Z", "2026-11-26T12:30:00Z", "2026-11-26T13:00:00Z"};
  }
};

TEST_CASE("schedule engine: catch-up skip after a 3-hour outage records and runs nothing") {
  Outage o(CatchUpPolicy::kSkip);
  ScheduleRunStats stats = o.f.run();
  CHECK(stats.missed == 6);
  CHECK(stats.jobs == 0);
  CHECK(texts(o.f.due_times(o.s.id, ScheduleEventType::kMissed)) == Outage::due());
  CHECK(o.f.jobs(o.s.id).empty());
  CHECK(o.f.schedule(o.s.id).next_run_at == utc("2026-11-26T13:30:00Z"));
  // Each missed fire is a tenant event, stored and published.
  auto published = o.f.hub().events().of_type("schedule.missed");
  REQUIRE(published.size() == 6);
  CHECK(published.front().subject_id == o.s.id.str());
  CHECK(published.front().data_json.find("\"due_at\":\"2026-11-26T10:30:00Z\"") !=
        std::string::npos);
  CHECK(o.f.hub().stored_event_types(o.s.id.str()) ==
        std::vector<std::string>(6, "schedule.missed"));
  // Found once: the next pass has nothing to say.
  CHECK(o.f.run().missed == 0);
  o.f.run_until(utc("2026-11-26T13:31:00Z"));
  CHECK(texts(o.f.due_times(o.s.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-11-26T13:30:00Z"});
}

TEST_CASE("schedule engine: catch-up once runs one job for all missed fires") {
  Outage o(CatchUpPolicy::kOnce);
  ScheduleRunStats stats = o.f.run();
  CHECK(stats.missed == 6);
  CHECK(stats.jobs == 1);
  CHECK(texts(o.f.due_times(o.s.id, ScheduleEventType::kMissed)) == Outage::due());
  auto caught = o.f.events(o.s.id).back();
  CHECK(caught.type == ScheduleEventType::kCaughtUp);
  CHECK(format_rfc3339(caught.due_at) == "2026-11-26T13:00:00Z");
  CHECK(caught.at == utc("2026-11-26T13:10:00Z"));
  auto jobs = o.f.jobs(o.s.id);
  REQUIRE(jobs.size() == 1);
  CHECK(caught.job_id == jobs.front().id);
  CHECK(caught.agent_id == o.agent.id);
  CHECK(o.f.schedule(o.s.id).last_run_at == utc("2026-11-26T13:10:00Z"));
}

TEST_CASE("schedule engine: catch-up all runs one job per missed fire, oldest first") {
  Outage o(CatchUpPolicy::kAll);
  ScheduleRunStats stats = o.f.run();
  CHECK(stats.missed == 6);
  CHECK(stats.jobs == 6);
  CHECK(texts(o.f.due_times(o.s.id, ScheduleEventType::kCaughtUp)) == Outage::due());
  auto jobs = o.f.jobs(o.s.id);
  REQUIRE(jobs.size() == 6);
  std::vector<JobId> by_event;
  for (const auto& e : o.f.events(o.s.id)) {
    if (e.type == ScheduleEventType::kCaughtUp) by_event.push_back(*e.job_id);
  }
  std::vector<JobId> by_creation;
  for (const auto& j : jobs)
    by_creation.push_back(j.id);
  CHECK(by_event == by_creation);  // the oldest due time's job was created first
}

TEST_CASE("schedule engine: a due time within the grace still runs after an outage") {
  Outage o(CatchUpPolicy::kSkip);
  o.f.clock().set_wall(utc("2026-11-26T13:00:45Z"));
  ScheduleRunStats stats = o.f.run();
  CHECK(stats.missed == 5);
  CHECK(stats.jobs == 1);
  CHECK(texts(o.f.due_times(o.s.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-11-26T13:00:00Z"});
}

TEST_CASE("schedule engine: catch-up all stops at 100 runs, the oldest") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleSpec spec = EngineFixture::spec(agent, "* * * * *");
  spec.catch_up = CatchUpPolicy::kAll;
  ScheduleRecord s = f.create(spec);
  f.clock().advance(std::chrono::hours(3) + seconds(30));  // 10:00:00 -> 13:00:30
  ScheduleRunStats stats = f.run();
  CHECK(stats.missed == 179);  // 10:01 .. 12:59; 13:00 is within the grace
  CHECK(stats.jobs == 101);
  auto caught = f.due_times(s.id, ScheduleEventType::kCaughtUp);
  REQUIRE(caught.size() == 100);
  CHECK(format_rfc3339(caught.front()) == "2026-11-26T10:01:00Z");
  CHECK(format_rfc3339(caught.back()) == "2026-11-26T11:40:00Z");
  CHECK(texts(f.due_times(s.id, ScheduleEventType::kFired)) ==
        std::vector<std::string>{"2026-11-26T13:00:00Z"});
}

TEST_CASE("schedule engine: a restarted engine finds what was missed while it was down") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleSpec spec = EngineFixture::spec(agent, "0 * * * *");
  spec.catch_up = CatchUpPolicy::kOnce;
  ScheduleRecord s = f.create(spec);
  f.clock().set_wall(utc("2026-11-26T14:05:00Z"));
  {
    // A second engine over the same store stands for the next process.
    ScheduleEngine next(f.store(), f.clock(), f.hub().jobs(), f.hub().bus());
    ScheduleRunStats stats = next.run_due(f.clock().now());
    CHECK(stats.missed == 4);
    CHECK(stats.jobs == 1);
  }
  CHECK(f.run().missed == 0);  // committed once, not found again
  CHECK(f.jobs(s.id).size() == 1);
}

TEST_CASE("schedule engine: overlap skip records the fire and runs the next one") {
  EngineFixture f;
  TestAgent agent = f.hub().online_agent("web-1");
  agent.conn->take();
  ScheduleRecord s = f.create(EngineFixture::spec(agent, "*/5 * * * *"));
  f.run_until(utc("2026-11-26T10:05:00Z"));
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 1);
  CHECK(f.hub().job(jobs[0].id).status == JobStatus::kDispatched);

  f.run_until(utc("2026-11-26T10:10:00Z"));
  CHECK(f.jobs(s.id).size() == 1);
  auto last = f.events(s.id).back();
  CHECK(last.type == ScheduleEventType::kSkipped);
  CHECK(last.detail == "overlap");
  CHECK(last.agent_id == agent.id);
  CHECK(format_rfc3339(last.due_at) == "2026-11-26T10:10:00Z");

  f.hub().run_to_end(agent, jobs[0].id, 0);
  f.run_until(utc("2026-11-26T10:15:00Z"));
  CHECK(f.jobs(s.id).size() == 2);
  CHECK(f.events(s.id).back().type == ScheduleEventType::kFired);
}

TEST_CASE("schedule engine: overlap buffer_one runs once when the previous run ends") {
  EngineFixture f;
  TestAgent agent = f.hub().online_agent("web-1");
  ScheduleSpec spec = EngineFixture::spec(agent, "*/5 * * * *");
  spec.overlap = OverlapPolicy::kBufferOne;
  ScheduleRecord s = f.create(spec);
  f.run_until(utc("2026-11-26T10:05:00Z"));
  JobRecord first = f.jobs(s.id).at(0);
  f.run_until(utc("2026-11-26T10:16:00Z"));  // 10:10 owed, 10:15 skipped
  CHECK(f.jobs(s.id).size() == 1);
  CHECK(f.schedule(s.id).buffered.count(agent.id) == 1);
  CHECK(texts(f.due_times(s.id, ScheduleEventType::kSkipped)) ==
        std::vector<std::string>{"2026-11-26T10:15:00Z"});

  f.hub().run_to_end(agent, first.id, 0);  // the hub tells the engine
  ScheduleRunStats stats = f.run();
  CHECK(stats.jobs == 1);
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 2);
  auto fired = f.events(s.id).back();
  CHECK(fired.type == ScheduleEventType::kFired);
  CHECK(format_rfc3339(fired.due_at) == "2026-11-26T10:10:00Z");
  CHECK(fired.job_id == jobs[1].id);
  CHECK(f.schedule(s.id).buffered.empty());
  CHECK(f.schedule(s.id).next_run_at == utc("2026-11-26T10:20:00Z"));
  CHECK(f.run().jobs == 0);  // owed once, run once
}

TEST_CASE("schedule engine: overlap cancel_other cancels the running one, then starts") {
  EngineFixture f;
  TestAgent agent = f.hub().online_agent("web-1");
  ScheduleSpec spec = EngineFixture::spec(agent, "*/5 * * * *");
  spec.overlap = OverlapPolicy::kCancelOther;
  ScheduleRecord s = f.create(spec);
  f.run_until(utc("2026-11-26T10:05:00Z"));
  JobRecord first = f.jobs(s.id).at(0);
  f.hub().send(agent, proto::Started{first.id.str()});
  agent.conn->take();
  f.run_until(utc("2026-11-26T10:10:00Z"));
  auto cancels = agent.conn->take_of<proto::Cancel>();
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].job_id == first.id.str());
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 2);
  CHECK(f.hub().job(jobs[1].id).status == JobStatus::kPending);  // waits for the slot
  CHECK(f.events(s.id).back().type == ScheduleEventType::kFired);
}

TEST_CASE("schedule engine: overlap allow starts side by side") {
  EngineFixture f;
  TestAgent agent = f.hub().online_agent("web-1", 2);
  ScheduleSpec spec = EngineFixture::spec(agent, "*/5 * * * *");
  spec.overlap = OverlapPolicy::kAllow;
  ScheduleRecord s = f.create(spec);
  f.run_until(utc("2026-11-26T10:10:00Z"));
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 2);
  CHECK(f.hub().job(jobs[0].id).status == JobStatus::kDispatched);
  CHECK(f.hub().job(jobs[1].id).status == JobStatus::kDispatched);
}

TEST_CASE("schedule engine: a tag schedule runs on every tagged agent, overlap per agent") {
  EngineFixture f;
  TestAgent a = f.hub().online_agent("web-1", 1, {"web"});
  TestAgent b = f.hub().online_agent("web-2", 1, {"web"});
  ScheduleSpec spec = EngineFixture::spec(a, "*/5 * * * *");
  spec.agent_id.reset();
  spec.tags = std::vector<std::string>{"web"};
  ScheduleRecord s = f.create(spec);
  f.run_until(utc("2026-11-26T10:05:00Z"));
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].group_id.has_value());
  CHECK(jobs[0].group_id == jobs[1].group_id);
  const JobRecord& on_a = jobs[0].agent_id == a.id ? jobs[0] : jobs[1];
  f.hub().run_to_end(a, on_a.id, 0);
  f.run_until(utc("2026-11-26T10:10:00Z"));
  jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[2].agent_id == a.id);
  // The second fire's two events, in either agent order.
  auto events = f.events(s.id);
  REQUIRE(events.size() == 4);
  for (auto it = events.end() - 2; it != events.end(); ++it) {
    CHECK(format_rfc3339(it->due_at) == "2026-11-26T10:10:00Z");
    CHECK(it->type ==
          (it->agent_id == b.id ? ScheduleEventType::kSkipped : ScheduleEventType::kFired));
  }
}

TEST_CASE("schedule engine: a run whose trigger fails is recorded and the schedule goes on") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("doomed");
  ScheduleSpec spec = EngineFixture::spec(agent, "0 * * * *");
  spec.webhook_url = "https://hooks.example.test/done";
  ScheduleRecord s = f.create(spec);
  f.run_until(utc("2026-11-26T11:00:00Z"));
  auto jobs = f.jobs(s.id);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].webhook_url == "https://hooks.example.test/done");
  CHECK(jobs[0].status == JobStatus::kPending);  // offline: pending as for any job

  REQUIRE_OK(f.hub().agents().remove(f.hub().principal(), agent.id));
  f.run_until(utc("2026-11-26T12:00:00Z"));
  auto last = f.events(s.id).back();
  CHECK(last.type == ScheduleEventType::kSkipped);
  CHECK(last.detail.rfind("agent_not_found", 0) == 0);
  CHECK(f.schedule(s.id).next_run_at == utc("2026-11-26T13:00:00Z"));
}

TEST_CASE("schedule engine: a failing store never loses or doubles a fire") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleSpec spec = EngineFixture::spec(agent, "0 * * * *");
  spec.catch_up = CatchUpPolicy::kOnce;
  spec.overlap = OverlapPolicy::kSkip;
  ScheduleRecord s = f.create(spec);
  f.clock().set_wall(utc("2026-11-26T13:00:10Z"));  // 11:00, 12:00 missed; 13:00 on time
  int n = 1;
  for (;; ++n) {
    CAPTURE(n);
    f.hub().failing().fail_on_call(n);
    ScheduleRunStats stats = f.run();
    if (!f.hub().failing().tripped()) break;
    // Either the whole pass was committed or none of it.
    const auto events = f.events(s.id);
    const auto jobs = f.jobs(s.id);
    if (events.empty()) {
      CHECK(jobs.empty());
      CHECK(stats.errors == 1);
    } else {
      CHECK(jobs.size() == 2);
      break;
    }
    REQUIRE(n < 50);
  }
  f.hub().failing().fail_on_call(0);
  f.run();
  f.run();
  CHECK(texts(f.due_times(s.id, ScheduleEventType::kMissed)) ==
        std::vector<std::string>{"2026-11-26T11:00:00Z", "2026-11-26T12:00:00Z"});
  CHECK(f.jobs(s.id).size() == 2);  // the catch-up run and the 13:00 run, once each
  CHECK(f.events(s.id).size() == 4);
}

TEST_CASE("schedule engine: an edit made during a pass wins over the pass") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleRecord s = f.create(EngineFixture::spec(agent, "0 * * * *"));
  f.clock().set_wall(utc("2026-11-26T11:00:00Z"));
  // The compare-and-set answering "changed" is what a concurrent PATCH causes.
  f.hub().failing().set_error(Error::conflict("schedule_changed", "changed"));
  int commit_call = 0;
  for (int n = 1; n < 20 && commit_call == 0; ++n) {
    f.hub().failing().fail_on_call(n);
    ScheduleRunStats stats = f.run();
    if (stats.conflicts == 1) commit_call = n;
  }
  REQUIRE(commit_call > 0);
  CHECK(f.jobs(s.id).empty());
  f.hub().failing().fail_on_call(0);
  CHECK(f.run().jobs == 1);
}

TEST_CASE("schedule engine: thousands of schedules are served by one query per batch") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleRecord proto_schedule = f.create(EngineFixture::spec(agent, "*/15 * * * *"));
  constexpr int kCount = 1500;
  for (int i = 0; i < kCount; ++i) {
    ScheduleRecord s = proto_schedule;
    s.id = ScheduleId("sch_bulk_" + std::to_string(i));
    s.overlap = OverlapPolicy::kAllow;
    REQUIRE_OK(f.store().insert_schedule(f.hub().tenant(), s));
  }
  f.clock().set_wall(utc("2026-11-26T10:15:00Z"));
  ScheduleRunStats stats = f.run();
  CHECK(stats.schedules == kCount + 1);
  CHECK(stats.jobs == kCount + 1);
  CHECK(*f.store().next_schedule_due() == utc("2026-11-26T10:30:00Z"));
}

TEST_CASE("schedule engine: the thread fires a due schedule and stops") {
  EngineFixture f;
  TestAgent agent = f.hub().create_agent("offline");
  ScheduleRecord s = f.create(EngineFixture::spec(agent, "0 * * * *"));
  f.clock().set_wall(utc("2026-11-26T11:00:00Z"));
  ScheduleEngineOptions options;
  options.max_sleep = std::chrono::milliseconds(20);
  ScheduleEngine threaded(f.store(), f.clock(), f.hub().jobs(), f.hub().bus(), options);
  threaded.start();
  threaded.start();  // idempotent
  // Waiting on another thread's work is the one place real time passes;
  // the wall clock stays put, so the schedule fires exactly once.
  for (int i = 0; i < 500 && f.jobs(s.id).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  threaded.wake();
  threaded.stop();
  threaded.stop();
  CHECK(f.jobs(s.id).size() == 1);
}

}  // namespace
}  // namespace scriptmesh::testing
