// GET /v1/tenant and PUT /v1/tenant/plan.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh::http::api {
namespace {

boost::json::value limit_or_null(const std::optional<std::int64_t>& limit) {
  if (!limit) return nullptr;
  return *limit;
}

// Unlimited counts are null, as plans.hpp has them.
boost::json::object tenant_json(const TenantView& t) {
  return {{"tenant_id", t.tenant_id.str()},
          {"name", t.name},
          {"plan", to_string(t.plan)},
          {"limits",
           {{"agents", limit_or_null(t.limits.agents)},
            {"schedules", limit_or_null(t.limits.schedules)},
            {"retention_days", t.limits.retention_days}}}};
}

}  // namespace

Response get_tenant(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto tenant = s.tenants.get(*who);
    SCRIPTMESH_RETURN_IF_ERROR(tenant);
    return json_response(200, tenant_json(*tenant));
  }());
}

Response set_tenant_plan(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto name = required_string(*body, "plan", 32);
    SCRIPTMESH_RETURN_IF_ERROR(name);
    auto plan = parse_plan(*name);
    if (!plan.ok()) return field_error("plan", "must be \"starter\" or \"pro\"");
    auto tenant = s.tenants.set_plan(*who, *plan);
    SCRIPTMESH_RETURN_IF_ERROR(tenant);
    // A downgrade disables the newest schedules beyond the new limit; the
    // caller learns which (an empty list when none).
    boost::json::object out = tenant_json(*tenant);
    boost::json::array disabled;
    for (const ScheduleId& id : tenant->disabled_schedules)
      disabled.emplace_back(id.str());
    out["disabled_schedules"] = std::move(disabled);
    return json_response(200, out);
  }());
}

}  // namespace scriptmesh::http::api
