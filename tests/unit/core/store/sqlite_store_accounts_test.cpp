#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("store: create_tenant stores the tenant and its owner together") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");

  auto tenant = f.store().get_tenant(t);
  REQUIRE_OK(tenant);
  CHECK(tenant->id == t);
  CHECK(tenant->name == "Tenant tnt_a");
  CHECK(tenant->plan == Plan::kStarter);
  CHECK(tenant->webhook_secret_ciphertext == "gAAAAAB-fernet-tnt_a");
  CHECK(tenant->created_at == at(0));

  auto owner = f.store().get_user(t, owner_of(t));
  REQUIRE_OK(owner);
  CHECK(owner->tenant_id == t);
  CHECK(owner->email == "owner@tnt_a.test");
  CHECK(owner->role == UserRole::kOwner);
  CHECK_FALSE(owner->verified);

  CHECK_ERROR_CODE(f.store().get_tenant(TenantId("tnt_missing")), "tenant_not_found");
}

TEST_CASE("store: create_tenant is atomic when the owner's e-mail is taken") {
  StoreFixture f;
  seed_tenant(f.store(), "tnt_a");
  auto r = f.store().create_tenant(make_tenant("tnt_b"),
                                   make_user("usr_b", "OWNER@tnt_a.test", UserRole::kOwner));
  CHECK_ERROR_CODE(r, "email_taken");
  CHECK(r.error().category() == ErrorCategory::kConflict);
  // The tenant row was rolled back with the user.
  CHECK_ERROR_CODE(f.store().get_tenant(TenantId("tnt_b")), "tenant_not_found");

  CHECK_ERROR_CODE(f.store().create_tenant(make_tenant("tnt_a"), make_user("usr_x", "x@x.test")),
                   "tenant_exists");
  auto mismatched = make_user("usr_y", "y@y.test");
  mismatched.tenant_id = TenantId("tnt_other");
  CHECK_ERROR_CODE(f.store().create_tenant(make_tenant("tnt_c"), mismatched), "tenant_mismatch");
}

TEST_CASE("store: tenant plan and webhook secret can be changed") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().set_tenant_plan(t, Plan::kPro));
  REQUIRE_OK(f.store().set_tenant_webhook_secret(t, "gAAAAAB-rotated"));
  auto tenant = f.store().get_tenant(t);
  REQUIRE_OK(tenant);
  CHECK(tenant->plan == Plan::kPro);
  CHECK(tenant->webhook_secret_ciphertext == "gAAAAAB-rotated");
  CHECK_ERROR_CODE(f.store().set_tenant_plan(TenantId("tnt_missing"), Plan::kPro),
                   "tenant_not_found");
}

TEST_CASE("store: users are created, listed, updated and deleted") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  auto member = make_user("usr_m", "Member@Example.com");
  member.created_at = at(10);
  REQUIRE_OK(f.store().create_user(t, member));

  auto users = f.store().list_users(t);
  REQUIRE_OK(users);
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].id == owner_of(t));
  CHECK((*users)[1].id == UserId("usr_m"));

  // E-mail lookup is global and case-insensitive.
  auto by_email = f.store().find_user_by_email("member@example.COM");
  REQUIRE_OK(by_email);
  CHECK(by_email->id == UserId("usr_m"));
  CHECK(by_email->tenant_id == t);
  CHECK_ERROR_CODE(f.store().find_user_by_email("nobody@example.com"), "user_not_found");

  REQUIRE_OK(f.store().update_user_role(t, UserId("usr_m"), UserRole::kAdmin));
  REQUIRE_OK(f.store().update_user_password(t, UserId("usr_m"), "$argon2id$new"));
  auto updated = f.store().get_user(t, UserId("usr_m"));
  REQUIRE_OK(updated);
  CHECK(updated->role == UserRole::kAdmin);
  CHECK(updated->password_hash == "$argon2id$new");

  auto owners = f.store().count_owners(t);
  REQUIRE_OK(owners);
  CHECK(*owners == 1);
  REQUIRE_OK(f.store().update_user_role(t, UserId("usr_m"), UserRole::kOwner));
  owners = f.store().count_owners(t);
  REQUIRE_OK(owners);
  CHECK(*owners == 2);

  REQUIRE_OK(f.store().delete_user(t, UserId("usr_m")));
  CHECK_ERROR_CODE(f.store().get_user(t, UserId("usr_m")), "user_not_found");
  CHECK_ERROR_CODE(f.store().delete_user(t, UserId("usr_m")), "user_not_found");
  CHECK_ERROR_CODE(f.store().update_user_role(t, UserId("usr_m"), UserRole::kAdmin),
                   "user_not_found");
}

TEST_CASE("store: e-mail addresses are unique across tenants, ignoring case") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  REQUIRE_OK(f.store().create_user(a, make_user("usr_1", "dev@example.com")));
  auto r = f.store().create_user(b, make_user("usr_2", "DEV@example.com"));
  CHECK_ERROR_CODE(r, "email_taken");
  CHECK(r.error().category() == ErrorCategory::kConflict);
  CHECK_ERROR_CODE(f.store().create_user(a, make_user("usr_1", "other@example.com")),
                   "user_exists");
  CHECK_ERROR_CODE(f.store().create_user(TenantId("tnt_missing"), make_user("usr_3", "c@x.test")),
                   "tenant_not_found");
}

TEST_CASE("store: verification code state is set, counted and consumed") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  const UserId u = owner_of(t);
  REQUIRE_OK(f.store().set_verification_code(t, u, "code-hash-1", at(900)));
  auto first = f.store().record_verification_attempt(t, u);
  REQUIRE_OK(first);
  CHECK(*first == 1);
  auto second = f.store().record_verification_attempt(t, u);
  REQUIRE_OK(second);
  CHECK(*second == 2);

  auto user = f.store().get_user(t, u);
  REQUIRE_OK(user);
  CHECK(user->verification_code_hash == "code-hash-1");
  CHECK(user->verification_expires_at == at(900));
  CHECK(user->verification_attempts == 2);

  // A new code resets the attempts.
  REQUIRE_OK(f.store().set_verification_code(t, u, "code-hash-2", at(1800)));
  user = f.store().get_user(t, u);
  REQUIRE_OK(user);
  CHECK(user->verification_attempts == 0);

  REQUIRE_OK(f.store().mark_user_verified(t, u));
  user = f.store().get_user(t, u);
  REQUIRE_OK(user);
  CHECK(user->verified);
  CHECK(user->verification_code_hash.empty());
  CHECK_FALSE(user->verification_expires_at.has_value());
  CHECK(user->verification_attempts == 0);

  CHECK_ERROR_CODE(f.store().record_verification_attempt(t, UserId("usr_missing")),
                   "user_not_found");
}

TEST_CASE("store: times keep millisecond precision") {
  StoreFixture f;
  auto tenant = make_tenant("tnt_a");
  tenant.created_at = at(0) + std::chrono::milliseconds(123) + std::chrono::microseconds(456);
  REQUIRE_OK(f.store().create_tenant(tenant, make_user("usr_1", "a@a.test")));
  auto stored = f.store().get_tenant(TenantId("tnt_a"));
  REQUIRE_OK(stored);
  CHECK(stored->created_at == at(0) + std::chrono::milliseconds(123));
}

}  // namespace
}  // namespace scriptmesh::testing
