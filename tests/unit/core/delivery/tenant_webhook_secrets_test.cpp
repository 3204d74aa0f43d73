#include "scriptmesh/webhook_signing.hpp"

#include <doctest/doctest.h>

#include <set>
#include <thread>
#include <vector>

#include "delivery_fixture.hpp"
#include "support/failing_store.hpp"

namespace scriptmesh::testing {
namespace {

Principal user(const TenantId& tenant, const std::string& role) {
  return Principal{tenant, UserId("usr_" + tenant.str()), role, {}, "access_token", ""};
}

Principal api_key(const TenantId& tenant, const std::string& role,
                  std::vector<std::string> scopes) {
  return Principal{tenant, UserId("usr_" + tenant.str()), role, std::move(scopes), "api_key",
                   "key_1"};
}

TEST_CASE("webhook secrets: created on first use, stored encrypted, the same afterwards") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());

  auto first = secrets.secret_for(t);
  REQUIRE_OK(first);
  CHECK(first->starts_with("whsec_"));
  CHECK(first->size() == 6 + 43);

  auto row = f.store().get_tenant(t);
  REQUIRE_OK(row);
  CHECK(row->webhook_secret_ciphertext.find(*first) == std::string::npos);
  auto decrypted = f.keyring().decrypt(row->webhook_secret_ciphertext, f.clock().now());
  REQUIRE_OK(decrypted);
  CHECK(*decrypted == *first);

  auto again = secrets.secret_for(t);
  REQUIRE_OK(again);
  CHECK(*again == *first);
  // A second instance (another process start) reads the same secret back.
  TenantWebhookSecrets later(f.store(), f.keyring(), f.clock());
  auto reread = later.secret_for(t);
  REQUIRE_OK(reread);
  CHECK(*reread == *first);
  // Each tenant has its own.
  auto other = secrets.secret_for(f.add_tenant("tnt_b"));
  REQUIRE_OK(other);
  CHECK(*other != *first);
}

TEST_CASE("webhook secrets: rotation replaces the secret at once") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());
  auto before = secrets.secret_for(t);
  REQUIRE_OK(before);
  auto rotated = secrets.rotate(t);
  REQUIRE_OK(rotated);
  CHECK(rotated->starts_with("whsec_"));
  CHECK(*rotated != *before);
  auto now = secrets.secret_for(t);
  REQUIRE_OK(now);
  CHECK(*now == *rotated);
  // Rotating a tenant that never had a secret creates one.
  const TenantId fresh = f.add_tenant("tnt_fresh");
  auto created = secrets.rotate(fresh);
  REQUIRE_OK(created);
  auto read = secrets.secret_for(fresh);
  REQUIRE_OK(read);
  CHECK(*read == *created);
}

TEST_CASE("webhook secrets: a Fernet key rotation keeps secrets readable") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  TenantWebhookSecrets old_ring(f.store(), f.keyring(), f.clock());
  auto secret = old_ring.secret_for(t);
  REQUIRE_OK(secret);

  const FernetKeyring rotated({FernetKey::generate(), delivery_test_key()});
  TenantWebhookSecrets new_ring(f.store(), rotated, f.clock());
  auto read = new_ring.secret_for(t);
  REQUIRE_OK(read);
  CHECK(*read == *secret);

  const FernetKeyring unrelated({FernetKey::generate()});
  TenantWebhookSecrets lost(f.store(), unrelated, f.clock());
  CHECK_ERROR_CODE(lost.secret_for(t), "webhook_secret_unreadable");
  // Nothing was overwritten by the failed read.
  auto still = old_ring.secret_for(t);
  REQUIRE_OK(still);
  CHECK(*still == *secret);
}

TEST_CASE("webhook secrets: a stored token that is not a secret is unreadable, not used") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  REQUIRE_OK(
      f.store().set_tenant_webhook_secret(t, f.keyring().encrypt("hunter2", f.clock().now())));
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());
  auto read = secrets.secret_for(t);
  CHECK_ERROR_CODE(read, "webhook_secret_unreadable");
  CHECK(read.error().message().find("hunter2") == std::string::npos);
}

TEST_CASE("webhook secrets: an unknown tenant is not found and gets no secret") {
  DeliveryFixture f;
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());
  CHECK_ERROR_CODE(secrets.secret_for(TenantId("tnt_missing")), "tenant_not_found");
  CHECK_ERROR_CODE(secrets.rotate(TenantId("tnt_missing")), "tenant_not_found");
}

TEST_CASE("webhook secrets: racing first uses agree on one secret") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());
  std::vector<std::string> got(8);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < got.size(); ++i) {
      threads.emplace_back([&, i] {
        auto s = secrets.secret_for(t);
        if (s.ok()) got[i] = *s;
      });
    }
  }
  CHECK(std::set<std::string>(got.begin(), got.end()).size() == 1);
  CHECK(got.front().starts_with("whsec_"));
}

TEST_CASE("webhook secrets: the routes' calls need admin or owner and the admin scope") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  TenantWebhookSecrets secrets(f.store(), f.keyring(), f.clock());

  CHECK_ERROR_CODE(secrets.get(user(t, "member")), "insufficient_role");
  CHECK_ERROR_CODE(secrets.rotate(user(t, "member")), "insufficient_role");
  CHECK_ERROR_CODE(secrets.get(api_key(t, "admin", {"jobs:read", "integrations:write"})),
                   "insufficient_scope");
  CHECK_ERROR_CODE(secrets.rotate(api_key(t, "owner", {"jobs:write"})), "insufficient_scope");
  auto row = f.store().get_tenant(t);
  REQUIRE_OK(row);
  CHECK(row->webhook_secret_ciphertext.empty());  // refused calls created nothing

  auto by_admin = secrets.get(user(t, "admin"));
  REQUIRE_OK(by_admin);
  auto by_key = secrets.get(api_key(t, "owner", {"admin"}));
  REQUIRE_OK(by_key);
  CHECK(*by_key == *by_admin);
  auto rotated = secrets.rotate(user(t, "owner"));
  REQUIRE_OK(rotated);
  CHECK(*rotated != *by_admin);
  auto now = secrets.get(user(t, "owner"));
  REQUIRE_OK(now);
  CHECK(*now == *rotated);

  // A caller only ever sees their own tenant's secret.
  const TenantId other = f.add_tenant("tnt_b");
  auto theirs = secrets.get(user(other, "owner"));
  REQUIRE_OK(theirs);
  CHECK(*theirs != *now);
}

TEST_CASE("webhook secrets: every store failure is returned and leaves no secret behind") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  FailingStore failing(f.store());
  TenantWebhookSecrets secrets(failing, f.keyring(), f.clock());
  for (int n = 1;; ++n) {
    failing.fail_on_call(n);
    auto got = secrets.secret_for(t);
    if (!failing.tripped()) {
      REQUIRE_OK(got);
      CHECK(n == 3);  // get_tenant, set_tenant_webhook_secret, then success
      break;
    }
    CHECK_ERROR_CODE(got, "injected_failure");
    auto row = f.store().get_tenant(t);
    REQUIRE_OK(row);
    CHECK(row->webhook_secret_ciphertext.empty());
  }
  failing.fail_on_call(1);
  CHECK_ERROR_CODE(secrets.rotate(t), "injected_failure");
}

}  // namespace
}  // namespace scriptmesh::testing
