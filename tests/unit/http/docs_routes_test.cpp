#include "http/docs_routes.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <boost/json.hpp>

#include "support/temp_dir.hpp"

namespace scriptmesh::http {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A stand-in for node_modules/swagger-ui-dist: each file holds its own name,
// next to files the routes must never serve.
void fake_swagger_ui(const fs::path& dir) {
  fs::create_directories(dir);
  for (std::string_view file : docs_asset_files())
    write_file(dir / file, "content of " + std::string(file));
  write_file(dir / "index.html", "not allow-listed");
  write_file(dir / "swagger-ui.css.map", "not allow-listed");
  write_file(dir.parent_path() / "secret.txt", "never served");
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

TEST_CASE("docs: the page loads Swagger UI from /docs and points it at /openapi.json") {
  testing::TempDir tmp;
  fake_swagger_ui(tmp / "swagger-ui-dist");
  Router router;
  add_docs_routes(router, DocsOptions{tmp / "swagger-ui-dist"});

  Response page = get(router, "/docs");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  for (const char* link : {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js",
                           "/docs/swagger-ui-standalone-preset.js", "/docs/init.js"}) {
    CAPTURE(link);
    CHECK(page.body.find(link) != std::string::npos);
  }
  // No inline script, so the policy can forbid them.
  CHECK(page.body.find("<script>") == std::string::npos);
  auto csp = page.headers.get("Content-Security-Policy");
  REQUIRE(csp.has_value());
  CHECK(csp->find("script-src 'self'") != std::string_view::npos);
  CHECK(page.headers.get("X-Content-Type-Options") == "nosniff");

  Response init = get(router, "/docs/init.js");
  CHECK(init.status == 200);
  CHECK(init.content_type == "text/javascript; charset=utf-8");
  CHECK(init.body.find("url: \"/openapi.json\"") != std::string::npos);
  CHECK(init.body.find("validatorUrl: null") != std::string::npos);
  CHECK(get(router, "/docs", Method::kHead).status == 200);
}

TEST_CASE("docs: each asset is served from the directory with its content type") {
  testing::TempDir tmp;
  fake_swagger_ui(tmp / "dist");
  Router router;
  add_docs_routes(router, DocsOptions{tmp / "dist"});
  struct Case {
    const char* file;
    const char* type;
  };
  for (Case c : {Case{"swagger-ui.css", "text/css; charset=utf-8"},
                 Case{"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
                 Case{"swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
                 Case{"favicon-32x32.png", "image/png"}}) {
    CAPTURE(c.file);
    Response r = get(router, std::string("/docs/") + c.file);
    CHECK(r.status == 200);
    CHECK(r.content_type == c.type);
    CHECK(r.body == std::string("content of ") + c.file);
    CHECK(r.headers.get("X-Content-Type-Options") == "nosniff");
  }
}

TEST_CASE("docs: nothing outside the allow-list is reachable") {
  testing::TempDir tmp;
  fake_swagger_ui(tmp / "dist");
  Router router;
  add_docs_routes(router, DocsOptions{tmp / "dist"});
  for (const char* path :
       {"/docs/index.html", "/docs/swagger-ui.css.map", "/docs/../secret.txt",
        "/docs/..%2Fsecret.txt", "/docs/%2e%2e%2fsecret.txt", "/docs/%2E%2E/secret.txt",
        "/docs/swagger-ui.css%00", "/docs/swagger-ui.css/", "/docs//swagger-ui.css",
        "/docs/dist/swagger-ui.css", "/docs/%2Fetc%2Fpasswd", "/docs/SWAGGER-UI.CSS",
        "/docs/swagger-ui.css%2F..%2F..%2Fsecret.txt"}) {
    CAPTURE(path);
    Response r = get(router, path);
    CHECK(r.status == 404);
    CHECK(r.body.find("never served") == std::string::npos);
  }
}

TEST_CASE("docs: without swagger-ui-dist the page answers 503 naming the package") {
  testing::TempDir tmp;
  fake_swagger_ui(tmp / "partial");
  fs::remove(tmp / "partial" / "swagger-ui-bundle.js");
  for (fs::path dir : {fs::path(), tmp / "missing", tmp / "partial"}) {
    CAPTURE(dir);
    Router router;
    add_docs_routes(router, DocsOptions{dir});
    for (const char* path : {"/docs", "/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js"}) {
      CAPTURE(path);
      Response r = get(router, path);
      CHECK(r.status == 503);
      CHECK(r.content_type == "application/json");
      CHECK(error_code(r) == "docs_unavailable");
      CHECK(r.body.find("swagger-ui-dist") != std::string::npos);
    }
    CHECK(get(router, "/docs/init.js").status == 200);
  }
}

TEST_CASE("docs: the assets directory search order") {
  auto c = docs_assets_candidates("/opt/assets", "/usr/local/bin/scriptmesh-orchestrator");
  REQUIRE(c.size() >= 2);
  CHECK(c[0] == "/opt/assets");
  CHECK(c[1] == "/usr/local/share/scriptmesh/swagger-ui");
  if (c.size() == 3) CHECK(c[2].filename() == "swagger-ui-dist");

  auto unset = docs_assets_candidates(nullptr, "/usr/local/bin/scriptmesh-orchestrator");
  CHECK(unset.front() == "/usr/local/share/scriptmesh/swagger-ui");
  CHECK(docs_assets_candidates("", "").size() == c.size() - 2);

  testing::TempDir tmp;
  CHECK_FALSE(has_docs_assets(tmp.path()));
  CHECK_FALSE(has_docs_assets(""));
  fake_swagger_ui(tmp / "dist");
  CHECK(has_docs_assets(tmp / "dist"));

  const char* before = std::getenv("SCRIPTMESH_DOCS_ASSETS");
  std::string saved = before ? before : "";
  setenv("SCRIPTMESH_DOCS_ASSETS", (tmp / "dist").c_str(), 1);
  CHECK(find_docs_assets_dir() == tmp / "dist");
  if (before) {
    setenv("SCRIPTMESH_DOCS_ASSETS", saved.c_str(), 1);
  } else {
    unsetenv("SCRIPTMESH_DOCS_ASSETS");
  }
}

}  // namespace
}  // namespace scriptmesh::http
