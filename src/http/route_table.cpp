#include "http/route_table.hpp"

#include <utility>

#include "http/metrics_route.hpp"
#include "http/openapi.hpp"

namespace scriptmesh::http {

void add_orchestrator_routes(Router& router, ApiServices& api, RouteTableOptions options) {
  add_health_routes(router, std::move(options.ready));
  add_api_routes(router, api);
  add_docs_routes(router, std::move(options.docs));
  add_metrics_route(router, std::move(options.metrics));
  add_web_routes(router, std::move(options.web));
  OpenApiOptions openapi;
  openapi.schemas = api_component_schemas();
  add_openapi_route(router, std::move(openapi));  // last: it documents the routes above
}

}  // namespace scriptmesh::http
