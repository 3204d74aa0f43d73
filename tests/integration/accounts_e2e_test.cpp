// The account life cycle against the real orchestrator binary on 127.0.0.1,
// reading verification codes and reset links from <data_dir>/outbox.jsonl as
// a user would read their mailbox (issue 3, "done when").
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "support/loopback_receiver.hpp"
#include "support/orchestrator_fixture.hpp"

namespace scriptmesh {
namespace {

using testing::ApiClient;
using testing::TestOrchestrator;
namespace json = boost::json;

constexpr const char* kCodePattern = R"(\b(\d{6})\b)";
constexpr const char* kResetPattern = R"(reset-password\?token=([A-Za-z0-9_\-]+))";

TEST_CASE("e2e: register, verify, login, API key, /v1/me, refresh, reuse, forgot, reset") {
  TestOrchestrator server;
  ApiClient api(server.port());
  const std::string email = "ann@example.com";
  const std::string password = "correct horse battery staple";

  // Register: 201 with ids, and a 6-digit code in the outbox.
  auto reg = api.post("/v1/auth/register",
                      {{"email", email}, {"password", password}, {"tenant_name", "Acme"}});
  INFO(reg.body);
  REQUIRE(reg.status == 201);
  const std::string user_id = reg.str("user_id");
  const std::string tenant_id = reg.str("tenant_id");
  CHECK_FALSE(user_id.empty());
  CHECK_FALSE(tenant_id.empty());
  CHECK(api.post("/v1/auth/register",
                 {{"email", email}, {"password", password}, {"tenant_name", "Again"}})
            .error_code() == "email_taken");

  // Login is refused until the address is verified.
  auto early = api.post("/v1/auth/login", {{"email", email}, {"password", password}});
  CHECK(early.error_code() == "email_not_verified");
  CHECK(early.status == 409);

  const std::string code = server.wait_for_email_match(email, kCodePattern);
  auto verified = api.post("/v1/auth/verify", {{"email", email}, {"code", code}});
  INFO(verified.body);
  REQUIRE(verified.status == 200);

  // Login: a token pair.
  auto login = api.post("/v1/auth/login", {{"email", email}, {"password", password}});
  INFO(login.body);
  REQUIRE(login.status == 200);
  CHECK(login.str("token_type") == "Bearer");
  CHECK(login.json.at("expires_in").as_int64() == 900);
  const std::string access = login.str("access_token");
  const std::string refresh1 = login.str("refresh_token");
  REQUIRE_FALSE(access.empty());
  REQUIRE_FALSE(refresh1.empty());

  // An API key, shown once, that works for /v1/me.
  auto created = api.post(
      "/v1/api-keys", {{"name", "ci"}, {"scopes", json::array{"jobs:read", "jobs:write"}}}, access);
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string key = created.str("key");
  CHECK(key.rfind("sm_live_", 0) == 0);
  CHECK(key.rfind(created.str("prefix"), 0) == 0);
  auto listed = api.get("/v1/api-keys", access);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(key) == std::string::npos);

  auto me = api.get("/v1/me", key);
  INFO(me.body);
  REQUIRE(me.status == 200);
  CHECK(me.str("user_id") == user_id);
  CHECK(me.str("tenant_id") == tenant_id);
  CHECK(me.str("email") == email);
  CHECK(me.str("role") == "owner");
  CHECK(api.get("/v1/me", access).str("user_id") == user_id);

  // Refresh spends the token; presenting it again revokes the whole family,
  // so the newer refresh token dies with it.
  auto refreshed = api.post("/v1/auth/refresh", {{"refresh_token", refresh1}});
  INFO(refreshed.body);
  REQUIRE(refreshed.status == 200);
  const std::string refresh2 = refreshed.str("refresh_token");
  CHECK(refresh2 != refresh1);
  CHECK(api.get("/v1/me", refreshed.str("access_token")).status == 200);
  auto reused = api.post("/v1/auth/refresh", {{"refresh_token", refresh1}});
  CHECK(reused.status == 401);
  CHECK(reused.error_code() == "refresh_token_reused");
  auto newer = api.post("/v1/auth/refresh", {{"refresh_token", refresh2}});
  CHECK(newer.status == 401);

  // Forgot (202 whether or not the address has an account), then reset.
  CHECK(api.post("/v1/auth/password/forgot", {{"email", "nobody@example.com"}}).status == 202);
  CHECK(server.emails_to("nobody@example.com") == 0);
  REQUIRE(api.post("/v1/auth/password/forgot", {{"email", email}}).status == 202);
  const std::string token = server.wait_for_email_match(email, kResetPattern);
  const std::string new_password = "a brand new passphrase";
  auto reset =
      api.post("/v1/auth/password/reset", {{"token", token}, {"new_password", new_password}});
  INFO(reset.body);
  CHECK(reset.status == 204);
  CHECK(api.post("/v1/auth/password/reset", {{"token", token}, {"new_password", new_password}})
            .error_code() == "invalid_reset_token");

  auto old_login = api.post("/v1/auth/login", {{"email", email}, {"password", password}});
  CHECK(old_login.status == 401);
  CHECK(old_login.error_code() == "invalid_credentials");
  auto new_login = api.post("/v1/auth/login", {{"email", email}, {"password", new_password}});
  CHECK(new_login.status == 200);

  CHECK(server.stop() == 0);
}

TEST_CASE("e2e: credentials are required, checked, and revoked keys stop at once") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto account = testing::sign_up(server, api, "bob@example.com", "Bob's");

  auto anonymous = api.get("/v1/me");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.error_code() == "missing_credentials");
  CHECK(anonymous.header("WWW-Authenticate").find("Bearer") == 0);
  CHECK_FALSE(anonymous.header("X-Request-Id").empty());
  CHECK(api.get("/v1/me", "eyJhbGciOiJIUzI1NiJ9.e30.forged").status == 401);
  CHECK(api.get("/v1/me", "sm_live_nosuchkey").error_code() == "invalid_api_key");

  auto created = api.post("/v1/api-keys", {{"name", "temp"}, {"scopes", json::array{"admin"}}},
                          account.access_token);
  REQUIRE(created.status == 201);
  const std::string key = created.str("key");
  CHECK(api.get("/v1/tenant", key).status == 200);
  CHECK(api.del("/v1/api-keys/" + created.str("id"), account.access_token).status == 204);
  CHECK(api.get("/v1/tenant", key).status == 401);

  // Logout ends the session's refresh token.
  CHECK(api.post("/v1/auth/logout", {{"refresh_token", account.refresh_token}}).status == 204);
  CHECK(api.post("/v1/auth/refresh", {{"refresh_token", account.refresh_token}}).status == 401);

  // Bad input is refused with the field named, and nothing crashes.
  auto bad = api.call("POST", "/v1/auth/login", "{not json");
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "invalid_json");
  auto missing = api.post("/v1/auth/register", {{"email", "x@example.com"}});
  CHECK(missing.status == 422);
  CHECK(missing.body.find("password") != std::string::npos);
}

TEST_CASE("e2e: the owner invites a user, who sets a password through the e-mailed link") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = testing::sign_up(server, api, "owner@example.com", "Team");

  auto invited =
      api.post("/v1/users", {{"email", "new@example.com"}, {"role", "admin"}}, owner.access_token);
  INFO(invited.body);
  REQUIRE(invited.status == 201);
  const std::string token = server.wait_for_email_match(
      "new@example.com", R"(/invitations/accept\?token=([A-Za-z0-9_\-]+))");
  REQUIRE(api.post("/v1/auth/password/reset",
                   {{"token", token}, {"new_password", "invited user passphrase"}})
              .status == 204);
  auto login = api.post("/v1/auth/login",
                        {{"email", "new@example.com"}, {"password", "invited user passphrase"}});
  REQUIRE(login.status == 200);
  const std::string admin = login.str("access_token");

  CHECK(api.get("/v1/me", admin).str("role") == "admin");
  CHECK(api.get("/v1/users", admin).status == 200);
  auto plan = api.put("/v1/tenant/plan", {{"plan", "pro"}}, admin);
  CHECK(plan.status == 403);
  CHECK(plan.error_code() == "insufficient_role");
  auto upgraded = api.put("/v1/tenant/plan", {{"plan", "pro"}}, owner.access_token);
  REQUIRE(upgraded.status == 200);
  CHECK(api.get("/v1/tenant", admin).json.at("limits").at("retention_days").as_int64() == 90);
}

TEST_CASE("e2e: with a Resend key, e-mail goes to Resend instead of the outbox") {
  testing::LoopbackReceiver resend;
  testing::TestOrchestratorOptions options;
  options.settings["resend_api_key"] = "re_test_key_123";
  options.settings["resend_base_url"] = resend.url("");
  options.settings["email_from"] = "ScriptMesh <no-reply@example.com>";
  TestOrchestrator server(options);
  ApiClient api(server.port());

  auto reg = api.post("/v1/auth/register", {{"email", "carol@example.com"},
                                            {"password", "correct horse battery"},
                                            {"tenant_name", "Carol"}});
  REQUIRE(reg.status == 201);
  REQUIRE(resend.wait_for_requests(1, std::chrono::seconds(30)));
  auto sent = resend.requests().front();
  CHECK(sent.method == "POST");
  CHECK(sent.target == "/emails");
  CHECK(sent.header("Authorization") == "Bearer re_test_key_123");
  auto body = json::parse(sent.body).as_object();
  CHECK(body.at("from").as_string() == "ScriptMesh <no-reply@example.com>");
  CHECK(body.at("to").as_array().at(0).as_string() == "carol@example.com");
  std::string text(body.at("text").as_string());
  CHECK(std::regex_search(text, std::regex(kCodePattern)));
  CHECK_FALSE(std::filesystem::exists(server.outbox_path()));
  CHECK(server.process().stderr_text().find("re_test_key_123") == std::string::npos);
}

TEST_CASE("e2e: a Resend key without a sender address refuses to start, naming the setting") {
  testing::TempDir dir;
  testing::ChildProcess server(
      {SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir",
       (dir / "data").string(), "--resend-api-key", "re_x"},
      {}, dir.path(), "orchestrator");
  auto status = server.wait_exit(std::chrono::seconds(60));
  REQUIRE(status);
  CHECK(*status != 0);
  CHECK(server.stderr_text().find("email_from") != std::string::npos);
}

}  // namespace
}  // namespace scriptmesh
