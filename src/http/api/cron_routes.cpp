// GET /v1/cron/preview: reads and bounds the query, then asks next_runs().
#include "http/api/cron_routes.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/cron.hpp"

namespace scriptmesh::http::api {
namespace {

Result<WallTime> from_param(const Request& request, const Clock& clock) {
  auto text = request.query_param("from");
  if (!text) return clock.now();
  auto from = parse_rfc3339(*text);
  if (!from.ok()) {
    return field_error("from",
                       "must be an RFC 3339 time, years 1970..2261, such as 2026-03-08T07:00:00Z");
  }
  return *from;
}

Result<int> count_param(const Request& request) {
  auto text = request.query_param("count");
  if (!text) return kDefaultCronPreviewRuns;
  int count = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), count);
  if (ec != std::errc() || end != text->data() + text->size() || count < 1 ||
      count > kMaxCronPreviewRuns) {
    return field_error("count",
                       fmt::format("must be an integer between 1 and {}", kMaxCronPreviewRuns));
  }
  return count;
}

}  // namespace

Response preview_cron(Clock& clock, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    SCRIPTMESH_RETURN_IF_ERROR(caller(ctx));
    auto text = request.query_param("expr");
    if (!text || text->empty()) return field_error("expr", "is required");
    auto expr = parse_cron(*text);
    SCRIPTMESH_RETURN_IF_ERROR(expr);
    const std::string tz(request.query_param("tz").value_or("UTC"));
    auto from = from_param(request, clock);
    SCRIPTMESH_RETURN_IF_ERROR(from);
    auto count = count_param(request);
    SCRIPTMESH_RETURN_IF_ERROR(count);
    auto runs = next_runs(*expr, tz, *from, *count);
    SCRIPTMESH_RETURN_IF_ERROR(runs);
    boost::json::array out;
    for (WallTime t : *runs)
      out.emplace_back(format_rfc3339(t));
    return json_response(200, boost::json::object{{"runs", std::move(out)}});
  }());
}

Response preview_cron(ApiServices& s, const Request& request, RequestContext& ctx) {
  return preview_cron(s.clock, request, ctx);
}

}  // namespace scriptmesh::http::api
