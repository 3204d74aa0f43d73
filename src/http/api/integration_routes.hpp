// Integrations: create, list, read, change, delete, send a test event, and
// the deliveries of one with their attempts. The rules are
// IntegrationService's (scriptmesh/integrations.hpp); these handlers bound
// the JSON they read and write it back. They take the service directly, so
// they can be tested on their own; api_routes.cpp binds them to
// ApiServices.
#pragma once

#include "http/router.hpp"

namespace scriptmesh {
class IntegrationService;
}

namespace scriptmesh::http::api {

Response create_integration(IntegrationService& s, const Request& request, RequestContext& ctx);
Response list_integrations(IntegrationService& s, const Request& request, RequestContext& ctx);
Response get_integration(IntegrationService& s, const Request& request, RequestContext& ctx);
Response update_integration(IntegrationService& s, const Request& request, RequestContext& ctx);
Response delete_integration(IntegrationService& s, const Request& request, RequestContext& ctx);
// Asynchronous: the receiver may take up to 10 s, and no server thread
// waits for it (IntegrationService::send_test_async).
void test_integration(IntegrationService& s, const Request& request, RequestContext& ctx,
                      Responder answer);
// ?limit=1..100 (default 50), newest first.
Response list_integration_deliveries(IntegrationService& s, const Request& request,
                                     RequestContext& ctx);

}  // namespace scriptmesh::http::api
