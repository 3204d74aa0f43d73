// API keys: create (the key is in this one answer only), list (no secrets),
// revoke (effective for the very next request).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/api_keys.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxNameBytes = 400;
constexpr std::size_t kMaxScopes = 32;
constexpr std::size_t kMaxScopeBytes = 64;

boost::json::array string_array(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& item : items)
    out.emplace_back(item);
  return out;
}

boost::json::object api_key_json(const ApiKeyView& k) {
  return {{"id", k.id.str()},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", string_array(k.scopes)},
          {"user_id", k.user_id.str()},
          {"created_at", format_rfc3339(k.created_at)},
          {"expires_at", time_or_null(k.expires_at)},
          {"last_used_at", time_or_null(k.last_used_at)},
          {"revoked_at", time_or_null(k.revoked_at)}};
}

Result<ApiKeyCreateRequest> read_create(const boost::json::object& body) {
  ApiKeyCreateRequest out;
  auto name = required_string(body, "name", kMaxNameBytes);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  out.name = std::move(*name);
  auto scopes = required_string_array(body, "scopes", kMaxScopes, kMaxScopeBytes);
  SCRIPTMESH_RETURN_IF_ERROR(scopes);
  out.scopes = std::move(*scopes);
  auto expires = optional_string(body, "expires_at", 64, 1);
  SCRIPTMESH_RETURN_IF_ERROR(expires);
  if (expires->has_value()) {
    auto at = parse_rfc3339(**expires);
    if (!at.ok()) return field_error("expires_at", "must be an RFC 3339 time");
    out.expires_at = *at;
  }
  return out;
}

}  // namespace

Response create_api_key(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto input = read_create(*body);
    SCRIPTMESH_RETURN_IF_ERROR(input);
    auto created = s.api_keys.create(*who, *input);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    boost::json::object out = api_key_json(created->view);
    out["key"] = created->key;
    return json_response(201, out);
  }());
}

Response list_api_keys(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto keys = s.api_keys.list(*who);
    SCRIPTMESH_RETURN_IF_ERROR(keys);
    boost::json::array items;
    for (const ApiKeyView& k : *keys)
      items.emplace_back(api_key_json(k));
    return json_response(200, boost::json::object{{"api_keys", std::move(items)}});
  }());
}

Response revoke_api_key(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = path_id(request, "id", "api_key_not_found");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    SCRIPTMESH_RETURN_IF_ERROR(s.api_keys.revoke(*who, ApiKeyId(*id)));
    return empty_response(204);
  }());
}

}  // namespace scriptmesh::http::api
