#include "http/web_routes.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <boost/json.hpp>

#include "support/temp_dir.hpp"

namespace scriptmesh::http {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A stand-in for `vite build`'s output, next to a file that must never be
// served.
fs::path fake_dist(const testing::TempDir& tmp) {
  fs::path dist = tmp / "dist";
  write_file(dist / "index.html", "<!doctype html><title>app</title>");
  write_file(dist / "assets" / "index-abc123.js", "console.log(1)");
  write_file(dist / "assets" / "index-abc123.css", "body{}");
  write_file(dist / "favicon.svg", "<svg/>");
  write_file(tmp / "secret.txt", "never served");
  return dist;
}

Router web_router(const fs::path& dir) {
  Router router;
  Route api;
  api.pattern = "/v1/jobs";
  api.name = "jobs.list";
  api.handler = [](const Request&, RequestContext&) { return text_response(200, "jobs"); };
  router.add(std::move(api));
  add_web_routes(router, WebOptions{dir});
  return router;
}

Response get(const Router& router, std::string path, Method method = Method::kGet) {
  Request request;
  request.method = method;
  request.target = path;
  request.path = std::move(path);
  RequestContext ctx;
  return router.dispatch(request, ctx);
}

std::string error_code(const Response& r) {
  return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
}

void check_ui_headers(const Response& r) {
  CHECK(r.headers.get("Content-Security-Policy") == web_content_security_policy());
  CHECK(r.headers.get("X-Content-Type-Options") == "nosniff");
  CHECK(r.headers.get("Referrer-Policy") == "no-referrer");
}

TEST_CASE("web: / and deep links answer index.html, not cached, with the strict headers") {
  testing::TempDir tmp;
  Router router = web_router(fake_dist(tmp));
  for (const char* path : {"/", "/login", "/jobs/job_01abc", "/reset-password", "/index.html",
                           "/agents/agt_1/", "/a%20b"}) {
    CAPTURE(path);
    Response r = get(router, path);
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body == "<!doctype html><title>app</title>");
    CHECK(r.headers.get("Cache-Control") == "no-cache");
    check_ui_headers(r);
  }
  CHECK(get(router, "/jobs/x", Method::kHead).status == 200);
}

TEST_CASE("web: the policy forbids inline script, eval, framing and other origins") {
  std::string csp(web_content_security_policy());
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe") == std::string::npos);
  CHECK(csp.find("http") == std::string::npos);
}

TEST_CASE("web: hashed assets are cached for a year, other files revalidated") {
  testing::TempDir tmp;
  Router router = web_router(fake_dist(tmp));
  Response js = get(router, "/assets/index-abc123.js");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == "console.log(1)");
  CHECK(js.headers.get("Cache-Control") == "public, max-age=31536000, immutable");
  check_ui_headers(js);
  CHECK(get(router, "/assets/index-abc123.css").content_type == "text/css; charset=utf-8");
  Response icon = get(router, "/favicon.svg");
  CHECK(icon.content_type == "image/svg+xml");
  CHECK(icon.headers.get("Cache-Control") == "no-cache");

  Response missing = get(router, "/assets/gone-123.js");
  CHECK(missing.status == 404);
  check_ui_headers(missing);
}

TEST_CASE("web: paths that climb out of the directory are refused") {
  testing::TempDir tmp;
  Router router = web_router(fake_dist(tmp));
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                           "/assets/%2E%2E/%2E%2E/secret.txt", "/./index.html", "/a%5c..%5csecret",
                           "/a%00b", "/..%2fsecret.txt"}) {
    CAPTURE(path);
    Response r = get(router, path);
    CHECK(r.status == 400);
    CHECK(error_code(r) == "invalid_path");
    CHECK(r.body.find("never served") == std::string::npos);
    check_ui_headers(r);
  }
}

TEST_CASE("web: the API, docs, metrics and health paths keep their own answers") {
  testing::TempDir tmp;
  Router router = web_router(fake_dist(tmp));
  CHECK(get(router, "/v1/jobs").body == "jobs");
  for (const char* path : {"/v1", "/v1/nothing", "/v1/jobs/x/y/z", "/docs", "/docs/index.html",
                           "/metrics", "/healthz", "/readyz", "/openapi.json"}) {
    CAPTURE(path);
    Response r = get(router, path);
    CHECK(r.status == 404);
    CHECK(error_code(r) == "not_found");
  }
  // Only GET and HEAD fall back to the app.
  CHECK(get(router, "/jobs", Method::kPost).status == 404);
  CHECK(get(router, "/v1x").status == 200);
  CHECK(get(router, "/docsy").status == 200);
}

TEST_CASE("web: is_web_app_path") {
  CHECK(is_web_app_path("/"));
  CHECK(is_web_app_path("/jobs/1"));
  CHECK(is_web_app_path("/metricsx"));
  CHECK_FALSE(is_web_app_path("/v1/jobs"));
  CHECK_FALSE(is_web_app_path("/docs/swagger-ui.css"));
  CHECK_FALSE(is_web_app_path("/healthz"));
  CHECK_FALSE(is_web_app_path("/openapi.json"));
  CHECK_FALSE(is_web_app_path(""));
}

TEST_CASE("web: without a build, a clear page says so and the API still answers") {
  testing::TempDir tmp;
  for (const fs::path& dir : {fs::path(), tmp / "nothing-here"}) {
    Router router = web_router(dir);
    Response r = get(router, "/jobs/1");
    CHECK(r.status == 503);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body.find("dashboard was not built") != std::string::npos);
    CHECK(r.body.find("SCRIPTMESH_WEB_ASSETS") != std::string::npos);
    check_ui_headers(r);
    CHECK(get(router, "/v1/jobs").body == "jobs");
  }
}

TEST_CASE("web: where the files are looked for") {
  auto c = web_assets_candidates("/opt/web", "/usr/local/bin/scriptmesh-orchestrator");
  REQUIRE(c.size() >= 2);
  CHECK(c[0] == "/opt/web");
  CHECK(c[1] == "/usr/local/share/scriptmesh/web");
  CHECK(web_assets_candidates("", "").size() == c.size() - 2);
  testing::TempDir tmp;
  fs::path dist = fake_dist(tmp);
  CHECK(find_web_assets_dir(dist.string()) == dist);
}

TEST_CASE("web: a symbolic link in the directory is not followed") {
  testing::TempDir tmp;
  fs::path dist = fake_dist(tmp);
  fs::create_symlink(tmp / "secret.txt", dist / "leak.txt");
  Router router = web_router(dist);
  CHECK(get(router, "/leak.txt").body.find("never served") == std::string::npos);
}

}  // namespace
}  // namespace scriptmesh::http
