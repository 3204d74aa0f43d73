#include "http/rate_limit_guard.hpp"

#include <algorithm>
#include <array>

#include <arpa/inet.h>

namespace scriptmesh::http {
namespace {

void add_limit_headers(const RateDecision& d, RequestContext& ctx) {
  ctx.response_headers.set("RateLimit-Limit", std::to_string(d.limit));
  ctx.response_headers.set("RateLimit-Remaining", std::to_string(d.remaining));
}

std::string bucket_key(std::string_view rate_class, std::string_view who) {
  std::string key(rate_class.empty() ? kRateDefault : rate_class);
  key += '|';
  key += who;
  return key;
}

Result<void> check(RateLimiter& limiter, const RateLimitPolicy& policy, const Route& route,
                   std::string_view who, RequestContext& ctx) {
  RateDecision d = limiter.acquire(bucket_key(route.rate_limit_class, who),
                                   policy.limit_for(route.rate_limit_class));
  if (!d.allowed) return rate_limited(d, ctx);
  if (d.limit > 0) add_limit_headers(d, ctx);
  return ok_result();
}

}  // namespace

const RateLimit& RateLimitPolicy::limit_for(std::string_view rate_class) const {
  auto it = classes.find(rate_class);
  return it == classes.end() ? default_limit : it->second;
}

RateLimitPolicy default_rate_limit_policy(std::uint32_t default_per_minute) {
  RateLimitPolicy p;
  p.classes.emplace(kRateLogin, RateLimit{10, 0});
  p.classes.emplace(kRateRegister, RateLimit{5, 0});
  p.classes.emplace(kRatePassword, RateLimit{5, 0});
  p.classes.emplace(kRateVerifyResend, RateLimit{3, 0});
  p.classes.emplace(kRateVerify, RateLimit{10, 0});
  // Probes must not fail because an operator tightened the default.
  p.classes.emplace(kRateHealth, RateLimit{std::max<std::uint32_t>(default_per_minute, 600), 0});
  p.default_limit = RateLimit{default_per_minute, 0};
  return p;
}

std::string client_address_key(std::string_view address) {
  std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
  const bool v4_mapped =
      std::all_of(bytes.begin(), bytes.begin() + 10, [](unsigned char b) { return b == 0; }) &&
      bytes[10] == 0xff && bytes[11] == 0xff;
  if (v4_mapped) {
    char v4[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, bytes.data() + 12, v4, sizeof v4) != nullptr) return v4;
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  char v6[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, bytes.data(), v6, sizeof v6) == nullptr) return text;
  return std::string(v6) + "/64";
}

Guard make_address_rate_limit_guard(RateLimiter& limiter, RateLimitPolicy policy) {
  return [&limiter, policy = std::move(policy)](const Request& request,
                                                RequestContext& ctx) -> Result<void> {
    if (ctx.route == nullptr || !ctx.route->public_route) return ok_result();
    return check(limiter, policy, *ctx.route, client_address_key(request.client_address), ctx);
  };
}

Guard make_principal_rate_limit_guard(RateLimiter& limiter, RateLimitPolicy policy) {
  return
      [&limiter, policy = std::move(policy)](const Request&, RequestContext& ctx) -> Result<void> {
        if (ctx.route == nullptr || !ctx.principal) return ok_result();
        const Principal& p = *ctx.principal;
        // The credential, not the user: each API key has its own budget, and all
        // of a user's browser sessions (access tokens) share the user's.
        std::string who =
            p.tenant_id.str() + ":" +
            (p.credential_kind == "access_token" || p.credential_id.empty() ? p.user_id.str()
                                                                            : p.credential_id);
        return check(limiter, policy, *ctx.route, who, ctx);
      };
}

Error rate_limited(const RateDecision& decision, RequestContext& ctx) {
  add_limit_headers(decision, ctx);
  ctx.response_headers.set("Retry-After", std::to_string(decision.retry_after_sec));
  return Error::resource_exhausted(
      "rate_limited",
      "too many requests; retry in " + std::to_string(decision.retry_after_sec) + " s");
}

}  // namespace scriptmesh::http
