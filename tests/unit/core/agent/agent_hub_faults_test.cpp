// Store failures at every call of a job's life, and agents working at once
// from several threads.
#include "scriptmesh/agent_hub.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

const std::string kOut = "line one\nline two\n";

// An agent that runs one job printing kOut, resuming from what the
// orchestrator's welcome says it already holds, as the real agent does.
class ScriptedAgent {
 public:
  ScriptedAgent(HubFixture& f, TestAgent a) : f_(f), a_(std::move(a)) {}

  bool connected() const { return a_.conn && !a_.conn->closed(); }

  // Attaches and says hello, listing the job when it has it.
  void connect() {
    a_.conn = std::make_shared<FakeConnection>();
    auto session = f_.hub().attach(a_.key, a_.conn);
    if (!session.ok()) {
      CHECK(session.error().code() == "injected_failure");
      a_.conn->close("attach_failed");
      return;
    }
    a_.session = *session;
    proto::Hello hello;
    hello.manifest_summary = test_manifest_summary();
    if (!job_.empty()) hello.jobs = {{job_, false}};
    f_.send(a_, hello);
    for (const auto& w : a_.conn->take_of<proto::Welcome>()) {
      for (const auto& r : w.jobs) {
        if (r.job_id == job_) offset_ = r.stdout_offset;
      }
    }
  }

  // Takes a dispatch if one came, then runs the job to the end.
  void run() {
    if (!connected()) return;
    for (const auto& d : a_.conn->take_of<proto::Dispatch>()) {
      job_ = d.job_id;
      offset_ = 0;
      f_.send(a_, proto::Started{job_});
    }
    if (job_.empty() || !connected()) return;
    if (offset_ < static_cast<std::int64_t>(kOut.size())) {
      f_.send(a_, proto::Output{job_, OutputStream::kStdout, offset_,
                                kOut.substr(static_cast<std::size_t>(offset_))});
    }
    for (const auto& ack : a_.conn->take_of<proto::OutputAck>())
      offset_ = ack.stored;
    if (!connected()) return;
    proto::Finished fin;
    fin.job_id = job_;
    fin.exit_code = 0;
    fin.duration_ms = 7;
    fin.stdout_bytes = static_cast<std::int64_t>(kOut.size());
    f_.send(a_, fin);
  }

 private:
  HubFixture& f_;
  TestAgent a_;
  std::string job_;  // the job it runs, once dispatched
  std::int64_t offset_ = 0;
};

TEST_CASE("hub faults: a store failure at any call still ends with the job complete") {
  for (int n = 1;; ++n) {
    CAPTURE(n);
    HubFixture f;
    TestAgent a = f.create_agent("web-1");
    ScriptedAgent agent(f, a);
    TriggerRequest request;
    request.script = "noop";
    request.agent_id = a.id;

    f.failing().fail_on_call(n);
    auto triggered = f.jobs().trigger(f.principal(), request);
    agent.connect();
    agent.run();
    const bool tripped = f.failing().tripped();
    f.failing().fail_on_call(0);
    if (!triggered.ok()) {
      CHECK(triggered.error().code() == "injected_failure");
      triggered = f.jobs().trigger(f.principal(), request);
      REQUIRE_OK(triggered);
    }
    const JobId job = triggered->jobs[0].id;
    // What follows a failure: the agent reconnects, the hub's tick retries.
    for (int round = 0; round < 3 && !is_final(f.job(job).status); ++round) {
      f.hub().tick();
      f.flush_writes();  // a retried dispatch round is asynchronous
      if (!agent.connected()) agent.connect();
      agent.run();
    }
    JobRecord r = f.job(job);
    CHECK(r.status == JobStatus::kSucceeded);
    CHECK(r.stdout_bytes == static_cast<std::int64_t>(kOut.size()));
    auto out = f.store().read_job_output(f.tenant(), job, OutputStream::kStdout, 0, std::nullopt);
    REQUIRE_OK(out);
    CHECK(*out == kOut);
    CHECK(f.agent_record(a.id).status == AgentStatus::kOnline);
    if (!tripped) break;
  }
}

TEST_CASE("hub faults: a failed offline write and a failed lease expiry are retried") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});

  f.failing().fail_on_call(1);  // the offline status write
  f.hub().detach(a.session);
  REQUIRE(f.failing().tripped());
  CHECK(f.agent_record(a.id).status == AgentStatus::kOnline);
  f.failing().fail_on_call(0);
  f.hub().tick();
  CHECK(f.agent_record(a.id).status == AgentStatus::kOffline);

  f.clock().advance(std::chrono::seconds(180));
  f.failing().fail_on_call(1);  // reading the leased job
  f.hub().tick();
  REQUIRE(f.failing().tripped());
  CHECK(f.job(job.id).status == JobStatus::kRunning);
  f.failing().fail_on_call(0);
  f.hub().tick();
  CHECK(f.job(job.id).status == JobStatus::kFailed);
  CHECK(f.job(job.id).error == "agent_lost");
}

TEST_CASE("hub faults: agents on several threads never exceed their slots") {
  HubFixture f;
  f.set_plan(Plan::kPro);
  constexpr int kAgents = 4;
  constexpr int kSlots = 2;
  constexpr int kJobsPerAgent = 25;
  std::vector<TestAgent> agents;
  for (int i = 0; i < kAgents; ++i)
    agents.push_back(f.online_agent("a" + std::to_string(i), kSlots));

  std::atomic<int> finished{0};
  std::atomic<bool> over_slots{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (TestAgent& a : agents) {
    threads.emplace_back([&f, &a, &finished, &over_slots, &stop] {
      std::vector<std::string> running;
      while (!stop.load()) {
        for (const auto& d : a.conn->take_of<proto::Dispatch>())
          running.push_back(d.job_id);
        if (static_cast<int>(running.size()) > kSlots) over_slots = true;
        if (running.empty()) {
          std::this_thread::yield();
          continue;
        }
        const std::string job = running.front();
        running.erase(running.begin());
        f.send(a, proto::Started{job});
        f.send(a, proto::Output{job, OutputStream::kStdout, 0, job});
        proto::Finished fin;
        fin.job_id = job;
        fin.exit_code = 0;
        fin.stdout_bytes = static_cast<std::int64_t>(job.size());
        f.send(a, fin);
        ++finished;
      }
    });
  }
  std::vector<std::thread> triggers;
  for (TestAgent& a : agents) {
    triggers.emplace_back([&f, &a] {
      for (int j = 0; j < kJobsPerAgent; ++j)
        f.trigger(a);
    });
  }
  std::thread ticker([&f, &stop] {
    while (!stop.load()) {
      f.hub().tick();
      std::this_thread::yield();
    }
  });
  for (auto& t : triggers)
    t.join();
  // Real time only bounds a hang; nothing here waits for time to pass.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (finished.load() < kAgents * kJobsPerAgent && !over_slots.load() &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : threads)
    t.join();
  ticker.join();

  CHECK_FALSE(over_slots.load());
  JobFilter filter;
  filter.limit = 1000;
  filter.status = JobStatus::kSucceeded;
  auto done = f.store().list_jobs(f.tenant(), filter);
  REQUIRE_OK(done);
  CHECK(done->jobs.size() == kAgents * kJobsPerAgent);
  CHECK(f.hub().stats().jobs_in_flight == 0);
  CHECK(f.events().of_type("job.succeeded").size() == kAgents * kJobsPerAgent);
}

}  // namespace
}  // namespace scriptmesh::testing
