#include "scriptmesh/plans.hpp"

#include <string>

namespace scriptmesh {
namespace {

Result<void> check_limit(Plan plan, const std::optional<std::int64_t>& limit, std::int64_t current,
                         const char* what) {
  if (!limit || current < *limit) return ok_result();
  return Error::resource_exhausted("plan_limit_reached", "the " + std::string(to_string(plan)) +
                                                             " plan allows at most " +
                                                             std::to_string(*limit) + " " + what);
}

}  // namespace

PlanLimits plan_limits(Plan plan) noexcept {
  switch (plan) {
    case Plan::kPro:
      return PlanLimits{std::nullopt, std::nullopt, 90};
    case Plan::kStarter:
      break;
  }
  return PlanLimits{3, 5, 7};
}

Result<void> check_plan_allows_agent(Plan plan, std::int64_t current) {
  return check_limit(plan, plan_limits(plan).agents, current, "agents");
}

Result<void> check_plan_allows_schedule(Plan plan, std::int64_t current) {
  return check_limit(plan, plan_limits(plan).schedules, current, "schedules");
}

Result<void> PlanLimiter::check_can_add_agent(const TenantId& tenant) {
  Result<TenantRecord> record = store_.get_tenant(tenant);
  if (!record.ok()) return std::move(record).error();
  Result<std::int64_t> agents = store_.count_agents(tenant);
  if (!agents.ok()) return std::move(agents).error();
  return check_plan_allows_agent(record->plan, *agents);
}

Result<void> PlanLimiter::check_can_add_schedule(const TenantId& tenant,
                                                 std::int64_t current_schedules) {
  Result<TenantRecord> record = store_.get_tenant(tenant);
  if (!record.ok()) return std::move(record).error();
  return check_plan_allows_schedule(record->plan, current_schedules);
}

}  // namespace scriptmesh
