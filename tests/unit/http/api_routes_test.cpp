// The REST handlers and the route table, driven through Router::dispatch with
// the real services over a SQLite store in a temp directory, a fake clock and
// an in-memory e-mail sender: everything but the socket.
#include "http/api_routes.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <regex>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/json_body.hpp"
#include "http/rate_limit_guard.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/api_keys.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/rate_limit.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/tenants.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class MemoryEmail final : public EmailSender {
 public:
  Result<void> send(const EmailMessage& message) override {
    std::lock_guard lock(mu_);
    sent_.push_back(message);
    return ok_result();
  }
  // The text of the last message to `to`.
  std::string last_to(const std::string& to) {
    std::lock_guard lock(mu_);
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (it->to == to) return it->text;
    }
    return {};
  }

 private:
  std::mutex mu_;
  std::vector<EmailMessage> sent_;  // guarded by mu_
};

AccountOptions account_options() {
  AccountOptions o;
  o.tokens.jwt_secret = "unit-test-jwt-secret-0123456789abcdef0123";
  o.public_base_url = "https://sm.example";
  o.password_params = PasswordHashParams{1, 8 * 1024};  // cheap: tests, not attackers
  return o;
}

// The whole API over one store, without a server.
struct Api {
  testing::TempDir dir;
  testing::FakeClock clock;
  MemoryEmail email;
  std::unique_ptr<Store> store = [this] {
    SqliteStoreOptions o;
    o.path = dir / "scriptmesh.db";
    o.synchronous = SqliteSynchronous::kNormal;
    auto opened = open_sqlite_store(o);
    REQUIRE_OK(opened);
    return std::move(opened).value();
  }();
  AccountService accounts{*store, clock, email, account_options()};
  AuthService auth{*store, clock, account_options().tokens};
  ApiKeyService api_keys{*store, clock};
  TenantService tenants{*store};
  UserService users{*store, clock, email, UserServiceOptions{"https://sm.example"}};
  RateLimiter limiter{clock};
  ApiServices services{accounts, auth, api_keys, tenants, users, clock};
  Router router;

  Api() {
    add_api_routes(router, services);
    add_api_guards(router, auth, limiter, default_rate_limit_policy(100'000));
  }

  Response call(Method method, std::string path, std::string body = "", std::string token = "",
                std::string address = "127.0.0.11") {
    Request r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = std::move(body);
    r.client_address = std::move(address);
    if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
    RequestContext ctx;
    return router.dispatch(r, ctx);
  }
  Response post(std::string path, const json::object& body, std::string token = "") {
    return call(Method::kPost, std::move(path), json::serialize(body), std::move(token));
  }

  // Registers and verifies an account; answers its access token.
  std::string sign_up(const std::string& email, const std::string& tenant = "Acme") {
    auto reg =
        post("/v1/auth/register",
             {{"email", email}, {"password", "correct horse battery"}, {"tenant_name", tenant}});
    REQUIRE(reg.status == 201);
    REQUIRE(post("/v1/auth/verify", {{"email", email}, {"code", code_for(email)}}).status == 200);
    return login(email, "correct horse battery");
  }
  std::string login(const std::string& email, const std::string& password) {
    auto r = post("/v1/auth/login", {{"email", email}, {"password", password}});
    REQUIRE(r.status == 200);
    return std::string(json::parse(r.body).at("access_token").as_string());
  }
  std::string code_for(const std::string& email) {
    std::smatch m;
    std::string text = this->email.last_to(email);
    REQUIRE(std::regex_search(text, m, std::regex(R"(\b(\d{6})\b)")));
    return m[1];
  }
};

json::value body_of(const Response& r) {
  return json::parse(r.body);
}
std::string error_code(const Response& r) {
  return std::string(body_of(r).at("error").at("code").as_string());
}
std::string error_message(const Response& r) {
  return std::string(body_of(r).at("error").at("message").as_string());
}
std::string str(const json::value& v, std::string_view key) {
  return std::string(v.at(key).as_string());
}

TEST_CASE("route table: every /v1 route is guarded or deliberately public") {
  Api api;
  std::set<std::string> names;
  for (const Route& r : api.router.routes()) {
    INFO(r.name);
    CHECK(names.insert(r.name).second);
    CHECK_FALSE(r.summary.empty());
    if (r.public_route) {
      // The agent socket authenticates with the agent key (agent_socket.hpp).
      CHECK((r.pattern.rfind("/v1/auth/", 0) == 0 || r.pattern == "/v1/agent/connect"));
      CHECK(r.min_role.empty());
      CHECK(r.scope.empty());
    } else {
      CHECK_OK(parse_user_role(r.min_role));
      CHECK_FALSE(r.rate_limit_class.empty());
    }
  }
  CHECK(names.count("auth.login") == 1);
  CHECK(names.count("api_keys.revoke") == 1);
}

TEST_CASE("accounts: register, verify, login, me, refresh, logout") {
  Api api;
  auto reg = api.post("/v1/auth/register", {{"email", "Ann@Example.com"},
                                            {"password", "correct horse battery"},
                                            {"tenant_name", "Acme"}});
  REQUIRE(reg.status == 201);
  auto ids = body_of(reg);
  CHECK(str(ids, "user_id").rfind("usr_", 0) == 0);
  CHECK_FALSE(str(ids, "tenant_id").empty());

  auto early = api.post("/v1/auth/login",
                        {{"email", "ann@example.com"}, {"password", "correct horse battery"}});
  CHECK(early.status == 409);
  CHECK(error_code(early) == "email_not_verified");

  auto wrong = api.post("/v1/auth/verify", {{"email", "ann@example.com"}, {"code", "000000"}});
  CHECK(wrong.status == 422);
  CHECK(error_code(wrong) == "invalid_code");
  CHECK(api.post("/v1/auth/verify/resend", {{"email", "ann@example.com"}}).status == 202);
  auto verified = api.post(
      "/v1/auth/verify", {{"email", "ann@example.com"}, {"code", api.code_for("ann@example.com")}});
  CHECK(verified.status == 200);

  auto bad = api.post("/v1/auth/login", {{"email", "ann@example.com"}, {"password", "nope"}});
  CHECK(bad.status == 401);
  CHECK(error_code(bad) == "invalid_credentials");
  auto login = api.post("/v1/auth/login",
                        {{"email", "ann@example.com"}, {"password", "correct horse battery"}});
  REQUIRE(login.status == 200);
  auto pair = body_of(login);
  CHECK(str(pair, "token_type") == "Bearer");
  CHECK(pair.at("expires_in").as_int64() == 900);

  auto me = api.call(Method::kGet, "/v1/me", "", str(pair, "access_token"));
  REQUIRE(me.status == 200);
  auto who = body_of(me);
  CHECK(str(who, "user_id") == str(ids, "user_id"));
  CHECK(str(who, "tenant_id") == str(ids, "tenant_id"));
  CHECK(str(who, "email") == "ann@example.com");
  CHECK(str(who, "role") == "owner");

  auto refreshed = api.post("/v1/auth/refresh", {{"refresh_token", str(pair, "refresh_token")}});
  REQUIRE(refreshed.status == 200);
  auto reused = api.post("/v1/auth/refresh", {{"refresh_token", str(pair, "refresh_token")}});
  CHECK(reused.status == 401);
  CHECK(error_code(reused) == "refresh_token_reused");

  auto fresh = api.post("/v1/auth/login",
                        {{"email", "ann@example.com"}, {"password", "correct horse battery"}});
  std::string refresh_token = str(body_of(fresh), "refresh_token");
  auto out = api.post("/v1/auth/logout", {{"refresh_token", refresh_token}});
  CHECK(out.status == 204);
  CHECK(out.body.empty());
  CHECK(api.post("/v1/auth/refresh", {{"refresh_token", refresh_token}}).status == 401);
}

// A request as a browser sends it: the cookie header and, unless told
// otherwise, a JSON content type.
Response browser_post(Api& api, std::string path, const json::object& body, std::string cookie,
                      std::string content_type = "application/json") {
  Request r;
  r.method = Method::kPost;
  r.path = path;
  r.target = std::move(path);
  r.body = json::serialize(body);
  r.client_address = "127.0.0.11";
  if (!cookie.empty()) r.headers.set("Cookie", std::move(cookie));
  if (!content_type.empty()) r.headers.set("Content-Type", std::move(content_type));
  RequestContext ctx;
  return api.router.dispatch(r, ctx);
}

// "sm_refresh=<token>" out of a Set-Cookie value, checking its attributes.
std::string session_cookie(const Response& r) {
  auto set = r.headers.get("Set-Cookie");
  REQUIRE(set.has_value());
  std::string value(*set);
  CHECK(value.find("; Path=/v1/auth;") != std::string::npos);
  CHECK(value.find("; HttpOnly;") != std::string::npos);
  CHECK(value.find("; SameSite=Strict;") != std::string::npos);
  CHECK(value.find("Secure") == std::string::npos);  // plain HTTP here
  REQUIRE(value.rfind("sm_refresh=", 0) == 0);
  return value.substr(0, value.find(';'));
}

TEST_CASE("accounts: a browser session keeps its refresh token in an HttpOnly cookie") {
  Api api;
  api.sign_up("cat@example.com");
  auto login = browser_post(
      api, "/v1/auth/login",
      {{"email", "cat@example.com"}, {"password", "correct horse battery"}, {"session", "cookie"}},
      "");
  REQUIRE(login.status == 200);
  auto body = body_of(login);
  CHECK_FALSE(body.as_object().contains("refresh_token"));
  CHECK_FALSE(str(body, "access_token").empty());
  CHECK(login.headers.get("Set-Cookie")->find("Max-Age=604800") != std::string::npos);
  const std::string cookie = session_cookie(login);
  CHECK(cookie.size() > std::string("sm_refresh=").size() + 20);

  // Refresh by the cookie alone: a new cookie, no token in the body.
  auto refreshed = browser_post(api, "/v1/auth/refresh", json::object{}, "theme=dark; " + cookie);
  REQUIRE(refreshed.status == 200);
  CHECK_FALSE(body_of(refreshed).as_object().contains("refresh_token"));
  const std::string next = session_cookie(refreshed);
  CHECK(next != cookie);
  auto me = api.call(Method::kGet, "/v1/me", "", str(body_of(refreshed), "access_token"));
  CHECK(me.status == 200);

  // CSRF: without a JSON content type the cookie is not honoured.
  for (const char* type :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    CAPTURE(type);
    auto forged = browser_post(api, "/v1/auth/refresh", json::object{}, next, type);
    CHECK(forged.status == 415);
    CHECK(error_code(forged) == "unsupported_media_type");
  }
  CHECK(
      browser_post(api, "/v1/auth/refresh", json::object{}, next, "Application/JSON; charset=utf-8")
          .status == 200);

  // The spent cookie is refused, revokes the family and is cleared.
  auto reused = browser_post(api, "/v1/auth/refresh", json::object{}, cookie);
  CHECK(reused.status == 401);
  CHECK(reused.headers.get("Set-Cookie")->find("Max-Age=0") != std::string::npos);

  // Logout by cookie revokes the session and clears the cookie.
  auto again = browser_post(
      api, "/v1/auth/login",
      {{"email", "cat@example.com"}, {"password", "correct horse battery"}, {"session", "cookie"}},
      "");
  const std::string live = session_cookie(again);
  auto out = browser_post(api, "/v1/auth/logout", json::object{}, live);
  CHECK(out.status == 204);
  CHECK(out.headers.get("Set-Cookie")->find("sm_refresh=;") == 0);
  CHECK(out.headers.get("Set-Cookie")->find("Max-Age=0") != std::string::npos);
  CHECK(browser_post(api, "/v1/auth/refresh", json::object{}, live).status == 401);

  // Neither a body token nor a cookie; an unknown session mode.
  auto none = browser_post(api, "/v1/auth/refresh", json::object{}, "");
  CHECK(none.status == 422);
  CHECK(error_code(none) == "invalid_field");
  auto odd = browser_post(
      api, "/v1/auth/login",
      {{"email", "cat@example.com"}, {"password", "correct horse battery"}, {"session", "jar"}},
      "");
  CHECK(odd.status == 422);
  CHECK(error_code(odd) == "invalid_field");
}

TEST_CASE("accounts: the session cookie is Secure when the server is reached over HTTPS") {
  Api api;
  api.services.secure_cookies = true;
  api.sign_up("dan@example.com");
  auto login = browser_post(
      api, "/v1/auth/login",
      {{"email", "dan@example.com"}, {"password", "correct horse battery"}, {"session", "cookie"}},
      "");
  REQUIRE(login.status == 200);
  CHECK(login.headers.get("Set-Cookie")->ends_with("; Secure"));
}

TEST_CASE("accounts: forgot always answers 202 and reset sets the password") {
  Api api;
  api.sign_up("bob@example.com");
  CHECK(api.post("/v1/auth/password/forgot", {{"email", "nobody@example.com"}}).status == 202);
  REQUIRE(api.post("/v1/auth/password/forgot", {{"email", "bob@example.com"}}).status == 202);
  std::smatch m;
  std::string text = api.email.last_to("bob@example.com");
  REQUIRE(std::regex_search(text, m, std::regex(R"(reset-password\?token=([A-Za-z0-9_\-]+))")));
  std::string token = m[1];

  auto weak = api.post("/v1/auth/password/reset", {{"token", token}, {"new_password", "short"}});
  CHECK(weak.status == 422);
  CHECK(error_code(weak) == "weak_password");
  auto reset = api.post("/v1/auth/password/reset",
                        {{"token", token}, {"new_password", "a new long passphrase"}});
  CHECK(reset.status == 204);
  auto again = api.post("/v1/auth/password/reset",
                        {{"token", token}, {"new_password", "another long passphrase"}});
  CHECK(error_code(again) == "invalid_reset_token");
  CHECK(api.post("/v1/auth/login",
                 {{"email", "bob@example.com"}, {"password", "correct horse battery"}})
            .status == 401);
  api.login("bob@example.com", "a new long passphrase");
}

TEST_CASE("input: malformed bodies answer 400, bad fields 422 naming the field") {
  Api api;
  auto not_json = api.call(Method::kPost, "/v1/auth/login", "{email:");
  CHECK(not_json.status == 400);
  CHECK(error_code(not_json) == "invalid_json");
  CHECK(api.call(Method::kPost, "/v1/auth/login", "[1,2]").status == 400);
  CHECK(api.call(Method::kPost, "/v1/auth/login", "").status == 400);

  auto missing = api.post("/v1/auth/login", {{"email", "a@example.com"}});
  CHECK(missing.status == 422);
  CHECK(error_code(missing) == "invalid_field");
  CHECK(error_message(missing).find("\"password\"") != std::string::npos);

  auto wrong_type = api.post("/v1/auth/register",
                             {{"email", "a@example.com"}, {"password", 12}, {"tenant_name", "x"}});
  CHECK(wrong_type.status == 422);
  CHECK(error_message(wrong_type).find("\"password\"") != std::string::npos);

  auto huge =
      api.post("/v1/auth/verify", {{"email", "a@example.com"}, {"code", std::string(100, '1')}});
  CHECK(huge.status == 422);
  CHECK(error_message(huge).find("\"code\"") != std::string::npos);

  auto bad_email = api.post(
      "/v1/auth/register",
      {{"email", "not-an-address"}, {"password", "correct horse battery"}, {"tenant_name", "x"}});
  CHECK(bad_email.status == 422);
  CHECK(error_code(bad_email) == "invalid_email");
}

TEST_CASE("tenant: read by any role, plan changed by the owner only") {
  Api api;
  std::string owner = api.sign_up("owner@example.com");
  auto tenant = api.call(Method::kGet, "/v1/tenant", "", owner);
  REQUIRE(tenant.status == 200);
  auto t = body_of(tenant);
  CHECK(str(t, "name") == "Acme");
  CHECK(str(t, "plan") == "starter");
  CHECK(t.at("limits").at("agents").as_int64() == 3);
  CHECK(t.at("limits").at("schedules").as_int64() == 5);
  CHECK(t.at("limits").at("retention_days").as_int64() == 7);

  auto bad = api.call(Method::kPut, "/v1/tenant/plan", R"({"plan":"gold"})", owner);
  CHECK(bad.status == 422);
  CHECK(error_message(bad).find("\"plan\"") != std::string::npos);
  auto pro = api.call(Method::kPut, "/v1/tenant/plan", R"({"plan":"pro"})", owner);
  REQUIRE(pro.status == 200);
  auto p = body_of(pro);
  CHECK(str(p, "plan") == "pro");
  CHECK(p.at("limits").at("agents").is_null());
  CHECK(p.at("limits").at("retention_days").as_int64() == 90);

  auto invited = api.post("/v1/users", {{"email", "adm@example.com"}, {"role", "admin"}}, owner);
  REQUIRE(invited.status == 201);
  std::smatch m;
  std::string text = api.email.last_to("adm@example.com");
  REQUIRE(std::regex_search(text, m, std::regex(R"(token=([A-Za-z0-9_\-]+))")));
  REQUIRE(api.post("/v1/auth/password/reset",
                   {{"token", std::string(m[1])}, {"new_password", "admin passphrase 1"}})
              .status == 204);
  std::string admin = api.login("adm@example.com", "admin passphrase 1");
  CHECK(api.call(Method::kGet, "/v1/tenant", "", admin).status == 200);
  auto refused = api.call(Method::kPut, "/v1/tenant/plan", R"({"plan":"starter"})", admin);
  CHECK(refused.status == 403);
  CHECK(error_code(refused) == "insufficient_role");
}

TEST_CASE("users: the owner invites, changes roles and removes, the last owner stays") {
  Api api;
  std::string owner = api.sign_up("owner@example.com");
  auto me = body_of(api.call(Method::kGet, "/v1/me", "", owner));
  std::string owner_id = str(me, "user_id");

  auto invited = api.post("/v1/users", {{"email", "mem@example.com"}}, owner);
  REQUIRE(invited.status == 201);
  auto user = body_of(invited);
  CHECK(str(user, "role") == "member");
  CHECK(user.at("verified").as_bool() == false);
  std::string member_id = str(user, "user_id");

  auto list = api.call(Method::kGet, "/v1/users", "", owner);
  REQUIRE(list.status == 200);
  CHECK(body_of(list).at("users").as_array().size() == 2);
  CHECK(api.post("/v1/users", {{"email", "mem@example.com"}}, owner).status == 409);
  CHECK(api.post("/v1/users", {{"email", "x@example.com"}, {"role", "boss"}}, owner).status == 422);

  auto promoted = api.call(Method::kPatch, "/v1/users/" + member_id, R"({"role":"admin"})", owner);
  REQUIRE(promoted.status == 200);
  CHECK(str(body_of(promoted), "role") == "admin");
  CHECK(api.call(Method::kPatch, "/v1/users/" + member_id, "{}", owner).status == 422);

  auto demote_self =
      api.call(Method::kPatch, "/v1/users/" + owner_id, R"({"role":"member"})", owner);
  CHECK(demote_self.status == 409);
  CHECK(error_code(demote_self) == "last_owner");
  CHECK(error_code(api.call(Method::kDelete, "/v1/users/" + owner_id, "", owner)) == "last_owner");

  CHECK(api.call(Method::kGet, "/v1/users/" + member_id, "", owner).status == 200);
  CHECK(api.call(Method::kDelete, "/v1/users/" + member_id, "", owner).status == 204);
  CHECK(api.call(Method::kGet, "/v1/users/" + member_id, "", owner).status == 404);
  CHECK(api.call(Method::kDelete, "/v1/users/" + member_id, "", owner).status == 404);
  CHECK(api.call(Method::kGet, "/v1/users/" + std::string(500, 'x'), "", owner).status == 404);
}

TEST_CASE("api keys: created once, listed without secrets, revoked at once") {
  Api api;
  std::string owner = api.sign_up("owner@example.com");
  auto created =
      api.post("/v1/api-keys", {{"name", "ci"}, {"scopes", json::array{"jobs:read"}}}, owner);
  REQUIRE(created.status == 201);
  auto k = body_of(created);
  std::string key = str(k, "key");
  CHECK(key.rfind("sm_live_", 0) == 0);
  CHECK(key.rfind(str(k, "prefix"), 0) == 0);
  CHECK(k.at("scopes").as_array().size() == 1);
  CHECK(k.at("expires_at").is_null());

  auto listed = api.call(Method::kGet, "/v1/api-keys", "", owner);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find(key) == std::string::npos);
  auto keys = body_of(listed).at("api_keys").as_array();
  REQUIRE(keys.size() == 1);
  CHECK_FALSE(keys[0].as_object().contains("key"));

  auto me = api.call(Method::kGet, "/v1/me", "", key);
  REQUIRE(me.status == 200);
  CHECK(str(body_of(me), "email") == "owner@example.com");
  CHECK(str(body_of(me), "credential_kind") == "api_key");
  // A jobs:read key cannot manage keys (that needs the admin scope).
  auto no_scope = api.call(Method::kGet, "/v1/api-keys", "", key);
  CHECK(no_scope.status == 403);
  CHECK(error_code(no_scope) == "insufficient_scope");

  CHECK(api.call(Method::kDelete, "/v1/api-keys/" + str(k, "id"), "", owner).status == 204);
  auto revoked = api.call(Method::kGet, "/v1/me", "", key);
  CHECK(revoked.status == 401);
  CHECK(error_code(revoked) == "invalid_api_key");

  auto bad_scope =
      api.post("/v1/api-keys", {{"name", "x"}, {"scopes", json::array{"root"}}}, owner);
  CHECK(bad_scope.status == 422);
  auto bad_time =
      api.post("/v1/api-keys",
               {{"name", "x"}, {"scopes", json::array{"admin"}}, {"expires_at", "soon"}}, owner);
  CHECK(bad_time.status == 422);
  CHECK(error_message(bad_time).find("\"expires_at\"") != std::string::npos);
  auto past = api.post(
      "/v1/api-keys",
      {{"name", "x"}, {"scopes", json::array{"admin"}}, {"expires_at", "2020-01-01T00:00:00Z"}},
      owner);
  CHECK(error_code(past) == "invalid_expires_at");
}

TEST_CASE("isolation: another tenant's ids answer 404 and change nothing") {
  Api api;
  std::string a = api.sign_up("a@example.com", "A");
  std::string b = api.sign_up("b@example.com", "B");
  auto a_user = body_of(api.post("/v1/users", {{"email", "a2@example.com"}}, a));
  std::string a_user_id = str(a_user, "user_id");
  auto a_key =
      body_of(api.post("/v1/api-keys", {{"name", "k"}, {"scopes", json::array{"admin"}}}, a));
  std::string a_key_id = str(a_key, "id");

  CHECK(api.call(Method::kGet, "/v1/users/" + a_user_id, "", b).status == 404);
  CHECK(api.call(Method::kPatch, "/v1/users/" + a_user_id, R"({"role":"owner"})", b).status == 404);
  CHECK(api.call(Method::kDelete, "/v1/users/" + a_user_id, "", b).status == 404);
  CHECK(api.call(Method::kDelete, "/v1/api-keys/" + a_key_id, "", b).status == 404);
  auto b_users = api.call(Method::kGet, "/v1/users", "", b);
  CHECK(b_users.body.find(a_user_id) == std::string::npos);
  CHECK(api.call(Method::kGet, "/v1/api-keys", "", b).body.find(a_key_id) == std::string::npos);

  // Nothing changed on A's side.
  auto still = body_of(api.call(Method::kGet, "/v1/users/" + a_user_id, "", a));
  CHECK(str(still, "role") == "member");
  CHECK(api.call(Method::kGet, "/v1/me", "", str(a_key, "key")).status == 200);
}

}  // namespace
}  // namespace scriptmesh::http
