#include "scriptmesh/api_keys.hpp"

#include <doctest/doctest.h>

#include <chrono>

#include "accounts_fixture.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::hours;

ApiKeyCreateRequest request(std::vector<std::string> scopes,
                            std::optional<WallTime> expires_at = std::nullopt) {
  return ApiKeyCreateRequest{"ci key", std::move(scopes), expires_at};
}

TEST_CASE("api keys: creation answers the key once and stores only its hash") {
  AccountsFixture f;
  Account a = f.sign_up("alice@example.com");
  auto created = f.api_keys().create(f.principal(a), request({"jobs:read", "jobs:read", "admin"}));
  REQUIRE_OK(created);
  CHECK(created->key.starts_with("sm_live_"));
  CHECK(created->key.size() == 8 + 43);
  CHECK(created->view.prefix == created->key.substr(0, 12));
  CHECK(created->view.id.str().starts_with("key_"));
  CHECK(created->view.scopes == std::vector<std::string>{"jobs:read", "admin"});
  CHECK(created->view.user_id == a.ids.user_id);
  CHECK(created->view.created_at == f.clock().now());

  auto stored = f.store().get_api_key(a.ids.tenant_id, created->view.id);
  REQUIRE_OK(stored);
  CHECK(stored->key_hash == sha256_hex(created->key));
  auto listed = f.api_keys().list(f.principal(a));
  REQUIRE_OK(listed);
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].prefix == created->view.prefix);
}

TEST_CASE("api keys: names, scopes and expiry are validated") {
  AccountsFixture f;
  Account a = f.sign_up("bob@example.com");
  const Principal p = f.principal(a);
  CHECK_ERROR_CODE(f.api_keys().create(p, {"", {"jobs:read"}, std::nullopt}), "invalid_name");
  CHECK_ERROR_CODE(f.api_keys().create(p, {std::string(101, 'k'), {"jobs:read"}, std::nullopt}),
                   "invalid_name");
  CHECK_ERROR_CODE(f.api_keys().create(p, request({})), "invalid_scopes");
  auto unknown = f.api_keys().create(p, request({"jobs:read", "jobs:delete"}));
  CHECK_ERROR_CODE(unknown, "invalid_scope");
  CHECK(unknown.error().message().find("jobs:delete") != std::string::npos);
  CHECK_ERROR_CODE(f.api_keys().create(p, request({"jobs:read"}, f.clock().now())),
                   "invalid_expires_at");
  CHECK_OK(f.api_keys().create(p, request({"jobs:read"}, f.clock().now() + hours(1))));
  for (std::string_view scope : kAllScopes) {
    CAPTURE(scope);
    CHECK_OK(f.api_keys().create(p, request({std::string(scope)})));
  }
}

TEST_CASE("api keys: a key never carries more than its creator's role") {
  AccountsFixture f;
  Account owner = f.sign_up("carol@example.com");
  Account member = f.add_user(owner, "dave@example.com", UserRole::kMember);
  Account admin = f.add_user(owner, "erin@example.com", UserRole::kAdmin);
  const Principal m = f.principal(member);
  for (const char* scope : {"jobs:read", "jobs:write", "agents:read", "schedules:read"}) {
    CAPTURE(scope);
    CHECK_OK(f.api_keys().create(m, request({scope})));
  }
  for (const char* scope :
       {"agents:write", "schedules:write", "integrations:read", "integrations:write", "admin"}) {
    CAPTURE(scope);
    auto refused = f.api_keys().create(m, request({"jobs:read", scope}));
    CHECK_ERROR_CODE(refused, "scope_exceeds_role");
    CHECK(refused.error().category() == ErrorCategory::kPermissionDenied);
  }
  std::vector<std::string> all(kAllScopes.begin(), kAllScopes.end());
  CHECK_OK(f.api_keys().create(f.principal(admin), request(all)));
  CHECK_OK(f.api_keys().create(f.principal(owner), request(all)));
}

TEST_CASE("api keys: keys manage keys only with the admin scope") {
  AccountsFixture f;
  Account a = f.sign_up("frank@example.com");
  auto narrow = f.api_keys().create(f.principal(a), request({"jobs:read"}));
  auto wide = f.api_keys().create(f.principal(a), request({"admin"}));
  REQUIRE_OK(narrow);
  REQUIRE_OK(wide);
  auto narrow_p = f.auth().authenticate(narrow->key);
  auto wide_p = f.auth().authenticate(wide->key);
  REQUIRE_OK(narrow_p);
  REQUIRE_OK(wide_p);
  CHECK_ERROR_CODE(f.api_keys().create(*narrow_p, request({"jobs:read"})), "insufficient_scope");
  CHECK_ERROR_CODE(f.api_keys().list(*narrow_p), "insufficient_scope");
  CHECK_ERROR_CODE(f.api_keys().revoke(*narrow_p, wide->view.id), "insufficient_scope");
  CHECK_OK(f.api_keys().create(*wide_p, request({"jobs:write"})));
  CHECK_OK(f.api_keys().list(*wide_p));
}

TEST_CASE("api keys: revocation is effective at once, expired keys are refused") {
  AccountsFixture f;
  Account a = f.sign_up("gina@example.com");
  const Principal p = f.principal(a);
  auto key = f.api_keys().create(p, request({"jobs:read"}));
  REQUIRE_OK(key);
  REQUIRE_OK(f.auth().authenticate(key->key));
  REQUIRE_OK(f.api_keys().revoke(p, key->view.id));
  CHECK_ERROR_CODE(f.auth().authenticate(key->key), "invalid_api_key");
  CHECK_OK(f.api_keys().revoke(p, key->view.id));  // idempotent
  auto listed = f.api_keys().list(p);
  REQUIRE_OK(listed);
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].revoked_at == f.clock().now());

  auto expiring = f.api_keys().create(p, request({"jobs:read"}, f.clock().now() + hours(1)));
  REQUIRE_OK(expiring);
  REQUIRE_OK(f.auth().authenticate(expiring->key));
  f.clock().advance(hours(1));
  CHECK_ERROR_CODE(f.auth().authenticate(expiring->key), "invalid_api_key");
}

TEST_CASE("api keys: another tenant's key is not found") {
  AccountsFixture f;
  Account a = f.sign_up("hank@example.com", "A");
  Account b = f.sign_up("ivy@example.com", "B");
  auto key = f.api_keys().create(f.principal(a), request({"jobs:read"}));
  REQUIRE_OK(key);
  auto foreign = f.api_keys().revoke(f.principal(b), key->view.id);
  CHECK_ERROR_CODE(foreign, "api_key_not_found");
  CHECK(foreign.error().category() == ErrorCategory::kNotFound);
  CHECK_OK(f.auth().authenticate(key->key));
  auto listed = f.api_keys().list(f.principal(b));
  REQUIRE_OK(listed);
  CHECK(listed->empty());
  CHECK_ERROR_CODE(f.api_keys().revoke(f.principal(a), ApiKeyId("key_missing")),
                   "api_key_not_found");
}

TEST_CASE("api keys: members see and revoke only their own keys") {
  AccountsFixture f;
  Account owner = f.sign_up("jack@example.com");
  Account member = f.add_user(owner, "kate@example.com", UserRole::kMember);
  auto owners_key = f.api_keys().create(f.principal(owner), request({"jobs:read"}));
  auto members_key = f.api_keys().create(f.principal(member), request({"jobs:read"}));
  REQUIRE_OK(owners_key);
  REQUIRE_OK(members_key);

  auto mine = f.api_keys().list(f.principal(member));
  REQUIRE_OK(mine);
  REQUIRE(mine->size() == 1);
  CHECK((*mine)[0].id == members_key->view.id);
  auto all = f.api_keys().list(f.principal(owner));
  REQUIRE_OK(all);
  CHECK(all->size() == 2);

  CHECK_ERROR_CODE(f.api_keys().revoke(f.principal(member), owners_key->view.id),
                   "api_key_not_found");
  CHECK_OK(f.auth().authenticate(owners_key->key));
  CHECK_OK(f.api_keys().revoke(f.principal(member), members_key->view.id));
  // An owner (or admin) revokes anyone's key.
  auto again = f.api_keys().create(f.principal(member), request({"jobs:read"}));
  REQUIRE_OK(again);
  CHECK_OK(f.api_keys().revoke(f.principal(owner), again->view.id));
  CHECK_ERROR_CODE(f.auth().authenticate(again->key), "invalid_api_key");
}

}  // namespace
}  // namespace scriptmesh::testing
