// Who a verified Microsoft sign-in is: a bound identity, a link, an invited
// user, a new member of the directory's tenant, or the first user of a new
// tenant. Every change here is one store transaction, made only after every
// check passed.
#include "core/accounts/account_input.hpp"
#include "core/sso/sso_impl.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::sso {
namespace {

using Outcome = std::variant<SignedInUser, Refusal>;

bool is_not_found(const Error& e) {
  return e.category() == ErrorCategory::kNotFound;
}

Refusal store_failed(const Error& e) {
  return Refusal{"sso_failed", "the store failed: " + e.to_string()};
}

// The address the profile gets: `email`, else preferred_username when it
// is an address. Neither identifies the user (tid + oid do).
std::optional<std::string> profile_email(const IdTokenClaims& claims) {
  for (const std::string* candidate : {&claims.email, &claims.preferred_username}) {
    if (candidate->empty()) continue;
    Result<std::string> address = normalize_email(*candidate);
    if (address.ok()) return std::move(*address);
  }
  return std::nullopt;
}

SsoIdentityRecord identity_for(const IdTokenClaims& claims, const TenantId& tenant,
                               const UserId& user, WallTime now) {
  return SsoIdentityRecord{std::string(kMicrosoft), claims.tid, claims.oid, tenant, user, now};
}

UserRecord new_user(const TenantId& tenant, const std::string& email, UserRole role, WallTime now) {
  UserRecord user;
  user.id = UserId(new_id("usr"));
  user.tenant_id = tenant;
  user.email = email;
  user.role = role;  // no password: this account signs in through Microsoft only
  user.verified = true;
  user.created_at = now;
  return user;
}

// The tenant a first sign-in creates is named after the address's domain:
// the ID token carries no display name of the directory.
std::string tenant_name_for(const std::string& email) {
  std::string domain = email.substr(email.find('@') + 1);
  Result<std::string> name = accounts::validate_name(domain, 100, "invalid_tenant_name", "name");
  return name.ok() ? std::move(*name) : std::string("Microsoft directory");
}

Outcome link(ServiceParts& p, const IdTokenClaims& claims, const SignInState& state) {
  Result<SsoIdentityRecord> bound = p.store.find_sso_identity(kMicrosoft, claims.tid, claims.oid);
  if (bound.ok()) {
    if (bound->tenant_id == *state.link_tenant && bound->user_id == *state.link_user) {
      return SignedInUser{bound->tenant_id, bound->user_id};
    }
    return Refusal{"sso_identity_taken", "the identity is bound to another user"};
  }
  if (!is_not_found(bound.error())) return store_failed(bound.error());
  Result<void> made = p.store.bind_sso_identity(
      *state.link_tenant,
      identity_for(claims, *state.link_tenant, *state.link_user, p.clock.now()));
  if (!made.ok()) {
    if (made.error().code() == "sso_identity_taken") {
      return Refusal{"sso_identity_taken", "the identity was bound meanwhile"};
    }
    if (is_not_found(made.error())) {
      return Refusal{"invalid_sso_state", "the user who started the link is gone"};
    }
    return store_failed(made.error());
  }
  return SignedInUser{*state.link_tenant, *state.link_user};
}

// An address that already has an account. Password accounts are never taken
// over; an invited user (no password, no identity yet) of the directory's
// own tenant is who the invitation meant.
Outcome existing_account(ServiceParts& p, const IdTokenClaims& claims, const UserRecord& user) {
  if (!user.password_hash.empty()) {
    return Refusal{"account_exists_use_password",
                   "the address has a password account that has not linked Microsoft"};
  }
  Result<SsoDirectoryRecord> directory = p.store.find_sso_directory(kMicrosoft, claims.tid);
  if (!directory.ok() && !is_not_found(directory.error())) return store_failed(directory.error());
  Result<std::vector<SsoIdentityRecord>> identities =
      p.store.list_user_sso_identities(user.tenant_id, user.id);
  if (!identities.ok()) return store_failed(identities.error());
  if (!directory.ok() || directory->tenant_id != user.tenant_id || !identities->empty()) {
    return Refusal{"sso_email_taken", "the address belongs to another account"};
  }
  Result<void> bound = p.store.bind_sso_identity(
      user.tenant_id, identity_for(claims, user.tenant_id, user.id, p.clock.now()));
  if (!bound.ok()) return store_failed(bound.error());
  return SignedInUser{user.tenant_id, user.id};
}

Outcome join(ServiceParts& p, const IdTokenClaims& claims, const std::string& email,
             const TenantId& tenant) {
  if (p.options.join == SsoJoinPolicy::kInviteOnly) {
    return Refusal{"sso_invitation_required", "the directory's tenant admits invited users only"};
  }
  const WallTime now = p.clock.now();
  UserRecord user = new_user(tenant, email, UserRole::kMember, now);
  Result<void> made =
      p.store.create_sso_user(tenant, user, identity_for(claims, tenant, user.id, now));
  if (!made.ok()) return store_failed(made.error());
  return SignedInUser{tenant, user.id, true};
}

Outcome first_of_directory(ServiceParts& p, const IdTokenClaims& claims, const std::string& email) {
  const WallTime now = p.clock.now();
  TenantRecord tenant;
  tenant.id = TenantId(new_id("tnt"));
  tenant.name = tenant_name_for(email);
  tenant.plan = Plan::kStarter;
  tenant.created_at = now;
  UserRecord owner = new_user(tenant.id, email, UserRole::kOwner, now);
  SsoDirectoryRecord directory{std::string(kMicrosoft), claims.tid, tenant.id, now};
  Result<void> made = p.store.create_sso_tenant(tenant, owner, directory,
                                                identity_for(claims, tenant.id, owner.id, now));
  if (made.ok()) return SignedInUser{tenant.id, owner.id, true};
  if (made.error().code() != "sso_directory_taken") return store_failed(made.error());
  // Another first sign-in of this directory won the race: join its tenant.
  Result<SsoDirectoryRecord> winner = p.store.find_sso_directory(kMicrosoft, claims.tid);
  if (!winner.ok()) return store_failed(winner.error());
  return join(p, claims, email, winner->tenant_id);
}

}  // namespace

Outcome resolve_user(ServiceParts& p, const IdTokenClaims& claims, const SignInState& state) {
  if (state.link_user && state.link_tenant) return link(p, claims, state);
  Result<SsoIdentityRecord> bound = p.store.find_sso_identity(kMicrosoft, claims.tid, claims.oid);
  if (bound.ok()) return SignedInUser{bound->tenant_id, bound->user_id};
  if (!is_not_found(bound.error())) return store_failed(bound.error());

  std::optional<std::string> email = profile_email(claims);
  if (!email) return Refusal{"sso_email_missing", "the token names no usable e-mail address"};
  Result<UserRecord> existing = p.store.find_user_by_email(*email);
  if (existing.ok()) return existing_account(p, claims, *existing);
  if (!is_not_found(existing.error())) return store_failed(existing.error());

  Result<SsoDirectoryRecord> directory = p.store.find_sso_directory(kMicrosoft, claims.tid);
  if (directory.ok()) return join(p, claims, *email, directory->tenant_id);
  if (!is_not_found(directory.error())) return store_failed(directory.error());
  return first_of_directory(p, claims, *email);
}

}  // namespace scriptmesh::sso
