#include "http/router.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "http/url.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

Handler answer(std::string text) {
  return [text](const Request&, RequestContext&) { return text_response(200, text); };
}

Route route(Method method, std::string pattern, std::string name, Handler handler) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.name = std::move(name);
  r.handler = std::move(handler);
  return r;
}

Request request(Method method, std::string path) {
  Request r;
  r.method = method;
  r.target = path;
  r.path = std::move(path);
  r.request_id = "req-test";
  return r;
}

boost::json::value body_json(const Response& r) {
  return boost::json::parse(r.body);
}

Router jobs_router() {
  Router router;
  router.add(route(Method::kGet, "/v1/jobs", "jobs.list", answer("list")));
  router.add(route(Method::kPost, "/v1/jobs", "jobs.create", answer("create")));
  router.add(
      route(Method::kGet, "/v1/jobs/{id}", "jobs.get", [](const Request& req, RequestContext& ctx) {
        return text_response(200, std::string(req.path_param("id")) + "|" + ctx.route->name);
      }));
  router.add(route(Method::kGet, "/v1/jobs/search", "jobs.search", answer("search")));
  router.add(route(Method::kDelete, "/v1/jobs/{id}", "jobs.delete", answer("delete")));
  router.add(route(Method::kGet, "/v1/jobs/{id}/output", "jobs.output",
                   [](const Request& req, RequestContext&) {
                     return text_response(200, "output of " + std::string(req.path_param("id")));
                   }));
  return router;
}

Response call(const Router& router, Method method, std::string path) {
  Request req = request(method, std::move(path));
  RequestContext ctx;
  return router.dispatch(req, ctx);
}

TEST_CASE("router matches literal and parameter segments and decodes parameters") {
  Router router = jobs_router();
  CHECK(call(router, Method::kGet, "/v1/jobs").body == "list");
  CHECK(call(router, Method::kPost, "/v1/jobs").body == "create");
  CHECK(call(router, Method::kGet, "/v1/jobs/job_123").body == "job_123|jobs.get");
  CHECK(call(router, Method::kGet, "/v1/jobs/a%2Fb%20c").body == "a/b c|jobs.get");
  CHECK(call(router, Method::kGet, "/v1/jobs/j1/output").body == "output of j1");
  CHECK(call(router, Method::kDelete, "/v1/jobs/j1").body == "delete");

  auto m = router.match(Method::kGet, "/v1/jobs/j9");
  REQUIRE(m.kind == Router::Match::Kind::kFound);
  CHECK(m.route->name == "jobs.get");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0] == std::pair<std::string, std::string>{"id", "j9"});
}

TEST_CASE("a literal segment beats a parameter whatever the table order") {
  Router router = jobs_router();
  CHECK(call(router, Method::kGet, "/v1/jobs/search").body == "search");
  // DELETE has no literal route, so the parameter route serves it.
  CHECK(call(router, Method::kDelete, "/v1/jobs/search").body == "delete");
}

TEST_CASE("unknown paths answer 404 JSON, other methods 405 with Allow") {
  Router router = jobs_router();
  for (const char* path : {"/v1/nope", "/v1/jobs/", "/v1/jobs//output", "/", "/v1/jobs/x/y/z"}) {
    CAPTURE(path);
    Response r = call(router, Method::kGet, path);
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(body_json(r).at("error").at("code") == "not_found");
  }
  Response r = call(router, Method::kPut, "/v1/jobs");
  CHECK(r.status == 405);
  CHECK(body_json(r).at("error").at("code") == "method_not_allowed");
  CHECK(r.headers.get("allow") == "GET, HEAD, POST");

  r = call(router, Method::kPost, "/v1/jobs/j1");
  CHECK(r.status == 405);
  CHECK(r.headers.get("Allow") == "GET, HEAD, DELETE");

  r = call(router, Method::kUnknown, "/v1/jobs");
  CHECK(r.status == 405);
}

TEST_CASE("HEAD is served by the GET route") {
  Router router = jobs_router();
  Response r = call(router, Method::kHead, "/v1/jobs/j1");
  CHECK(r.status == 200);
  CHECK(r.body == "j1|jobs.get");  // the server drops the body on the wire
  CHECK(call(router, Method::kHead, "/v1/nope").status == 404);
}

TEST_CASE("a fallback route takes the GET and HEAD requests no pattern matches") {
  Router router = jobs_router();
  router.add(route(Method::kGet, "/", "app", [](const Request& req, RequestContext& ctx) {
    return text_response(200, ctx.route->name + " at " + req.path);
  }));
  router.set_fallback("app", [](std::string_view path) { return !path.starts_with("/v1/"); });
  CHECK(call(router, Method::kGet, "/").body == "app at /");
  CHECK(call(router, Method::kGet, "/jobs/j1").body == "app at /jobs/j1");
  CHECK(call(router, Method::kHead, "/settings").body == "app at /settings");
  CHECK(call(router, Method::kGet, "/v1/jobs/j1").body == "j1|jobs.get");  // routes first
  CHECK(call(router, Method::kGet, "/v1/nope").status == 404);             // not for it
  CHECK(call(router, Method::kPost, "/jobs").status == 404);               // GET and HEAD only
  CHECK(call(router, Method::kPut, "/v1/jobs").status == 405);             // a known path stays 405

  CHECK_THROWS_AS(router.set_fallback("nope", [](std::string_view) { return true; }),
                  std::invalid_argument);
  CHECK_THROWS_AS(router.set_fallback("jobs.create", [](std::string_view) { return true; }),
                  std::invalid_argument);  // only a GET route can answer GETs
  CHECK_THROWS_AS(router.set_fallback("app", {}), std::invalid_argument);
}

TEST_CASE("guards run in order before the handler and can refuse") {
  Router router;
  int handler_calls = 0;
  router.add(route(Method::kGet, "/v1/me", "me.get", [&](const Request&, RequestContext& ctx) {
    ++handler_calls;
    REQUIRE(ctx.principal.has_value());
    return text_response(200, ctx.principal->user_id.str());
  }));
  std::vector<std::string> seen;
  router.add_guard([&](const Request& req, RequestContext& ctx) -> Result<void> {
    seen.push_back("auth:" + ctx.route->name);
    if (req.header("Authorization") != "Bearer good") {
      return Error::unauthenticated("invalid_token", "missing or invalid credentials");
    }
    ctx.principal = Principal{TenantId("tnt_1"), UserId("usr_1"), "member", {}, "access_token", ""};
    return ok_result();
  });
  router.add_guard([&](const Request&, RequestContext& ctx) -> Result<void> {
    seen.push_back("limit");
    ctx.response_headers.set("RateLimit-Remaining", "9");
    if (ctx.principal->role != "member") return Error::permission_denied("forbidden", "no");
    return ok_result();
  });

  Request req = request(Method::kGet, "/v1/me");
  RequestContext ctx;
  Response refused = router.dispatch(req, ctx);
  CHECK(refused.status == 401);
  CHECK(boost::json::parse(refused.body).at("error").at("code") == "invalid_token");
  CHECK(handler_calls == 0);
  CHECK(seen == std::vector<std::string>{"auth:me.get"});

  req.headers.set("authorization", "Bearer good");
  RequestContext ctx2;
  Response ok = router.dispatch(req, ctx2);
  CHECK(ok.status == 200);
  CHECK(ok.body == "usr_1");
  CHECK(ok.headers.get("RateLimit-Remaining") == "9");
  CHECK(handler_calls == 1);
}

TEST_CASE("a handler or guard that throws is answered 500 internal") {
  Router router;
  router.add(route(Method::kGet, "/boom", "boom", [](const Request&, RequestContext&) -> Response {
    throw std::runtime_error("bug");
  }));
  Response r = call(router, Method::kGet, "/boom");
  CHECK(r.status == 500);
  CHECK(boost::json::parse(r.body).at("error").at("code") == "internal");

  router.add_guard([](const Request&, RequestContext&) -> Result<void> {
    throw std::runtime_error("guard bug");
  });
  CHECK(call(router, Method::kGet, "/boom").status == 500);
}

TEST_CASE("an upgrade-only route answers 426 to a plain request") {
  Router router;
  Route r = route(Method::kGet, "/v1/agent/connect", "agent.connect", {});
  r.upgrade = [](const Request&, RequestContext&, std::shared_ptr<UpgradedConnection>) {};
  router.add(std::move(r));
  Response resp = call(router, Method::kGet, "/v1/agent/connect");
  CHECK(resp.status == 426);
  CHECK(resp.headers.get("Upgrade") == "websocket");
}

TEST_CASE("malformed route tables are rejected at start-up") {
  auto adding = [](Route r) {
    Router router = jobs_router();
    router.add(std::move(r));
  };
  CHECK_THROWS_AS(adding(route(Method::kGet, "v1/x", "x", answer(""))), std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/x", "", answer(""))), std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/x", "x", {})), std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/{a}/{a}", "x", answer(""))),
                  std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/{Bad}", "x", answer(""))), std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1//x", "x", answer(""))), std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/x{y}", "x", answer(""))), std::invalid_argument);
  // Same method and shape as jobs.get, even with another parameter name.
  CHECK_THROWS_AS(adding(route(Method::kGet, "/v1/jobs/{job_id}", "x", answer(""))),
                  std::invalid_argument);
  CHECK_THROWS_AS(adding(route(Method::kPut, "/v1/other", "jobs.list", answer(""))),
                  std::invalid_argument);
  CHECK_NOTHROW(adding(route(Method::kPut, "/v1/jobs/{job_id}", "jobs.put", answer(""))));
}

TEST_CASE("the table is exposed with its metadata") {
  Router router;
  Route r = route(Method::kPost, "/v1/api-keys", "api_keys.create", answer("k"));
  r.scope = "api_keys:write";
  r.rate_limit_class = "default";
  r.min_role = "admin";
  r.summary = "Create an API key";
  router.add(std::move(r));
  add_health_routes(router);
  REQUIRE(router.routes().size() == 3);
  const Route& first = router.routes()[0];
  CHECK(first.scope == "api_keys:write");
  CHECK(first.min_role == "admin");
  CHECK(first.summary == "Create an API key");
  CHECK_FALSE(first.public_route);
  CHECK(router.routes()[1].name == "health.live");
  CHECK(router.routes()[1].public_route);
}

TEST_CASE("healthz and readyz") {
  bool ready = false;
  Router router;
  add_health_routes(router, [&] { return ready; });
  Response live = call(router, Method::kGet, "/healthz");
  CHECK(live.status == 200);
  CHECK(body_json(live) == boost::json::parse(R"({"status":"ok"})"));
  Response not_ready = call(router, Method::kGet, "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(body_json(not_ready) == boost::json::parse(R"({"status":"not_ready"})"));
  ready = true;
  Response is_ready = call(router, Method::kGet, "/readyz");
  CHECK(is_ready.status == 200);
  CHECK(body_json(is_ready) == boost::json::parse(R"({"status":"ready"})"));
}

TEST_CASE("request targets split into path and decoded query") {
  auto t = parse_target("/v1/jobs?status=failed&since=2026-11-26T10%3A00%3A00Z&q=a+b&flag&&x=");
  REQUIRE_OK(t);
  CHECK(t->path == "/v1/jobs");
  REQUIRE(t->query.size() == 5);
  CHECK(t->query[1].second == "2026-11-26T10:00:00Z");
  CHECK(t->query[2].second == "a b");
  CHECK(t->query[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(t->query[4] == std::pair<std::string, std::string>{"x", ""});

  Request req;
  req.query = t->query;
  CHECK(req.query_param("status") == "failed");
  CHECK_FALSE(req.query_param("missing").has_value());

  CHECK_ERROR_CODE(parse_target("http://example.com/"), "invalid_request");
  CHECK_ERROR_CODE(parse_target("*"), "invalid_request");
  CHECK_ERROR_CODE(parse_target("/a%zz"), "invalid_request");
  CHECK_ERROR_CODE(parse_target("/a?x=%4"), "invalid_request");
  CHECK_ERROR_CODE(parse_target("/a#frag"), "invalid_request");
  CHECK(*percent_decode("a%2fb+c", false) == "a/b+c");
}

TEST_CASE("headers are case-insensitive, request ids are echoed only when sane") {
  Headers h;
  h.add("X-Thing", "1");
  h.add("x-thing", "2");
  CHECK(h.get("X-THING") == "1");
  h.set("X-Thing", "3");
  CHECK(h.size() == 1);
  CHECK(h.get("x-thing") == "3");
  h.remove("X-THING");
  CHECK(h.empty());

  CHECK(choose_request_id(std::string_view("abc-123_X.y")) == "abc-123_X.y");
  CHECK(choose_request_id(std::string(64, 'a')) == std::string(64, 'a'));
  for (std::string_view bad : {"", "has space", "semi;colon", "new\nline"}) {
    std::string id = choose_request_id(bad);
    CHECK(id != bad);
    CHECK(id.rfind("req_", 0) == 0);
  }
  std::string long_id(65, 'a');
  CHECK(choose_request_id(std::string_view(long_id)) != long_id);
  CHECK(choose_request_id(std::nullopt) != choose_request_id(std::nullopt));
}

}  // namespace
}  // namespace scriptmesh::http
