// Rate-limit guards: turn a route's rate_limit_class into a token bucket
// check (scriptmesh/rate_limit.hpp) and refuse with 429 "rate_limited" and a
// Retry-After header (whole seconds) when the bucket is empty.
//
// Two guards, placed around the authentication guard:
//
//   router.add_guard(make_address_rate_limit_guard(limiter, policy));   // public routes
//   router.add_guard(make_auth_guard(...));
//   router.add_guard(make_principal_rate_limit_guard(limiter, policy)); // the rest
//
// Public routes (login, register, ...) are limited per client address before
// anything else runs, so a flood never reaches the password hasher.
// Authenticated routes are limited per principal (tenant + credential) once
// the caller is known, so one busy API key does not starve its neighbours on
// a shared NAT address, and one tenant's flood does not limit another.
//
// Bucket keys are "<class>|<who>", so each class has its own bucket. An IPv6
// client is keyed by its /64 (one subscriber usually holds a whole /64, and
// per-address keys would let it mint millions of fresh buckets).
//
// Every allowed response carries RateLimit-Limit and RateLimit-Remaining; a
// refusal carries Retry-After as well.
//
// Thread safety: the guards only read the policy and use the (thread-safe)
// limiter; they may run on any server thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "scriptmesh/rate_limit.hpp"

namespace scriptmesh::http {

// Rate-limit class names used in the route table.
inline constexpr std::string_view kRateLogin = "login";
inline constexpr std::string_view kRateRegister = "register";
inline constexpr std::string_view kRateVerify = "verify";
inline constexpr std::string_view kRateVerifyResend = "verify_resend";
inline constexpr std::string_view kRatePassword = "password";
inline constexpr std::string_view kRateHealth = "health";  // /healthz, /readyz
inline constexpr std::string_view kRateDefault = "default";

// Which limit each class gets.
struct RateLimitPolicy {
  // Limits by class name. A route whose class is empty or not listed here
  // gets default_limit (an unlisted class still has buckets of its own;
  // an empty class shares the "default" ones).
  std::map<std::string, RateLimit, std::less<>> classes;
  // Every other route, per address or per principal.
  RateLimit default_limit{600, 0};

  // The limit for a class name.
  const RateLimit& limit_for(std::string_view rate_class) const;
};

// The limits of docs/roles.md: login 10/min, register 5/min, password (forgot and
// reset share a bucket) 5/min, verify resend 3/min, verify 10/min (a 6-digit
// code is a guessing target), health checks at least 600/min (so a tight
// default never fails a load balancer's probes), and `default_per_minute`
// for everything else.
RateLimitPolicy default_rate_limit_policy(std::uint32_t default_per_minute = 600);

// The bucket identity of a client address: an IPv4 address as is, an IPv6
// address as its /64 prefix ("2001:db8:1:2::/64"), an IPv4-mapped IPv6
// address as the IPv4 address. Text that is not an IP address is used as is.
std::string client_address_key(std::string_view address);

// Limits public routes (route->public_route) per client address; other
// routes pass untouched. Both arguments are borrowed/copied: `limiter` must
// outlive the router.
Guard make_address_rate_limit_guard(RateLimiter& limiter, RateLimitPolicy policy);

// Limits routes that carry a principal per tenant + credential; routes
// without one (public routes) pass untouched. Must run after the
// authentication guard.
Guard make_principal_rate_limit_guard(RateLimiter& limiter, RateLimitPolicy policy);

// The 429 "rate_limited" error for a refusal, with Retry-After (and the
// RateLimit-* headers) added to ctx.response_headers.
Error rate_limited(const RateDecision& decision, RequestContext& ctx);

}  // namespace scriptmesh::http
