// The web dashboard: the built single-page app (web/, `vite build`) served at
// "/" and at every path outside the API, so a deep link such as
// "/jobs/job_01..." or an e-mailed "/reset-password?token=..." opens the app,
// which then routes in the browser.
//
//   GET /                 index.html (text/html, Cache-Control: no-cache)
//   GET <any other path>  a file of the build when there is one; a file under
//                         /assets/ (Vite names them by content hash) is cached
//                         for a year, anything else is revalidated; a missing
//                         /assets/ file is 404; any other path is index.html.
//
// Paths that are never the app: /v1 and everything under it, /metrics,
// /healthz, /readyz, /docs and everything under it, /openapi.json. They keep
// their own 404s.
//
// The files are read once, when the routes are added, into memory (the app is
// a few hundred KiB): only a regular file found then under the directory can
// ever be served, so no request path reaches the file system. A path holding
// a "." or ".." segment, or a backslash or NUL once decoded, is refused with
// 400 "invalid_path". Rebuilding the app needs a restart to be served.
//
// Every answer of these routes carries a strict Content-Security-Policy (no
// inline script, no eval, nothing from another origin), nosniff,
// Referrer-Policy: no-referrer and frame-ancestors 'none'.
//
// When the directory holds no index.html, every app path answers 503 with a
// small HTML page saying the dashboard was not built; the API is unaffected.
//
// Where the files are found: find_web_assets_dir() tries, in order,
//   1. the `web_assets` setting (--web-assets, $SCRIPTMESH_WEB_ASSETS);
//   2. <directory of the running executable>/../share/scriptmesh/web
//      (an installed orchestrator);
//   3. the build tree's web/dist (compiled in as SCRIPTMESH_WEB_DIST_DIR,
//      where the scriptmesh_web target writes `vite build`'s output);
// and takes the first that holds an index.html.
//
// Thread safety: the handlers only read data fixed when the routes were added.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace scriptmesh::http {

struct WebOptions {
  // The built app (index.html and assets/); empty or without index.html =
  // the "not built" page.
  std::filesystem::path assets_dir;
};

// The Content-Security-Policy of every dashboard answer.
std::string_view web_content_security_policy();

// True when `path` (encoded, no query) is one the app answers: not /v1/...,
// /metrics, /healthz, /readyz, /docs... or /openapi.json.
bool is_web_app_path(std::string_view path);

// The candidate directories, in search order, for the configured value
// ("" = unset) and the running executable's path ("" = unknown).
std::vector<std::filesystem::path> web_assets_candidates(std::string_view configured,
                                                         const std::filesystem::path& exe_path);

// The first candidate holding an index.html, from `configured` and
// /proc/self/exe; empty when none does.
std::filesystem::path find_web_assets_dir(std::string_view configured);

// Adds "web.app" (GET /) and makes it the router's fallback for app paths.
// Reads the files now.
void add_web_routes(Router& router, WebOptions options);

}  // namespace scriptmesh::http
