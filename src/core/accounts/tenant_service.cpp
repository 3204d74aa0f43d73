#include "scriptmesh/auth.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh {
namespace {

TenantView to_view(const TenantRecord& r) {
  return TenantView{r.id, r.name, r.plan, plan_limits(r.plan), {}};
}

}  // namespace

Result<TenantView> TenantService::get(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, ""));
  Result<TenantRecord> record = store_.get_tenant(caller.tenant_id);
  if (!record.ok()) return std::move(record).error();
  return to_view(*record);
}

Result<TenantView> TenantService::set_plan(const Principal& caller, Plan plan) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kOwner, kScopeAdmin));
  SCRIPTMESH_RETURN_IF_ERROR(store_.set_tenant_plan(caller.tenant_id, plan));
  std::vector<ScheduleId> disabled;
  if (const auto limit = plan_limits(plan).schedules) {
    // After the plan change, so a schedule enabled concurrently is checked
    // against the new limit or trimmed here.
    auto trimmed = store_.disable_schedules_beyond(caller.tenant_id, *limit, clock_.now());
    SCRIPTMESH_RETURN_IF_ERROR(trimmed);
    disabled = std::move(*trimmed);
  }
  auto view = get(caller);
  SCRIPTMESH_RETURN_IF_ERROR(view);
  view->disabled_schedules = std::move(disabled);
  return view;
}

}  // namespace scriptmesh
