#include "scriptmesh/sqlite_store.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

EventRecord numbered_event(int thread, int i) {
  EventRecord e;
  e.id = EventId("evt_" + std::to_string(thread) + "_" + std::to_string(i));
  e.type = "test.write";
  e.subject_id = "thread_" + std::to_string(thread);
  e.created_at = at(i);
  return e;
}

// Holds the writer inside its next transaction until released, and reports
// how long the queue has grown meanwhile. Arm it only after seeding.
class WriterGate {
 public:
  store::SqliteTestHooks hooks() {
    store::SqliteTestHooks h;
    h.transaction_begun = [this](std::size_t batch) {
      std::unique_lock lock(mu_);
      if (recording_) batches_.push_back(batch);
      if (!armed_) return;
      armed_ = false;
      held_ = true;
      queued_ = 0;  // the held write has left the queue
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    };
    h.after_enqueue = [this](std::size_t length) {
      std::lock_guard lock(mu_);
      queued_ = length;
      changed_.notify_all();
    };
    return h;
  }

  void arm() {
    std::lock_guard lock(mu_);
    armed_ = true;
    recording_ = true;
  }
  void wait_until_held() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return held_; });
  }
  void wait_until_queued(std::size_t n) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queued_ >= n; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<std::size_t> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool armed_ = false;                // guarded by mu_
  bool recording_ = false;            // guarded by mu_
  bool held_ = false;                 // guarded by mu_
  bool released_ = false;             // guarded by mu_
  std::size_t queued_ = 0;            // guarded by mu_
  std::vector<std::size_t> batches_;  // guarded by mu_
};

TEST_CASE("store: concurrent writes are group-committed and all land") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  const StoreStats before = f.store().stats();
  constexpr int kThreads = 8;
  constexpr int kWrites = 200;

  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kWrites; ++i) {
        if (!f.store().append_event(t, numbered_event(th, i)).ok()) failures++;
      }
    });
  }
  // Readers run alongside on the read pool, more of them than connections.
  std::vector<std::thread> readers;
  std::atomic<int> read_failures{0};
  for (int r = 0; r < 6; ++r) {
    readers.emplace_back([&] {
      while (writing.load()) {
        if (!f.store().get_tenant(t).ok()) read_failures++;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  writing = false;
  for (auto& r : readers)
    r.join();

  CHECK(failures.load() == 0);
  CHECK(read_failures.load() == 0);
  for (int th = 0; th < kThreads; ++th) {
    EventFilter filter;
    filter.subject_id = "thread_" + std::to_string(th);
    filter.limit = 1000;
    auto events = f.store().list_events(t, filter);
    REQUIRE_OK(events);
    CHECK(events->size() == kWrites);
  }
  const StoreStats after = f.store().stats();
  const auto calls = after.write_calls - before.write_calls;
  const auto transactions = after.write_transactions - before.write_transactions;
  CHECK(calls == kThreads * kWrites);
  CHECK(after.failed_writes == before.failed_writes);
  MESSAGE("writes: " << calls << ", transactions: " << transactions);
  CHECK(transactions < calls);
}

TEST_CASE("store: a failing write in a batch rolls back alone") {
  WriterGate gate;
  StoreFixture f(gate.hooks());
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}));
  const StoreStats before = f.store().stats();

  gate.arm();
  auto first = std::async(std::launch::async,
                          [&] { return f.store().append_event(t, numbered_event(0, 0)); });
  gate.wait_until_held();  // the writer now sits inside the first transaction

  // While it does, reads still go through.
  CHECK_OK(f.store().get_job(t, JobId("job_1")));

  JobTransition dispatch;
  dispatch.to = JobStatus::kDispatched;
  JobTransition run;
  run.to = JobStatus::kRunning;
  std::vector<std::future<Result<void>>> batch;
  batch.push_back(std::async(std::launch::async, [&] {
    return f.store().create_user(t, make_user("usr_1", "one@a.test"));
  }));
  gate.wait_until_queued(1);
  batch.push_back(std::async(std::launch::async, [&] {
    return f.store().create_user(t, make_user("usr_2", "OWNER@tnt_a.test"));  // taken
  }));
  gate.wait_until_queued(2);
  batch.push_back(std::async(std::launch::async, [&] {
    return f.store().transition_job(t, JobId("job_1"), JobStatus::kPending, dispatch);
  }));
  gate.wait_until_queued(3);
  batch.push_back(std::async(std::launch::async, [&] {
    // Expects the pre-dispatch status: loses the compare-and-set.
    return f.store().transition_job(t, JobId("job_1"), JobStatus::kPending, run);
  }));
  gate.wait_until_queued(4);
  batch.push_back(std::async(std::launch::async, [&] {
    return f.store().insert_jobs(t, {make_job("job_2", "agt_1"), make_job("job_3", "agt_1")});
  }));
  gate.wait_until_queued(5);
  gate.release();

  CHECK_OK(first.get());
  CHECK_OK(batch[0].get());
  CHECK_ERROR_CODE(batch[1].get(), "email_taken");
  CHECK_OK(batch[2].get());
  CHECK_ERROR_CODE(batch[3].get(), "job_status_conflict");
  CHECK_OK(batch[4].get());

  CHECK(gate.batches() == std::vector<std::size_t>{1, 5});
  const StoreStats after = f.store().stats();
  CHECK(after.write_calls - before.write_calls == 6);
  CHECK(after.write_transactions - before.write_transactions == 2);
  CHECK(after.failed_writes - before.failed_writes == 2);

  CHECK_OK(f.store().get_user(t, UserId("usr_1")));
  CHECK_ERROR_CODE(f.store().get_user(t, UserId("usr_2")), "user_not_found");
  auto job = f.store().get_job(t, JobId("job_1"));
  REQUIRE_OK(job);
  CHECK(job->status == JobStatus::kDispatched);
  CHECK_OK(f.store().get_job(t, JobId("job_2")));
  CHECK_OK(f.store().get_job(t, JobId("job_3")));
}

}  // namespace
}  // namespace scriptmesh::testing
