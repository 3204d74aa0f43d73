// The route table and request dispatch.
//
// Routes are data: {method, path pattern, name, handler, and the metadata the
// auth, rate-limit and OpenAPI layers read}. The server hands every parsed
// request to Router::route(); the router finds the route, fills the path
// parameters, runs the guards (authentication, roles, scopes, rate limits are
// plugged in as guards) and calls the handler. Handlers are plain functions
// of (Request, RequestContext) returning a Response; they never see a socket,
// so they are tested without a network. A route that must wait for something
// (a long poll) has an AsyncHandler instead, which answers later through a
// Responder without holding a server thread.
//
// Matching: a pattern is literal segments and "{name}" segments, each a whole
// path segment ("/v1/jobs/{id}/output"). A parameter matches one non-empty
// segment and is percent-decoded. When several patterns match a path, the one
// with a literal at the first differing segment wins ("/v1/jobs/search" over
// "/v1/jobs/{id}"). A HEAD request is served by the GET route when there is no
// HEAD route. No route for the path: 404 "not_found". A route for the path
// but not the method: 405 "method_not_allowed" with an Allow header. A
// fallback route (set_fallback) may take the GET and HEAD requests that no
// pattern matches: the web app answers its deep links ("/jobs/job_01...")
// that way, while "/v1/nothing" still answers 404.
//
// Thread safety: build the table (add, add_guard) before the server starts;
// after that the router is read-only and route() may run on any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/message.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

struct Route;

// Who is calling: scriptmesh::Principal (scriptmesh/principal.hpp), set by
// the authentication guard.
using Principal = ::scriptmesh::Principal;

// Per-request state shared by the guards and the handler. Lives on the
// session's strand for the duration of one request.
struct RequestContext {
  // The matched route; set before any guard or handler runs.
  const Route* route = nullptr;
  // Set by an authentication guard; empty on public routes.
  std::optional<Principal> principal;
  // Added to whatever response is sent for this request, including a guard's
  // refusal (e.g. Retry-After and RateLimit-* from a rate-limit guard).
  Headers response_headers;
  // Where handlers log; include the request's request_id in their fields.
  Logger* logger = &null_logger();
};

using Handler = std::function<Response(const Request&, RequestContext&)>;

// Delivers the answer of an asynchronous handler. Copyable; every copy stands
// for the same one answer: the first call sends it, later calls do nothing.
// May be called from any thread, during the handler call or after it; a call
// after the connection closed (or after the server answered 503 because it
// began to stop) is harmless. Dropping every copy without calling it answers
// 500 "internal", so a request cannot hang because a handler forgot it.
using Responder = std::function<void(Response)>;

// Answers a request later: starts whatever it waits for and returns at once,
// then calls `respond` exactly once (from any thread). Runs on the
// connection's strand after the guards accepted the request. The Request and
// RequestContext live only for the call: copy what the answer needs. Headers
// the guards put in ctx.response_headers are added to the answer; headers of
// the handler's own go on its Response. An exception escaping the call is a
// bug, answered 500 "internal". The server answers 503 "shutting_down" to a
// request still waiting when it begins to stop.
using AsyncHandler = std::function<void(const Request&, RequestContext&, Responder respond)>;

// Runs after matching and before the handler or upgrade. An Error refuses the
// request: it is answered with error_response(error) and the handler does not
// run. Guards run in the order added; the first refusal wins.
using Guard = std::function<Result<void>(const Request&, RequestContext&)>;

// The raw connection of a request that asked to switch protocols; defined in
// http/upgrade.hpp (the only header here that names Beast types).
struct UpgradedConnection;

// Takes over a connection whose request carries "Upgrade: websocket". The
// handler owns the connection from here on (it must answer the handshake);
// the server never reads from or writes to it again. Runs on the
// connection's strand after the guards accepted the request; the Request and
// RequestContext live only for the call. (A shared_ptr, so code that never
// includes upgrade.hpp can still hold or drop one.)
using UpgradeHandler =
    std::function<void(const Request&, RequestContext&, std::shared_ptr<UpgradedConnection>)>;

// A query parameter a route reads, for the OpenAPI document.
struct QueryParam {
  std::string name;
  // JSON Schema of the value, as JSON text (one object).
  std::string schema = R"({"type":"string"})";
  bool required = false;
  // One line for the docs.
  std::string description;
};

struct Route {
  Method method = Method::kGet;
  // "/v1/jobs/{id}": literal and {name} segments (names: [a-z_][a-z0-9_]*).
  std::string pattern;
  // Stable identifier for logs, metrics and the OpenAPI operationId
  // ("jobs.get"); logged instead of the raw, id-laden path.
  std::string name;
  // Answers ordinary requests. May be empty on an upgrade-only route, which
  // then answers 426 "upgrade_required" to requests without Upgrade.
  Handler handler;
  // Answers ordinary requests asynchronously instead of `handler` (a route
  // sets at most one of the two).
  AsyncHandler async_handler;
  // API-key scope the caller must hold ("jobs:write"); empty = none needed.
  std::string scope;
  // Rate-limit bucket ("login", "register", ...); empty = the default class.
  std::string rate_limit_class;
  // Weakest role allowed ("member" < "admin" < "owner"); empty = any role.
  std::string min_role;
  // True for routes served without credentials (health, login, register).
  bool public_route = false;
  // One line for OpenAPI.
  std::string summary;
  // When set, a request with "Upgrade: websocket" is handed to this instead
  // of the handler (the agent channel, GET /v1/agent/connect).
  UpgradeHandler upgrade;

  // OpenAPI metadata, read only by http/openapi.hpp; every field is optional.
  // Schemas are JSON Schema (2020-12, as OpenAPI 3.1 uses) written as JSON
  // text holding one object; "$ref": "#/components/schemas/Error" may name the
  // shared schemas. add() rejects text that is not a JSON object.
  //
  // Groups for the docs; empty = the part of `name` before its first '.'.
  std::vector<std::string> tags;
  // The JSON request body; empty = the route takes no body.
  std::string request_schema;
  // Status of a successful answer: 200, 201, 202, 204, 101 (an upgrade), 302.
  int success_status = 200;
  // Content type of a successful answer; empty = "application/json".
  std::string response_media_type;
  // The successful answer's body; empty = not described (and none for 204).
  std::string response_schema;
  // Headers of the successful answer worth documenting, as (name,
  // description): Location of a 302, Set-Cookie.
  std::vector<std::pair<std::string, std::string>> success_headers;
  // A browser navigation that answers its failures as redirects: the
  // generator infers no 422 from its query parameters.
  bool redirects_errors = false;
  // Query parameters the handler reads.
  std::vector<QueryParam> query_params;
  // Error statuses this route answers beyond the ones the generator infers
  // from the other fields (400, 413 and 422 with a request body, 422 with
  // query parameters unless redirects_errors, 401 unless public, 403 with a role or scope, 404 with
  // path parameters, 426 for an upgrade-only route, 429 always): {402, 409}.
  std::vector<int> error_statuses;
};

class Router {
 public:
  // Where route() should send a request.
  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;  // kFound only
    Params params;                 // kFound only: decoded path parameters
    std::string allow;             // kMethodNotAllowed only: "GET, HEAD, POST"
  };

  // Adds a route. A malformed pattern, an empty name, a route with neither
  // handler, async_handler nor upgrade, or with both handler and
  // async_handler, a duplicate (method, pattern) or name, or malformed
  // OpenAPI metadata (a schema that is not a JSON object, a success status
  // outside 100..399, an error status outside 400..599, an empty tag, an
  // empty or repeated query parameter name, a body schema on a 204) is a bug
  // in the table: throws std::invalid_argument at start-up.
  Router& add(Route route);
  // Adds a guard run on every matched request, after those added before.
  Router& add_guard(Guard guard);
  // Serves a GET or HEAD request whose path no pattern matches with the GET
  // route named `route_name` (added before) when `applies(path)` is true; the
  // route's guards and handler run as for a match, with no path parameters.
  // `applies` gets the encoded path and must be thread-safe. An unknown name
  // throws std::invalid_argument, like a bad route.
  Router& set_fallback(std::string_view route_name, std::function<bool(std::string_view)> applies);

  // The table in the order added, for the OpenAPI generator.
  const std::vector<Route>& routes() const noexcept { return routes_; }

  // Finds the route for a method and an encoded path (no query).
  Match match(Method method, std::string_view path) const;

  // Matches `request`, fills request.path_params and ctx.route, and runs the
  // guards. Returns the route to run, or the response to send instead (404,
  // 405, a guard's refusal). Never throws.
  std::variant<const Route*, Response> route(Request& request, RequestContext& ctx) const;

  // Calls route.handler; an exception escaping it is a bug, logged and
  // answered 500 "internal". A route without handler answers 426 when it is
  // upgrade-only and 500 when it only answers asynchronously (run() it).
  Response run_handler(const Route& route, const Request& request, RequestContext& ctx) const;

  // Answers a routed request through `respond`: run_handler() at once, or
  // route.async_handler with a Responder that adds ctx.response_headers (as
  // they are when the handler is called) and turns an escaping exception
  // into 500. `respond` is called exactly once, possibly from another thread.
  void run(const Route& route, const Request& request, RequestContext& ctx,
           Responder respond) const;

  // route() then run_handler(): the whole answer to an ordinary request.
  Response dispatch(Request& request, RequestContext& ctx) const;
  // route() then run(): the answer to any request, through `respond`.
  void dispatch(Request& request, RequestContext& ctx, Responder respond) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
  };

  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> segments_;  // parallel to routes_
  std::vector<Guard> guards_;
  std::optional<std::size_t> fallback_;  // index into routes_
  std::function<bool(std::string_view)> fallback_applies_;
};

// Adds the built-in public routes:
//   GET /healthz -> 200 {"status":"ok"} while the process serves at all;
//   GET /readyz  -> 200 {"status":"ready"} when `ready()` returns true, else
//                   503 {"status":"not_ready"}. An empty `ready` means ready.
// `ready` runs on a server thread for each call; it must be quick and
// thread-safe.
void add_health_routes(Router& router, std::function<bool()> ready = {});

}  // namespace scriptmesh::http
