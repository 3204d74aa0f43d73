// The REST API (docs/roles.md): the one place that registers every /v1 route.
//
// Each route is one row of a table in api_routes.cpp: method, path, name,
// minimum role, API-key scope, rate-limit class, summary and handler. The
// guards (auth_guard.hpp, rate_limit_guard.hpp) enforce the role, scope and
// rate columns before a handler runs; the OpenAPI document is generated from
// the same rows. The handlers themselves live in src/http/api/, one file per
// area, and only translate JSON to service calls and back.
//
// Routes (min role "-" = public; every authenticated route also accepts an
// API key holding the scope; "admin" scope implies all others):
//
//   method  path                           min role  scope   rate class
//   POST    /v1/auth/register              -         -       register
//   POST    /v1/auth/verify                -         -       verify
//   POST    /v1/auth/verify/resend         -         -       verify_resend
//   POST    /v1/auth/login                 -         -       login
//   POST    /v1/auth/refresh               -         -       default
//   POST    /v1/auth/logout                -         -       default
//   POST    /v1/auth/password/forgot       -         -       password
//   POST    /v1/auth/password/reset        -         -       password
//   GET     /v1/auth/sso                   -         -       default
//   GET     /v1/auth/sso/microsoft/start   -         -       login
//   GET     /v1/auth/sso/microsoft/callback -        -       login
//   POST    /v1/auth/sso/exchange          -         -       default
//   GET     /v1/me                         member    -       default
//   POST    /v1/me/sso/microsoft/link      member    -       default
//   GET     /v1/tenant                     member    -       default
//   PUT     /v1/tenant/plan                owner     admin   default
//   GET     /v1/users                      admin     admin   default
//   POST    /v1/users                      owner     admin   default
//   GET     /v1/users/{id}                 admin     admin   default
//   PATCH   /v1/users/{id}                 owner     admin   default
//   DELETE  /v1/users/{id}                 owner     admin   default
//   POST    /v1/api-keys                   member    admin   default
//   GET     /v1/api-keys                   member    admin   default
//   DELETE  /v1/api-keys/{id}              member    admin   default
//   POST    /v1/agents                     admin     agents:write  default
//   GET     /v1/agents                     member    agents:read   default
//   GET     /v1/agents/{id}                member    agents:read   default
//   GET     /v1/agents/{id}/metrics        member    agents:read   default
//   PATCH   /v1/agents/{id}                admin     agents:write  default
//   DELETE  /v1/agents/{id}                admin     agents:write  default
//   POST    /v1/agents/{id}/rotate-key     admin     agents:write  default
//   GET     /v1/agent/connect              -         -             agent_connect
//   POST    /v1/jobs                       member    jobs:write    default
//   GET     /v1/jobs                       member    jobs:read     default
//   GET     /v1/jobs/{id}                  member    jobs:read     default (async: ?wait=N)
//   GET     /v1/jobs/{id}/output           member    jobs:read     default
//   POST    /v1/jobs/{id}/cancel           member    jobs:write    default
//   GET     /v1/tenant/webhook-secret      admin     admin         default
//   POST    /v1/tenant/webhook-secret/rotate admin   admin         default
//   POST    /v1/schedules                  admin     schedules:write  default
//   GET     /v1/schedules                  member    schedules:read   default
//   GET     /v1/schedules/{id}             member    schedules:read   default
//   PATCH   /v1/schedules/{id}             admin     schedules:write  default
//   DELETE  /v1/schedules/{id}             admin     schedules:write  default
//   GET     /v1/schedules/{id}/events      member    schedules:read   default
//   GET     /v1/cron/preview               member    schedules:read   default
//
// GET /v1/agent/connect is the agents' WebSocket (agent_socket.hpp): public
// for the guards, because it is authenticated by the agent key, not a user
// credential.
//
// API keys are open to members for their own keys (a member's key can carry
// only member scopes: jobs:read, jobs:write, agents:read, schedules:read);
// admins and owners see and revoke every key of the tenant (api_keys.hpp).
// Public routes are rate limited per client address, the rest per principal.
//
// Thread safety: build the router once at start-up; the handlers call only
// thread-safe services.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "http/router.hpp"

namespace scriptmesh {
class AccountService;
class AgentService;
class ApiKeyService;
class AuthService;
class Clock;
class IntegrationService;
class JobService;
class Logger;
class RateLimiter;
class ScheduleService;
class SsoService;
class TenantService;
class TenantWebhookSecrets;
class UserService;
}  // namespace scriptmesh

namespace scriptmesh::http {

class AgentChannel;
struct RateLimitPolicy;

// The services the REST handlers call. All borrowed: they must outlive the
// router (and so the server) they are registered with.
struct ApiServices {
  AccountService& accounts;
  AuthService& auth;
  ApiKeyService& api_keys;
  TenantService& tenants;
  UserService& users;
  Clock& clock;
  // Agents and jobs. Null where only the table is wanted (route documents):
  // their routes then answer 503 "unavailable".
  AgentService* agents = nullptr;
  JobService* jobs = nullptr;
  // The secret job webhooks are signed with; null: its routes answer 503.
  TenantWebhookSecrets* webhook_secrets = nullptr;
  // Where GET /v1/agent/connect hands agent connections (usually
  // hub_channel(hub)); null: every agent is refused 503.
  AgentChannel* agent_channel = nullptr;
  // Where the agent sockets log; null: nowhere.
  Logger* logger = nullptr;
  // Schedules; null: their routes answer 503 "unavailable".
  ScheduleService* schedules = nullptr;
  // Integrations; null: their routes answer 503 "unavailable".
  IntegrationService* integrations = nullptr;
  // Sign in with Microsoft; null (or not enabled): its routes answer 404
  // "sso_not_configured" and GET /v1/auth/sso lists no provider.
  SsoService* sso = nullptr;
  // The browser session cookie (auth_routes.cpp): marked Secure (the
  // orchestrator is reached over HTTPS), and how long it lives (the refresh
  // token's lifetime).
  bool secure_cookies = false;
  std::int64_t refresh_cookie_max_age_sec = 7 * 24 * 3600;
};

// Adds every REST route above to `router`. `services` is borrowed.
void add_api_routes(Router& router, ApiServices& services);

// The same routes with no services behind them, for tools that only read the
// table (the OpenAPI document, docs/roles.md): their handlers answer 503.
void add_api_route_descriptions(Router& router);

// The shared JSON Schemas the routes' OpenAPI bodies refer to
// ("#/components/schemas/<name>"), for OpenApiOptions::schemas.
std::map<std::string, std::string> api_component_schemas();

// Adds the guards in the order the API needs them:
//   1. per-address rate limit, public routes only (before any work is done);
//   2. authentication + role/scope check, non-public routes (refused
//      credentials are throttled per address on `limiter` too);
//   3. per-principal rate limit, authenticated routes.
// `auth` and `limiter` are borrowed and must outlive the router.
void add_api_guards(Router& router, AuthService& auth, RateLimiter& limiter,
                    const RateLimitPolicy& policy);

}  // namespace scriptmesh::http
