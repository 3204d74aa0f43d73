// Who may call what: the route -> minimum role and API-key scope matrix,
// generated from the route table so that it cannot drift from what the
// guards enforce. `scriptmesh-orchestrator routes --markdown` prints it into
// docs/roles.md, and a ctest (openapi/roles_doc) fails when that file differs.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "http/router.hpp"

namespace scriptmesh::http {

// docs/roles.md: an introduction to roles and scopes, then one table row per
// route in table order (method, path, operation, minimum role, API-key
// scope, rate-limit class).
std::string routes_markdown(const std::vector<Route>& routes);

// The same rows as aligned plain-text columns, for a terminal.
std::string routes_text(const std::vector<Route>& routes);

}  // namespace scriptmesh::http
