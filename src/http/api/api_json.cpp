#include <utility>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxIdBytes = 128;

}  // namespace

Response respond(Result<Response> result) {
  if (!result.ok()) return error_response(result.error());
  return std::move(*result);
}

Result<Principal> caller(const RequestContext& ctx) {
  if (!ctx.principal) {
    return Error::unauthenticated("missing_credentials",
                                  "this route needs an Authorization: Bearer credential");
  }
  return *ctx.principal;
}

Result<std::string> path_id(const Request& request, std::string_view name,
                            std::string_view not_found_code) {
  std::string_view id = request.path_param(name);
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Error::not_found(std::string(not_found_code), "no such resource");
  }
  return std::string(id);
}

Result<boost::json::object> json_body(const Request& request) {
  return parse_json_object(request.body);
}

boost::json::value time_or_null(const std::optional<WallTime>& t) {
  if (!t) return nullptr;
  return boost::json::value(format_rfc3339(*t));
}

}  // namespace scriptmesh::http::api
