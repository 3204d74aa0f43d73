// GET /docs: Swagger UI over GET /openapi.json.
//
// Swagger UI is the npm package swagger-ui-dist, installed by `make deps`
// (scripts/install-deps.sh runs `npm ci`) and never vendored into the tree.
// The orchestrator serves a small page of its own plus these files of the
// package, each as its own literal route, so a path can only ever name one of
// them (no file name comes from the request; "/docs/../x" matches nothing):
//
//   GET /docs                                  the page (text/html)
//   GET /docs/init.js                          starts Swagger UI (ours)
//   GET /docs/swagger-ui.css                   from swagger-ui-dist
//   GET /docs/swagger-ui-bundle.js             from swagger-ui-dist
//   GET /docs/swagger-ui-standalone-preset.js  from swagger-ui-dist
//   GET /docs/favicon-32x32.png                from swagger-ui-dist
//
// The package's files are read once, when the routes are added. When any is
// missing, the page and the package files answer 503 "docs_unavailable"
// saying that swagger-ui-dist is not installed; the rest of the API is
// unaffected.
//
// Where the files are found: find_docs_assets_dir() tries, in order,
//   1. $SCRIPTMESH_DOCS_ASSETS;
//   2. <directory of the running executable>/../share/scriptmesh/swagger-ui
//      (an installed orchestrator);
//   3. <source tree>/node_modules/swagger-ui-dist (a build tree; the source
//      directory is compiled in as SCRIPTMESH_SOURCE_DIR);
// and takes the first that holds every file.
//
// Thread safety: the handlers only read data fixed when the routes were added.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace scriptmesh::http {

struct DocsOptions {
  // Directory holding swagger-ui-dist's files; empty or incomplete = 503.
  std::filesystem::path assets_dir;
  // The document the page shows.
  std::string spec_url = "/openapi.json";
};

// The swagger-ui-dist files the routes serve, by file name.
const std::vector<std::string_view>& docs_asset_files();

// True when `dir` holds every file of docs_asset_files().
bool has_docs_assets(const std::filesystem::path& dir);

// The candidate directories, in search order, for an environment value
// (nullptr or "" = unset) and the running executable's path ("" = unknown).
std::vector<std::filesystem::path> docs_assets_candidates(const char* env_value,
                                                          const std::filesystem::path& exe_path);

// The first candidate that has_docs_assets(), from $SCRIPTMESH_DOCS_ASSETS and
// /proc/self/exe; empty when none does.
std::filesystem::path find_docs_assets_dir();

// Adds the public routes listed above ("docs.*"). Reads the files now.
void add_docs_routes(Router& router, DocsOptions options);

}  // namespace scriptmesh::http
