// TenantService and UserService: a tenant's plan and its people.
//
// Every method takes the calling Principal and works only inside its
// tenant: a user id of another tenant answers not_found, exactly like one that
// does not exist. Each method checks the caller itself with authorize()
// (auth.hpp); the minimum role and scope are listed per method.
//
// The last owner. A tenant always keeps at least one owner: removing or
// demoting the only one answers failed_precondition "last_owner". The check
// and the change are serialised inside one UserService, which is enough for
// the single orchestrator process that owns the database.
//
// Invitations. invite() creates an unverified user with no password and
// e-mails a link "<public_base_url>/reset-password?token=<token>"; the token
// is an ordinary password reset token (AccountService::reset_password sets
// the password and marks the account verified), valid for invite_token_ttl.
// Until then the invited user cannot log in (invalid_credentials). A failure
// to send the e-mail is logged; the user stays invited (delete and invite
// again to resend).
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/plans.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class EmailSender;
class Logger;

struct TenantView {
  TenantId tenant_id;
  std::string name;
  Plan plan = Plan::kStarter;
  PlanLimits limits;
  // Set by set_plan only: the schedules the change disabled, newest first.
  std::vector<ScheduleId> disabled_schedules;
};

class TenantService {
 public:
  // Borrows `store` and `clock`, which must outlive the service.
  explicit TenantService(Store& store, Clock& clock = system_clock())
      : store_(store), clock_(clock) {}

  // The caller's tenant. Any role, no scope.
  [[nodiscard]] Result<TenantView> get(const Principal& caller);

  // Changes the plan; answers the tenant as it now is. Owner, scope "admin".
  // A plan that allows fewer schedules than the tenant has enabled disables
  // the newest enabled ones beyond its limit (nothing is deleted) and names
  // them in disabled_schedules.
  // Errors: permission_denied "insufficient_role", "insufficient_scope".
  [[nodiscard]] Result<TenantView> set_plan(const Principal& caller, Plan plan);

 private:
  Store& store_;
  Clock& clock_;
};

struct UserView {
  UserId user_id;
  TenantId tenant_id;
  std::string email;
  UserRole role = UserRole::kMember;
  bool verified = false;
  WallTime created_at;
};

struct UserServiceOptions {
  // Base URL for invitation links; a trailing '/' is dropped.
  std::string public_base_url = "http://127.0.0.1:8080";
  // How long an invitation link is valid.
  std::chrono::seconds invite_token_ttl{72 * 3600};
  // Where e-mail failures are reported; nullptr means null_logger().
  Logger* logger = nullptr;
};

class UserService {
 public:
  // Borrows `store`, `clock` and `email`, which must outlive the service.
  UserService(Store& store, Clock& clock, EmailSender& email, UserServiceOptions options = {});

  // The caller's own user (GET /v1/me). Any role, no scope. For an API key,
  // the user who created it.
  [[nodiscard]] Result<UserView> me(const Principal& caller);

  // The tenant's users, oldest first. Admin, scope "admin".
  [[nodiscard]] Result<std::vector<UserView>> list(const Principal& caller);

  // One user of the tenant. Admin, scope "admin". Errors: not_found
  // "user_not_found".
  [[nodiscard]] Result<UserView> get(const Principal& caller, const UserId& user);

  // Invites `email` as `role` (see above). Owner, scope "admin".
  // Errors: invalid_argument "invalid_email"; conflict "email_taken".
  [[nodiscard]] Result<UserView> invite(const Principal& caller, std::string_view email,
                                        UserRole role);

  // Sets a user's role; answers the user as they now are. Owner, scope
  // "admin". Errors: not_found "user_not_found"; failed_precondition
  // "last_owner".
  [[nodiscard]] Result<UserView> change_role(const Principal& caller, const UserId& user,
                                             UserRole role);

  // Deletes a user with their sessions and API keys (an owner may delete
  // themselves unless they are the last owner). Owner, scope "admin".
  // Errors: not_found "user_not_found"; failed_precondition "last_owner".
  [[nodiscard]] Result<void> remove(const Principal& caller, const UserId& user);

 private:
  // Fails with "last_owner" when `user` is an owner and the only one.
  [[nodiscard]] Result<void> check_not_last_owner(const Principal& caller, const UserRecord& user);

  Store& store_;
  Clock& clock_;
  EmailSender& email_;
  UserServiceOptions options_;
  Logger& logger_;
  std::mutex owners_mu_;  // serialises the last-owner check with the change it guards
};

}  // namespace scriptmesh
