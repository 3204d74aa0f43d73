// Sign in with Microsoft through the real orchestrator binary and a fake
// Microsoft identity platform, both on 127.0.0.1. A "browser" here follows
// the redirects by hand: start -> authorize -> callback -> exchange. Each
// round trip comes from an address of its own in 127.0.0.0/8, so the login
// rate limit (10/min per address, start and callback both count) holds no
// test back.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>

#include <fstream>
#include <sstream>

#include "core/sso/sso_impl.hpp"
#include "http/url.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/random.hpp"
#include "support/fake_identity_provider.hpp"
#include "support/orchestrator_fixture.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

constexpr const char* kClientId = "11111111-2222-3333-4444-555555555555";
constexpr const char* kClientSecret = "fake-client-secret";
constexpr const char* kContoso = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kFabrikam = "bbbbbbbb-0000-4000-8000-000000000002";

FakeIdpUser user_of(const char* tid, const std::string& who, const std::string& domain) {
  return FakeIdpUser{tid, who + "-" + std::string(tid).substr(0, 8), who + "@" + domain,
                     who + "@" + domain, who};
}

// "http://127.0.0.1:1234/a?b" -> "/a?b".
std::string target_of(const std::string& url) {
  std::size_t scheme = url.find("://");
  REQUIRE(scheme != std::string::npos);
  std::size_t slash = url.find('/', scheme + 3);
  REQUIRE(slash != std::string::npos);
  return url.substr(slash);
}

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  std::size_t q = url.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest = std::string_view(url).substr(q + 1);
  while (!rest.empty()) {
    std::size_t end = rest.find('&');
    std::string_view pair = rest.substr(0, end);
    std::size_t eq = pair.find('=');
    auto value = http::percent_decode(pair.substr(eq + 1), true);
    REQUIRE_OK(value);
    out[std::string(pair.substr(0, eq))] = *value;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

struct SsoServer {
  explicit SsoServer(std::map<std::string, std::string> extra = {})
      : idp(kClientId, kClientSecret), server(options(extra)) {}

  TestOrchestratorOptions options(std::map<std::string, std::string> extra) {
    TestOrchestratorOptions o;
    o.settings = std::move(extra);
    o.settings["sso_microsoft_client_id"] = kClientId;
    o.settings["sso_microsoft_client_secret"] = kClientSecret;
    o.settings["sso_microsoft_authority"] = idp.authority();
    return o;
  }

  // A browser at its own loopback address.
  HttpTestClient browser() {
    HttpTestClientOptions o;
    o.port = server.port();
    o.bind_address = "127.0.0." + std::to_string(next_address++);
    return HttpTestClient(o);
  }

  // The whole round trip up to the callback's redirect (its Location).
  std::string sign_in() {
    HttpTestClient b = browser();
    auto start = b.request("GET", "/v1/auth/sso/microsoft/start");
    REQUIRE_OK(start);
    REQUIRE(start->status == 302);
    const std::string cookie = start->header("Set-Cookie");
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Lax") != std::string::npos);
    CHECK(cookie.find("Path=/v1/auth/sso/microsoft/callback") != std::string::npos);
    const std::string value = cookie.substr(0, cookie.find(';'));
    HttpTestClient authority(idp.port());
    auto authorize = authority.request("GET", target_of(start->header("Location")));
    REQUIRE_OK(authorize);
    REQUIRE(authorize->status == 302);
    const std::string back = authorize->header("Location");
    REQUIRE(back.find("/v1/auth/sso/microsoft/callback?") != std::string::npos);
    auto callback = b.request("GET", target_of(back), {}, {{"Cookie", value}});
    REQUIRE_OK(callback);
    REQUIRE(callback->status == 302);
    // The state cookie is cleared whatever happened.
    CHECK(callback->header("Set-Cookie").find("Max-Age=0") != std::string::npos);
    CHECK(callback->header("Referrer-Policy") == "no-referrer");
    return callback->header("Location");
  }

  // The login error of a refused round trip.
  std::string refused() {
    const std::string location = sign_in();
    INFO(location);
    REQUIRE(location.find("/login?error=") != std::string::npos);
    return query_of(location)["error"];
  }

  // Signs in and exchanges the code; answers the exchange's JSON.
  boost::json::object signed_in() {
    const std::string location = sign_in();
    INFO(location);
    REQUIRE(location.find("/sso/complete?code=") != std::string::npos);
    ApiClient api(server.port());
    auto exchanged = api.post("/v1/auth/sso/exchange", {{"code", query_of(location)["code"]}});
    REQUIRE(exchanged.status == 200);
    return exchanged.json.as_object();
  }

  // GET /v1/me with the exchange's access token.
  ApiResponse me(const boost::json::object& tokens) {
    ApiClient api(server.port());
    return api.get("/v1/me", std::string(tokens.at("access_token").as_string()));
  }

  FakeIdentityProvider idp;
  TestOrchestrator server;
  int next_address = 10;
};

TEST_CASE("sso e2e: directories become tenants, and their later users join as members") {
  SsoServer s;
  ApiClient api(s.server.port());
  auto providers = api.get("/v1/auth/sso");
  REQUIRE(providers.status == 200);
  CHECK(providers.json.at("providers").as_array().size() == 1);

  s.idp.sign_in_as(user_of(kContoso, "ann", "contoso.example"));
  auto ann_tokens = s.signed_in();
  auto ann = s.me(ann_tokens);
  REQUIRE(ann.status == 200);
  CHECK(ann.str("role") == "owner");
  CHECK(ann.str("email") == "ann@contoso.example");
  auto tenant = api.get("/v1/tenant", std::string(ann_tokens.at("access_token").as_string()));
  REQUIRE(tenant.status == 200);
  CHECK(tenant.json.at("plan").as_string() == "starter");

  s.idp.sign_in_as(user_of(kContoso, "bob", "contoso.example"));
  auto bob = s.me(s.signed_in());
  REQUIRE(bob.status == 200);
  CHECK(bob.str("role") == "member");
  CHECK(bob.str("tenant_id") == ann.str("tenant_id"));

  s.idp.sign_in_as(user_of(kFabrikam, "cy", "fabrikam.example"));
  auto cy = s.me(s.signed_in());
  REQUIRE(cy.status == 200);
  CHECK(cy.str("role") == "owner");
  CHECK(cy.str("tenant_id") != ann.str("tenant_id"));

  // The owner sees both of her directory's users, and no password works.
  auto users = api.get("/v1/users", std::string(ann_tokens.at("access_token").as_string()));
  REQUIRE(users.status == 200);
  CHECK(users.json.at("users").as_array().size() == 2);
  auto login = api.post("/v1/auth/login",
                        {{"email", "ann@contoso.example"}, {"password", "any password at all"}});
  CHECK(login.status == 409);
  CHECK(login.error_code() == "sso_account");

  // Key rotation: a token under a new kid still signs in.
  s.idp.rotate_key(false);
  s.idp.sign_in_as(user_of(kContoso, "ann", "contoso.example"));
  CHECK(s.me(s.signed_in()).str("user_id") == ann.str("user_id"));
  CHECK(s.idp.jwks_requests() == 2);
}

TEST_CASE("sso e2e: every refusal creates no user and no session") {
  SsoServer s;
  s.idp.sign_in_as(user_of(kContoso, "ann", "contoso.example"));
  const std::int64_t now = to_unix_seconds(system_clock().now());
  using Edit = std::function<void(boost::json::object&, boost::json::object&)>;
  auto edited = [](Edit e) { return FakeIdpTamper{FakeIdpSigning::kCurrentKey, std::move(e)}; };
  const std::string other_issuer = s.idp.issuer_of(kFabrikam);
  const std::pair<const char*, FakeIdpTamper> bad_tokens[] = {
      {"bad signature", {FakeIdpSigning::kStrayKey, {}}},
      {"alg none", {FakeIdpSigning::kAlgNone, {}}},
      {"HS256 with the public key", {FakeIdpSigning::kHs256WithPublicKey, {}}},
      {"wrong aud", edited([](auto&, auto& c) { c["aud"] = "another-app"; })},
      {"iss of another tenant", edited([&](auto&, auto& c) { c["iss"] = other_issuer; })},
      {"tid not matching iss", edited([](auto&, auto& c) { c["tid"] = kFabrikam; })},
      {"expired", edited([now](auto&, auto& c) { c["exp"] = now - 600; })},
      {"nbf in the future", edited([now](auto&, auto& c) { c["nbf"] = now + 600; })},
      {"wrong nonce", edited([](auto&, auto& c) { c["nonce"] = "another"; })},
  };
  for (const auto& [what, tamper] : bad_tokens) {
    INFO(what);
    s.idp.tamper_next(tamper);
    CHECK(s.refused() == "invalid_id_token");
  }

  s.idp.deny_next();
  CHECK(s.refused() == "sso_access_denied");

  // A forged state cookie, a missing one, and a state used twice.
  HttpTestClient b = s.browser();
  auto start = b.request("GET", "/v1/auth/sso/microsoft/start");
  REQUIRE_OK(start);
  HttpTestClient authority(s.idp.port());
  auto authorize = authority.request("GET", target_of(start->header("Location")));
  REQUIRE_OK(authorize);
  const std::string callback = target_of(authorize->header("Location"));
  auto forged = b.request("GET", callback, {}, {{"Cookie", "scriptmesh_sso=gAAAAABforged"}});
  REQUIRE_OK(forged);
  CHECK(query_of(forged->header("Location"))["error"] == "invalid_sso_state");
  auto missing = b.request("GET", callback);
  REQUIRE_OK(missing);
  CHECK(query_of(missing->header("Location"))["error"] == "invalid_sso_state");
  const std::string cookie = start->header("Set-Cookie");
  const std::string value = cookie.substr(0, cookie.find(';'));
  auto first = b.request("GET", callback, {}, {{"Cookie", value}});
  REQUIRE_OK(first);
  const std::string code = query_of(first->header("Location"))["code"];
  REQUIRE_FALSE(code.empty());
  HttpTestClient b2 = s.browser();
  auto replayed = b2.request("GET", callback, {}, {{"Cookie", value}});
  REQUIRE_OK(replayed);
  CHECK(query_of(replayed->header("Location"))["error"] == "invalid_sso_state");

  // The one-time code: once, then never again.
  ApiClient api(s.server.port());
  auto exchanged = api.post("/v1/auth/sso/exchange", {{"code", code}});
  REQUIRE(exchanged.status == 200);
  auto me = api.get("/v1/me", exchanged.str("access_token"));
  REQUIRE(me.status == 200);
  // Nothing before this sign-in made anything: ann is the first of her directory.
  CHECK(me.str("role") == "owner");
  auto users = api.get("/v1/users", exchanged.str("access_token"));
  REQUIRE(users.status == 200);
  CHECK(users.json.at("users").as_array().size() == 1);
  auto again = api.post("/v1/auth/sso/exchange", {{"code", code}});
  CHECK(again.status == 401);
  CHECK(again.error_code() == "invalid_sso_code");
  CHECK(api.post("/v1/auth/sso/exchange", {{"code", "never-issued"}}).error_code() ==
        "invalid_sso_code");

  CHECK(s.idp.token_refusals() == 0);
}

TEST_CASE("sso e2e: a wrong PKCE verifier makes the authority refuse the code") {
  SsoServer s;
  s.idp.sign_in_as(user_of(kContoso, "ann", "contoso.example"));
  HttpTestClient b = s.browser();
  auto start = b.request("GET", "/v1/auth/sso/microsoft/start");
  REQUIRE_OK(start);
  auto sent = query_of(start->header("Location"));
  HttpTestClient authority(s.idp.port());
  auto authorize = authority.request("GET", target_of(start->header("Location")));
  REQUIRE_OK(authorize);
  // A cookie with the right state and nonce but another verifier, sealed
  // with the server's own (dev mode) Fernet key as only the server could.
  std::ifstream in(s.server.data_dir() / "secrets" / "fernet.keys");
  std::stringstream keys;
  keys << in.rdbuf();
  auto keyring = FernetKeyring::parse(keys.str());
  REQUIRE_OK(keyring);
  const std::string cookie = sso::seal_state(
      *keyring,
      sso::SignInState{sent["state"], sent["nonce"], random_token(32), std::nullopt, std::nullopt},
      system_clock().now());
  auto callback = b.request("GET", target_of(authorize->header("Location")), {},
                            {{"Cookie", "scriptmesh_sso=" + cookie}});
  REQUIRE_OK(callback);
  CHECK(query_of(callback->header("Location"))["error"] == "sso_token_exchange_failed");
  CHECK(s.idp.token_refusals() == 1);

  // The same authorization code is worth nothing afterwards, and nothing
  // was created: ann's first real sign-in makes her the owner.
  CHECK(s.me(s.signed_in()).str("role") == "owner");
}

TEST_CASE("sso e2e: allowed tenants refuse other directories") {
  SsoServer s(std::map<std::string, std::string>{{"sso_microsoft_allowed_tenants", kFabrikam}});
  s.idp.sign_in_as(user_of(kContoso, "ann", "contoso.example"));
  CHECK(s.refused() == "sso_tenant_not_allowed");
  s.idp.sign_in_as(user_of(kFabrikam, "cy", "fabrikam.example"));
  CHECK(s.me(s.signed_in()).str("role") == "owner");
}

TEST_CASE("sso e2e: off without a client id") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto providers = api.get("/v1/auth/sso");
  REQUIRE(providers.status == 200);
  CHECK(providers.json.at("providers").as_array().empty());
  CHECK(api.get("/v1/auth/sso/microsoft/start").error_code() == "sso_not_configured");
  CHECK(api.get("/v1/auth/sso/microsoft/callback?code=x&state=y").error_code() ==
        "sso_not_configured");
  CHECK(api.post("/v1/auth/sso/exchange", {{"code", "x"}}).error_code() == "sso_not_configured");
}

}  // namespace
}  // namespace scriptmesh::testing
