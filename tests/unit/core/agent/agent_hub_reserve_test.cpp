// AgentHub::reserve_dispatch: a job inserted as dispatched under a
// reservation goes out without a store write of its own, and every race
// around it (the agent leaving, a cancel, a failed insert) ends as the
// ordinary pending path would.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "scriptmesh/agent_hub.hpp"
#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// A job as JobService builds it, for agent `a`.
JobRecord new_job(HubFixture& f, const TestAgent& a, const std::string& id) {
  JobRecord job;
  job.id = JobId(id);
  job.tenant_id = f.tenant();
  job.agent_id = a.id;
  job.script = "noop";
  job.status = JobStatus::kPending;
  job.timeout_sec = 60;
  job.created_at = f.clock().now();
  return job;
}

// Reserves a slot for `job` and, when one was free, inserts it dispatched.
bool reserve_and_insert(HubFixture& f, JobRecord& job) {
  const bool reserved = f.hub().reserve_dispatch(job);
  if (reserved) {
    job.status = JobStatus::kDispatched;
    job.dispatched_at = f.clock().now();
  }
  REQUIRE_OK(f.store().insert_jobs(f.tenant(), {job}));
  return reserved;
}

TEST_CASE("hub: a reserved job is sent as inserted, the slots are counted") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 2);
  JobRecord first = new_job(f, a, "job_r1");
  JobRecord second = new_job(f, a, "job_r2");
  JobRecord third = new_job(f, a, "job_r3");
  CHECK(reserve_and_insert(f, first));
  CHECK(reserve_and_insert(f, second));
  CHECK_FALSE(reserve_and_insert(f, third));  // both slots taken
  CHECK(a.conn->take_of<proto::Dispatch>().empty());

  f.hub().jobs_created({first, second, third});
  auto sent = a.conn->take_of<proto::Dispatch>();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].job_id == "job_r1");
  CHECK(sent[1].job_id == "job_r2");
  CHECK(f.job(third.id).status == JobStatus::kPending);

  // The third goes out as soon as a slot frees.
  f.send(a, proto::Started{"job_r1"});
  proto::Finished done;
  done.job_id = "job_r1";
  done.exit_code = 0;
  f.send(a, done);
  auto next = a.conn->take_of<proto::Dispatch>();
  REQUIRE(next.size() == 1);
  CHECK(next[0].job_id == "job_r3");
}

TEST_CASE("hub: no reservation for an offline agent or a full one") {
  HubFixture f;
  TestAgent away = f.create_agent("away");
  CHECK_FALSE(f.hub().reserve_dispatch(new_job(f, away, "job_x1")));
  TestAgent busy = f.online_agent("busy", 1);
  JobRecord older = f.trigger(busy);  // holds the only slot
  JobRecord waiting = f.trigger(busy);
  CHECK(f.job(waiting.id).status == JobStatus::kPending);
  CHECK_FALSE(f.hub().reserve_dispatch(new_job(f, busy, "job_x2")));
  (void)older;
}

TEST_CASE("hub: a released reservation frees its slot") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 1);
  JobRecord job = new_job(f, a, "job_r1");
  REQUIRE(f.hub().reserve_dispatch(job));
  CHECK_FALSE(f.hub().reserve_dispatch(new_job(f, a, "job_r2")));
  f.hub().release_reservations({job});
  CHECK(f.hub().reserve_dispatch(new_job(f, a, "job_r3")));
}

TEST_CASE("hub: a reserved job whose agent left is pending again and goes out on return") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 1);
  JobRecord job = new_job(f, a, "job_r1");
  REQUIRE(reserve_and_insert(f, job));
  f.hub().detach(a.session);
  f.hub().jobs_created({job});
  CHECK(f.job(job.id).status == JobStatus::kPending);

  // Not leased (it was never sent): the agent's hello does not lose it.
  f.connect(a, 1);
  auto sent = a.conn->take_of<proto::Dispatch>();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].job_id == "job_r1");
  CHECK(f.job(job.id).status == JobStatus::kDispatched);
}

TEST_CASE("hub: a cancel between the insert and the send follows the dispatch") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 1);
  JobRecord job = new_job(f, a, "job_r1");
  REQUIRE(reserve_and_insert(f, job));
  REQUIRE_OK(f.jobs().cancel(f.principal(), job.id));
  CHECK(a.conn->take().empty());  // nothing may overtake the dispatch

  f.hub().jobs_created({job});
  auto frames = a.conn->take();
  REQUIRE(frames.size() == 2);
  CHECK(std::holds_alternative<proto::Dispatch>(frames[0]));
  REQUIRE(std::holds_alternative<proto::Cancel>(frames[1]));
  CHECK(std::get<proto::Cancel>(frames[1]).job_id == "job_r1");
}

}  // namespace
}  // namespace scriptmesh::testing
