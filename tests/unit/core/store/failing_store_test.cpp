#include "support/failing_store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// A stand-in for a service: several store calls, stopping at the first error.
Result<void> register_and_run(Store& store, int n) {
  const std::string id = "tnt_" + std::to_string(n);
  const TenantId t(id);
  SCRIPTMESH_RETURN_IF_ERROR(store.create_tenant(
      make_tenant(id), make_user("usr_" + id, id + "@x.test", UserRole::kOwner)));
  SCRIPTMESH_RETURN_IF_ERROR(store.insert_agent(t, make_agent("agt_" + id)));
  auto agents = store.count_agents(t);
  SCRIPTMESH_RETURN_IF_ERROR(agents);
  SCRIPTMESH_RETURN_IF_ERROR(store.insert_jobs(t, {make_job("job_" + id, "agt_" + id)}));
  JobTransition dispatch;
  dispatch.to = JobStatus::kDispatched;
  return store.transition_job(t, JobId("job_" + id), JobStatus::kPending, dispatch);
}

TEST_CASE("store: FailingStore fails exactly the armed call") {
  StoreFixture f;
  FailingStore failing(f.store());
  int failures = 0;
  int n = 1;
  for (;; ++n) {
    CAPTURE(n);
    failing.fail_on_call(n);
    auto r = register_and_run(failing, n);
    if (!failing.tripped()) {
      REQUIRE_OK(r);
      CHECK(failing.calls() == 5);
      break;
    }
    ++failures;
    CHECK_ERROR_CODE(r, "injected_failure");
    CHECK(r.error().category() == ErrorCategory::kUnavailable);
    CHECK(failing.calls() == n);  // the service stopped at the failing call
    REQUIRE(n < 10);
  }
  CHECK(failures == 5);

  failing.set_error(Error::conflict("custom", "custom failure"));
  failing.fail_on_call(1);
  const TenantId created("tnt_" + std::to_string(n));
  CHECK_ERROR_CODE(failing.get_tenant(created), "custom");
  CHECK_OK(failing.get_tenant(created));  // only the armed call fails
  CHECK(failing.stats().write_calls == f.store().stats().write_calls);
}

}  // namespace
}  // namespace scriptmesh::testing
