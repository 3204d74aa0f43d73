// The orchestrator's whole route table, assembled in one place so that the
// server (orchestrator.cpp) and the route documents (route_docs.hpp:
// `scriptmesh-orchestrator openapi` and `routes`) list the very same routes.
//
// Order: GET /healthz and /readyz; the REST API (api_routes.hpp); Swagger UI
// under /docs (docs_routes.hpp); GET /metrics (metrics_route.hpp); the web dashboard at / and
// every other app path (web_routes.hpp); last GET /openapi.json, built
// from all of the above. Guards (add_api_guards) are added by the caller: they check requests and
// do not change the table.
//
// Thread safety: call before the server starts, like Router::add.
#pragma once

#include <functional>

#include "http/api_routes.hpp"
#include "http/docs_routes.hpp"
#include "http/metrics_route.hpp"
#include "http/router.hpp"
#include "http/web_routes.hpp"

namespace scriptmesh::http {

struct RouteTableOptions {
  // Readiness for GET /readyz (see add_health_routes); empty = always ready.
  std::function<bool()> ready;
  // Where /docs finds Swagger UI; usually {find_docs_assets_dir()}.
  DocsOptions docs;
  // GET /metrics; without a renderer it answers 503.
  MetricsRouteOptions metrics;
  // Where the dashboard's built files are; usually {find_web_assets_dir(..)}.
  WebOptions web;
};

// Adds every route the orchestrator serves. `api` is borrowed by the REST
// handlers and must outlive the router.
void add_orchestrator_routes(Router& router, ApiServices& api, RouteTableOptions options = {});

}  // namespace scriptmesh::http
