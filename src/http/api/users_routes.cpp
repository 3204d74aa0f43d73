// User management: list, invite, read, change role, remove. Another tenant's
// user id answers 404 exactly like an unknown one (UserService).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxEmailBytes = 320;

boost::json::object user_json(const UserView& u) {
  return {{"user_id", u.user_id.str()}, {"tenant_id", u.tenant_id.str()},
          {"email", u.email},           {"role", to_string(u.role)},
          {"verified", u.verified},     {"created_at", format_rfc3339(u.created_at)}};
}

// "role": one of the role names; absent means member unless `required`.
Result<UserRole> read_role(const boost::json::object& body, bool required) {
  auto name = optional_string(body, "role", 16, 1);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  if (!name->has_value()) {
    if (required) return field_error("role", "is required");
    return UserRole::kMember;
  }
  auto role = parse_user_role(**name);
  if (!role.ok()) return field_error("role", "must be \"owner\", \"admin\" or \"member\"");
  return *role;
}

}  // namespace

Response list_users(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto users = s.users.list(*who);
    SCRIPTMESH_RETURN_IF_ERROR(users);
    boost::json::array items;
    for (const UserView& u : *users)
      items.emplace_back(user_json(u));
    return json_response(200, boost::json::object{{"users", std::move(items)}});
  }());
}

Response invite_user(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto email = required_string(*body, "email", kMaxEmailBytes);
    SCRIPTMESH_RETURN_IF_ERROR(email);
    auto role = read_role(*body, false);
    SCRIPTMESH_RETURN_IF_ERROR(role);
    auto user = s.users.invite(*who, *email, *role);
    SCRIPTMESH_RETURN_IF_ERROR(user);
    return json_response(201, user_json(*user));
  }());
}

Response get_user(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = path_id(request, "id", "user_not_found");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto user = s.users.get(*who, UserId(*id));
    SCRIPTMESH_RETURN_IF_ERROR(user);
    return json_response(200, user_json(*user));
  }());
}

Response update_user(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = path_id(request, "id", "user_not_found");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto role = read_role(*body, true);
    SCRIPTMESH_RETURN_IF_ERROR(role);
    auto user = s.users.change_role(*who, UserId(*id), *role);
    SCRIPTMESH_RETURN_IF_ERROR(user);
    return json_response(200, user_json(*user));
  }());
}

Response delete_user(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = path_id(request, "id", "user_not_found");
    SCRIPTMESH_RETURN_IF_ERROR(id);
    SCRIPTMESH_RETURN_IF_ERROR(s.users.remove(*who, UserId(*id)));
    return empty_response(204);
  }());
}

}  // namespace scriptmesh::http::api
