// The OpenAPI 3.1 document of a route table, and GET /openapi.json.
//
// The document is generated from Router::routes(), so it lists exactly the
// routes the server answers; nothing about a route is written twice. Per
// route (router.hpp, Route):
//   operationId   = name (unique: Router::add refuses duplicates)
//   summary, tags = summary, tags (or the part of name before its first '.')
//   security      = none for a public route; otherwise either scheme below,
//                   the API key one listing the route's scope
//   parameters    = one per {name} path segment, plus query_params
//   requestBody   = request_schema, as application/json
//   responses     = success_status with response_schema, then the errors
//                   that apply (see Route::error_statuses), each with the
//                   shared Error schema; 429 carries a Retry-After header.
// The minimum role, scope and rate-limit class also appear in the
// operation's description and as x-scriptmesh-* extensions.
//
// Security schemes. Both are HTTP Bearer, because both credentials travel as
// "Authorization: Bearer <token>": `bearerAuth` is a user's access token (a
// JWT from POST /v1/auth/login); `apiKey` is an API key ("sm_live_...").
// OpenAPI 3.1 lets a non-OAuth requirement list role names; the API key
// requirement lists the scope the key must hold.
//
// Thread safety: pure functions; the route's handler only reads a string.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "http/router.hpp"

namespace scriptmesh::http {

struct OpenApiOptions {
  // info.version; empty = this build's version (SCRIPTMESH_VERSION).
  std::string version;
  // The one server URL. "/" (the default) means "the host that served this
  // document", which stays right behind any proxy.
  std::string server_url = "/";
  // Extra components.schemas: name -> JSON Schema text (one object). Route
  // schemas refer to them as {"$ref": "#/components/schemas/<name>"}.
  // "Error" is always present and cannot be replaced.
  std::map<std::string, std::string> schemas;
};

// The document for `routes`, in table order.
boost::json::object openapi_document(const std::vector<Route>& routes,
                                     const OpenApiOptions& options = {});

// openapi_document() serialized as compact JSON.
std::string openapi_json(const std::vector<Route>& routes, const OpenApiOptions& options = {});

// Adds the public route GET /openapi.json ("openapi.document"). Call it after
// every other route: the document is built here, once, from the table as it
// stands then (including this route), and served as is.
void add_openapi_route(Router& router, OpenApiOptions options = {});

}  // namespace scriptmesh::http
