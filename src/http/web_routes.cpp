#include "http/web_routes.hpp"

#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "http/json_body.hpp"
#include "http/url.hpp"

namespace scriptmesh::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Guards against serving whatever a wrong directory holds (a home directory,
// a node_modules): the built app is well under a megabyte in a few files.
constexpr std::uintmax_t kMaxTotalBytes = 64 * 1024 * 1024;
constexpr std::size_t kMaxFiles = 2000;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

constexpr std::string_view kNotBuiltPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ScriptMesh: dashboard not built</title>
</head>
<body>
<main>
<h1>The ScriptMesh dashboard was not built</h1>
<p>This orchestrator found no built web app, so it serves the API only. The API
works as usual: see <a href="/docs">/docs</a> and <a href="/openapi.json">/openapi.json</a>.</p>
<p>To get the dashboard, build it (<code>make demo</code>, or the CMake target
<code>scriptmesh_web</code>, which runs <code>vite build</code>), or point the
<code>web_assets</code> setting (<code>--web-assets</code>,
<code>SCRIPTMESH_WEB_ASSETS</code>) at a directory holding its
<code>index.html</code>, then restart the orchestrator.</p>
</main>
</body>
</html>
)";

std::string_view media_type_of(const fs::path& file) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

struct WebFile {
  std::string body;
  std::string_view media_type;
  bool immutable = false;  // under assets/, named by content hash
};

// URL path ("/assets/index-3f2a.js") -> file.
using WebFiles = std::map<std::string, WebFile, std::less<>>;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

// Null when there is no index.html, or the directory is implausibly large.
// Symbolic links are not followed: only what the build wrote is served.
std::shared_ptr<const WebFiles> load_files(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_regular_file(dir / "index.html", ec)) return nullptr;
  auto files = std::make_shared<WebFiles>();
  std::uintmax_t total = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    total += it->file_size(ec);
    if (ec || total > kMaxTotalBytes || files->size() >= kMaxFiles) return nullptr;
    auto body = read_file(it->path());
    if (!body) return nullptr;
    fs::path rel = it->path().lexically_relative(dir);
    WebFile file{std::move(*body), media_type_of(it->path()),
                 rel.begin() != rel.end() && *rel.begin() == "assets"};
    files->emplace("/" + rel.generic_string(), std::move(file));
  }
  if (ec) return nullptr;
  return files;
}

void set_ui_headers(Response& r, std::string_view cache) {
  r.headers.set("Content-Security-Policy", std::string(kCsp));
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Referrer-Policy", "no-referrer");
  r.headers.set("X-Frame-Options", "DENY");
  r.headers.set("Cache-Control", std::string(cache));
}

Response ui_error(const Error& error) {
  Response r = error_response(error);
  set_ui_headers(r, "no-store");
  return r;
}

// The decoded path, or an error for one that tries to climb or confuse:
// "." and ".." segments, backslashes, NUL and bad escapes.
Result<std::string> clean_path(std::string_view encoded) {
  auto decoded = percent_decode(encoded, false);
  if (!decoded.ok()) return Error::invalid_argument("invalid_path", "malformed path");
  for (std::string_view segment : split_path(*decoded)) {
    if (segment == "." || segment == "..") {
      return Error::invalid_argument("invalid_path", "the path may not hold . or .. segments");
    }
  }
  if (decoded->find_first_of(std::string_view("\\\0", 2)) != std::string::npos) {
    return Error::invalid_argument("invalid_path", "the path may not hold a backslash or NUL");
  }
  return decoded;
}

Response serve(const WebFiles& files, const Request& request) {
  auto path = clean_path(request.path);
  if (!path.ok()) return ui_error(path.error());
  auto it = files.find(*path);
  if (it == files.end() || *path == "/index.html") {
    if (path->starts_with("/assets/")) {
      return ui_error(Error::not_found("not_found", "no such file in the dashboard"));
    }
    it = files.find("/index.html");
  }
  const WebFile& file = it->second;
  Response r = text_response(200, file.body, std::string(file.media_type));
  set_ui_headers(r, file.immutable ? kImmutable : std::string_view("no-cache"));
  return r;
}

bool is_or_under(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

}  // namespace

std::string_view web_content_security_policy() {
  return kCsp;
}

bool is_web_app_path(std::string_view path) {
  for (std::string_view api : {"/v1", "/docs"}) {
    if (is_or_under(path, api)) return false;
  }
  for (std::string_view exact : {"/metrics", "/healthz", "/readyz", "/openapi.json"}) {
    if (path == exact) return false;
  }
  return path.starts_with('/');
}

std::vector<fs::path> web_assets_candidates(std::string_view configured, const fs::path& exe_path) {
  std::vector<fs::path> out;
  if (!configured.empty()) out.emplace_back(configured);
  if (!exe_path.empty()) {
    out.push_back(exe_path.parent_path().parent_path() / "share" / "scriptmesh" / "web");
  }
#ifdef SCRIPTMESH_WEB_DIST_DIR
  out.emplace_back(SCRIPTMESH_WEB_DIST_DIR);
#endif
  return out;
}

fs::path find_web_assets_dir(std::string_view configured) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe.clear();
  for (const fs::path& dir : web_assets_candidates(configured, exe)) {
    if (fs::is_regular_file(dir / "index.html", ec)) return dir;
  }
  return {};
}

void add_web_routes(Router& router, WebOptions options) {
  std::shared_ptr<const WebFiles> files = load_files(options.assets_dir);
  Route app;
  app.pattern = "/";
  app.name = "web.app";
  app.public_route = true;
  app.tags = {"web"};
  app.summary =
      "The web dashboard (index.html); every GET path outside /v1, /docs, /metrics, /healthz, "
      "/readyz and /openapi.json serves it too, or one of its files";
  app.response_media_type = "text/html";
  app.response_schema = R"({"type":"string"})";
  app.error_statuses = {400, 404, 503};
  app.handler = [files](const Request& request, RequestContext&) {
    if (!files) {
      Response r = text_response(503, std::string(kNotBuiltPage), "text/html; charset=utf-8");
      set_ui_headers(r, "no-store");
      return r;
    }
    return serve(*files, request);
  };
  router.add(std::move(app));
  router.set_fallback("web.app", is_web_app_path);
}

}  // namespace scriptmesh::http
