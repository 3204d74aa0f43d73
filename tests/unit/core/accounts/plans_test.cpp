#include "scriptmesh/plans.hpp"

#include <doctest/doctest.h>

#include <string>

#include "accounts_fixture.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("plans: limits by plan") {
  CHECK_OK(check_plan_allows_agent(Plan::kStarter, 2));
  auto full = check_plan_allows_agent(Plan::kStarter, 3);
  CHECK_ERROR_CODE(full, "plan_limit_reached");
  CHECK(full.error().category() == ErrorCategory::kResourceExhausted);
  CHECK(full.error().message() == "the starter plan allows at most 3 agents");
  CHECK_OK(check_plan_allows_schedule(Plan::kStarter, 4));
  auto schedules = check_plan_allows_schedule(Plan::kStarter, 5);
  CHECK_ERROR_CODE(schedules, "plan_limit_reached");
  CHECK(schedules.error().message() == "the starter plan allows at most 5 schedules");
  CHECK_OK(check_plan_allows_agent(Plan::kPro, 100000));
  CHECK_OK(check_plan_allows_schedule(Plan::kPro, 100000));
}

TEST_CASE("plans: the limiter reads the tenant's plan and agent count") {
  AccountsFixture f;
  Account a = f.sign_up("erin@example.com");
  PlanLimiter limiter(f.store());
  const TenantId t = a.ids.tenant_id;
  for (int i = 0; i < 3; ++i) {
    REQUIRE_OK(limiter.check_can_add_agent(t));
    AgentRecord agent;
    agent.id = AgentId(new_id("agt"));
    agent.tenant_id = t;
    agent.name = "agent-" + std::to_string(i);
    agent.key_lookup_hash = "lookup-" + std::to_string(i);
    agent.created_at = f.clock().now();
    REQUIRE_OK(f.store().insert_agent(t, agent));
  }
  CHECK_ERROR_CODE(limiter.check_can_add_agent(t), "plan_limit_reached");
  CHECK_OK(limiter.check_can_add_schedule(t, 4));
  CHECK_ERROR_CODE(limiter.check_can_add_schedule(t, 5), "plan_limit_reached");
  REQUIRE_OK(f.tenants().set_plan(f.principal(a), Plan::kPro));
  CHECK_OK(limiter.check_can_add_agent(t));
  CHECK_OK(limiter.check_can_add_schedule(t, 50));
  CHECK_ERROR_CODE(limiter.check_can_add_agent(TenantId("tnt_missing")), "tenant_not_found");
}

}  // namespace
}  // namespace scriptmesh::testing
