#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/jobs.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::seconds;

// Records what a wait callback was given.
struct WaitResult {
  int calls = 0;
  std::optional<JobRecord> job;
  std::string error;

  std::function<void(Result<JobRecord>)> callback() {
    return [this](Result<JobRecord> r) {
      ++calls;
      if (r.ok()) {
        job = *r;
      } else {
        error = r.error().code();
      }
    };
  }
};

proto::Finished finished(const JobId& job, std::optional<int> exit_code) {
  proto::Finished f;
  f.job_id = job.str();
  f.exit_code = exit_code;
  f.duration_ms = 1500;
  return f;
}

TEST_CASE("hub: attach refuses a wrong key and keeps nothing") {
  HubFixture f;
  auto conn = std::make_shared<FakeConnection>();
  CHECK_ERROR_CODE(f.hub().attach("sm_agent_nope", conn), "invalid_agent_key");
  CHECK(f.hub().stats().connections == 0);
}

TEST_CASE("hub: hello stores the manifest, goes online and answers welcome") {
  HubFixture f;
  TestAgent a = f.create_agent("web-1");
  f.attach(a);
  CHECK_FALSE(f.hub().is_online(f.tenant(), a.id));
  CHECK(f.agent_record(a.id).status == AgentStatus::kOffline);

  proto::Welcome w = f.hello(a, 4);
  CHECK(w.agent_id == a.id.str());
  CHECK(w.heartbeat_sec == 10);
  CHECK(w.jobs.empty());
  CHECK(f.hub().is_online(f.tenant(), a.id));

  AgentRecord r = f.agent_record(a.id);
  CHECK(r.status == AgentStatus::kOnline);
  CHECK(r.manifest == std::vector<std::string>{"hello", "noop"});
  CHECK(r.manifest_summary == test_manifest_summary());
  CHECK(r.max_concurrent == 4);
  CHECK(r.last_heartbeat_at == f.clock().now());
  CHECK(f.stored_event_types(a.id.str()) == std::vector<std::string>{"agent.online"});
  auto online = f.events().of_type("agent.online");
  REQUIRE(online.size() == 1);
  CHECK(online[0].subject_id == a.id.str());
  CHECK(online[0].data_json.find("web-1") != std::string::npos);

  // A second hello on the same connection reloads the manifest only.
  proto::Hello reload;
  reload.manifest_summary = R"({"scripts":{"other":{"params":{},"timeout_sec":5}}})";
  reload.max_concurrent = 2;
  f.send(a, reload);
  CHECK(a.conn->take_of<proto::Welcome>().size() == 1);
  r = f.agent_record(a.id);
  CHECK(r.manifest == std::vector<std::string>{"other"});
  CHECK(r.max_concurrent == 2);
  CHECK(f.events().of_type("agent.online").size() == 1);
  CHECK_FALSE(a.conn->closed());
}

TEST_CASE("hub: malformed, oversized and premature frames close only that connection") {
  HubFixture f;
  f.set_plan(Plan::kPro);
  TestAgent good = f.online_agent("good");
  struct Case {
    std::string frame;
    bool hello_first;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"not json", true, "invalid_message"},
      {R"({"type":"output","job_id":5})", true, "invalid_message"},
      {R"({"type":"launch_missiles"})", true, "invalid_message"},
      {std::string(proto::kMaxFrameBytes + 1, ' '), true, "message_too_large"},
      {proto::encode(proto::AgentMessage(proto::Heartbeat{})), false, "hello_required"},
      {R"({"type":"hello","protocol":1,"agent_version":"x","hostname":"h","tags":[],)"
       R"("manifest":{"scripts":{"bad name!":{}}},"max_concurrent":1,"jobs":[]})",
       false, "invalid_manifest"},
  };
  int n = 0;
  for (const Case& c : cases) {
    CAPTURE(c.reason);
    TestAgent bad = f.create_agent("bad" + std::to_string(n++));
    if (c.hello_first) {
      f.connect(bad);
    } else {
      f.attach(bad);
    }
    f.send_frame(bad, c.frame);
    CHECK(bad.conn->closed());
    CHECK(bad.conn->close_reason() == c.reason);
    CHECK_FALSE(f.hub().is_online(f.tenant(), bad.id));
    // Frames after the close are ignored, and detach later is harmless.
    f.send_frame(bad, c.frame);
    f.hub().detach(bad.session);
  }
  CHECK_FALSE(good.conn->closed());
  CHECK(f.hub().is_online(f.tenant(), good.id));
  JobRecord job = f.trigger(good);
  CHECK(good.conn->take_of<proto::Dispatch>().size() == 1);
  CHECK(f.job(job.id).status == JobStatus::kDispatched);
}

TEST_CASE("hub: a job runs to succeeded with its output, event and hook") {
  HubFixture f;
  std::vector<JobRecord> hooked;
  f.hub().set_on_job_final([&](const JobRecord& j) { hooked.push_back(j); });
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a, "hello", {{"NAME", "world"}});

  auto dispatches = a.conn->take_of<proto::Dispatch>();
  REQUIRE(dispatches.size() == 1);
  CHECK(dispatches[0].job_id == job.id.str());
  CHECK(dispatches[0].script == "hello");
  CHECK(dispatches[0].params == std::map<std::string, std::string>{{"NAME", "world"}});
  CHECK(dispatches[0].timeout_sec == 60);
  CHECK(f.job(job.id).status == JobStatus::kDispatched);
  CHECK(f.job(job.id).dispatched_at.has_value());

  f.clock().advance(seconds(1));
  f.send(a, proto::Started{job.id.str()});
  CHECK(f.job(job.id).status == JobStatus::kRunning);
  CHECK(f.job(job.id).started_at == f.clock().now());

  const std::string bytes("hi\0\xff there\n", 11);
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 0, bytes.substr(0, 4)});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 4, bytes.substr(4)});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 0, bytes.substr(0, 4)});  // resend
  f.send(a, proto::Output{job.id.str(), OutputStream::kStderr, 0, "warn"});
  auto acks = a.conn->take_of<proto::OutputAck>();
  REQUIRE(acks.size() == 4);
  CHECK(acks[0].stored == 4);
  CHECK(acks[1].stored == 11);
  CHECK(acks[2].stored == 11);
  CHECK(acks[3].stream == OutputStream::kStderr);
  CHECK(acks[3].stored == 4);

  f.clock().advance(seconds(2));
  proto::Finished fin = finished(job.id, 0);
  fin.stdout_bytes = 11;
  fin.stderr_bytes = 4;
  f.send(a, fin);
  auto done = a.conn->take_of<proto::FinishedAck>();
  REQUIRE(done.size() == 1);
  CHECK(done[0].job_id == job.id.str());

  JobRecord r = f.job(job.id);
  CHECK(r.status == JobStatus::kSucceeded);
  CHECK(r.exit_code == 0);
  CHECK(r.duration_ms == 1500);
  CHECK(r.finished_at == f.clock().now());
  CHECK(r.error.empty());
  auto out = f.jobs().read_output(f.principal(), job.id, OutputStream::kStdout, 0, std::nullopt);
  REQUIRE_OK(out);
  CHECK(*out == bytes);

  CHECK(f.stored_event_types(job.id.str()) == std::vector<std::string>{"job.succeeded"});
  auto published = f.events().of_type("job.succeeded");
  REQUIRE(published.size() == 1);
  CHECK(published[0].data_json.find("\"exit_code\":0") != std::string::npos);
  REQUIRE(hooked.size() == 1);
  CHECK(hooked[0].status == JobStatus::kSucceeded);
  CHECK(hooked[0].duration_ms == 1500);

  // A resent finished (its ack was lost) is acknowledged again, nothing more.
  f.send(a, fin);
  CHECK(a.conn->take_of<proto::FinishedAck>().size() == 1);
  CHECK(hooked.size() == 1);
  CHECK(f.events().of_type("job.succeeded").size() == 1);

  // Output after the result changes nothing: the ack says what is stored.
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 11, "appended late"});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStderr, 4, "late"});
  auto late = a.conn->take_of<proto::OutputAck>();
  REQUIRE(late.size() == 2);
  CHECK(late[0].stored == 11);
  CHECK(late[1].stored == 4);
  CHECK(f.job(job.id).stdout_bytes == 11);
  CHECK(f.job(job.id).stderr_bytes == 4);
  auto after = f.jobs().read_output(f.principal(), job.id, OutputStream::kStdout, 0, std::nullopt);
  REQUIRE_OK(after);
  CHECK(*after == bytes);
  CHECK_FALSE(a.conn->closed());
}

TEST_CASE("hub: failed, signalled, timed out, agent error and rejected results") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 8);
  struct Case {
    std::string name;
    proto::Finished message;
    JobStatus status;
    std::optional<int> signal;
    std::string error;
    std::string event;
  };
  proto::Finished exit3 = finished(JobId(), 3);
  proto::Finished killed = finished(JobId(), std::nullopt);
  killed.signal = 9;
  proto::Finished timed_out = finished(JobId(), std::nullopt);
  timed_out.signal = 15;
  timed_out.timed_out = true;
  proto::Finished agent_error = finished(JobId(), std::nullopt);
  agent_error.error = "agent_restarted";
  const std::vector<Case> cases = {
      {"exit 3", exit3, JobStatus::kFailed, std::nullopt, "", "job.failed"},
      {"signal", killed, JobStatus::kFailed, 9, "", "job.failed"},
      {"timeout", timed_out, JobStatus::kTimedOut, 15, "", "job.failed"},
      {"agent error", agent_error, JobStatus::kFailed, std::nullopt, "agent_restarted",
       "job.failed"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    JobRecord job = f.trigger(a);
    f.send(a, proto::Started{job.id.str()});
    proto::Finished m = c.message;
    m.job_id = job.id.str();
    f.send(a, m);
    JobRecord r = f.job(job.id);
    CHECK(r.status == c.status);
    CHECK(r.signal == c.signal);
    CHECK(r.error == c.error);
    CHECK(r.duration_ms == 1500);
    CHECK(f.stored_event_types(job.id.str()) == std::vector<std::string>{c.event});
  }

  JobRecord rejected = f.trigger(a);
  f.send(a, proto::Rejected{rejected.id.str(), "spawn_failed", "no such file"});
  CHECK(f.job(rejected.id).status == JobStatus::kFailed);
  CHECK(f.job(rejected.id).error == "spawn_failed");
  JobRecord odd = f.trigger(a);
  f.send(a, proto::Rejected{odd.id.str(), "Not A Code!", ""});
  CHECK(f.job(odd.id).error == "rejected");
  CHECK_FALSE(a.conn->closed());
}

TEST_CASE("hub: pending jobs go out oldest first within max_concurrent") {
  HubFixture f;
  TestAgent a = f.create_agent("web-1");
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 5; ++i) {
    jobs.push_back(f.trigger(a));
    f.clock().advance(std::chrono::milliseconds(5));
  }
  for (const auto& j : jobs)
    CHECK(f.job(j.id).status == JobStatus::kPending);

  f.connect(a, 2);  // held while offline, dispatched on hello
  CHECK(dispatched_ids(a.conn->take_of<proto::Dispatch>()) ==
        std::vector<std::string>{jobs[0].id.str(), jobs[1].id.str()});
  CHECK(f.hub().stats().jobs_in_flight == 2);

  JobRecord later = f.trigger(a);  // no slot: stays pending behind the others
  CHECK(a.conn->take().empty());
  CHECK(f.job(later.id).status == JobStatus::kPending);

  f.run_to_end(a, jobs[1].id, 0);
  CHECK(dispatched_ids(a.conn->take_of<proto::Dispatch>()) ==
        std::vector<std::string>{jobs[2].id.str()});
  f.send(a, proto::Rejected{jobs[0].id.str(), "spawn_failed", ""});
  CHECK(dispatched_ids(a.conn->take_of<proto::Dispatch>()) ==
        std::vector<std::string>{jobs[3].id.str()});
  f.run_to_end(a, jobs[2].id, 1);
  f.run_to_end(a, jobs[3].id, 0);
  CHECK(dispatched_ids(a.conn->take_of<proto::Dispatch>()) ==
        std::vector<std::string>{jobs[4].id.str(), later.id.str()});
}

TEST_CASE("hub: jobs created in the same millisecond still go out in order") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord first = f.trigger(a);
  std::vector<std::string> queued;
  for (int i = 0; i < 30; ++i)
    queued.push_back(f.trigger(a).id.str());
  CHECK(dispatched_ids(a.conn->take_of<proto::Dispatch>()) ==
        std::vector<std::string>{first.id.str()});
  f.run_to_end(a, first.id, 0);
  for (const std::string& id : queued) {
    auto next = a.conn->take_of<proto::Dispatch>();
    REQUIRE(next.size() == 1);
    CHECK(next[0].job_id == id);
    f.run_to_end(a, JobId(id), 0);
  }
}

TEST_CASE("hub: cancel - pending at once, running through the agent, final refused") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord running = f.trigger(a);
  JobRecord queued = f.trigger(a);
  a.conn->take();
  f.send(a, proto::Started{running.id.str()});

  auto cancelled = f.jobs().cancel(f.principal("member"), queued.id);
  REQUIRE_OK(cancelled);
  CHECK(cancelled->status == JobStatus::kCancelled);
  CHECK(f.job(queued.id).status == JobStatus::kCancelled);
  CHECK(f.stored_event_types(queued.id.str()) == std::vector<std::string>{"job.cancelled"});
  CHECK_ERROR_CODE(f.jobs().cancel(f.principal(), queued.id), "job_already_final");

  auto asked = f.jobs().cancel(f.principal(), running.id);
  REQUIRE_OK(asked);
  CHECK(asked->status == JobStatus::kRunning);
  auto cancels = a.conn->take_of<proto::Cancel>();
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].job_id == running.id.str());
  proto::Finished fin = finished(running.id, std::nullopt);
  fin.signal = 15;
  fin.cancelled = true;
  f.send(a, fin);
  CHECK(f.job(running.id).status == JobStatus::kCancelled);
  CHECK(f.job(running.id).signal == 15);
  CHECK_ERROR_CODE(f.jobs().cancel(f.principal(), running.id), "job_already_final");
}

TEST_CASE("hub: each heartbeat is kept in the agent's bounded history, readable in its tenant") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  const std::size_t capacity = f.hub().heartbeat_history().capacity();
  for (std::size_t i = 0; i < capacity + 5; ++i) {
    f.clock().advance(seconds(10));
    proto::Heartbeat hb;
    hb.metrics.cpu_percent = static_cast<double>(i);
    hb.metrics.mem_percent = 50;
    hb.metrics.disk_percent = 60;
    f.send(a, hb);
  }
  auto history = f.agents().heartbeat_history(f.principal(), a.id);
  REQUIRE_OK(history);
  REQUIRE(history->size() == capacity);
  CHECK(history->front().metrics.cpu_percent == 5.0);  // the oldest five were dropped
  CHECK(history->back().metrics.cpu_percent == static_cast<double>(capacity + 4));
  CHECK(history->back().at == f.clock().now());
  CHECK(history->front().at < history->back().at);

  CHECK_ERROR_CODE(f.agents().heartbeat_history(f.principal(), AgentId("agt_nope")),
                   "agent_not_found");
  REQUIRE_OK(f.agents().remove(f.principal(), a.id));
  CHECK(f.hub().heartbeat_history().samples(f.tenant(), a.id).empty());
}

TEST_CASE("hub: heartbeats store metrics, silence makes the agent offline") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  f.clock().advance(seconds(20));
  proto::Heartbeat hb;
  hb.metrics.cpu_percent = 12.5;
  hb.metrics.mem_percent = 40;
  hb.metrics.disk_percent = 70;
  hb.metrics.uptime_sec = 3600;
  f.send(a, hb);
  AgentRecord r = f.agent_record(a.id);
  REQUIRE(r.metrics.has_value());
  CHECK(r.metrics->cpu_percent == 12.5);
  CHECK(r.metrics->uptime_sec == 3600);
  CHECK(r.last_heartbeat_at == f.clock().now());

  f.clock().advance(seconds(29));  // 29 s since the heartbeat: within 3 x 10 s
  f.hub().tick();
  CHECK_FALSE(a.conn->closed());
  CHECK(f.hub().is_online(f.tenant(), a.id));

  f.clock().advance(seconds(1));
  f.hub().tick();
  CHECK(a.conn->closed());
  CHECK(a.conn->close_reason() == "heartbeat_timeout");
  CHECK_FALSE(f.hub().is_online(f.tenant(), a.id));
  CHECK(f.agent_record(a.id).status == AgentStatus::kOffline);
  CHECK(f.stored_event_types(a.id.str()) ==
        std::vector<std::string>{"agent.online", "agent.offline"});
  auto offline = f.events().of_type("agent.offline");
  REQUIRE(offline.size() == 1);
  CHECK(offline[0].data_json.find("heartbeat_timeout") != std::string::npos);

  f.hub().detach(a.session);  // the session notices later: no second event
  CHECK(f.events().of_type("agent.offline").size() == 1);

  f.connect(a);  // and it comes back
  CHECK(f.agent_record(a.id).status == AgentStatus::kOnline);
  CHECK(f.events().of_type("agent.online").size() == 2);
}

TEST_CASE("hub: a detached agent is offline, a new attach replaces an old connection") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  std::shared_ptr<FakeConnection> first = a.conn;
  f.connect(a);  // reconnects before the old socket was noticed as dead
  CHECK(first->closed());
  CHECK(first->close_reason() == "replaced");
  CHECK_FALSE(a.conn->closed());
  CHECK(f.agent_record(a.id).status == AgentStatus::kOnline);
  CHECK(f.hub().stats().connections == 1);

  f.hub().detach(a.session);
  CHECK(f.agent_record(a.id).status == AgentStatus::kOffline);
  CHECK(f.events().types() ==
        std::vector<std::string>{"agent.online", "agent.offline", "agent.online", "agent.offline"});
}

TEST_CASE("hub: a pending job of an absent agent fails with agent_offline") {
  HubFixture f;
  TestAgent away = f.create_agent("away");
  TestAgent busy = f.online_agent("busy");
  JobRecord stranded = f.trigger(away);
  JobRecord running = f.trigger(busy);
  JobRecord queued = f.trigger(busy);
  f.send(busy, proto::Started{running.id.str()});

  f.clock().advance(seconds(299));
  f.send(busy, proto::Heartbeat{});
  f.hub().tick();
  CHECK(f.job(stranded.id).status == JobStatus::kPending);

  f.clock().advance(seconds(2));
  f.send(busy, proto::Heartbeat{});
  f.hub().tick();
  JobRecord r = f.job(stranded.id);
  CHECK(r.status == JobStatus::kFailed);
  CHECK(r.error == "agent_offline");
  CHECK(f.stored_event_types(stranded.id.str()) == std::vector<std::string>{"job.failed"});
  // Queued behind a running job of a connected agent: waiting, not stranded.
  CHECK(f.job(queued.id).status == JobStatus::kPending);
}

TEST_CASE("hub: a job of an agent that does not come back fails with agent_lost") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  WaitResult waited;
  f.jobs().wait(f.principal(), job.id, seconds(300), waited.callback());
  f.hub().detach(a.session);
  CHECK(f.hub().stats().leased_agents == 1);

  f.clock().advance(seconds(179));
  f.hub().tick();
  CHECK(f.job(job.id).status == JobStatus::kRunning);
  f.clock().advance(seconds(1));
  f.hub().tick();
  JobRecord r = f.job(job.id);
  CHECK(r.status == JobStatus::kFailed);
  CHECK(r.error == "agent_lost");
  CHECK(waited.calls == 1);
  REQUIRE(waited.job.has_value());
  CHECK(waited.job->error == "agent_lost");
}

TEST_CASE("hub: a reconnecting agent resumes from the stored offsets") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 2);
  JobRecord job = f.trigger(a);
  JobRecord lost = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  f.send(a, proto::Started{lost.id.str()});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 0, "12345"});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStderr, 0, "abc"});
  f.hub().detach(a.session);

  f.clock().advance(seconds(60));
  proto::Welcome w = f.connect(a, 2, {{job.id.str(), false}, {"job_unknown", false}});
  REQUIRE(w.jobs.size() == 2);
  CHECK(w.jobs[0].job_id == job.id.str());
  CHECK(w.jobs[0].wanted);
  CHECK(w.jobs[0].stdout_offset == 5);
  CHECK(w.jobs[0].stderr_offset == 3);
  CHECK_FALSE(w.jobs[0].result_stored);
  CHECK_FALSE(w.jobs[1].wanted);
  // Dispatched to it, not reported back: lost at once.
  CHECK(f.job(lost.id).status == JobStatus::kFailed);
  CHECK(f.job(lost.id).error == "agent_lost");
  CHECK(f.hub().stats().leased_agents == 0);

  f.clock().advance(seconds(300));  // the old lease is gone: nothing expires
  f.send(a, proto::Heartbeat{});
  f.hub().tick();
  CHECK(f.job(job.id).status == JobStatus::kRunning);

  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 3, "45678"});
  proto::Finished fin = finished(job.id, 0);
  fin.stdout_bytes = 8;
  fin.stderr_bytes = 3;
  f.send(a, fin);
  CHECK(f.job(job.id).status == JobStatus::kSucceeded);
  auto out = f.jobs().read_output(f.principal(), job.id, OutputStream::kStdout, 0, std::nullopt);
  REQUIRE_OK(out);
  CHECK(*out == "12345678");
}

TEST_CASE("hub: cancel of a running job while its agent is away is sent on return") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  f.hub().detach(a.session);
  auto asked = f.jobs().cancel(f.principal(), job.id);
  REQUIRE_OK(asked);
  CHECK(asked->status == JobStatus::kRunning);
  f.connect(a, 1, {{job.id.str(), false}});
  auto cancels = a.conn->take_of<proto::Cancel>();
  REQUIRE(cancels.size() == 1);
  CHECK(cancels[0].job_id == job.id.str());
}

TEST_CASE("hub: a late result is recorded on a job failed by orchestrator_restarted") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 0, "part"});
  f.hub().detach(a.session);
  // What the orchestrator does when it starts again.
  auto failed =
      f.store().fail_interrupted_jobs(f.clock().now(), "orchestrator_restarted", job_final_event);
  REQUIRE_OK(failed);
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].id == job.id);
  const WallTime failed_at = f.clock().now();

  f.clock().advance(seconds(30));
  proto::Welcome w = f.connect(a, 1, {{job.id.str(), true}});
  REQUIRE(w.jobs.size() == 1);
  CHECK(w.jobs[0].wanted);
  CHECK(w.jobs[0].stdout_offset == 4);
  CHECK_FALSE(w.jobs[0].result_stored);
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 4, " and rest"});
  proto::Finished fin = finished(job.id, 0);
  fin.stdout_bytes = 13;
  f.send(a, fin);
  CHECK(a.conn->take_of<proto::FinishedAck>().size() == 1);

  JobRecord r = f.job(job.id);
  CHECK(r.status == JobStatus::kFailed);
  CHECK(r.error == "orchestrator_restarted");
  CHECK(r.exit_code == 0);
  CHECK(r.duration_ms == 1500);
  CHECK(r.finished_at == failed_at);
  CHECK(f.events().of_type("job.failed").empty());  // it ended at the restart

  f.hub().detach(a.session);
  w = f.connect(a, 1, {{job.id.str(), true}});
  REQUIRE(w.jobs.size() == 1);
  CHECK(w.jobs[0].result_stored);
}

TEST_CASE("hub: output, started or finished for another agent's job closes the sender") {
  HubFixture f;
  const TenantId other = f.seed_tenant("tnt_b", "owner@b.test");
  TestAgent a = f.online_agent("web-1");
  TestAgent b = f.online_agent("web-2");
  TestAgent stranger = f.create_agent("stranger", {}, &other);
  f.connect(stranger);
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});

  const std::vector<proto::AgentMessage> forged = {
      proto::Output{job.id.str(), OutputStream::kStdout, 0, "forged"},
      proto::Started{job.id.str()},
      finished(job.id, 0),
      proto::Rejected{job.id.str(), "spawn_failed", ""},
  };
  for (const auto& m : forged) {
    TestAgent& sender = (&m == &forged[0]) ? stranger : b;
    if (sender.conn->closed()) f.connect(sender);
    f.send(sender, m);
    CHECK(sender.conn->closed());
    CHECK(sender.conn->close_reason() == "foreign_job");
  }
  JobRecord r = f.job(job.id);
  CHECK(r.status == JobStatus::kRunning);
  CHECK(r.stdout_bytes == 0);
  CHECK_FALSE(a.conn->closed());

  // A job never dispatched to it is just as foreign.
  JobRecord pending = f.trigger(a);  // a's slot is taken: stays pending
  CHECK(f.job(pending.id).status == JobStatus::kPending);
  f.send(a, proto::Started{pending.id.str()});
  CHECK(a.conn->closed());
}

TEST_CASE("hub: an output gap is ignored, finished before all output closes") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  a.conn->take();
  f.send(a, proto::Output{job.id.str(), OutputStream::kStdout, 10, "late"});
  CHECK(a.conn->take().empty());
  CHECK_FALSE(a.conn->closed());
  CHECK(f.job(job.id).stdout_bytes == 0);

  proto::Finished fin = finished(job.id, 0);
  fin.stdout_bytes = 14;
  f.send(a, fin);
  CHECK(a.conn->closed());
  CHECK(a.conn->close_reason() == "output_incomplete");
  CHECK(f.job(job.id).status == JobStatus::kRunning);
}

TEST_CASE("hub: waiters fire on the final transition and on expiry") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);

  WaitResult on_final;
  WaitResult on_expiry;
  f.jobs().wait(f.principal(), job.id, seconds(30), on_final.callback());
  f.jobs().wait(f.principal(), job.id, seconds(5), on_expiry.callback());
  CHECK(on_final.calls == 0);
  CHECK(f.hub().stats().waiters == 2);

  f.clock().advance(seconds(4));
  f.hub().tick();
  CHECK(on_expiry.calls == 0);
  f.clock().advance(seconds(1));
  f.hub().tick();
  REQUIRE(on_expiry.calls == 1);
  REQUIRE(on_expiry.job.has_value());
  CHECK(on_expiry.job->status == JobStatus::kDispatched);

  f.run_to_end(a, job.id, 0, "out");
  REQUIRE(on_final.calls == 1);
  CHECK(on_final.job->status == JobStatus::kSucceeded);
  CHECK(on_final.job->stdout_bytes == 3);
  f.clock().advance(seconds(60));
  f.send(a, proto::Heartbeat{});
  f.hub().tick();
  CHECK(on_final.calls == 1);
  CHECK(f.hub().stats().waiters == 0);

  WaitResult already;
  f.jobs().wait(f.principal(), job.id, seconds(30), already.callback());
  CHECK(already.calls == 1);
  CHECK(already.job->status == JobStatus::kSucceeded);

  JobRecord other = f.trigger(a);
  WaitResult at_once;
  f.jobs().wait(f.principal(), other.id, seconds(0), at_once.callback());
  CHECK(at_once.calls == 1);
  CHECK(at_once.job->status == JobStatus::kDispatched);

  WaitResult unknown;
  f.jobs().wait(f.principal(), JobId("job_nope"), seconds(30), unknown.callback());
  CHECK(unknown.calls == 1);
  CHECK(unknown.error == "job_not_found");
  WaitResult no_scope;
  f.jobs().wait(f.api_key({"agents:read"}), job.id, seconds(30), no_scope.callback());
  CHECK(no_scope.error == "insufficient_scope");
}

TEST_CASE("hub: waiters also fire for cancels and timeouts made by the hub") {
  HubFixture f;
  TestAgent away = f.create_agent("away");
  JobRecord cancelled = f.trigger(away);
  JobRecord stranded = f.trigger(away);
  WaitResult w1;
  WaitResult w2;
  f.jobs().wait(f.principal(), cancelled.id, seconds(300), w1.callback());
  f.jobs().wait(f.principal(), stranded.id, seconds(300), w2.callback());
  REQUIRE_OK(f.jobs().cancel(f.principal(), cancelled.id));
  CHECK(w1.calls == 1);
  CHECK(w1.job->status == JobStatus::kCancelled);
  f.clock().advance(seconds(301));
  f.hub().tick();
  CHECK(w2.calls == 1);
  CHECK(w2.job->error == "agent_offline");
}

TEST_CASE("hub: pending waiters are answered when the hub goes away") {
  WaitResult w;
  {
    HubFixture f;
    TestAgent a = f.online_agent("web-1");
    JobRecord job = f.trigger(a);
    f.jobs().wait(f.principal(), job.id, seconds(30), w.callback());
    CHECK(w.calls == 0);
  }
  CHECK(w.calls == 1);
  CHECK(w.error == "shutting_down");
}

}  // namespace
}  // namespace scriptmesh::testing
