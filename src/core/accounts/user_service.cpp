#include "core/accounts/account_input.hpp"
#include "core/accounts/account_mail.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh {
namespace {

UserView to_view(const UserRecord& r) {
  return UserView{r.id, r.tenant_id, r.email, r.role, r.verified, r.created_at};
}

}  // namespace

UserService::UserService(Store& store, Clock& clock, EmailSender& email, UserServiceOptions options)
    : store_(store),
      clock_(clock),
      email_(email),
      options_(std::move(options)),
      logger_(options_.logger != nullptr ? *options_.logger : null_logger()) {
  options_.public_base_url = accounts::trim_base_url(options_.public_base_url);
}

Result<UserView> UserService::me(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, ""));
  Result<UserRecord> user = store_.get_user(caller.tenant_id, caller.user_id);
  if (!user.ok()) return std::move(user).error();
  return to_view(*user);
}

Result<std::vector<UserView>> UserService::list(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kAdmin, kScopeAdmin));
  Result<std::vector<UserRecord>> users = store_.list_users(caller.tenant_id);
  if (!users.ok()) return std::move(users).error();
  std::vector<UserView> out;
  out.reserve(users->size());
  for (const UserRecord& u : *users)
    out.push_back(to_view(u));
  return out;
}

Result<UserView> UserService::get(const Principal& caller, const UserId& user) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kAdmin, kScopeAdmin));
  Result<UserRecord> record = store_.get_user(caller.tenant_id, user);
  if (!record.ok()) return std::move(record).error();
  return to_view(*record);
}

Result<UserView> UserService::invite(const Principal& caller, std::string_view email,
                                     UserRole role) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kOwner, kScopeAdmin));
  Result<std::string> address = normalize_email(email);
  if (!address.ok()) return std::move(address).error();
  Result<TenantRecord> tenant = store_.get_tenant(caller.tenant_id);
  if (!tenant.ok()) return std::move(tenant).error();

  UserRecord user;
  user.id = UserId(new_id("usr"));
  user.tenant_id = caller.tenant_id;
  user.email = std::move(address).value();
  user.role = role;  // no password and unverified until the link is used
  user.created_at = clock_.now();
  SCRIPTMESH_RETURN_IF_ERROR(store_.create_user(caller.tenant_id, user));

  Result<std::string> token = accounts::issue_reset_token(store_, clock_, user.tenant_id, user.id,
                                                          options_.invite_token_ttl);
  if (!token.ok()) return std::move(token).error();
  accounts::send_or_log(
      email_, logger_,
      accounts::invitation_email(user.email, tenant->name,
                                 accounts::invitation_link(options_.public_base_url, *token),
                                 options_.invite_token_ttl),
      "invitation", user.id);
  return to_view(user);
}

Result<UserView> UserService::change_role(const Principal& caller, const UserId& user,
                                          UserRole role) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kOwner, kScopeAdmin));
  std::lock_guard lock(owners_mu_);
  Result<UserRecord> record = store_.get_user(caller.tenant_id, user);
  if (!record.ok()) return std::move(record).error();
  if (role != UserRole::kOwner) SCRIPTMESH_RETURN_IF_ERROR(check_not_last_owner(caller, *record));
  SCRIPTMESH_RETURN_IF_ERROR(store_.update_user_role(caller.tenant_id, user, role));
  record->role = role;
  return to_view(*record);
}

Result<void> UserService::remove(const Principal& caller, const UserId& user) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kOwner, kScopeAdmin));
  std::lock_guard lock(owners_mu_);
  Result<UserRecord> record = store_.get_user(caller.tenant_id, user);
  if (!record.ok()) return std::move(record).error();
  SCRIPTMESH_RETURN_IF_ERROR(check_not_last_owner(caller, *record));
  return store_.delete_user(caller.tenant_id, user);
}

Result<void> UserService::check_not_last_owner(const Principal& caller, const UserRecord& user) {
  if (user.role != UserRole::kOwner) return ok_result();
  Result<std::int64_t> owners = store_.count_owners(caller.tenant_id);
  if (!owners.ok()) return std::move(owners).error();
  if (*owners <= 1) {
    return Error::failed_precondition("last_owner",
                                      "a tenant needs at least one owner; make another user "
                                      "owner first");
  }
  return ok_result();
}

}  // namespace scriptmesh
