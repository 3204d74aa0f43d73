#include "http/api_routes.hpp"

#include <array>
#include <string_view>

#include "http/api/handlers.hpp"
#include "http/api/schemas.hpp"
#include "http/auth_guard.hpp"
#include "http/json_body.hpp"
#include "http/rate_limit_guard.hpp"
#include "scriptmesh/auth.hpp"

namespace scriptmesh::http {
namespace {

using ApiHandler = Response (*)(ApiServices&, const Request&, RequestContext&);

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
};

constexpr std::string_view kPublic = "";
constexpr std::string_view kMember = "member";
constexpr std::string_view kAdmin = "admin";
constexpr std::string_view kOwner = "owner";
constexpr std::string_view kNoScope = "";
constexpr std::string_view kNone = "";

namespace sc = api::schema;

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
   "Log in; answers an access and a refresh token (409 email_not_verified until verified)",
   &api::login, 200, sc::kLogin, sc::kTokenPairRef, {401, 409}},
  {Method::kPost, "/v1/auth/refresh", "auth.refresh", kPublic, kNoScope, kRateDefault,
   "Spend a refresh token for a new pair; a reused token revokes its whole family",
   &api::refresh, 200, sc::kRefreshToken, sc::kTokenPairRef, {401, 0}},
  {Method::kPost, "/v1/auth/logout", "auth.logout", kPublic, kNoScope, kRateDefault,
   "Revoke a refresh token's session", &api::logout,
   204, sc::kRefreshToken, kNone, {0, 0}},
  {Method::kPost, "/v1/auth/password/forgot", "auth.password_forgot", kPublic, kNoScope,
   kRatePassword, "E-mail a password reset link (202 whether or not the account exists)",
   &api::forgot_password, 202, sc::kEmailOnly, sc::kAccepted, {0, 0}},
  {Method::kPost, "/v1/auth/password/reset", "auth.password_reset", kPublic, kNoScope,
   kRatePassword, "Set a new password with a reset token (1 hour, single use)",
   &api::reset_password, 204, sc::kReset, kNone, {0, 0}},
  // The caller and their tenant.
  {Method::kGet, "/v1/me", "me.get", kMember, kNoScope, kRateDefault,
   "The calling user", &api::get_me, 200, kNone, sc::kMeRef, {0, 0}},
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
};
// clang-format on

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
  route.handler = [services, handler = row.handler](const Request& request, RequestContext& ctx) {
    if (services == nullptr) {
      return error_response(Error::unavailable("unavailable", "this table only describes routes"));
    }
    return handler(*services, request, ctx);
  };
  route.success_status = row.success_status;
  route.request_schema = std::string(row.request_schema);
  route.response_schema = std::string(row.response_schema);
  for (int status : row.extra_errors) {
    if (status != 0) route.error_statuses.push_back(status);
  }
  return route;
}

}  // namespace

void add_api_routes(Router& router, ApiServices& services) {
  for (const RouteRow& row : kRoutes)
    router.add(to_route(row, &services));
}

void add_api_route_descriptions(Router& router) {
  for (const RouteRow& row : kRoutes)
    router.add(to_route(row, nullptr));
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
