// Rate limits against the real binary. Two client addresses on one machine:
// all of 127/8 is loopback on Linux, so a client bound to 127.0.0.2 reaches
// the server on 127.0.0.1 as a different address.
#include <doctest/doctest.h>

#include <boost/json/array.hpp>

#include "support/orchestrator_fixture.hpp"

namespace scriptmesh {
namespace {

using testing::ApiClient;
using testing::ApiResponse;
using testing::TestOrchestrator;

ApiResponse login(ApiClient& api, const std::string& email) {
  return api.post("/v1/auth/login", {{"email", email}, {"password", "not the password 1"}});
}

int retry_after(const ApiResponse& r) {
  const std::string v = r.header("Retry-After");
  REQUIRE_FALSE(v.empty());
  return std::stoi(v);
}

TEST_CASE("rate limit: the 11th login in a minute from one address is refused") {
  TestOrchestrator server;
  ApiClient first(server.port());
  for (int i = 0; i < 10; ++i) {
    auto r = login(first, "someone@example.com");
    INFO("attempt " << i + 1 << ": " << r.body);
    CHECK(r.status == 401);
    CHECK(r.error_code() == "invalid_credentials");
  }
  auto refused = login(first, "someone@example.com");
  CHECK(refused.status == 429);
  CHECK(refused.error_code() == "rate_limited");
  int wait = retry_after(refused);
  CHECK(wait >= 1);
  CHECK(wait <= 60);
  // Another address for the account does not help: the limit is per client.
  CHECK(login(first, "someone-else@example.com").status == 429);

  // Another client address is not limited by the first one's flood.
  ApiClient second(server.port(), "127.0.0.2");
  auto other = login(second, "someone@example.com");
  CHECK(other.status == 401);
  CHECK(other.error_code() == "invalid_credentials");
  // Nor are other classes for the flooding client.
  CHECK(first.post("/v1/auth/password/forgot", {{"email", "x@example.com"}}).status == 202);
}

TEST_CASE("rate limit: register 5/min, verify resend 3/min, password 5/min per address") {
  TestOrchestrator server;
  ApiClient api(server.port());
  for (int i = 0; i < 5; ++i) {
    auto r = api.post("/v1/auth/register", {{"email", "r" + std::to_string(i) + "@example.com"},
                                            {"password", "correct horse battery"},
                                            {"tenant_name", "T"}});
    INFO(r.body);
    CHECK(r.status == 201);
  }
  auto sixth = api.post(
      "/v1/auth/register",
      {{"email", "r5@example.com"}, {"password", "correct horse battery"}, {"tenant_name", "T"}});
  CHECK(sixth.status == 429);
  CHECK(retry_after(sixth) >= 1);

  for (int i = 0; i < 3; ++i)
    CHECK(api.post("/v1/auth/verify/resend", {{"email", "r0@example.com"}}).status == 202);
  CHECK(api.post("/v1/auth/verify/resend", {{"email", "r0@example.com"}}).status == 429);

  // forgot and reset share one bucket.
  for (int i = 0; i < 3; ++i)
    CHECK(api.post("/v1/auth/password/forgot", {{"email", "r1@example.com"}}).status == 202);
  for (int i = 0; i < 2; ++i) {
    auto r = api.post("/v1/auth/password/reset",
                      {{"token", "bogus"}, {"new_password", "long enough password"}});
    CHECK(r.error_code() == "invalid_reset_token");
  }
  CHECK(api.post("/v1/auth/password/forgot", {{"email", "r1@example.com"}}).status == 429);
}

TEST_CASE("rate limit: authenticated routes are limited per credential, not per address") {
  testing::TestOrchestratorOptions options;
  options.settings["rate_limit_default_per_min"] = "8";
  TestOrchestrator server(options);
  ApiClient api(server.port());
  auto a = testing::sign_up(server, api, "a@example.com", "A");
  auto b = testing::sign_up(server, api, "b@example.com", "B");

  int allowed = 0;
  ApiResponse last;
  for (int i = 0; i < 12; ++i) {
    last = api.get("/v1/me", a.access_token);
    if (last.status == 200) ++allowed;
  }
  CHECK(allowed == 8);
  CHECK(last.status == 429);
  CHECK(last.error_code() == "rate_limited");
  CHECK(retry_after(last) >= 1);

  // Same address, another tenant: not limited by A's flood.
  CHECK(api.get("/v1/me", b.access_token).status == 200);
  // An API key has a budget of its own.
  auto key = api.post("/v1/api-keys", {{"name", "k"}, {"scopes", boost::json::array{"admin"}}},
                      b.access_token);
  REQUIRE(key.status == 201);
  CHECK(api.get("/v1/tenant", key.str("key")).status == 200);
}

}  // namespace
}  // namespace scriptmesh
