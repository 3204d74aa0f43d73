// Whether a user signs in through single sign-on only (sso.hpp): such a user
// has no password, so the password routes answer them "sso_account".
#pragma once

#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::accounts {

// True when `user` has no password and at least one single sign-on identity.
// A password user who linked Microsoft keeps their password and is not one.
[[nodiscard]] Result<bool> is_sso_account(Store& store, const UserRecord& user);

// failed_precondition "sso_account".
Error sso_account();

}  // namespace scriptmesh::accounts
