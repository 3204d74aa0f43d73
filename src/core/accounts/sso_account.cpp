#include "core/accounts/sso_account.hpp"

namespace scriptmesh::accounts {

Result<bool> is_sso_account(Store& store, const UserRecord& user) {
  if (!user.password_hash.empty()) return false;
  Result<std::vector<SsoIdentityRecord>> identities =
      store.list_user_sso_identities(user.tenant_id, user.id);
  if (!identities.ok()) return std::move(identities).error();
  return !identities->empty();
}

Error sso_account() {
  return Error::failed_precondition("sso_account",
                                    "this account signs in with Microsoft and has no password");
}

}  // namespace scriptmesh::accounts
