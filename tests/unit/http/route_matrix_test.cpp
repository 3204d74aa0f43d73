#include "http/route_matrix.hpp"

#include <doctest/doctest.h>

#include <string>

namespace scriptmesh::http {
namespace {

Router matrix_router() {
  Router router;
  add_health_routes(router);
  Route plan;
  plan.method = Method::kPut;
  plan.pattern = "/v1/tenant/plan";
  plan.name = "tenant.set_plan";
  plan.min_role = "owner";
  plan.scope = "admin";
  plan.summary = "Change the plan: starter | pro";
  plan.handler = [](const Request&, RequestContext&) { return empty_response(204); };
  router.add(plan);
  Route me = plan;
  me.method = Method::kGet;
  me.pattern = "/v1/me";
  me.name = "me.get";
  me.min_role.clear();
  me.scope.clear();
  me.summary = "The caller";
  router.add(me);
  return router;
}

TEST_CASE("route matrix: one markdown row per route with role, scope and rate limit") {
  std::string md = routes_markdown(matrix_router().routes());
  CHECK(md.rfind("# ", 0) == 0);
  CHECK(md.find("routes --markdown") != std::string::npos);
  CHECK(md.find("| Method | Path | Minimum role | API-key scope | Rate limit | Summary |\n") !=
        std::string::npos);
  CHECK(
      md.find("| GET | `/healthz` | public | - | health | Liveness: the process is serving |\n") !=
      std::string::npos);
  // A '|' inside a cell is escaped so it cannot split the row.
  CHECK(md.find("| PUT | `/v1/tenant/plan` | owner | `admin` | default | Change the plan: "
                "starter \\| pro |\n") != std::string::npos);
  CHECK(md.find("| GET | `/v1/me` | any | none | default | The caller |\n") != std::string::npos);
  CHECK(md.back() == '\n');
}

TEST_CASE("route matrix: aligned text columns") {
  std::string text = routes_text(matrix_router().routes());
  CHECK(text.rfind("METHOD  PATH             ROLE    SCOPE  RATE     NAME\n", 0) == 0);
  CHECK(text.find("PUT     /v1/tenant/plan  owner   admin  default  tenant.set_plan\n") !=
        std::string::npos);
  CHECK(text.find("GET     /v1/me           any     none   default  me.get\n") !=
        std::string::npos);
}

}  // namespace
}  // namespace scriptmesh::http
