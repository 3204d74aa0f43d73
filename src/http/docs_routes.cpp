#include "http/docs_routes.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include "http/json_body.hpp"

namespace scriptmesh::http {
namespace {

namespace fs = std::filesystem;

struct Asset {
  std::string_view file;
  std::string_view route_name;
  std::string_view media_type;
  std::string_view summary;
};

constexpr Asset kAssets[] = {
    {"swagger-ui.css", "docs.css", "text/css; charset=utf-8", "Swagger UI's style sheet"},
    {"swagger-ui-bundle.js", "docs.bundle", "text/javascript; charset=utf-8",
     "Swagger UI's script"},
    {"swagger-ui-standalone-preset.js", "docs.preset", "text/javascript; charset=utf-8",
     "Swagger UI's standalone layout script"},
    {"favicon-32x32.png", "docs.favicon", "image/png", "Swagger UI's icon"},
};

// Far above the real files (the bundle is under 2 MB); a guard against
// serving whatever huge file a wrong directory might hold.
constexpr std::uintmax_t kMaxAssetBytes = 16 * 1024 * 1024;

// Swagger UI needs inline styles (it sets them at run time) and data: images
// (its CSS embeds some); scripts come only from this origin, so the page
// holds no inline script. The validator badge would load an image from
// swagger.io, so it is turned off in init.js rather than allowed here.
constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ScriptMesh API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
)";

std::string init_script(const std::string& spec_url) {
  std::string url = boost::json::serialize(boost::json::string(spec_url));
  return fmt::format(
      "window.addEventListener('load', function () {{\n"
      "  window.ui = SwaggerUIBundle({{\n"
      "    url: {},\n"
      "    dom_id: '#swagger-ui',\n"
      "    deepLinking: true,\n"
      "    validatorUrl: null,\n"
      "    persistAuthorization: false,\n"
      "    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],\n"
      "    layout: 'StandaloneLayout'\n"
      "  }});\n"
      "}});\n",
      url);
}

std::optional<std::string> read_small_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxAssetBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return data;
}

// The contents of each file, parallel to kAssets.
using AssetData = std::vector<std::string>;

// Null when any file is missing, unreadable or implausibly large.
std::shared_ptr<const AssetData> load_assets(const fs::path& dir) {
  if (dir.empty()) return nullptr;
  auto data = std::make_shared<AssetData>();
  for (const Asset& asset : kAssets) {
    auto content = read_small_file(dir / asset.file);
    if (!content) return nullptr;
    data->push_back(std::move(*content));
  }
  return data;
}

Response unavailable() {
  return error_response(Error::unavailable(
      "docs_unavailable",
      "Swagger UI is not installed: the npm package swagger-ui-dist was not found. Run `make "
      "deps`, or set SCRIPTMESH_DOCS_ASSETS to its directory; /openapi.json is served "
      "regardless."));
}

Response static_response(std::string body, std::string_view media_type, std::string_view cache) {
  Response r = text_response(200, std::move(body), std::string(media_type));
  r.headers.set("Cache-Control", std::string(cache));
  r.headers.set("X-Content-Type-Options", "nosniff");
  return r;
}

Route docs_route(std::string pattern, std::string_view name, std::string_view summary,
                 std::string_view media_type, bool can_be_unavailable) {
  Route route;
  route.pattern = std::move(pattern);
  route.name = std::string(name);
  route.public_route = true;
  route.tags = {"docs"};
  route.summary = std::string(summary);
  route.response_media_type = std::string(media_type);
  route.response_schema = R"({"type":"string"})";
  if (can_be_unavailable) route.error_statuses = {503};
  return route;
}

}  // namespace

const std::vector<std::string_view>& docs_asset_files() {
  static const std::vector<std::string_view> files = [] {
    std::vector<std::string_view> out;
    for (const Asset& asset : kAssets)
      out.push_back(asset.file);
    return out;
  }();
  return files;
}

bool has_docs_assets(const fs::path& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  for (const Asset& asset : kAssets) {
    if (!fs::is_regular_file(dir / asset.file, ec)) return false;
  }
  return true;
}

std::vector<fs::path> docs_assets_candidates(const char* env_value, const fs::path& exe_path) {
  std::vector<fs::path> out;
  if (env_value != nullptr && *env_value != '\0') out.emplace_back(env_value);
  if (!exe_path.empty()) {
    out.push_back(exe_path.parent_path().parent_path() / "share" / "scriptmesh" / "swagger-ui");
  }
#ifdef SCRIPTMESH_SOURCE_DIR
  out.push_back(fs::path(SCRIPTMESH_SOURCE_DIR) / "node_modules" / "swagger-ui-dist");
#endif
  return out;
}

fs::path find_docs_assets_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe.clear();
  for (const fs::path& dir : docs_assets_candidates(std::getenv("SCRIPTMESH_DOCS_ASSETS"), exe)) {
    if (has_docs_assets(dir)) return dir;
  }
  return {};
}

void add_docs_routes(Router& router, DocsOptions options) {
  std::shared_ptr<const AssetData> assets = load_assets(options.assets_dir);

  Route page = docs_route("/docs", "docs.page", "Interactive API documentation (Swagger UI)",
                          "text/html", true);
  page.handler = [assets](const Request&, RequestContext&) {
    if (!assets) return unavailable();
    Response r = static_response(std::string(kPage), "text/html; charset=utf-8", "no-cache");
    r.headers.set("Content-Security-Policy", std::string(kPageCsp));
    r.headers.set("Referrer-Policy", "no-referrer");
    return r;
  };
  router.add(std::move(page));

  Route init = docs_route("/docs/init.js", "docs.init", "Starts Swagger UI on /openapi.json",
                          "text/javascript", false);
  init.handler = [script = init_script(options.spec_url)](const Request&, RequestContext&) {
    return static_response(script, "text/javascript; charset=utf-8", "no-cache");
  };
  router.add(std::move(init));

  for (std::size_t i = 0; i < std::size(kAssets); ++i) {
    const Asset& asset = kAssets[i];
    Route route = docs_route(fmt::format("/docs/{}", asset.file), asset.route_name, asset.summary,
                             asset.media_type.substr(0, asset.media_type.find(';')), true);
    route.handler = [assets, i](const Request&, RequestContext&) {
      if (!assets) return unavailable();
      return static_response((*assets)[i], kAssets[i].media_type, "public, max-age=3600");
    };
    router.add(std::move(route));
  }
}

}  // namespace scriptmesh::http
