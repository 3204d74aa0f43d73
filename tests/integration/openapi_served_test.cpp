// The real orchestrator serves /openapi.json and /docs, and its `openapi`
// subcommand prints the very document the server answers with (both come
// from one route table, http/route_table.hpp).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <boost/json/parse.hpp>

#include "http/docs_routes.hpp"
#include "support/child_process.hpp"
#include "support/orchestrator_fixture.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

using testing::ApiClient;
using testing::TestOrchestrator;
namespace fs = std::filesystem;

std::string run_openapi_command() {
  testing::TempDir logs;
  testing::ChildProcess cli({SCRIPTMESH_ORCHESTRATOR_BIN, "openapi"}, {}, logs.path(), "openapi");
  auto status = cli.wait_exit(std::chrono::seconds(60));
  INFO(cli.stderr_text());
  REQUIRE(status == 0);
  return cli.stdout_text();
}

TEST_CASE("openapi: the server's /openapi.json is what `scriptmesh-orchestrator openapi` prints") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto served = api.get("/openapi.json");
  REQUIRE(served.status == 200);
  CHECK(served.header("Content-Type") == "application/json");
  REQUIRE(served.json.is_object());
  CHECK(served.json.at("openapi") == "3.1.0");
  CHECK(served.json.at("paths").as_object().contains("/v1/auth/login"));
  CHECK(boost::json::parse(run_openapi_command()) == served.json);
}

TEST_CASE("openapi: /docs serves Swagger UI from the build tree's node_modules") {
  // The source tree's node_modules is the last place the server looks
  // (docs_routes.hpp); `make deps` installs swagger-ui-dist there.
  fs::path dist = fs::path(SCRIPTMESH_TEST_DATA_DIR).parent_path().parent_path() / "node_modules" /
                  "swagger-ui-dist";
  TestOrchestrator server;
  ApiClient api(server.port());
  auto page = api.get("/docs");
  if (!http::has_docs_assets(dist)) {
    CHECK(page.status == 503);
    CHECK(page.error_code() == "docs_unavailable");
    return;
  }
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(page.body.find("/docs/swagger-ui-bundle.js") != std::string::npos);
  auto bundle = api.get("/docs/swagger-ui-bundle.js");
  CHECK(bundle.status == 200);
  CHECK(bundle.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(bundle.body.size() == fs::file_size(dist / "swagger-ui-bundle.js"));
  CHECK(api.get("/docs/index.html").status == 404);
  CHECK(api.get("/docs/..%2Fpackage.json").status == 404);
}

}  // namespace
}  // namespace scriptmesh
