#include "http/metrics_route.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

namespace scriptmesh::http {
namespace {

Router metrics_router(std::string token) {
  Router router;
  MetricsRouteOptions options;
  options.render = [] { return std::string("scriptmesh_build_info 1\n"); };
  options.bearer_token = std::move(token);
  add_metrics_route(router, std::move(options));
  return router;
}

Response scrape(const Router& router, std::string client, std::string authorization = {}) {
  Request request;
  request.method = Method::kGet;
  request.target = "/metrics";
  request.path = "/metrics";
  request.client_address = std::move(client);
  if (!authorization.empty()) request.headers.set("Authorization", authorization);
  RequestContext ctx;
  return router.dispatch(request, ctx);
}

std::string error_code(const Response& r) {
  return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
}

TEST_CASE("metrics route: without a token, loopback scrapers only") {
  Router router = metrics_router("");
  for (const char* client : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    CAPTURE(client);
    CHECK(scrape(router, client).status == 200);
  }
  // Whatever is not a loopback address, including an unparsable one.
  for (const char* client : {"remote-peer", "", "127.0.0.1.example.test"}) {
    CAPTURE(client);
    Response r = scrape(router, client);
    CHECK(r.status == 403);
    CHECK(error_code(r) == "metrics_loopback_only");
    CHECK(r.body.find("scriptmesh_build_info") == std::string::npos);
  }
}

TEST_CASE("metrics route: with a token, every client needs it, loopback too") {
  Router router = metrics_router("t0ken");
  CHECK(scrape(router, "remote-peer", "Bearer t0ken").status == 200);
  CHECK(scrape(router, "127.0.0.1").status == 401);
  CHECK(scrape(router, "remote-peer", "Bearer wrong").status == 401);
}

}  // namespace
}  // namespace scriptmesh::http
