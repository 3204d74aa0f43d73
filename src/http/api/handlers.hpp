// The REST handlers, one function per route (the table is in api_routes.cpp).
//
// Each handler reads and bounds its input (400 invalid_json, 422
// invalid_field naming the field), calls one service and turns the Result
// into a response; errors become error_response(), with the status chosen by
// error_status.hpp. A handler never picks a status for an error itself and
// never names another tenant's ids: services answer not_found for them.
//
// Authenticated handlers read the caller from ctx.principal, which the
// authentication guard set; without one they answer 401 (a route table
// mistake, not a client's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "http/api_routes.hpp"
#include "http/router.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http::api {

// --- helpers shared by the handler files (api_json.cpp) ---

// Result<Response> -> Response, answering an error with error_response().
Response respond(Result<Response> result);

// The caller, or unauthenticated "missing_credentials" when no guard set one.
[[nodiscard]] Result<Principal> caller(const RequestContext& ctx);

// Path parameter `name` as an id: ids are short ASCII, so anything longer
// than 128 bytes cannot exist and answers not_found `not_found_code`.
[[nodiscard]] Result<std::string> path_id(const Request& request, std::string_view name,
                                          std::string_view not_found_code);

// The request body as a JSON object (400 invalid_json otherwise).
[[nodiscard]] Result<boost::json::object> json_body(const Request& request);

// RFC 3339 text, or null for an empty optional.
boost::json::value time_or_null(const std::optional<WallTime>& t);

// --- accounts and sessions (auth_routes.cpp) ---
Response register_account(ApiServices& s, const Request& request, RequestContext& ctx);
Response verify_email(ApiServices& s, const Request& request, RequestContext& ctx);
Response resend_verification(ApiServices& s, const Request& request, RequestContext& ctx);
Response login(ApiServices& s, const Request& request, RequestContext& ctx);
Response refresh(ApiServices& s, const Request& request, RequestContext& ctx);
Response logout(ApiServices& s, const Request& request, RequestContext& ctx);
Response forgot_password(ApiServices& s, const Request& request, RequestContext& ctx);
Response reset_password(ApiServices& s, const Request& request, RequestContext& ctx);

// --- Sign in with Microsoft (sso_routes.cpp); 404 "sso_not_configured"
// when s.sso is null or not enabled ---
Response list_sso_providers(ApiServices& s, const Request& request, RequestContext& ctx);
// 302 to the authority with the state cookie (or to the login page when the
// authority cannot be reached).
Response start_microsoft_sso(ApiServices& s, const Request& request, RequestContext& ctx);
// 302 to <public_url>/sso/complete?code=... or <public_url>/login?error=...
Response microsoft_sso_callback(ApiServices& s, const Request& request, RequestContext& ctx);
Response exchange_sso_code(ApiServices& s, const Request& request, RequestContext& ctx);
Response link_microsoft_sso(ApiServices& s, const Request& request, RequestContext& ctx);

// --- the caller and their tenant (me_routes.cpp, tenant_routes.cpp) ---
Response get_me(ApiServices& s, const Request& request, RequestContext& ctx);
Response get_tenant(ApiServices& s, const Request& request, RequestContext& ctx);
Response set_tenant_plan(ApiServices& s, const Request& request, RequestContext& ctx);

// --- users (users_routes.cpp) ---
Response list_users(ApiServices& s, const Request& request, RequestContext& ctx);
Response invite_user(ApiServices& s, const Request& request, RequestContext& ctx);
Response get_user(ApiServices& s, const Request& request, RequestContext& ctx);
Response update_user(ApiServices& s, const Request& request, RequestContext& ctx);
Response delete_user(ApiServices& s, const Request& request, RequestContext& ctx);

// --- API keys (api_key_routes.cpp) ---
Response create_api_key(ApiServices& s, const Request& request, RequestContext& ctx);
Response list_api_keys(ApiServices& s, const Request& request, RequestContext& ctx);
Response revoke_api_key(ApiServices& s, const Request& request, RequestContext& ctx);

// --- agents (agent_routes.cpp); 503 "unavailable" when s.agents is null ---
Response create_agent(ApiServices& s, const Request& request, RequestContext& ctx);
Response list_agents(ApiServices& s, const Request& request, RequestContext& ctx);
Response get_agent(ApiServices& s, const Request& request, RequestContext& ctx);
Response agent_heartbeats(ApiServices& s, const Request& request, RequestContext& ctx);
Response update_agent(ApiServices& s, const Request& request, RequestContext& ctx);
Response delete_agent(ApiServices& s, const Request& request, RequestContext& ctx);
Response rotate_agent_key(ApiServices& s, const Request& request, RequestContext& ctx);

// --- jobs (job_routes.cpp); 503 "unavailable" when s.jobs is null ---

// GET /v1/jobs/{id}?wait=N long-polls at most this many seconds.
inline constexpr std::int64_t kMaxJobWaitSec = 60;
// GET /v1/jobs/{id}/output answers at most this many bytes at once (a larger
// `limit` is cut to it): a response is built in memory, and an output may be
// far larger. X-Output-Next-Offset and X-Output-Size tell where to go on.
inline constexpr std::int64_t kMaxOutputResponseBytes = 16 * 1024 * 1024;

Response trigger_job(ApiServices& s, const Request& request, RequestContext& ctx);
Response list_jobs(ApiServices& s, const Request& request, RequestContext& ctx);
// Asynchronous: with ?wait=N it answers when the job is final or N seconds
// have passed (JobService::wait), without holding a server thread.
void get_job(ApiServices& s, const Request& request, RequestContext& ctx, Responder answer);
Response read_job_output(ApiServices& s, const Request& request, RequestContext& ctx);
Response cancel_job(ApiServices& s, const Request& request, RequestContext& ctx);

// --- schedules (schedule_routes.cpp); 503 "unavailable" when s.schedules is null ---
Response create_schedule(ApiServices& s, const Request& request, RequestContext& ctx);
Response list_schedules(ApiServices& s, const Request& request, RequestContext& ctx);
Response get_schedule(ApiServices& s, const Request& request, RequestContext& ctx);
Response update_schedule(ApiServices& s, const Request& request, RequestContext& ctx);
Response delete_schedule(ApiServices& s, const Request& request, RequestContext& ctx);
// ?limit=1..1000 (default 100), newest first.
Response list_schedule_events(ApiServices& s, const Request& request, RequestContext& ctx);

}  // namespace scriptmesh::http::api
