// The authentication and rate-limit guards over a small router, with a fake
// authenticator and a fake clock: no network, no store.
#include "http/auth_guard.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "http/json_body.hpp"
#include "http/rate_limit_guard.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;

Principal principal(std::string role, std::vector<std::string> scopes = {},
                    std::string kind = "access_token", std::string credential = "") {
  Principal p;
  p.tenant_id = TenantId("tnt_a");
  p.user_id = UserId("usr_" + role);
  p.role = std::move(role);
  p.scopes = std::move(scopes);
  p.credential_kind = std::move(kind);
  p.credential_id = std::move(credential);
  return p;
}

// Tokens the fake authenticator knows: "owner", "admin", "member" (sessions),
// "key-read" (a member's API key with jobs:read), "key-admin" (an admin key).
Result<Principal> fake_authenticate(std::string_view token) {
  if (token == "owner" || token == "admin" || token == "member") {
    return principal(std::string(token));
  }
  if (token == "key-read") return principal("member", {"jobs:read"}, "api_key", "key_1");
  if (token == "key-admin") return principal("admin", {"admin"}, "api_key", "key_2");
  if (token == "expired") return Error::unauthenticated("token_expired", "expired");
  if (token == "store-down") return Error::unavailable("store_unavailable", "down");
  return Error::unauthenticated("invalid_token", "bad token");
}

Route route(Method method, std::string pattern, std::string name, bool is_public,
            std::string min_role = "", std::string scope = "", std::string rate_class = "") {
  Route r;
  r.method = method;
  r.pattern = std::move(pattern);
  r.name = std::move(name);
  r.public_route = is_public;
  r.min_role = std::move(min_role);
  r.scope = std::move(scope);
  r.rate_limit_class = std::move(rate_class);
  r.handler = [](const Request&, RequestContext& ctx) {
    std::string who = ctx.principal ? ctx.principal->user_id.str() : "anonymous";
    return text_response(200, who);
  };
  return r;
}

struct Fixture {
  testing::FakeClock clock;
  RateLimiter limiter{clock};
  Router router;

  explicit Fixture(RateLimitPolicy policy = default_rate_limit_policy(5)) {
    router.add(route(Method::kPost, "/login", "login", true, "", "", "login"));
    router.add(route(Method::kGet, "/open", "open", true));
    router.add(route(Method::kGet, "/me", "me", false, "member"));
    router.add(route(Method::kGet, "/jobs", "jobs", false, "member", "jobs:read"));
    router.add(route(Method::kPut, "/plan", "plan", false, "owner", "admin"));
    router.add(route(Method::kGet, "/admin", "admin", false, "admin", "admin"));
    router.add_guard(make_address_rate_limit_guard(limiter, policy));
    AuthGuardOptions options;
    options.failure_limiter = &limiter;
    options.failure_limit = RateLimit{3, 0};
    router.add_guard(make_auth_guard(fake_authenticate, options));
    router.add_guard(make_principal_rate_limit_guard(limiter, policy));
  }

  Response call(Method method, std::string path, std::string token = "",
                std::string address = "127.0.0.11") {
    Request request;
    request.method = method;
    request.path = path;
    request.target = path;
    request.client_address = std::move(address);
    if (!token.empty()) request.headers.set("Authorization", "Bearer " + token);
    RequestContext ctx;
    return router.dispatch(request, ctx);
  }
};

std::string error_code(const Response& r) {
  auto v = boost::json::parse(r.body);
  return std::string(v.at("error").at("code").as_string());
}

TEST_CASE("bearer_credential accepts the Bearer scheme only") {
  CHECK(*bearer_credential("Bearer abc.def") == "abc.def");
  CHECK(*bearer_credential("bearer   sm_live_x  ") == "sm_live_x");
  CHECK(*bearer_credential("BEARER\tt") == "t");
  CHECK_ERROR_CODE(bearer_credential("Basic dXNlcjpwYXNz"), "missing_credentials");
  CHECK_ERROR_CODE(bearer_credential("Bearer"), "missing_credentials");
  CHECK_ERROR_CODE(bearer_credential("Bearer "), "missing_credentials");
  CHECK_ERROR_CODE(bearer_credential("Bearerabc"), "missing_credentials");
  CHECK_ERROR_CODE(bearer_credential("Bearer a b"), "missing_credentials");
  CHECK_ERROR_CODE(bearer_credential("Bearer " + std::string(4097, 'a')), "missing_credentials");
}

TEST_CASE("client_address_key groups IPv6 by /64 and unwraps IPv4-mapped addresses") {
  CHECK(client_address_key("127.0.0.7") == "127.0.0.7");
  CHECK(client_address_key("::1") == "::/64");
  CHECK(client_address_key("0:0:0:0:0:0:0:1") == "::/64");
  CHECK(client_address_key("::ffff:127.0.0.4") == "127.0.0.4");
  CHECK(client_address_key("not an address") == "not an address");
}

TEST_CASE("auth guard: public routes need no credentials") {
  Fixture f;
  auto r = f.call(Method::kGet, "/open");
  CHECK(r.status == 200);
  CHECK(r.body == "anonymous");
}

TEST_CASE("auth guard: a missing or refused credential answers 401 with WWW-Authenticate") {
  Fixture f;
  auto missing = f.call(Method::kGet, "/me");
  CHECK(missing.status == 401);
  CHECK(error_code(missing) == "missing_credentials");
  CHECK(missing.headers.get("WWW-Authenticate") == R"(Bearer realm="scriptmesh")");

  auto bad = f.call(Method::kGet, "/me", "forged");
  CHECK(bad.status == 401);
  CHECK(error_code(bad) == "invalid_token");
  CHECK(bad.headers.get("WWW-Authenticate") ==
        R"(Bearer realm="scriptmesh", error="invalid_token")");

  auto expired = f.call(Method::kGet, "/me", "expired");
  CHECK(expired.status == 401);
  CHECK(error_code(expired) == "token_expired");
}

TEST_CASE("auth guard: a store outage is not the caller's fault") {
  Fixture f;
  auto r = f.call(Method::kGet, "/me", "store-down");
  CHECK(r.status == 503);
  CHECK_FALSE(r.headers.contains("WWW-Authenticate"));
}

TEST_CASE("auth guard: roles and scopes answer 403") {
  Fixture f;
  CHECK(f.call(Method::kGet, "/me", "member").body == "usr_member");
  CHECK(f.call(Method::kGet, "/jobs", "member").status == 200);  // a session has every scope
  CHECK(f.call(Method::kGet, "/jobs", "key-read").status == 200);

  auto weak = f.call(Method::kPut, "/plan", "admin");
  CHECK(weak.status == 403);
  CHECK(error_code(weak) == "insufficient_role");
  CHECK(f.call(Method::kPut, "/plan", "owner").status == 200);

  auto scope = f.call(Method::kGet, "/admin", "key-read");
  CHECK(scope.status == 403);
  CHECK(error_code(scope) == "insufficient_role");  // the role is checked first
  CHECK(f.call(Method::kGet, "/admin", "key-admin").status == 200);
  // An admin's key with the admin scope is still not an owner.
  CHECK(f.call(Method::kPut, "/plan", "key-admin").status == 403);
}

TEST_CASE("auth guard: a key without the route's scope names it in WWW-Authenticate") {
  Router router;
  router.add(route(Method::kPost, "/jobs", "jobs.create", false, "member", "jobs:write"));
  router.add_guard(make_auth_guard(fake_authenticate));
  Request request;
  request.method = Method::kPost;
  request.path = "/jobs";
  request.headers.set("Authorization", "Bearer key-read");
  RequestContext ctx;
  auto r = router.dispatch(request, ctx);
  CHECK(r.status == 403);
  CHECK(error_code(r) == "insufficient_scope");
  CHECK(r.headers.get("WWW-Authenticate") ==
        R"(Bearer realm="scriptmesh", error="insufficient_scope", scope="jobs:write")");
}

TEST_CASE("auth guard: refused credentials are throttled per address, valid ones never") {
  Fixture f;
  for (int i = 0; i < 3; ++i)
    CHECK(f.call(Method::kGet, "/me", "guess").status == 401);
  auto throttled = f.call(Method::kGet, "/me", "guess");
  CHECK(throttled.status == 429);
  CHECK(error_code(throttled) == "rate_limited");
  CHECK(throttled.headers.get("Retry-After") == "20");
  // Someone else's guesses from a shared address (a NAT, a proxy) do not
  // lock out a user whose credential is good.
  CHECK(f.call(Method::kGet, "/me", "member").status == 200);
  CHECK(f.call(Method::kGet, "/me", "guess").status == 429);
  f.clock.advance(20s);
  CHECK(f.call(Method::kGet, "/me", "guess").status == 401);
}

TEST_CASE("auth guard: expired access tokens are not counted as guesses") {
  Fixture f;
  for (int i = 0; i < 10; ++i)
    CHECK(f.call(Method::kGet, "/me", "expired").status == 401);
  CHECK(f.call(Method::kGet, "/me", "member").status == 200);
}

TEST_CASE("rate-limit guard: the 11th login in a minute from one address is refused") {
  Fixture f;
  for (int i = 0; i < 10; ++i) {
    auto r = f.call(Method::kPost, "/login");
    REQUIRE(r.status == 200);
    CHECK(r.headers.get("RateLimit-Remaining") == std::to_string(9 - i));
  }
  auto refused = f.call(Method::kPost, "/login");
  CHECK(refused.status == 429);
  CHECK(error_code(refused) == "rate_limited");
  CHECK(refused.headers.get("Retry-After") == "6");
  CHECK(refused.headers.get("RateLimit-Limit") == "10");
  CHECK(refused.headers.get("RateLimit-Remaining") == "0");

  CHECK(f.call(Method::kPost, "/login", "", "127.0.0.12").status == 200);  // another client
  CHECK(f.call(Method::kGet, "/open").status == 200);  // another class, same client
  f.clock.advance(6s);
  CHECK(f.call(Method::kPost, "/login").status == 200);
}

TEST_CASE("rate-limit guard: authenticated routes are limited per principal, not per address") {
  Fixture f;  // default class: 5 a minute
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.call(Method::kGet, "/me", "member").status == 200);
  auto refused = f.call(Method::kGet, "/me", "member", "127.0.0.13");
  CHECK(refused.status == 429);
  CHECK(refused.headers.contains("Retry-After"));
  // Another credential from the same address has its own budget.
  CHECK(f.call(Method::kGet, "/me", "owner").status == 200);
  CHECK(f.call(Method::kGet, "/jobs", "key-read").status == 200);
}

TEST_CASE("rate-limit guard: unauthenticated requests to private routes are not counted twice") {
  Fixture f;
  // A 401 from the auth guard consumes no per-principal budget.
  for (int i = 0; i < 2; ++i)
    CHECK(f.call(Method::kGet, "/me").status == 401);
  for (int i = 0; i < 5; ++i)
    CHECK(f.call(Method::kGet, "/me", "member").status == 200);
}

TEST_CASE("rate-limit policy: API.md classes and a configurable default") {
  auto p = default_rate_limit_policy(1234);
  CHECK(p.limit_for("login").per_minute == 10);
  CHECK(p.limit_for("register").per_minute == 5);
  CHECK(p.limit_for("password").per_minute == 5);
  CHECK(p.limit_for("verify_resend").per_minute == 3);
  CHECK(p.limit_for("").per_minute == 1234);
  CHECK(p.limit_for("verify").per_minute == 10);
  CHECK(p.limit_for("health").per_minute == 1234);
  CHECK(default_rate_limit_policy(5).limit_for("health").per_minute == 600);
  CHECK(p.limit_for("no such class").per_minute == 1234);
}

}  // namespace
}  // namespace scriptmesh::http
