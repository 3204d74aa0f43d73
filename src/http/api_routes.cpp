#include "http/api_routes.hpp"

#include <array>
#include <span>
#include <string_view>

#include "http/agent_socket.hpp"
#include "http/api/cron_routes.hpp"
#include "http/api/handlers.hpp"
#include "http/api/integration_routes.hpp"
#include "http/api/schemas.hpp"
#include "http/api/webhook_secret_routes.hpp"
#include "http/auth_guard.hpp"
#include "http/json_body.hpp"
#include "http/rate_limit_guard.hpp"
#include "scriptmesh/auth.hpp"

namespace scriptmesh::http {
namespace {

using ApiHandler = Response (*)(ApiServices&, const Request&, RequestContext&);
using ApiAsyncHandler = void (*)(ApiServices&, const Request&, RequestContext&, Responder);

// A query parameter of a row, for the OpenAPI document (router.hpp QueryParam).
struct QueryRow {
  std::string_view name;
  std::string_view schema;
  std::string_view description;
};

// A documented header of a successful answer: name, description.
struct HeaderRow {
  std::string_view name;
  std::string_view description;
};

// One row of the table below. Kept apart from Route so the table stays
// readable; to_route() fills a Route field by field.
struct RouteRow {
  Method method;
  std::string_view pattern;
  std::string_view name;
  std::string_view min_role;  // "" = public route
  std::string_view scope;
  std::string_view rate_class;
  std::string_view summary;
  ApiHandler handler;
  // For the OpenAPI document (router.hpp): success status, body schemas
  // (schemas.hpp) and the error statuses it cannot infer (0 = none).
  int success_status;
  std::string_view request_schema;
  std::string_view response_schema;
  std::array<int, 2> extra_errors;
  // The query parameters the handler reads.
  std::span<const QueryRow> query = {};
  // Set instead of `handler` for a route that answers later.
  ApiAsyncHandler async_handler = nullptr;
  // Content type of a successful answer; empty = JSON.
  std::string_view media_type = {};
  // Headers of a successful answer worth documenting (router.hpp).
  std::span<const HeaderRow> success_headers = {};
  // A browser navigation whose failures are redirects (router.hpp).
  bool redirects_errors = false;
};

constexpr std::string_view kPublic = "";
constexpr std::string_view kMember = "member";
constexpr std::string_view kAdmin = "admin";
constexpr std::string_view kOwner = "owner";
constexpr std::string_view kNoScope = "";
constexpr std::string_view kNone = "";

namespace sc = api::schema;

constexpr QueryRow kJobListQuery[] = {
    {"agent_id", R"({"type":"string"})", "Only jobs of this agent."},
    {"script", R"({"type":"string"})", "Only jobs of this script."},
    {"status", sc::kJobStatus, "Only jobs in this status."},
    {"since", R"({"type":"string","format":"date-time"})", "Created at or after this time."},
    {"until", R"({"type":"string","format":"date-time"})", "Created before this time."},
    {"schedule_id", R"({"type":"string"})", "Only jobs this schedule created."},
    {"group_id", R"({"type":"string"})", "Only jobs of this tag trigger."},
    {"limit", R"({"type":"integer","minimum":1,"maximum":1000,"default":50})", "Jobs per page."},
    {"cursor", R"({"type":"string"})", "next_cursor of the previous page."},
};

constexpr QueryRow kJobGetQuery[] = {
    {"wait", R"({"type":"integer","minimum":0,"maximum":60})",
     "Long poll: answer once the job is final, or after this many seconds with its state then."},
};

constexpr QueryRow kJobOutputQuery[] = {
    {"stream", R"({"type":"string","enum":["stdout","stderr"],"default":"stdout"})",
     "Which stream."},
    {"offset", R"({"type":"integer","minimum":0,"default":0})", "First byte to answer."},
    {"limit", R"({"type":"integer","minimum":1,"maximum":16777216})",
     "Bytes at most (default and cap: 16 MiB; a larger value is cut to it)."},
};

constexpr QueryRow kScheduleEventsQuery[] = {
    {"limit", R"({"type":"integer","minimum":1,"maximum":1000,"default":100})",
     "Events at most, newest first."},
};

constexpr QueryRow kCronPreviewQuery[] = {
    {"expr", R"({"type":"string","minLength":1})",
     "Required. A five-field cron expression or a macro such as @daily."},
    {"tz", R"({"type":"string","default":"UTC"})", "The IANA time zone it is read in."},
    {"from", R"({"type":"string","format":"date-time"})",
     "Runs strictly after this time (default: now)."},
    {"count", R"({"type":"integer","minimum":1,"maximum":100,"default":5})", "How many runs."},
};

constexpr QueryRow kSsoCallbackQuery[] = {
    {"code", R"({"type":"string"})", "The authorization code the authority issued."},
    {"state", R"({"type":"string"})", "The state of the sign-in, as start sent it."},
    {"error", R"({"type":"string"})",
     "Set by the authority instead of code when the sign-in failed (e.g. access_denied)."},
    {"error_description", R"({"type":"string"})",
     "The authority's text for error; logged nowhere, shown nowhere."},
};

constexpr HeaderRow kSsoStartHeaders[] = {
    {"Location",
     "The authority's authorization endpoint with client_id, response_type=code, "
     "redirect_uri, response_mode=query, scope, state, nonce and a PKCE S256 "
     "code_challenge; or <public_url>/login?error=sso_unavailable when the "
     "authority cannot be reached."},
    {"Set-Cookie",
     "scriptmesh_sso: the sign-in's state, encrypted, HttpOnly, SameSite=Lax, "
     "valid 10 minutes, sent only to the callback."},
};

constexpr HeaderRow kSsoCallbackHeaders[] = {
    {"Location",
     "<public_url>/sso/complete?code=<one-time code> on success; "
     "<public_url>/login?error=<code> otherwise (sso_access_denied, "
     "sso_provider_error, invalid_sso_state, sso_token_exchange_failed, "
     "sso_unavailable, invalid_id_token, sso_tenant_not_allowed, sso_email_missing, "
     "account_exists_use_password, sso_email_taken, sso_invitation_required, "
     "sso_identity_taken, sso_failed)."},
    {"Set-Cookie", "Clears scriptmesh_sso: a state is used once."},
};

constexpr HeaderRow kSsoLinkHeaders[] = {
    {"Set-Cookie",
     "scriptmesh_sso, as GET /v1/auth/sso/microsoft/start sets it, naming the "
     "signed-in user to bind the Microsoft identity to."},
};

// The webhook-secret handlers take their service directly (they are tested
// on their own); this binds one of them to ApiServices.
template <Response (*handler)(TenantWebhookSecrets&, const Request&, RequestContext&)>
Response with_webhook_secrets(ApiServices& s, const Request& request, RequestContext& ctx) {
  if (s.webhook_secrets == nullptr) {
    return error_response(Error::unavailable("unavailable", "webhooks are not served here"));
  }
  return handler(*s.webhook_secrets, request, ctx);
}

// The integration handlers take their service directly, like the
// webhook-secret ones.
template <Response (*handler)(IntegrationService&, const Request&, RequestContext&)>
Response with_integrations(ApiServices& s, const Request& request, RequestContext& ctx) {
  if (s.integrations == nullptr) {
    return error_response(Error::unavailable("unavailable", "integrations are not served here"));
  }
  return handler(*s.integrations, request, ctx);
}

template <void (*handler)(IntegrationService&, const Request&, RequestContext&, Responder)>
void with_integrations_async(ApiServices& s, const Request& request, RequestContext& ctx,
                             Responder answer) {
  if (s.integrations == nullptr) {
    return answer(
        error_response(Error::unavailable("unavailable", "integrations are not served here")));
  }
  handler(*s.integrations, request, ctx, std::move(answer));
}

constexpr QueryRow kDeliveriesQuery[] = {
    {"limit", R"({"type":"integer","minimum":1,"maximum":100,"default":50})",
     "Deliveries at most, newest first."},
};

// clang-format off
constexpr RouteRow kRoutes[] = {
  // Accounts and sessions (public, limited per client address).
  {Method::kPost, "/v1/auth/register", "auth.register", kPublic, kNoScope, kRateRegister,
   "Create an account and its tenant; e-mails a 6-digit code", &api::register_account,
   201, sc::kRegister, sc::kRegistered, {409, 0}},
  {Method::kPost, "/v1/auth/verify", "auth.verify", kPublic, kNoScope, kRateVerify,
   "Verify the e-mail address with the code", &api::verify_email,
   200, sc::kVerify, sc::kVerified, {409, 0}},
  {Method::kPost, "/v1/auth/verify/resend", "auth.verify_resend", kPublic, kNoScope,
   kRateVerifyResend, "E-mail a new verification code", &api::resend_verification,
   202, sc::kEmailOnly, sc::kAccepted, {0, 0}},
  {Method::kPost, "/v1/auth/login", "auth.login", kPublic, kNoScope, kRateLogin,
   "Log in; answers an access and a refresh token (409 email_not_verified until verified, "
   "409 sso_account for a user who signs in with Microsoft); with session=cookie the refresh "
   "token is an HttpOnly cookie instead",
   &api::login, 200, sc::kLogin, sc::kTokenPairRef, {401, 409}},
  {Method::kPost, "/v1/auth/refresh", "auth.refresh", kPublic, kNoScope, kRateDefault,
   "Spend a refresh token (body, or the sm_refresh cookie) for a new pair; a reused token "
   "revokes its whole family",
   &api::refresh, 200, sc::kRefreshToken, sc::kTokenPairRef, {401, 415}},
  {Method::kPost, "/v1/auth/logout", "auth.logout", kPublic, kNoScope, kRateDefault,
   "Revoke a refresh token's session (body, or the sm_refresh cookie, which is cleared)",
   &api::logout, 204, sc::kLogoutToken, kNone, {415, 0}},
  {Method::kPost, "/v1/auth/password/forgot", "auth.password_forgot", kPublic, kNoScope,
   kRatePassword, "E-mail a password reset link (202 whether or not the account exists)",
   &api::forgot_password, 202, sc::kEmailOnly, sc::kAccepted, {0, 0}},
  {Method::kPost, "/v1/auth/password/reset", "auth.password_reset", kPublic, kNoScope,
   kRatePassword, "Set a new password with a reset token (1 hour, single use; 409 "
   "sso_account for a user who signs in with Microsoft)",
   &api::reset_password, 204, sc::kReset, kNone, {409, 0}},
  // Sign in with Microsoft (OpenID Connect with PKCE; docs/sso.md).
  {Method::kGet, "/v1/auth/sso", "auth.sso_providers", kPublic, kNoScope, kRateDefault,
   "The single sign-on providers configured, for the sign-in page's buttons",
   &api::list_sso_providers, 200, kNone, sc::kSsoProviders, {0, 0}},
  {Method::kGet, "/v1/auth/sso/microsoft/start", "auth.sso_microsoft_start", kPublic, kNoScope,
   kRateLogin, "Begin a Microsoft sign-in: redirects the browser to the Microsoft identity "
   "platform (404 sso_not_configured when off)", &api::start_microsoft_sso,
   302, kNone, kNone, {404, 0}, {}, nullptr, {}, kSsoStartHeaders, true},
  {Method::kGet, "/v1/auth/sso/microsoft/callback", "auth.sso_microsoft_callback", kPublic,
   kNoScope, kRateLogin, "Where the Microsoft identity platform sends the browser back; "
   "redirects to the dashboard with a one-time code, or to its login page with an error",
   &api::microsoft_sso_callback, 302, kNone, kNone, {404, 0}, kSsoCallbackQuery, nullptr, {},
   kSsoCallbackHeaders, true},
  {Method::kPost, "/v1/auth/sso/exchange", "auth.sso_exchange", kPublic, kNoScope, kRateDefault,
   "Spend the one-time code of a finished sign-in for an access and a refresh token "
   "(401 invalid_sso_code when unknown, used or older than 60 s)", &api::exchange_sso_code,
   200, sc::kSsoExchange, sc::kTokenPairRef, {401, 404}},
  // The caller and their tenant.
  {Method::kGet, "/v1/me", "me.get", kMember, kNoScope, kRateDefault,
   "The calling user", &api::get_me, 200, kNone, sc::kMeRef, {0, 0}},
  {Method::kPost, "/v1/me/sso/microsoft/link", "me.sso_microsoft_link", kMember, kNoScope,
   kRateDefault, "Start linking a Microsoft account to the signed-in user (an access token, "
   "not an API key: 403 sso_link_needs_session); send the browser to authorize_url",
   &api::link_microsoft_sso, 200, kNone, sc::kSsoLinkStarted, {404, 503}, {}, nullptr, {},
   kSsoLinkHeaders},
  {Method::kGet, "/v1/tenant", "tenant.get", kMember, kNoScope, kRateDefault,
   "The caller's tenant, plan and limits", &api::get_tenant,
   200, kNone, sc::kTenantRef, {0, 0}},
  {Method::kPut, "/v1/tenant/plan", "tenant.set_plan", kOwner, kScopeAdmin, kRateDefault,
   "Change the tenant's plan", &api::set_tenant_plan,
   200, sc::kSetPlan, sc::kTenantRef, {0, 0}},
  // Users.
  {Method::kGet, "/v1/users", "users.list", kAdmin, kScopeAdmin, kRateDefault,
   "The tenant's users", &api::list_users, 200, kNone, sc::kUserList, {0, 0}},
  {Method::kPost, "/v1/users", "users.invite", kOwner, kScopeAdmin, kRateDefault,
   "Invite a user by e-mail (they set a password through the e-mailed link)",
   &api::invite_user, 201, sc::kInviteUser, sc::kUserRef, {409, 0}},
  {Method::kGet, "/v1/users/{id}", "users.get", kAdmin, kScopeAdmin, kRateDefault,
   "One user of the tenant", &api::get_user, 200, kNone, sc::kUserRef, {0, 0}},
  {Method::kPatch, "/v1/users/{id}", "users.update", kOwner, kScopeAdmin, kRateDefault,
   "Change a user's role (409 last_owner for the only owner)", &api::update_user,
   200, sc::kUpdateUser, sc::kUserRef, {409, 0}},
  {Method::kDelete, "/v1/users/{id}", "users.delete", kOwner, kScopeAdmin, kRateDefault,
   "Remove a user with their sessions and API keys (409 last_owner for the only owner)",
   &api::delete_user, 204, kNone, kNone, {409, 0}},
  // API keys.
  {Method::kPost, "/v1/api-keys", "api_keys.create", kMember, kScopeAdmin, kRateDefault,
   "Create an API key; the key is shown in this answer only", &api::create_api_key,
   201, sc::kCreateApiKey, sc::kCreatedApiKeyRef, {0, 0}},
  {Method::kGet, "/v1/api-keys", "api_keys.list", kMember, kScopeAdmin, kRateDefault,
   "List API keys (no secrets; members see their own)", &api::list_api_keys,
   200, kNone, sc::kApiKeyList, {0, 0}},
  {Method::kDelete, "/v1/api-keys/{id}", "api_keys.revoke", kMember, kScopeAdmin, kRateDefault,
   "Revoke an API key, effective at once", &api::revoke_api_key, 204, kNone, kNone, {0, 0}},
  // Agents.
  {Method::kPost, "/v1/agents", "agents.create", kAdmin, kScopeAgentsWrite, kRateDefault,
   "Register an agent; its key (sm_agent_...) is shown in this answer only",
   &api::create_agent, 201, sc::kCreateAgent, sc::kCreatedAgentRef, {402, 0}},
  {Method::kGet, "/v1/agents", "agents.list", kMember, kScopeAgentsRead, kRateDefault,
   "The tenant's agents with status, last heartbeat, metrics and manifest", &api::list_agents,
   200, kNone, sc::kAgentList, {0, 0}},
  {Method::kGet, "/v1/agents/{id}", "agents.get", kMember, kScopeAgentsRead, kRateDefault,
   "One agent", &api::get_agent, 200, kNone, sc::kAgentRef, {0, 0}},
  {Method::kGet, "/v1/agents/{id}/metrics", "agents.metrics", kMember, kScopeAgentsRead,
   kRateDefault, "The agent's recent heartbeats (CPU, memory, disk), oldest first, at most 60",
   &api::agent_heartbeats, 200, kNone, sc::kHeartbeatHistoryRef, {0, 0}},
  {Method::kPatch, "/v1/agents/{id}", "agents.update", kAdmin, kScopeAgentsWrite, kRateDefault,
   "Rename and/or retag an agent", &api::update_agent, 200, sc::kUpdateAgent, sc::kAgentRef,
   {0, 0}},
  {Method::kDelete, "/v1/agents/{id}", "agents.delete", kAdmin, kScopeAgentsWrite, kRateDefault,
   "Remove an agent and close its connection (its jobs are kept)", &api::delete_agent,
   204, kNone, kNone, {0, 0}},
  {Method::kPost, "/v1/agents/{id}/rotate-key", "agents.rotate_key", kAdmin, kScopeAgentsWrite,
   kRateDefault, "Replace the agent's key; the old one is refused at once (shown once)",
   &api::rotate_agent_key, 200, kNone, sc::kAgentKey, {0, 0}},
  // Jobs.
  {Method::kPost, "/v1/jobs", "jobs.trigger", kMember, kScopeJobsWrite, kRateDefault,
   "Run a script on one agent (agent_id) or on every agent with all the tags; answers once "
   "committed. An `Idempotency-Key` header makes a retry return the same jobs",
   &api::trigger_job, 202, sc::kTriggerJob, sc::kTriggered, {404, 0}},
  {Method::kGet, "/v1/jobs", "jobs.list", kMember, kScopeJobsRead, kRateDefault,
   "Jobs, newest first, filtered, paged by cursor", &api::list_jobs,
   200, kNone, sc::kJobList, {0, 0}, kJobListQuery},
  {Method::kGet, "/v1/jobs/{id}", "jobs.get", kMember, kScopeJobsRead, kRateDefault,
   "One job; with ?wait=N answers when it is final or after N seconds", nullptr,
   200, kNone, sc::kJobRef, {503, 0}, kJobGetQuery, &api::get_job},
  {Method::kGet, "/v1/jobs/{id}/output", "jobs.output", kMember, kScopeJobsRead, kRateDefault,
   "A stream's raw bytes from `offset`, at most 16 MiB per answer (readable while the job "
   "runs); X-Output-Next-Offset and X-Output-Size tell where to go on",
   &api::read_job_output, 200, kNone, sc::kOutputBytes, {0, 0}, kJobOutputQuery, nullptr,
   "application/octet-stream"},
  {Method::kPost, "/v1/jobs/{id}/cancel", "jobs.cancel", kMember, kScopeJobsWrite, kRateDefault,
   "Cancel a job: pending ones at once, running ones are killed on the agent",
   &api::cancel_job, 202, kNone, sc::kJobRef, {409, 0}},
  // Webhook signing.
  {Method::kGet, "/v1/tenant/webhook-secret", "tenant.webhook_secret", kAdmin, kScopeAdmin,
   kRateDefault, "The secret job webhooks are signed with (created on first read)",
   &with_webhook_secrets<&api::get_webhook_secret>, 200, kNone, sc::kWebhookSecret, {0, 0}},
  {Method::kPost, "/v1/tenant/webhook-secret/rotate", "tenant.webhook_secret_rotate", kAdmin,
   kScopeAdmin, kRateDefault, "Replace the webhook signing secret; the old one stops at once",
   &with_webhook_secrets<&api::rotate_webhook_secret>, 200, kNone, sc::kWebhookSecret, {0, 0}},
  // Schedules.
  {Method::kPost, "/v1/schedules", "schedules.create", kAdmin, kScopeSchedulesWrite,
   kRateDefault, "Run a script on one agent or on tagged agents on a cron expression in a time "
   "zone; answers the schedule with its next_run_at", &api::create_schedule,
   201, sc::kCreateSchedule, sc::kScheduleRef, {402, 0}},
  {Method::kGet, "/v1/schedules", "schedules.list", kMember, kScopeSchedulesRead, kRateDefault,
   "The tenant's schedules, oldest first", &api::list_schedules,
   200, kNone, sc::kScheduleList, {0, 0}},
  {Method::kGet, "/v1/schedules/{id}", "schedules.get", kMember, kScopeSchedulesRead,
   kRateDefault, "One schedule", &api::get_schedule, 200, kNone, sc::kScheduleRef, {0, 0}},
  {Method::kPatch, "/v1/schedules/{id}", "schedules.update", kAdmin, kScopeSchedulesWrite,
   kRateDefault, "Change a schedule; {\"enabled\":false} pauses it and keeps everything, "
   "enabling again runs from now on", &api::update_schedule,
   200, sc::kUpdateSchedule, sc::kScheduleRef, {402, 0}},
  {Method::kDelete, "/v1/schedules/{id}", "schedules.delete", kAdmin, kScopeSchedulesWrite,
   kRateDefault, "Delete a schedule and its events (the jobs it started stay)",
   &api::delete_schedule, 204, kNone, kNone, {0, 0}},
  {Method::kGet, "/v1/schedules/{id}/events", "schedules.events", kMember, kScopeSchedulesRead,
   kRateDefault, "What happened to each due time: fired, missed, caught_up, skipped; newest first",
   &api::list_schedule_events, 200, kNone, sc::kScheduleEventList, {0, 0},
   kScheduleEventsQuery},
  // Integrations.
  {Method::kPost, "/v1/integrations", "integrations.create", kAdmin, kScopeIntegrationsWrite,
   kRateDefault, "Tell a service (Slack, Discord, Teams, PagerDuty, Datadog, Splunk or a signed "
   "webhook) about chosen events; secrets in config are stored encrypted and shown redacted",
   &with_integrations<&api::create_integration>, 201, sc::kCreateIntegration,
   sc::kIntegrationRef, {409, 0}},
  {Method::kGet, "/v1/integrations", "integrations.list", kMember, kScopeIntegrationsRead,
   kRateDefault, "The tenant's integrations, oldest first, secrets redacted",
   &with_integrations<&api::list_integrations>, 200, kNone, sc::kIntegrationList, {0, 0}},
  {Method::kGet, "/v1/integrations/{id}", "integrations.get", kMember, kScopeIntegrationsRead,
   kRateDefault, "One integration, secrets redacted", &with_integrations<&api::get_integration>,
   200, kNone, sc::kIntegrationRef, {0, 0}},
  {Method::kPatch, "/v1/integrations/{id}", "integrations.update", kAdmin,
   kScopeIntegrationsWrite, kRateDefault, "Change an integration; config keys are merged, so "
   "a secret need not be sent again", &with_integrations<&api::update_integration>, 200,
   sc::kUpdateIntegration, sc::kIntegrationRef, {0, 0}},
  {Method::kDelete, "/v1/integrations/{id}", "integrations.delete", kAdmin,
   kScopeIntegrationsWrite, kRateDefault, "Delete an integration and its deliveries",
   &with_integrations<&api::delete_integration>, 204, kNone, kNone, {0, 0}},
  {Method::kPost, "/v1/integrations/{id}/test", "integrations.test", kAdmin,
   kScopeIntegrationsWrite, kRateDefault, "Send a sample job.failed event now and answer how "
   "the receiver took it (429 too_many_tests while 4 are in progress)", nullptr, 200, kNone,
   sc::kIntegrationTest, {429, 0}, {}, &with_integrations_async<&api::test_integration>},
  {Method::kGet, "/v1/integrations/{id}/deliveries", "integrations.deliveries", kMember,
   kScopeIntegrationsRead, kRateDefault, "The integration's deliveries, newest first, each "
   "with its attempts, status codes and next retry",
   &with_integrations<&api::list_integration_deliveries>, 200, kNone, sc::kDeliveryList,
   {0, 0}, kDeliveriesQuery},
  {Method::kGet, "/v1/cron/preview", "cron.preview", kMember, kScopeSchedulesRead, kRateDefault,
   "The next run times of a cron expression in a time zone, RFC 3339 UTC", &api::preview_cron,
   200, kNone, sc::kCronRuns, {0, 0}, kCronPreviewQuery},
};
// clang-format on

Response description_only() {
  return error_response(Error::unavailable("unavailable", "this table only describes routes"));
}

// Agents connecting while no channel serves them.
class RefusingChannel final : public AgentChannel {
 public:
  Result<AgentSessionId> attach(std::string_view, std::shared_ptr<AgentConnection>) override {
    return Error::unavailable("unavailable", "agents are not served by this process");
  }
  bool received(AgentSessionId, std::string_view) override { return true; }
  void detach(AgentSessionId) override {}
};

Route agent_route(ApiServices* services) {
  static RefusingChannel refusing;
  AgentChannel* channel = services != nullptr ? services->agent_channel : nullptr;
  Logger* logger = services != nullptr ? services->logger : nullptr;
  return agent_connect_route(make_agent_upgrade_handler(
      channel != nullptr ? *channel : refusing, logger != nullptr ? *logger : null_logger()));
}

// `services` null: a description only, whose handler answers 503.
Route to_route(const RouteRow& row, ApiServices* services) {
  Route route;
  route.method = row.method;
  route.pattern = std::string(row.pattern);
  route.name = std::string(row.name);
  route.public_route = row.min_role.empty();
  route.min_role = std::string(row.min_role);
  route.scope = std::string(row.scope);
  route.rate_limit_class = std::string(row.rate_class);
  route.summary = std::string(row.summary);
  if (row.async_handler != nullptr) {
    route.async_handler = [services, handler = row.async_handler](
                              const Request& request, RequestContext& ctx, Responder respond) {
      if (services == nullptr) return respond(description_only());
      handler(*services, request, ctx, std::move(respond));
    };
  } else {
    route.handler = [services, handler = row.handler](const Request& request, RequestContext& ctx) {
      if (services == nullptr) return description_only();
      return handler(*services, request, ctx);
    };
  }
  route.success_status = row.success_status;
  route.response_media_type = std::string(row.media_type);
  for (const QueryRow& q : row.query) {
    route.query_params.push_back(
        QueryParam{std::string(q.name), std::string(q.schema), false, std::string(q.description)});
  }
  route.request_schema = std::string(row.request_schema);
  route.response_schema = std::string(row.response_schema);
  for (const HeaderRow& h : row.success_headers) {
    route.success_headers.emplace_back(std::string(h.name), std::string(h.description));
  }
  route.redirects_errors = row.redirects_errors;
  for (int status : row.extra_errors) {
    if (status != 0) route.error_statuses.push_back(status);
  }
  return route;
}

}  // namespace

void add_api_routes(Router& router, ApiServices& services) {
  for (const RouteRow& row : kRoutes)
    router.add(to_route(row, &services));
  router.add(agent_route(&services));
}

void add_api_route_descriptions(Router& router) {
  for (const RouteRow& row : kRoutes)
    router.add(to_route(row, nullptr));
  router.add(agent_route(nullptr));
}

std::map<std::string, std::string> api_component_schemas() {
  return api::component_schemas();
}

void add_api_guards(Router& router, AuthService& auth, RateLimiter& limiter,
                    const RateLimitPolicy& policy) {
  router.add_guard(make_address_rate_limit_guard(limiter, policy));
  AuthGuardOptions auth_options;
  auth_options.failure_limiter = &limiter;
  router.add_guard(make_auth_guard(auth, auth_options));
  router.add_guard(make_principal_rate_limit_guard(limiter, policy));
}

}  // namespace scriptmesh::http
