// The tenant's webhook signing secret: read (created on first use) and rotate.
#include "http/api/webhook_secret_routes.hpp"

#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh::http::api {
namespace {

// A secret in an answer must not linger in a cache between us and the caller.
Response secret_response(const std::string& secret) {
  Response response = json_response(200, boost::json::object{{"secret", secret}});
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace

Response get_webhook_secret(TenantWebhookSecrets& secrets, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto secret = secrets.get(*who);
    SCRIPTMESH_RETURN_IF_ERROR(secret);
    return secret_response(*secret);
  }());
}

Response rotate_webhook_secret(TenantWebhookSecrets& secrets, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto secret = secrets.rotate(*who);
    SCRIPTMESH_RETURN_IF_ERROR(secret);
    return secret_response(*secret);
  }());
}

}  // namespace scriptmesh::http::api
