// The authentication and authorization guard.
//
// For every matched route that is not public_route it:
//   1. reads "Authorization: Bearer <credential>" (scheme case-insensitive);
//      missing or malformed -> 401 "missing_credentials";
//   2. asks the authenticator (AuthService::authenticate) who that is, and
//      sets ctx.principal; a credential it refuses -> 401 with the
//      authenticator's code ("invalid_token", "token_expired",
//      "invalid_api_key", ...);
//   3. checks route.min_role and route.scope with authorize() (auth.hpp):
//      403 "insufficient_role" / "insufficient_scope".
// Every 401 carries `WWW-Authenticate: Bearer realm="scriptmesh"` (plus
// error="invalid_token" when a credential was presented, RFC 6750 section 3);
// a 403 for a scope names the scope the same way.
//
// Guessing credentials is throttled: each refused credential (other than an
// expired access token, which is stale rather than guessed) takes a token
// from a per-address bucket, and while that bucket is empty a refused
// credential is answered 429 instead of 401. A valid credential is never
// refused by it: users behind one address are not locked out by another's
// guesses.
//
// Thread safety: the guard may run on any server thread; the authenticator
// must be thread-safe (AuthService is).
#pragma once

#include <functional>
#include <string_view>

#include "http/router.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/rate_limit.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {
class AuthService;
}

namespace scriptmesh::http {

// Who a bearer credential belongs to; errors are answered as they are.
using Authenticator = std::function<Result<Principal>(std::string_view credential)>;

struct AuthGuardOptions {
  // Throttles refused credentials per client address; nullptr = no throttle.
  // Borrowed; must outlive the router.
  RateLimiter* failure_limiter = nullptr;
  // Refused credentials allowed per address (burst, then this rate).
  RateLimit failure_limit{30, 0};
};

// The credential of an Authorization header value: "Bearer abc" -> "abc".
// Error: unauthenticated "missing_credentials" for another scheme, an empty
// or over-long (4096 bytes) credential, or one with whitespace inside.
[[nodiscard]] Result<std::string_view> bearer_credential(std::string_view header_value);

// The guard, with credentials checked by `authenticate`.
Guard make_auth_guard(Authenticator authenticate, AuthGuardOptions options = {});
// The same with AuthService::authenticate; `auth` is borrowed.
Guard make_auth_guard(AuthService& auth, AuthGuardOptions options = {});

// The role and scope check of step 3 alone, for a route and a principal.
[[nodiscard]] Result<void> authorize_route(const Route& route, const Principal& principal);

}  // namespace scriptmesh::http
