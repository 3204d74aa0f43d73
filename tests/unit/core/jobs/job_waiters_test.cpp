#include "core/jobs/job_waiters.hpp"

#include <doctest/doctest.h>

#include <chrono>

namespace scriptmesh::jobs {
namespace {

using std::chrono::seconds;

TEST_CASE("job waiters: each waiter is handed out once, by job, by deadline or by id") {
  JobWaiters waiters(3);
  const MonoTime t0{std::chrono::hours(1)};
  const TenantId tenant("tnt_a");
  int calls = 0;
  JobWaiters::Callback cb = [&](Result<JobRecord>) { ++calls; };

  JobWaiters::Callback c1 = cb, c2 = cb, c3 = cb, c4 = cb;
  auto w1 = waiters.add(tenant, JobId("job_1"), t0 + seconds(10), c1);
  auto w2 = waiters.add(tenant, JobId("job_1"), t0 + seconds(20), c2);
  auto w3 = waiters.add(TenantId("tnt_b"), JobId("job_1"), t0 + seconds(5), c3);
  CHECK(w1 != 0);
  CHECK(w2 != 0);
  CHECK(w3 != 0);
  CHECK(waiters.add(tenant, JobId("job_2"), t0, c4) == 0);  // full
  CHECK(static_cast<bool>(c4));                             // left to the caller

  CHECK(waiters.take_expired(t0 + seconds(4)).empty());
  auto expired = waiters.take_expired(t0 + seconds(5));
  REQUIRE(expired.size() == 1);
  CHECK(expired[0].tenant == TenantId("tnt_b"));

  auto by_job = waiters.take_job(tenant, JobId("job_1"));
  CHECK(by_job.size() == 2);
  CHECK_FALSE(waiters.take(w1).has_value());
  CHECK(waiters.take_expired(t0 + seconds(60)).empty());
  CHECK(waiters.size() == 0);

  JobWaiters::Callback c5 = cb;
  auto w5 = waiters.add(tenant, JobId("job_3"), t0 + seconds(1), c5);
  auto mine = waiters.take(w5);
  REQUIRE(mine.has_value());
  (*mine)(Error::not_found("job_not_found", "x"));
  CHECK(calls == 1);
  CHECK(waiters.take_job(tenant, JobId("job_3")).empty());
  CHECK(waiters.take_all().empty());
}

}  // namespace
}  // namespace scriptmesh::jobs
