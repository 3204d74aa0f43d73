#include "http/metrics_route.hpp"

#include <utility>

#include "http/json_body.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh::http {
namespace {

bool authorized(const Request& request, const std::string& token) {
  if (token.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  auto header = request.header("Authorization");
  if (!header || !header->starts_with(kBearer)) return false;
  return constant_time_equal(header->substr(kBearer.size()), token);
}

}  // namespace

void add_metrics_route(Router& router, MetricsRouteOptions options) {
  Route route;
  route.pattern = "/metrics";
  route.name = "metrics";
  route.public_route = true;
  route.rate_limit_class = "health";
  route.summary =
      "Prometheus metrics in the text exposition format (a bearer token when the "
      "orchestrator is configured with metrics_token)";
  route.response_media_type = std::string(kPrometheusContentType);
  route.response_schema = R"({"type":"string","description":"Prometheus text format 0.0.4"})";
  route.error_statuses = {401, 503};
  route.handler = [options = std::move(options)](const Request& request, RequestContext&) {
    if (!options.render) {
      return error_response(Error::unavailable("unavailable", "metrics are not served here"));
    }
    if (!authorized(request, options.bearer_token)) {
      Response refused = error_response(
          Error::unauthenticated("invalid_credentials", "a valid bearer token is required"));
      refused.headers.set("WWW-Authenticate", "Bearer");
      return refused;
    }
    Response r = text_response(200, options.render(), std::string(kPrometheusContentType));
    r.headers.set("Cache-Control", "no-store");
    return r;
  };
  router.add(std::move(route));
}

}  // namespace scriptmesh::http
