#include "http/metrics_route.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <utility>

#include "http/json_body.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh::http {
namespace {

// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: a scraper on this machine.
bool is_loopback_client(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  std::array<std::uint8_t, 16> v6{};
  if (::inet_pton(AF_INET6, address.c_str(), v6.data()) != 1) return false;
  bool zeros = true;
  for (int i = 0; i < 10; ++i)
    zeros = zeros && v6[i] == 0;
  if (zeros && v6[10] == 0xff && v6[11] == 0xff) return v6[12] == 127;
  if (zeros && v6[10] == 0 && v6[11] == 0 && v6[12] == 0 && v6[13] == 0 && v6[14] == 0) {
    return v6[15] == 1;
  }
  return false;
}

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
      "Prometheus metrics in the text exposition format: a bearer token when the orchestrator "
      "is configured with metrics_token, else from loopback only (403 metrics_loopback_only)";
  route.response_media_type = std::string(kPrometheusContentType);
  route.response_schema = R"({"type":"string","description":"Prometheus text format 0.0.4"})";
  route.error_statuses = {401, 403, 503};
  route.handler = [options = std::move(options)](const Request& request, RequestContext&) {
    if (!options.render) {
      return error_response(Error::unavailable("unavailable", "metrics are not served here"));
    }
    // Platform-wide figures: without a token they are for this machine only.
    if (options.bearer_token.empty() && !is_loopback_client(request.client_address)) {
      return error_response(Error::permission_denied(
          "metrics_loopback_only",
          "/metrics answers other hosts only with a bearer token: set metrics_token"));
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
