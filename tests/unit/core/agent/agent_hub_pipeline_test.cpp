// The hub writes `started` and output without waiting for their commit, so
// a result can be read and written while they are still queued. These tests
// hold the store's writer inside a transaction to make that happen every
// time instead of now and then.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

namespace proto = agent_protocol;
using std::chrono::seconds;

// Once armed, holds the writer's next transaction open until `release_after`
// more writes have joined the queue behind it.
struct WriterGate {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> armed{false};
  std::atomic<int> queued{0};
  int release_after = 0;
  bool released = false;  // guarded by mu

  store::SqliteTestHooks hooks() {
    store::SqliteTestHooks h;
    h.transaction_begun = [this](std::size_t) {
      if (!armed.exchange(false)) return;
      std::unique_lock lock(mu);
      cv.wait_for(lock, seconds(10), [&] { return released; });
    };
    h.after_enqueue = [this](std::size_t) {
      if (++queued != release_after) return;
      std::lock_guard lock(mu);
      released = true;
      cv.notify_all();
    };
    return h;
  }

  void arm(int writes_behind) {
    queued = -1;  // the write that opens the held transaction
    release_after = writes_behind;
    armed = true;
  }
};

TEST_CASE("hub: a result read before its start committed hands waiters started_at") {
  WriterGate gate;
  HubFixture f(test_hub_options(), gate.hooks());
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  std::optional<JobRecord> waited;
  f.jobs().wait(f.principal(), job.id, seconds(30), [&](Result<JobRecord> r) {
    if (r.ok()) waited = *r;
  });
  f.clock().advance(seconds(1));
  const WallTime started_at = f.clock().now();

  // The start opens the held transaction; the result's read finds the job
  // still dispatched, and its write queues behind the start.
  gate.arm(1);
  CHECK(f.hub().received(a.session, proto::encode(proto::Started{job.id.str()})));
  proto::Finished fin;
  fin.job_id = job.id.str();
  fin.exit_code = 0;
  fin.duration_ms = 20;
  f.clock().advance(seconds(1));
  CHECK(f.hub().received(a.session, proto::encode(fin)));
  f.hub().wait_idle();  // the result is written asynchronously too

  REQUIRE(waited.has_value());
  CHECK(waited->status == JobStatus::kSucceeded);
  CHECK(waited->started_at == started_at);
  JobRecord stored = f.job(job.id);
  CHECK(stored.status == JobStatus::kSucceeded);
  CHECK(stored.started_at == started_at);
}

TEST_CASE("hub: a result waits for output still queued, then its bytes are counted") {
  WriterGate gate;
  HubFixture f(test_hub_options(), gate.hooks());
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});

  gate.arm(1);
  CHECK(f.hub().received(
      a.session, proto::encode(proto::Output{job.id.str(), OutputStream::kStdout, 0, "hello\n"})));
  proto::Finished fin;
  fin.job_id = job.id.str();
  fin.exit_code = 0;
  fin.duration_ms = 5;
  fin.stdout_bytes = 6;
  CHECK(f.hub().received(a.session, proto::encode(fin)));
  f.flush_writes();

  JobRecord stored = f.job(job.id);
  CHECK(stored.status == JobStatus::kSucceeded);
  CHECK(stored.stdout_bytes == 6);
  auto acks = a.conn->take_of<proto::OutputAck>();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].stored == 6);
  CHECK(a.conn->take_of<proto::FinishedAck>().size() == 1);
}

TEST_CASE("hub: a result claiming more output than was stored is refused") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  f.send(a, proto::Started{job.id.str()});
  proto::Finished fin;
  fin.job_id = job.id.str();
  fin.exit_code = 0;
  fin.stdout_bytes = 100;  // nothing was sent
  f.send(a, fin);
  CHECK(f.job(job.id).status == JobStatus::kRunning);
  CHECK(a.conn->closed());
}

}  // namespace
}  // namespace scriptmesh::testing
