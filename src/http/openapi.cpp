#include "http/openapi.hpp"

#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// The build's version; src/http/CMakeLists.txt defines it from the project
// version. The fallback only keeps a stray build compiling: the openapi/lint
// ctest compares the document's version with `--version` and fails on it.
#ifndef SCRIPTMESH_VERSION
#define SCRIPTMESH_VERSION "0.0.0-unversioned"
#endif

namespace scriptmesh::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kErrorRef = "#/components/schemas/Error";

// Router::add already refused text that is not one JSON object.
json::object schema_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}

std::vector<std::string> path_param_names(std::string_view pattern) {
  std::vector<std::string> names;
  std::size_t open = pattern.find('{');
  while (open != std::string_view::npos) {
    std::size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace_back(pattern.substr(open + 1, close - open - 1));
    open = pattern.find('{', close);
  }
  return names;
}

std::vector<std::string> route_tags(const Route& route) {
  if (!route.tags.empty()) return route.tags;
  return {route.name.substr(0, route.name.find('.'))};
}

// The groups the docs show, with a line each; a tag not listed here gets a
// generic line (and should be added).
constexpr std::pair<std::string_view, std::string_view> kTagDescriptions[] = {
    {"health", "Liveness and readiness probes for load balancers and orchestrators."},
    {"auth", "Registration, e-mail verification, login, token refresh and password reset."},
    {"me", "The caller's own identity."},
    {"tenant", "The caller's tenant: plan and limits."},
    {"users", "The tenant's users and their roles (owner, admin, member)."},
    {"api_keys", "API keys (sm_live_...): scoped, revocable credentials for automation."},
    {"agents", "Agents: the machines that run scripts, connected outbound."},
    {"jobs", "Jobs: one run of one script on one agent, with its output."},
    {"schedules", "Cron schedules that create jobs."},
    {"cron", "Cron expression tools."},
    {"integrations", "Notifications to chat, paging and logging services."},
    {"metrics", "Prometheus metrics."},
    {"docs", "This API description and its interactive viewer."},
};

std::string tag_description(std::string_view tag) {
  for (const auto& [name, text] : kTagDescriptions) {
    if (name == tag) return std::string(text);
  }
  return fmt::format("Operations named {}.*.", tag);
}

struct ErrorDoc {
  int status;
  std::string_view component;
  std::string_view description;
};

// Statuses per src/http/error_status.hpp; the descriptions name the usual codes.
constexpr ErrorDoc kErrorDocs[] = {
    {400, "BadRequest",
     "The request could not be read: the body is not a JSON object "
     "(`invalid_json`)."},
    {401, "Unauthorized", "Credentials are missing, invalid, expired or revoked."},
    {402, "PaymentRequired", "The tenant's plan is full (`plan_limit_reached`)."},
    {403, "Forbidden", "The caller's role, or the API key's scopes, are too weak."},
    {404, "NotFound", "No such resource, or it belongs to another tenant."},
    {409, "Conflict", "The request conflicts with the resource's current state."},
    {413, "PayloadTooLarge", "The request body exceeds the size limit."},
    {422, "UnprocessableEntity",
     "Well-formed, but a field is missing or unacceptable; the message names it "
     "(`invalid_field`)."},
    {426, "UpgradeRequired", "This path is served only over WebSocket."},
    {429, "TooManyRequests", "Rate limited: retry after the number of seconds in Retry-After."},
    {500, "InternalError", "An unexpected server error."},
    {503, "ServiceUnavailable", "The service cannot answer now; retry later."},
};

const ErrorDoc* error_doc(int status) {
  for (const ErrorDoc& doc : kErrorDocs) {
    if (doc.status == status) return &doc;
  }
  return nullptr;
}

std::string response_ref(int status) {
  return fmt::format("#/components/responses/{}", error_doc(status)->component);
}

std::set<int> error_statuses(const Route& route) {
  std::set<int> out(route.error_statuses.begin(), route.error_statuses.end());
  if (!route.request_schema.empty()) out.insert({400, 413, 422});
  if (!route.query_params.empty() && !route.redirects_errors) out.insert(422);
  if (!route.public_route) out.insert(401);
  if (!route.public_route && (!route.min_role.empty() || !route.scope.empty())) out.insert(403);
  if (!path_param_names(route.pattern).empty()) out.insert(404);
  if (route.upgrade && !route.handler) out.insert(426);
  out.insert(429);  // every route has a rate-limit class, the default one included
  return out;
}

json::object error_content() {
  return {{"application/json", json::object{{"schema", json::object{{"$ref", kErrorRef}}}}}};
}

json::object error_response_object(int status, std::string_view description) {
  json::object response{{"description", description}, {"content", error_content()}};
  if (status == 429) {
    response["headers"] =
        json::object{{"Retry-After", json::object{{"$ref", "#/components/headers/RetryAfter"}}}};
  }
  return response;
}

std::string_view success_description(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols: the connection is now a WebSocket.";
    case 201:
      return "Created.";
    case 202:
      return "Accepted.";
    case 204:
      return "Done; no content.";
    case 302:
      return "Found: follow the Location header.";
    default:
      return "OK.";
  }
}

json::object success_response(const Route& route) {
  json::object response{{"description", success_description(route.success_status)}};
  if (!route.success_headers.empty()) {
    json::object headers;
    for (const auto& [name, description] : route.success_headers) {
      headers[name] =
          json::object{{"description", description}, {"schema", json::object{{"type", "string"}}}};
    }
    response["headers"] = std::move(headers);
  }
  if (!route.response_schema.empty()) {
    std::string media =
        route.response_media_type.empty() ? "application/json" : route.response_media_type;
    response["content"] =
        json::object{{media, json::object{{"schema", schema_object(route.response_schema)}}}};
  }
  return response;
}

json::object responses(const Route& route) {
  json::object out;
  out[std::to_string(route.success_status)] = success_response(route);
  for (int status : error_statuses(route)) {
    if (error_doc(status) != nullptr) {
      out[std::to_string(status)] = json::object{{"$ref", response_ref(status)}};
    } else {
      out[std::to_string(status)] = error_response_object(status, "An error.");
    }
  }
  return out;
}

json::array parameters(const Route& route) {
  json::array out;
  for (const std::string& name : path_param_names(route.pattern)) {
    out.push_back(json::object{{"name", name},
                               {"in", "path"},
                               {"required", true},
                               {"description", fmt::format("The {} of the resource.", name)},
                               {"schema", json::object{{"type", "string"}, {"minLength", 1}}}});
  }
  for (const QueryParam& q : route.query_params) {
    json::object p{{"name", q.name}, {"in", "query"}, {"required", q.required}};
    if (!q.description.empty()) p["description"] = q.description;
    p["schema"] = schema_object(q.schema);
    out.push_back(std::move(p));
  }
  return out;
}

json::array security(const Route& route) {
  if (route.public_route) return {};
  json::array scopes;
  if (!route.scope.empty()) scopes.push_back(json::string(route.scope));
  return {json::object{{"bearerAuth", json::array{}}}, json::object{{"apiKey", scopes}}};
}

std::string access_description(const Route& route) {
  if (route.public_route) return "Public: no credentials needed.";
  std::string role = route.min_role.empty() ? "any role" : "at least `" + route.min_role + "`";
  std::string scope = route.scope.empty() ? "any API key of such a user may call it"
                                          : "an API key needs the `" + route.scope + "` scope";
  return fmt::format("Requires a user with {}; {}.", role, scope);
}

json::object operation(const Route& route) {
  json::object op{{"operationId", route.name}};
  op["summary"] = route.summary.empty() ? route.name : route.summary;
  std::string description = access_description(route);
  if (route.upgrade) description += " Send `Upgrade: websocket` to open the WebSocket.";
  op["description"] = description;
  json::array tags;
  for (std::string& tag : route_tags(route))
    tags.push_back(json::string(tag));
  op["tags"] = std::move(tags);
  op["security"] = security(route);
  json::array params = parameters(route);
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!route.request_schema.empty()) {
    op["requestBody"] = json::object{
        {"required", true},
        {"content", json::object{{"application/json",
                                  json::object{{"schema", schema_object(route.request_schema)}}}}}};
  }
  op["responses"] = responses(route);
  op["x-scriptmesh-min-role"] = route.public_route ? "public" : route.min_role;
  op["x-scriptmesh-api-key-scope"] = route.scope;
  op["x-scriptmesh-rate-limit-class"] =
      route.rate_limit_class.empty() ? "default" : route.rate_limit_class;
  return op;
}

std::string lowercase_method(Method method) {
  std::string out(method_name(method));
  for (char& c : out)
    c = static_cast<char>(c - 'A' + 'a');
  return out;
}

json::object paths(const std::vector<Route>& routes) {
  json::object out;
  for (const Route& route : routes) {
    json::value& item = out[route.pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[lowercase_method(route.method)] = operation(route);
  }
  return out;
}

json::array tags(const std::vector<Route>& routes) {
  json::array out;
  std::set<std::string> seen;
  for (const Route& route : routes) {
    for (std::string& tag : route_tags(route)) {
      if (!seen.insert(tag).second) continue;
      out.push_back(json::object{{"name", tag}, {"description", tag_description(tag)}});
    }
  }
  return out;
}

json::object error_schema() {
  json::object inner{
      {"type", "object"},
      {"required", json::array{"code", "message"}},
      {"properties",
       json::object{
           {"code", json::object{{"type", "string"},
                                 {"description", "Stable machine code, e.g. `invalid_field`."}}},
           {"message",
            json::object{{"type", "string"}, {"description", "What failed, for a human."}}}}}};
  return {{"type", "object"},
          {"description", "Every error answer. Fields beyond these may be added."},
          {"required", json::array{"error"}},
          {"properties", json::object{{"error", std::move(inner)}}}};
}

json::object security_schemes() {
  return {
      {"bearerAuth",
       json::object{{"type", "http"},
                    {"scheme", "bearer"},
                    {"bearerFormat", "JWT"},
                    {"description",
                     "A user's access token from POST /v1/auth/login (valid 15 minutes), sent as "
                     "`Authorization: Bearer <token>`."}}},
      {"apiKey",
       json::object{{"type", "http"},
                    {"scheme", "bearer"},
                    {"bearerFormat", "sm_live_ API key"},
                    {"description",
                     "An API key from POST /v1/api-keys, sent the same way as an access token: "
                     "`Authorization: Bearer sm_live_...`. It acts with its creator's role, "
                     "limited to its scopes; the `admin` scope implies every other one."}}}};
}

json::object components(const std::vector<Route>& routes, const OpenApiOptions& options) {
  json::object schemas;
  for (const auto& [name, text] : options.schemas)
    schemas[name] = schema_object(text);
  schemas["Error"] = error_schema();
  // Only the error responses some route uses: an unused component is lint.
  std::set<int> used;
  for (const Route& route : routes)
    used.merge(error_statuses(route));
  json::object error_responses;
  for (const ErrorDoc& doc : kErrorDocs) {
    if (used.count(doc.status) == 0) continue;
    error_responses[doc.component] = error_response_object(doc.status, doc.description);
  }
  bool retry_after = used.count(429) > 0;
  json::object out{{"securitySchemes", security_schemes()}, {"schemas", std::move(schemas)}};
  if (!error_responses.empty()) out["responses"] = std::move(error_responses);
  if (retry_after) {
    out["headers"] =
        json::object{{"RetryAfter",
                      json::object{{"description", "Seconds to wait before trying again."},
                                   {"schema", json::object{{"type", "integer"}, {"minimum", 0}}}}}};
  }
  return out;
}

constexpr std::string_view kApiDescription =
    "ScriptMesh runs whitelisted scripts on remote agents, on demand or on a cron schedule.\n\n"
    "JSON in, JSON out, UTF-8. Times are RFC 3339 UTC strings; durations carry their unit in "
    "the field name (`duration_ms`, `timeout_sec`).\n\n"
    "**Authentication**: `Authorization: Bearer <token>`, where the token is a user's access "
    "token (JWT) or an API key (`sm_live_...`); both use the Bearer scheme.\n\n"
    "**Errors** are `{\"error\":{\"code\":\"...\",\"message\":\"...\"}}` with a stable `code`. "
    "Another tenant's resources answer 404, never 403. Every route is rate limited (429 with "
    "`Retry-After`). Every answer carries an `X-Request-Id`.";

json::object info(const OpenApiOptions& options) {
  return {{"title", "ScriptMesh"},
          {"version", options.version.empty() ? SCRIPTMESH_VERSION : options.version},
          {"description", kApiDescription},
          {"license", json::object{{"name", "Apache 2.0"}, {"identifier", "Apache-2.0"}}}};
}

}  // namespace

boost::json::object openapi_document(const std::vector<Route>& routes,
                                     const OpenApiOptions& options) {
  json::object doc{{"openapi", "3.1.0"}, {"info", info(options)}};
  doc["servers"] = json::array{json::object{
      {"url", options.server_url}, {"description", "The orchestrator serving this document."}}};
  doc["tags"] = tags(routes);
  doc["paths"] = paths(routes);
  doc["components"] = components(routes, options);
  return doc;
}

std::string openapi_json(const std::vector<Route>& routes, const OpenApiOptions& options) {
  return json::serialize(openapi_document(routes, options));
}

void add_openapi_route(Router& router, OpenApiOptions options) {
  // Filled after add(), so that the document also describes this route.
  auto document = std::make_shared<std::string>();
  Route route;
  route.pattern = "/openapi.json";
  route.name = "openapi.document";
  route.public_route = true;
  route.tags = {"docs"};
  route.summary = "This API's OpenAPI 3.1 description";
  route.response_schema = R"({"type":"object","description":"An OpenAPI 3.1 document."})";
  route.handler = [document](const Request&, RequestContext&) {
    return text_response(200, *document, "application/json");
  };
  router.add(std::move(route));
  *document = openapi_json(router.routes(), options);
}

}  // namespace scriptmesh::http
