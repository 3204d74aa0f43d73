#include "scriptmesh/auth.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "accounts_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("auth: a tampered, foreign or malformed access token is refused") {
  AccountsFixture f;
  Account a = f.sign_up("alice@example.com");
  std::string tampered = a.tokens.access_token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  CHECK_ERROR_CODE(f.auth().authenticate(tampered), "invalid_token");
  CHECK_ERROR_CODE(f.auth().authenticate(""), "invalid_token");
  CHECK_ERROR_CODE(f.auth().authenticate("not.a.jwt"), "invalid_token");

  // Signed with another secret, or by another issuer.
  JwtClaims claims;
  claims.sub = a.ids.user_id.str();
  claims.iss = "scriptmesh";
  claims.iat = to_unix_seconds(f.clock().now());
  claims.exp = claims.iat + 900;
  claims.extra["tid"] = a.ids.tenant_id.str();
  CHECK_ERROR_CODE(f.auth().authenticate(JwtSigner("another secret").sign(claims)),
                   "invalid_token");
  JwtClaims other_issuer = claims;
  other_issuer.iss = "someone-else";
  CHECK_ERROR_CODE(f.auth().authenticate(JwtSigner(kTestSecret).sign(other_issuer)),
                   "invalid_token");
  // Without a tenant, or naming another tenant.
  JwtClaims no_tid = claims;
  no_tid.extra.clear();
  CHECK_ERROR_CODE(f.auth().authenticate(JwtSigner(kTestSecret).sign(no_tid)), "invalid_token");
  Account b = f.sign_up("bob@example.com", "Other");
  JwtClaims cross = claims;
  cross.extra["tid"] = b.ids.tenant_id.str();
  auto refused = f.auth().authenticate(JwtSigner(kTestSecret).sign(cross));
  CHECK_ERROR_CODE(refused, "invalid_token");
  CHECK(refused.error().category() == ErrorCategory::kUnauthenticated);
  CHECK_OK(f.auth().authenticate(JwtSigner(kTestSecret).sign(claims)));
}

TEST_CASE("auth: an access token expires after 15 minutes") {
  AccountsFixture f;
  Account a = f.sign_up("carol@example.com");
  f.clock().advance(minutes(15));
  CHECK_OK(f.auth().authenticate(a.tokens.access_token));  // within the 30 s leeway
  f.clock().advance(seconds(30));
  auto expired = f.auth().authenticate(a.tokens.access_token);
  CHECK_ERROR_CODE(expired, "token_expired");
  CHECK(expired.error().category() == ErrorCategory::kUnauthenticated);
}

TEST_CASE("auth: the role comes from the store, not the token") {
  AccountsFixture f;
  Account owner = f.sign_up("dave@example.com");
  Account admin = f.add_user(owner, "erin@example.com", UserRole::kAdmin);
  CHECK(f.principal(admin).role == "admin");
  REQUIRE_OK(f.users().change_role(f.principal(owner), admin.ids.user_id, UserRole::kMember));
  CHECK(f.principal(admin).role == "member");  // the same token, the current role
  REQUIRE_OK(f.users().remove(f.principal(owner), admin.ids.user_id));
  CHECK_ERROR_CODE(f.auth().authenticate(admin.tokens.access_token), "invalid_token");
}

TEST_CASE("auth: API keys authenticate until revoked or expired") {
  AccountsFixture f;
  Account a = f.sign_up("frank@example.com");
  auto key = f.api_keys().create(f.principal(a), {"ci", {"jobs:read", "jobs:write"}, std::nullopt});
  REQUIRE_OK(key);
  auto p = f.auth().authenticate(key->key);
  REQUIRE_OK(p);
  CHECK(p->credential_kind == "api_key");
  CHECK(p->credential_id == key->view.id.str());
  CHECK(p->user_id == a.ids.user_id);
  CHECK(p->tenant_id == a.ids.tenant_id);
  CHECK(p->role == "owner");
  CHECK(p->scopes == std::vector<std::string>{"jobs:read", "jobs:write"});

  CHECK_ERROR_CODE(f.auth().authenticate("sm_live_unknown"), "invalid_api_key");
  CHECK_ERROR_CODE(f.auth().authenticate(key->key + "x"), "invalid_api_key");
  REQUIRE_OK(f.api_keys().revoke(f.principal(a), key->view.id));
  auto revoked = f.auth().authenticate(key->key);
  CHECK_ERROR_CODE(revoked, "invalid_api_key");
  CHECK(revoked.error().category() == ErrorCategory::kUnauthenticated);
}

TEST_CASE("auth: last_used_at is written at most once a minute") {
  AccountsFixture f;
  Account a = f.sign_up("gina@example.com");
  auto key = f.api_keys().create(f.principal(a), {"ci", {"jobs:read"}, std::nullopt});
  REQUIRE_OK(key);
  auto last_used = [&] {
    auto r = f.store().get_api_key(a.ids.tenant_id, key->view.id);
    REQUIRE_OK(r);
    return r->last_used_at;
  };
  CHECK_FALSE(last_used().has_value());
  REQUIRE_OK(f.auth().authenticate(key->key));
  const WallTime first = f.clock().now();
  CHECK(last_used() == first);
  f.clock().advance(seconds(59));
  REQUIRE_OK(f.auth().authenticate(key->key));
  CHECK(last_used() == first);
  f.clock().advance(seconds(1));
  REQUIRE_OK(f.auth().authenticate(key->key));
  CHECK(last_used() == f.clock().now());
}

TEST_CASE("auth: a key loses the scopes its creator's role no longer allows") {
  AccountsFixture f;
  Account owner = f.sign_up("hank@example.com");
  Account admin = f.add_user(owner, "ivy@example.com", UserRole::kAdmin);
  auto key = f.api_keys().create(f.principal(admin),
                                 {"deploy", {"jobs:read", "agents:write", "admin"}, std::nullopt});
  REQUIRE_OK(key);
  REQUIRE_OK(f.users().change_role(f.principal(owner), admin.ids.user_id, UserRole::kMember));
  auto p = f.auth().authenticate(key->key);
  REQUIRE_OK(p);
  CHECK(p->role == "member");
  CHECK(p->scopes == std::vector<std::string>{"jobs:read"});
  CHECK_ERROR_CODE(authorize(*p, UserRole::kAdmin, kScopeAgentsWrite), "insufficient_role");

  // Deleting the creator deletes the key with them.
  REQUIRE_OK(f.users().remove(f.principal(owner), admin.ids.user_id));
  CHECK_ERROR_CODE(f.auth().authenticate(key->key), "invalid_api_key");
}

TEST_CASE("auth: roles and scopes") {
  CHECK(role_at_least(UserRole::kOwner, UserRole::kAdmin));
  CHECK(role_at_least(UserRole::kAdmin, UserRole::kAdmin));
  CHECK_FALSE(role_at_least(UserRole::kMember, UserRole::kAdmin));
  CHECK(role_at_least("owner", UserRole::kOwner));
  CHECK_FALSE(role_at_least("admin", UserRole::kOwner));
  CHECK_FALSE(role_at_least("root", UserRole::kMember));
  CHECK_FALSE(role_at_least("", UserRole::kMember));

  Principal session{TenantId("t"), UserId("u"), "member", {}, "access_token", ""};
  CHECK(has_scope(session, kScopeIntegrationsWrite));
  Principal key{TenantId("t"), UserId("u"), "admin", {"jobs:read"}, "api_key", "k"};
  CHECK(has_scope(key, kScopeJobsRead));
  CHECK(has_scope(key, ""));
  CHECK_FALSE(has_scope(key, kScopeJobsWrite));
  Principal admin_key = key;
  admin_key.scopes = {"admin"};
  CHECK(has_scope(admin_key, kScopeIntegrationsWrite));
  Principal empty_key = key;
  empty_key.scopes.clear();
  CHECK_FALSE(has_scope(empty_key, kScopeJobsRead));  // not a session: no implicit scopes

  CHECK_OK(authorize(key, UserRole::kAdmin, kScopeJobsRead));
  auto weak = authorize(key, UserRole::kOwner, kScopeJobsRead);
  CHECK_ERROR_CODE(weak, "insufficient_role");
  CHECK(weak.error().category() == ErrorCategory::kPermissionDenied);
  CHECK_ERROR_CODE(authorize(key, UserRole::kMember, kScopeAgentsWrite), "insufficient_scope");
  CHECK_ERROR_CODE(authorize(key, UserRole::kOwner, kScopeAgentsWrite), "insufficient_role");

  CHECK(is_known_scope("schedules:write"));
  CHECK_FALSE(is_known_scope("jobs:delete"));
  CHECK(scopes_allowed_for_role(UserRole::kMember).size() == 4);
  CHECK(scopes_allowed_for_role(UserRole::kAdmin).size() == kAllScopes.size());
  CHECK(scopes_allowed_for_role(UserRole::kOwner).size() == kAllScopes.size());
}

TEST_CASE("auth: an empty JWT secret is a configuration bug") {
  AccountsFixture f;
  CHECK_THROWS_AS(AuthService(f.store(), f.clock(), TokenConfig{}), std::invalid_argument);
}

}  // namespace
}  // namespace scriptmesh::testing
