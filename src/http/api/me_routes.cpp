// GET /v1/me: who the credential belongs to.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh::http::api {

Response get_me(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto me = s.users.me(*who);
    SCRIPTMESH_RETURN_IF_ERROR(me);
    boost::json::object body{{"user_id", me->user_id.str()},
                             {"email", me->email},
                             {"tenant_id", me->tenant_id.str()},
                             {"role", to_string(me->role)},
                             {"credential_kind", who->credential_kind}};
    // An API key acts with its own scopes; a user's session has them all.
    if (who->credential_kind == "api_key") {
      boost::json::array scopes;
      for (const auto& scope : who->scopes)
        scopes.emplace_back(scope);
      body["api_key_id"] = who->credential_id;
      body["scopes"] = std::move(scopes);
    }
    return json_response(200, body);
  }());
}

}  // namespace scriptmesh::http::api
