#include "http/openapi.hpp"

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>

#include "http/docs_routes.hpp"
#include "scriptmesh/route_docs.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

namespace json = boost::json;

Handler ok() {
  return [](const Request&, RequestContext&) { return empty_response(204); };
}

Route make(Method method, std::string pattern, std::string name) {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.name = std::move(name);
  r.summary = "Summary of " + r.name;
  r.handler = ok();
  return r;
}

constexpr const char* kTokenPair =
    R"({"type":"object","required":["access_token"],"properties":{"access_token":{"type":"string"}}})";

// A table with one route of each kind the generator treats differently.
Router sample_router() {
  Router router;
  add_health_routes(router);
  Route login = make(Method::kPost, "/v1/auth/login", "auth.login");
  login.public_route = true;
  login.rate_limit_class = "login";
  login.request_schema = R"({"type":"object","required":["email","password"],
    "properties":{"email":{"type":"string"},"password":{"type":"string"}}})";
  login.response_schema = R"({"$ref":"#/components/schemas/TokenPair"})";
  login.error_statuses = {401};
  router.add(std::move(login));
  Route get_user = make(Method::kGet, "/v1/users/{id}", "users.get");
  get_user.min_role = "admin";
  get_user.scope = "admin";
  router.add(std::move(get_user));
  Route del_user = make(Method::kDelete, "/v1/users/{id}", "users.delete");
  del_user.min_role = "owner";
  del_user.scope = "admin";
  del_user.success_status = 204;
  del_user.error_statuses = {409};
  router.add(std::move(del_user));
  Route me = make(Method::kGet, "/v1/me", "me.get");
  me.response_schema = R"({"type":"object"})";
  router.add(std::move(me));
  Route preview = make(Method::kGet, "/v1/cron/preview", "cron.preview");
  preview.query_params = {{"expr", R"({"type":"string"})", true, "The cron expression."},
                          {"count", R"({"type":"integer","minimum":1})", false, ""}};
  router.add(std::move(preview));
  Route create_agent = make(Method::kPost, "/v1/agents", "agents.create");
  create_agent.min_role = "admin";
  create_agent.scope = "agents:write";
  create_agent.success_status = 201;
  create_agent.request_schema = R"({"type":"object"})";
  create_agent.error_statuses = {402};
  router.add(std::move(create_agent));
  Route connect = make(Method::kGet, "/v1/agent/connect", "agent.connect");
  connect.handler = nullptr;
  connect.upgrade = [](const Request&, RequestContext&, std::shared_ptr<UpgradedConnection>) {};
  connect.success_status = 101;
  router.add(std::move(connect));
  add_docs_routes(router, DocsOptions{});
  OpenApiOptions options;
  options.schemas["TokenPair"] = kTokenPair;
  add_openapi_route(router, options);
  return router;
}

json::object document(const Router& router) {
  Request request;
  request.path = request.target = "/openapi.json";
  RequestContext ctx;
  Response r = router.dispatch(request, ctx);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  return json::parse(r.body).as_object();
}

const json::object& op(const json::object& doc, std::string_view path, std::string_view method) {
  return doc.at("paths").at(path).at(method).as_object();
}

std::string lower(Method m) {
  std::string s(method_name(m));
  for (char& c : s)
    c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::set<std::string> response_codes(const json::object& operation) {
  std::set<std::string> out;
  for (const auto& kv : operation.at("responses").as_object())
    out.insert(std::string(kv.key()));
  return out;
}

// Every "$ref" anywhere in `v`, which must all be local ("#/...").
void collect_refs(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      if (kv.key() == "$ref" && kv.value().is_string()) {
        out.emplace_back(kv.value().as_string());
      } else {
        collect_refs(kv.value(), out);
      }
    }
  } else if (v.is_array()) {
    for (const auto& item : v.as_array())
      collect_refs(item, out);
  }
}

TEST_CASE("openapi: the served document describes every route, this one included") {
  Router router = sample_router();
  json::object doc = document(router);
  CHECK(doc.at("openapi") == "3.1.0");
  CHECK(doc.at("info").at("title") == "ScriptMesh");
  CHECK(!doc.at("info").at("version").as_string().empty());
  CHECK(doc.at("servers").at(0).at("url") == "/");

  std::size_t operations = 0;
  for (const auto& kv : doc.at("paths").as_object())
    operations += kv.value().as_object().size();
  CHECK(operations == router.routes().size());
  std::set<std::string> ids;
  for (const Route& route : router.routes()) {
    CAPTURE(route.name);
    const json::object& o = op(doc, route.pattern, lower(route.method));
    CHECK(o.at("operationId").as_string() == route.name);
    CHECK(ids.insert(route.name).second);
    CHECK(!o.at("summary").as_string().empty());
    CHECK(!o.at("tags").as_array().empty());
  }
  CHECK(ids.count("openapi.document") == 1);
  CHECK(doc == openapi_document(router.routes(), [] {
          OpenApiOptions o;
          o.schemas["TokenPair"] = kTokenPair;
          return o;
        }()));
}

TEST_CASE("openapi: path and query parameters") {
  json::object doc = document(sample_router());
  const json::array& params = op(doc, "/v1/users/{id}", "get").at("parameters").as_array();
  REQUIRE(params.size() == 1);
  CHECK(params[0].at("name") == "id");
  CHECK(params[0].at("in") == "path");
  CHECK(params[0].at("required") == true);
  CHECK(params[0].at("schema").at("type") == "string");

  const json::array& query = op(doc, "/v1/cron/preview", "get").at("parameters").as_array();
  REQUIRE(query.size() == 2);
  CHECK(query[0].at("name") == "expr");
  CHECK(query[0].at("in") == "query");
  CHECK(query[0].at("required") == true);
  CHECK(query[0].at("description") == "The cron expression.");
  CHECK(query[1].at("required") == false);
  CHECK(query[1].at("schema").at("minimum") == 1);
  CHECK_FALSE(op(doc, "/v1/me", "get").contains("parameters"));
}

TEST_CASE("openapi: security is none for public routes, bearer token or scoped API key otherwise") {
  json::object doc = document(sample_router());
  CHECK(op(doc, "/healthz", "get").at("security").as_array().empty());
  CHECK(op(doc, "/v1/auth/login", "post").at("security").as_array().empty());
  CHECK(op(doc, "/docs", "get").at("security").as_array().empty());

  json::value scoped = json::parse(R"([{"bearerAuth":[]},{"apiKey":["agents:write"]}])");
  CHECK(op(doc, "/v1/agents", "post").at("security") == scoped);
  json::value any_key = json::parse(R"([{"bearerAuth":[]},{"apiKey":[]}])");
  CHECK(op(doc, "/v1/me", "get").at("security") == any_key);
  CHECK(op(doc, "/v1/agents", "post").at("x-scriptmesh-min-role") == "admin");
  CHECK(op(doc, "/v1/agents", "post").at("x-scriptmesh-api-key-scope") == "agents:write");
  CHECK(op(doc, "/v1/auth/login", "post").at("x-scriptmesh-rate-limit-class") == "login");

  const json::object& schemes = doc.at("components").at("securitySchemes").as_object();
  for (const char* name : {"bearerAuth", "apiKey"}) {
    CAPTURE(name);
    CHECK(schemes.at(name).at("type") == "http");
    CHECK(schemes.at(name).at("scheme") == "bearer");
  }
  CHECK(schemes.at("bearerAuth").at("bearerFormat") == "JWT");
}

TEST_CASE("openapi: the Error schema and the error responses each route can give") {
  json::object doc = document(sample_router());
  const json::object& error = doc.at("components").at("schemas").at("Error").as_object();
  CHECK(error.at("required") == json::array{"error"});
  const json::object& inner = error.at("properties").at("error").as_object();
  CHECK(inner.at("required") == (json::array{"code", "message"}));
  CHECK(inner.at("properties").at("code").at("type") == "string");
  CHECK(inner.at("properties").at("message").at("type") == "string");

  using Codes = std::set<std::string>;
  CHECK(response_codes(op(doc, "/healthz", "get")) == Codes{"200", "429"});
  CHECK(response_codes(op(doc, "/v1/auth/login", "post")) ==
        Codes{"200", "400", "401", "413", "422", "429"});
  CHECK(response_codes(op(doc, "/v1/users/{id}", "get")) ==
        Codes{"200", "401", "403", "404", "429"});
  CHECK(response_codes(op(doc, "/v1/users/{id}", "delete")) ==
        Codes{"204", "401", "403", "404", "409", "429"});
  CHECK(response_codes(op(doc, "/v1/me", "get")) == Codes{"200", "401", "429"});
  CHECK(response_codes(op(doc, "/v1/cron/preview", "get")) == Codes{"200", "401", "422", "429"});
  CHECK(response_codes(op(doc, "/v1/agents", "post")) ==
        Codes{"201", "400", "401", "402", "403", "413", "422", "429"});
  CHECK(response_codes(op(doc, "/v1/agent/connect", "get")) == Codes{"101", "401", "426", "429"});
  CHECK(response_codes(op(doc, "/docs", "get")) == Codes{"200", "429", "503"});

  const json::object& too_many =
      doc.at("components").at("responses").at("TooManyRequests").as_object();
  CHECK(too_many.at("headers").at("Retry-After").at("$ref") == "#/components/headers/RetryAfter");
  CHECK(too_many.at("content").at("application/json").at("schema").at("$ref") ==
        "#/components/schemas/Error");
  CHECK(op(doc, "/v1/users/{id}", "get").at("responses").at("404").at("$ref") ==
        "#/components/responses/NotFound");
}

TEST_CASE("openapi: bodies, success statuses and media types") {
  json::object doc = document(sample_router());
  const json::object& login = op(doc, "/v1/auth/login", "post");
  CHECK(login.at("requestBody").at("required") == true);
  CHECK(login.at("requestBody").at("content").at("application/json").at("schema").at("required") ==
        (json::array{"email", "password"}));
  CHECK(login.at("responses").at("200").at("content").at("application/json").at("schema") ==
        json::parse(R"({"$ref":"#/components/schemas/TokenPair"})"));
  CHECK_FALSE(op(doc, "/v1/me", "get").contains("requestBody"));
  CHECK_FALSE(op(doc, "/v1/users/{id}", "delete")
                  .at("responses")
                  .at("204")
                  .as_object()
                  .contains("content"));
  CHECK(op(doc, "/docs", "get")
            .at("responses")
            .at("200")
            .at("content")
            .as_object()
            .contains("text/html"));
  CHECK(op(doc, "/docs/swagger-ui.css", "get")
            .at("responses")
            .at("200")
            .at("content")
            .as_object()
            .contains("text/css"));
}

TEST_CASE("openapi: every $ref resolves and every tag is declared") {
  json::object doc = document(sample_router());
  std::vector<std::string> refs;
  collect_refs(doc, refs);
  CHECK(!refs.empty());
  json::value whole = doc;
  for (const std::string& ref : refs) {
    CAPTURE(ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    boost::system::error_code ec;
    CHECK(whole.find_pointer(ref.substr(1), ec) != nullptr);
  }
  std::set<std::string> declared;
  for (const auto& tag : doc.at("tags").as_array()) {
    declared.insert(std::string(tag.at("name").as_string()));
    CHECK(!tag.at("description").as_string().empty());
  }
  for (const auto& path : doc.at("paths").as_object()) {
    for (const auto& method : path.value().as_object()) {
      for (const auto& tag : method.value().at("tags").as_array()) {
        CHECK(declared.count(std::string(tag.as_string())) == 1);
      }
    }
  }
  // Only the error responses some route uses are defined (no unused components).
  CHECK_FALSE(doc.at("components").at("responses").as_object().contains("InternalError"));
}

TEST_CASE("openapi: the orchestrator's own table documents every operation") {
  auto text = describe_routes(RouteDocFormat::kOpenApi);
  REQUIRE_OK(text);
  json::value whole = json::parse(*text);
  std::vector<std::string> refs;
  collect_refs(whole, refs);
  for (const std::string& ref : refs) {
    CAPTURE(ref);
    boost::system::error_code ec;
    CHECK(whole.find_pointer(ref.substr(1), ec) != nullptr);
  }
  std::set<std::string> ids;
  for (const auto& path : whole.at("paths").as_object()) {
    for (const auto& method : path.value().as_object()) {
      const json::object& o = method.value().as_object();
      std::string id(o.at("operationId").as_string());
      CAPTURE(id);
      CHECK(ids.insert(id).second);
      // A real summary, not the generator's fallback to the name.
      CHECK(o.at("summary").as_string() != o.at("operationId").as_string());
    }
  }
  for (const char* id : {"health.live", "auth.login", "docs.page", "openapi.document"}) {
    CHECK(ids.count(id) == 1);
  }
}

TEST_CASE("openapi: options set the version and server") {
  Router router;
  add_health_routes(router);
  OpenApiOptions options;
  options.version = "9.8.7";
  options.server_url = "https://scriptmesh.example.com";
  json::object doc = openapi_document(router.routes(), options);
  CHECK(doc.at("info").at("version") == "9.8.7");
  CHECK(doc.at("servers").at(0).at("url") == "https://scriptmesh.example.com");
  CHECK(doc.at("paths").as_object().size() == 2);
  CHECK(op(doc, "/healthz", "get").at("tags") == json::array{"health"});
}

TEST_CASE("openapi: Router::add refuses malformed OpenAPI metadata") {
  auto refused = [](auto edit) {
    Router router;
    Route r = make(Method::kPost, "/v1/things", "things.create");
    edit(r);
    CHECK_THROWS_AS(router.add(std::move(r)), std::invalid_argument);
  };
  refused([](Route& r) { r.request_schema = "{not json"; });
  refused([](Route& r) { r.response_schema = "[1,2]"; });
  refused([](Route& r) { r.success_status = 99; });
  refused([](Route& r) { r.success_status = 404; });
  refused([](Route& r) {
    r.success_status = 204;
    r.response_schema = "{}";
  });
  refused([](Route& r) { r.error_statuses = {302}; });
  refused([](Route& r) { r.tags = {""}; });
  refused([](Route& r) { r.query_params = {{"", R"({"type":"string"})", false, ""}}; });
  refused([](Route& r) {
    r.query_params = {{"a", R"({"type":"string"})", false, ""}, {"a", "{}", false, ""}};
  });
  refused([](Route& r) { r.query_params = {{"a", "string", false, ""}}; });

  Router router;
  Route fine = make(Method::kPost, "/v1/things", "things.create");
  fine.request_schema = R"({"type":"object"})";
  fine.success_status = 201;
  fine.error_statuses = {402, 409};
  fine.tags = {"things"};
  CHECK_NOTHROW(router.add(std::move(fine)));
}

}  // namespace
}  // namespace scriptmesh::http
