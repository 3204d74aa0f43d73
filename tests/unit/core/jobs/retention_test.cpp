#include "scriptmesh/retention.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "scriptmesh/store.hpp"
#include "support/failing_store.hpp"
#include "unit/core/delivery/delivery_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::hours;

constexpr hours kDay{24};

bool exists(Store& store, const TenantId& tenant, const std::string& job) {
  return store.get_job(tenant, JobId(job)).ok();
}

TEST_CASE("retention: each tenant loses only finished jobs older than its plan keeps") {
  DeliveryFixture f;
  const WallTime now = f.clock().now();
  const TenantId starter = f.add_tenant("tnt_starter", Plan::kStarter);
  const TenantId pro = f.add_tenant("tnt_pro", Plan::kPro);
  for (const TenantId& t : {starter, pro}) {
    f.add_job(t, t.str() + "_8d", now - 8 * kDay, "old output");
    f.add_job(t, t.str() + "_7d_exact", now - 7 * kDay);
    f.add_job(t, t.str() + "_6d", now - 6 * kDay);
    f.add_job(t, t.str() + "_91d", now - 91 * kDay);
    f.add_job(t, t.str() + "_89d", now - 89 * kDay);
    f.add_job(t, t.str() + "_running_91d", now - 91 * kDay, "", "", JobStatus::kRunning);
    f.add_job(t, t.str() + "_pending_91d", now - 91 * kDay, "", "", JobStatus::kPending);
  }
  RetentionPurger purger(f.store(), f.clock());
  auto report = purger.purge_once(now);
  REQUIRE_OK(report);
  CHECK(report->tenants == 2);
  CHECK(report->tenants_failed == 0);
  CHECK(report->jobs_deleted == 3 + 1);

  // starter keeps 7 days: created exactly 7 days ago is the cutoff, kept.
  CHECK_FALSE(exists(f.store(), starter, "tnt_starter_8d"));
  CHECK_ERROR_CODE(
      f.store().read_job_output(starter, JobId("tnt_starter_8d"), OutputStream::kStdout, 0, {}),
      "job_not_found");
  CHECK(exists(f.store(), starter, "tnt_starter_7d_exact"));
  CHECK(exists(f.store(), starter, "tnt_starter_6d"));
  CHECK_FALSE(exists(f.store(), starter, "tnt_starter_91d"));
  CHECK_FALSE(exists(f.store(), starter, "tnt_starter_89d"));
  // Jobs that have not ended are never purged.
  CHECK(exists(f.store(), starter, "tnt_starter_running_91d"));
  CHECK(exists(f.store(), starter, "tnt_starter_pending_91d"));

  // pro keeps 90 days.
  CHECK(exists(f.store(), pro, "tnt_pro_8d"));
  CHECK(exists(f.store(), pro, "tnt_pro_89d"));
  CHECK_FALSE(exists(f.store(), pro, "tnt_pro_91d"));
  CHECK(exists(f.store(), pro, "tnt_pro_running_91d"));

  // A second pass at the same time finds nothing more.
  auto again = purger.purge_once(now);
  REQUIRE_OK(again);
  CHECK(again->jobs_deleted == 0);
}

TEST_CASE("retention: a downgrade to starter purges what pro kept") {
  DeliveryFixture f;
  const WallTime now = f.clock().now();
  const TenantId t = f.add_tenant("tnt_a", Plan::kPro);
  f.add_job(t, "job_30d", now - 30 * kDay);
  RetentionPurger purger(f.store(), f.clock());
  auto kept = purger.purge_once(now);
  REQUIRE_OK(kept);
  CHECK(kept->jobs_deleted == 0);
  REQUIRE_OK(f.store().set_tenant_plan(t, Plan::kStarter));
  auto purged = purger.purge_once(now);
  REQUIRE_OK(purged);
  CHECK(purged->jobs_deleted == 1);
  CHECK_FALSE(exists(f.store(), t, "job_30d"));
}

TEST_CASE("retention: one tenant's failure is counted and the others are still purged") {
  DeliveryFixture f;
  const WallTime now = f.clock().now();
  const TenantId a = f.add_tenant("tnt_a");
  const TenantId b = f.add_tenant("tnt_b");
  f.add_job(a, "job_a", now - 30 * kDay);
  f.add_job(b, "job_b", now - 30 * kDay);
  FailingStore failing(f.store());
  RetentionPurger purger(failing, f.clock());

  failing.fail_on_call(1);  // listing the tenants
  CHECK_ERROR_CODE(purger.purge_once(now), "injected_failure");
  CHECK(exists(f.store(), a, "job_a"));

  // Calls: list, then get_tenant and delete_jobs_before per tenant.
  for (int n = 2; n <= 5; ++n) {
    INFO("failing call " << n);
    failing.fail_on_call(n);
    auto report = purger.purge_once(now);
    REQUIRE_OK(report);
    CHECK(report->tenants == 2);
    CHECK(report->tenants_failed == 1);
    CHECK(report->jobs_deleted == 1);
    // Put back whichever job was purged, for the next round.
    for (const auto& [t, id] : {std::pair{a, "job_a"}, std::pair{b, "job_b"}}) {
      if (!exists(f.store(), t, id)) f.add_job(t, id, now - 30 * kDay);
    }
  }
}

TEST_CASE("retention: the background thread purges at start and stops promptly") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  f.add_job(t, "job_old", f.clock().now() - 30 * kDay);
  RetentionPurger purger(f.store(), f.clock());  // default interval: one hour
  purger.start();
  purger.start();  // no-op
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (exists(f.store(), t, "job_old") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_FALSE(exists(f.store(), t, "job_old"));
  const auto stop_began = std::chrono::steady_clock::now();
  purger.stop();  // wakes the hour-long wait
  CHECK(std::chrono::steady_clock::now() - stop_began < std::chrono::seconds(5));
  purger.stop();
}

TEST_CASE("retention: a non-positive interval is refused") {
  DeliveryFixture f;
  RetentionOptions o;
  o.interval = std::chrono::milliseconds(0);
  CHECK_THROWS_AS(RetentionPurger(f.store(), f.clock(), o), std::invalid_argument);
}

}  // namespace
}  // namespace scriptmesh::testing
