#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

RefreshTokenRecord make_refresh(const std::string& id, const TenantId& t, const UserId& u,
                                const std::string& family) {
  RefreshTokenRecord r;
  r.id = id;
  r.user_id = u;
  r.tenant_id = t;
  r.token_hash = "hash-" + id;
  r.family_id = family;
  r.created_at = at(0);
  r.expires_at = at(86400);
  return r;
}

ApiKeyRecord make_key(const std::string& id, const UserId& u) {
  ApiKeyRecord k;
  k.id = ApiKeyId(id);
  k.user_id = u;
  k.name = "ci " + id;
  k.prefix = "sm_live_ab";
  k.key_hash = "keyhash-" + id;
  k.scopes = {"jobs:write", "jobs:read"};
  k.expires_at = at(3600);
  k.created_at = at(0);
  return k;
}

TEST_CASE("store: refresh tokens are spent once and revoked by family or user") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  const UserId u = owner_of(t);
  REQUIRE_OK(f.store().insert_refresh_token(t, make_refresh("rt_1", t, u, "fam_1")));
  REQUIRE_OK(f.store().insert_refresh_token(t, make_refresh("rt_2", t, u, "fam_1")));
  REQUIRE_OK(f.store().insert_refresh_token(t, make_refresh("rt_3", t, u, "fam_2")));

  auto found = f.store().find_refresh_token("hash-rt_1");
  REQUIRE_OK(found);
  CHECK(found->id == "rt_1");
  CHECK(found->tenant_id == t);
  CHECK(found->user_id == u);
  CHECK(found->family_id == "fam_1");
  CHECK(found->expires_at == at(86400));
  CHECK_FALSE(found->used_at.has_value());
  CHECK_ERROR_CODE(f.store().find_refresh_token("hash-nope"), "refresh_token_not_found");

  REQUIRE_OK(f.store().mark_refresh_token_used(t, "hash-rt_1", at(60)));
  auto spent = f.store().mark_refresh_token_used(t, "hash-rt_1", at(61));
  CHECK_ERROR_CODE(spent, "refresh_token_spent");
  CHECK(spent.error().category() == ErrorCategory::kConflict);
  found = f.store().find_refresh_token("hash-rt_1");
  REQUIRE_OK(found);
  CHECK(found->used_at == at(60));
  CHECK_ERROR_CODE(f.store().mark_refresh_token_used(t, "hash-nope", at(60)),
                   "refresh_token_not_found");

  auto revoked = f.store().revoke_refresh_token_family(t, "fam_1", at(70));
  REQUIRE_OK(revoked);
  CHECK(*revoked == 2);
  CHECK_ERROR_CODE(f.store().mark_refresh_token_used(t, "hash-rt_2", at(71)),
                   "refresh_token_spent");

  auto all = f.store().revoke_user_refresh_tokens(t, u, at(80));
  REQUIRE_OK(all);
  CHECK(*all == 1);  // only rt_3 was still live
  auto rt3 = f.store().find_refresh_token("hash-rt_3");
  REQUIRE_OK(rt3);
  CHECK(rt3->revoked_at == at(80));

  CHECK_ERROR_CODE(
      f.store().insert_refresh_token(t, make_refresh("rt_4", t, UserId("usr_missing"), "f")),
      "user_not_found");
}

TEST_CASE("store: a refresh token hash cannot be stored twice") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_refresh_token(t, make_refresh("rt_1", t, owner_of(t), "fam")));
  auto again = make_refresh("rt_2", t, owner_of(t), "fam");
  again.token_hash = "hash-rt_1";
  auto r = f.store().insert_refresh_token(t, again);
  CHECK_ERROR_CODE(r, "constraint_violation");
  CHECK(r.error().category() == ErrorCategory::kConflict);
}

TEST_CASE("store: password reset tokens are single use") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  PasswordResetTokenRecord token;
  token.token_hash = "reset-hash";
  token.user_id = owner_of(t);
  token.created_at = at(0);
  token.expires_at = at(3600);
  REQUIRE_OK(f.store().insert_password_reset_token(t, token));

  auto found = f.store().find_password_reset_token("reset-hash");
  REQUIRE_OK(found);
  CHECK(found->tenant_id == t);
  CHECK(found->user_id == owner_of(t));
  CHECK(found->expires_at == at(3600));
  CHECK_FALSE(found->used_at.has_value());

  REQUIRE_OK(f.store().mark_password_reset_token_used(t, "reset-hash", at(10)));
  CHECK_ERROR_CODE(f.store().mark_password_reset_token_used(t, "reset-hash", at(11)),
                   "reset_token_spent");
  found = f.store().find_password_reset_token("reset-hash");
  REQUIRE_OK(found);
  CHECK(found->used_at == at(10));
  CHECK_ERROR_CODE(f.store().find_password_reset_token("other"), "reset_token_not_found");
  CHECK_ERROR_CODE(f.store().mark_password_reset_token_used(t, "other", at(10)),
                   "reset_token_not_found");
}

TEST_CASE("store: API keys are stored, found by hash, touched and revoked") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_api_key(t, make_key("key_1", owner_of(t))));
  auto second = make_key("key_2", owner_of(t));
  second.expires_at.reset();
  second.scopes.clear();
  second.created_at = at(5);
  REQUIRE_OK(f.store().insert_api_key(t, second));
  CHECK_ERROR_CODE(f.store().insert_api_key(t, make_key("key_1", owner_of(t))), "api_key_exists");
  CHECK_ERROR_CODE(f.store().insert_api_key(t, make_key("key_3", UserId("usr_missing"))),
                   "user_not_found");

  auto found = f.store().find_api_key_by_hash("keyhash-key_1");
  REQUIRE_OK(found);
  CHECK(found->id == ApiKeyId("key_1"));
  CHECK(found->tenant_id == t);
  CHECK(found->name == "ci key_1");
  CHECK(found->prefix == "sm_live_ab");
  CHECK(found->scopes == std::vector<std::string>{"jobs:write", "jobs:read"});
  CHECK(found->expires_at == at(3600));
  CHECK_FALSE(found->revoked_at.has_value());
  CHECK_FALSE(found->last_used_at.has_value());

  auto keys = f.store().list_api_keys(t);
  REQUIRE_OK(keys);
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[1].id == ApiKeyId("key_2"));
  CHECK((*keys)[1].scopes.empty());
  CHECK_FALSE((*keys)[1].expires_at.has_value());

  REQUIRE_OK(f.store().touch_api_key(t, ApiKeyId("key_1"), at(100)));
  REQUIRE_OK(f.store().revoke_api_key(t, ApiKeyId("key_1"), at(200)));
  REQUIRE_OK(f.store().revoke_api_key(t, ApiKeyId("key_1"), at(300)));  // idempotent
  auto got = f.store().get_api_key(t, ApiKeyId("key_1"));
  REQUIRE_OK(got);
  CHECK(got->last_used_at == at(100));
  CHECK(got->revoked_at == at(200));
  CHECK_ERROR_CODE(f.store().revoke_api_key(t, ApiKeyId("key_9"), at(1)), "api_key_not_found");
  CHECK_ERROR_CODE(f.store().find_api_key_by_hash("nope"), "api_key_not_found");
}

TEST_CASE("store: deleting a user removes its tokens and API keys") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().create_user(t, make_user("usr_m", "m@a.test")));
  REQUIRE_OK(f.store().insert_refresh_token(t, make_refresh("rt_1", t, UserId("usr_m"), "fam")));
  REQUIRE_OK(f.store().insert_api_key(t, make_key("key_1", UserId("usr_m"))));
  REQUIRE_OK(f.store().delete_user(t, UserId("usr_m")));
  CHECK_ERROR_CODE(f.store().find_refresh_token("hash-rt_1"), "refresh_token_not_found");
  CHECK_ERROR_CODE(f.store().find_api_key_by_hash("keyhash-key_1"), "api_key_not_found");
}

}  // namespace
}  // namespace scriptmesh::testing
