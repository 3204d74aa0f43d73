// GET /v1/tenant/webhook-secret and POST /v1/tenant/webhook-secret/rotate.
//
// The handlers take the TenantWebhookSecrets service directly, so they can
// be registered (and tested) before ApiServices carries it; the route table
// wraps them as (ApiServices&, Request, RequestContext&) handlers.
//
// Both answer 200 {"secret": "whsec_..."} with Cache-Control: no-store. The
// secret is the one the tenant's webhooks are signed with (see
// scriptmesh/webhook_signing.hpp); GET creates it on first use, rotate
// replaces it at once. Admin or owner with the "admin" scope (the service
// checks; the route table should say min role admin, scope admin).
#pragma once

#include "http/router.hpp"

namespace scriptmesh {
class TenantWebhookSecrets;
}

namespace scriptmesh::http::api {

Response get_webhook_secret(TenantWebhookSecrets& secrets, const Request& request,
                            RequestContext& ctx);
Response rotate_webhook_secret(TenantWebhookSecrets& secrets, const Request& request,
                               RequestContext& ctx);

}  // namespace scriptmesh::http::api
