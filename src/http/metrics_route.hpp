// GET /metrics: the Prometheus text exposition of the orchestrator.
//
// Public in the route table (Prometheus scrapes with no user), but when a
// bearer token is configured the route answers 401 "invalid_credentials" to
// any request without "Authorization: Bearer <token>" (compared in
// constant time), and without one it answers only clients on loopback (403
// "metrics_loopback_only" to the rest), so the platform-wide figures are not
// open to anyone who can reach the port.
#pragma once

#include <functional>
#include <string>

#include "http/router.hpp"
#include "scriptmesh/metrics.hpp"

namespace scriptmesh::http {

struct MetricsRouteOptions {
  // The exposition text; empty (route documents only): the route answers 503.
  std::function<std::string()> render;
  // Required as a bearer token when not empty.
  std::string bearer_token;
};

void add_metrics_route(Router& router, MetricsRouteOptions options);

}  // namespace scriptmesh::http
