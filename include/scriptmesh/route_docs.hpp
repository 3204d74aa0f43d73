// The orchestrator's HTTP API described from its route table, without
// starting a server: what `scriptmesh-orchestrator openapi` and
// `scriptmesh-orchestrator routes [--markdown]` print.
//
// The table is the one the server runs (the same assembly function adds it),
// so these documents cannot drift from the routes that exist. Building it
// binds the REST handlers to services, which need a store: a throwaway SQLite
// file in a temporary directory, removed before the call returns. No handler
// runs and nothing is sent anywhere.
//
// Implemented in scriptmesh::http (link it to call this).
// Thread safety: each call is independent.
#pragma once

#include <string>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

enum class RouteDocFormat {
  kOpenApi,   // the OpenAPI 3.1 JSON document GET /openapi.json serves
  kMarkdown,  // docs/roles.md: route -> minimum role, API-key scope, rate limit
  kText,      // the same rows as aligned plain-text columns
};

// The document in `format`, ending in a newline.
// Errors: unavailable "tmpdir_failed" (no temporary directory could be made),
// or whatever opening the throwaway store answered.
[[nodiscard]] Result<std::string> describe_routes(RouteDocFormat format);

}  // namespace scriptmesh
