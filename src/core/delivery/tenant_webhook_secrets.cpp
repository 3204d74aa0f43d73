// Per-tenant webhook signing secrets, Fernet-encrypted in the tenant row.
#include "scriptmesh/auth.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/store.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh {

TenantWebhookSecrets::TenantWebhookSecrets(Store& store, const FernetKeyring& keyring, Clock& clock)
    : store_(store), keyring_(keyring), clock_(clock) {}

Result<std::string> TenantWebhookSecrets::secret_for(const TenantId& tenant) {
  std::lock_guard lock(mu_);
  Result<TenantRecord> record = store_.get_tenant(tenant);
  if (!record.ok()) return std::move(record).error();
  if (record->webhook_secret_ciphertext.empty()) return store_new_secret(tenant);
  // No ttl: a secret stays valid however long ago it was encrypted.
  Result<std::string> secret = keyring_.decrypt(record->webhook_secret_ciphertext, clock_.now());
  if (!secret.ok() || !secret->starts_with(kWebhookSecretPrefix)) {
    // The message names neither the token nor the key: both are secret.
    return Error::internal("webhook_secret_unreadable",
                           "the tenant's webhook secret does not decrypt with the Fernet keyring");
  }
  return secret;
}

Result<std::string> TenantWebhookSecrets::rotate(const TenantId& tenant) {
  std::lock_guard lock(mu_);
  return store_new_secret(tenant);
}

Result<std::string> TenantWebhookSecrets::get(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kAdmin, kScopeAdmin));
  return secret_for(caller.tenant_id);
}

Result<std::string> TenantWebhookSecrets::rotate(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kAdmin, kScopeAdmin));
  return rotate(caller.tenant_id);
}

Result<std::string> TenantWebhookSecrets::store_new_secret(const TenantId& tenant) {
  std::string secret = new_webhook_secret();
  SCRIPTMESH_RETURN_IF_ERROR(
      store_.set_tenant_webhook_secret(tenant, keyring_.encrypt(secret, clock_.now())));
  return secret;
}

}  // namespace scriptmesh
