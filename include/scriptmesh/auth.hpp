// Authentication and authorization: who is calling, and may they do this.
//
// AuthService turns the credential of a request (the text after "Bearer ")
// into a Principal. Two credentials are understood:
//   - a user's access token: an HS256 JWT issued by AccountService, carrying
//     sub (user id), tid (tenant id), role, iat, exp and iss;
//   - an API key "sm_live_...", looked up by its SHA-256.
// In both cases the role comes from the user's *current* row in the store, so
// demoting or deleting a user takes effect at once (an access token names a
// role only as a hint for clients).
//
// Authorization is two checks, both done by authorize():
//   - role: owner > admin > member;
//   - scope: an API key carries scopes; the "admin" scope implies every
//     other one, and a user's own session (an access token) has them all.
//
// Roles and the scopes an API key may carry (scopes_allowed_for_role):
//   member: jobs:read jobs:write agents:read schedules:read
//   admin:  every scope, "admin" included
//   owner:  every scope, "admin" included
// What a role may *do* is decided per operation by its minimum role, so an
// admin's key with the "admin" scope still cannot do owner-only things (plan,
// user management): authorize() checks the role of the key's creator too.
//
// Thread safety: AuthService may be used from any thread concurrently; the
// free functions are pure.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/jwt.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class Clock;

// ---------------------------------------------------------------------------
// Scopes.

inline constexpr std::string_view kScopeJobsRead = "jobs:read";
inline constexpr std::string_view kScopeJobsWrite = "jobs:write";
inline constexpr std::string_view kScopeAgentsRead = "agents:read";
inline constexpr std::string_view kScopeAgentsWrite = "agents:write";
inline constexpr std::string_view kScopeSchedulesRead = "schedules:read";
inline constexpr std::string_view kScopeSchedulesWrite = "schedules:write";
inline constexpr std::string_view kScopeIntegrationsRead = "integrations:read";
inline constexpr std::string_view kScopeIntegrationsWrite = "integrations:write";
// Implies every other scope; also what tenant, user and API-key management needs.
inline constexpr std::string_view kScopeAdmin = "admin";

// Every scope an API key may carry, in canonical order.
inline constexpr std::array<std::string_view, 9> kAllScopes = {
    kScopeJobsRead,         kScopeJobsWrite,         kScopeAgentsRead,
    kScopeAgentsWrite,      kScopeSchedulesRead,     kScopeSchedulesWrite,
    kScopeIntegrationsRead, kScopeIntegrationsWrite, kScopeAdmin,
};

// True when `scope` is one of kAllScopes.
bool is_known_scope(std::string_view scope) noexcept;

// The scopes an API key created by a user of `role` may carry (see the table
// at the top of this file), in canonical order.
std::vector<std::string_view> scopes_allowed_for_role(UserRole role);

// ---------------------------------------------------------------------------
// Roles and checks.

// owner > admin > member. True when `role` is `min` or stronger.
bool role_at_least(UserRole role, UserRole min) noexcept;
// The same for a role name as carried in Principal::role; an unknown name is
// never strong enough.
bool role_at_least(std::string_view role, UserRole min) noexcept;

// True when `principal` may use `scope`: always for a user's own session
// (credential_kind "access_token"); otherwise when its scopes contain `scope`
// or "admin". An empty `scope` is always true.
bool has_scope(const Principal& principal, std::string_view scope) noexcept;

// The one check every operation makes: the principal's role must be at least
// `min_role`, then it must hold `scope` (pass an empty scope when the
// operation needs none).
// Errors: permission_denied "insufficient_role" (checked first),
//         permission_denied "insufficient_scope".
[[nodiscard]] Result<void> authorize(const Principal& principal, UserRole min_role,
                                     std::string_view scope);

// ---------------------------------------------------------------------------
// Tokens.

// How access and refresh tokens are made and checked. Shared by
// AccountService (which issues them) and AuthService (which checks them).
struct TokenConfig {
  // HMAC-SHA256 key for access tokens (at least 32 bytes recommended). Must
  // not be empty: the services throw std::invalid_argument at construction.
  // Also keys the hashes of e-mail verification codes.
  std::string jwt_secret;
  // "iss" written into and required of every access token.
  std::string issuer = "scriptmesh";
  // Lifetime of an access token (the "expires_in" of a login).
  std::chrono::seconds access_ttl{900};
  // Lifetime of each refresh token, counted from when it was issued.
  std::chrono::seconds refresh_ttl{7 * 24 * 3600};
  // Clock skew tolerated when checking an access token's exp and iat.
  std::chrono::seconds leeway{30};
};

// Prefix of every API key; what tells an API key from a JWT.
inline constexpr std::string_view kApiKeyPrefix = "sm_live_";

struct AuthServiceOptions {
  // An API key's last_used_at is written at most this often per key, so a
  // busy key does not turn every request into a database write.
  std::chrono::seconds api_key_touch_interval{60};
};

class AuthService {
 public:
  // Borrows `store` and `clock`, which must outlive the service.
  // Throws std::invalid_argument when tokens.jwt_secret is empty.
  AuthService(Store& store, Clock& clock, const TokenConfig& tokens,
              AuthServiceOptions options = {});

  // Checks `bearer_token` (the credential alone, without "Bearer ") and says
  // who it belongs to.
  //
  // Access token -> Principal{tenant, user, current role, scopes empty,
  //   credential_kind "access_token", credential_id empty}.
  // API key -> Principal{tenant, creating user, that user's current role,
  //   the key's scopes minus any the role may no longer carry,
  //   credential_kind "api_key", credential_id = key id}; last_used_at is
  //   touched (see AuthServiceOptions).
  //
  // Errors (all unauthenticated):
  //   "invalid_token"   - empty, malformed, tampered, wrong issuer, or the
  //                       user no longer exists
  //   "token_expired"   - the access token's exp has passed
  //   "token_not_yet_valid" - iat in the future beyond the leeway
  //   "invalid_api_key" - unknown, revoked or expired API key, or its creator
  //                       no longer exists
  // plus the store's unavailable/internal errors.
  [[nodiscard]] Result<Principal> authenticate(std::string_view bearer_token);

 private:
  [[nodiscard]] Result<Principal> authenticate_jwt(std::string_view token);
  [[nodiscard]] Result<Principal> authenticate_api_key(std::string_view key);

  Store& store_;
  Clock& clock_;
  TokenConfig tokens_;
  AuthServiceOptions options_;
  JwtSigner signer_;
};

}  // namespace scriptmesh
