#include "scriptmesh/auth.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh {
namespace {

TenantView to_view(const TenantRecord& r) {
  return TenantView{r.id, r.name, r.plan, plan_limits(r.plan)};
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
  return get(caller);
}

}  // namespace scriptmesh
