// Tenants and users.
#include <string>

#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

Error tenant_not_found() {
  return Error::not_found("tenant_not_found", "no such tenant");
}
Error user_not_found() {
  return Error::not_found("user_not_found", "no such user");
}

}  // namespace

Result<void> insert_user_row(Connection& c, const TenantId& tenant, const UserRecord& user) {
  Result<bool> id_taken = exists(c, "SELECT 1 FROM users WHERE id = ?", user.id);
  if (!id_taken.ok()) return std::move(id_taken).error();
  if (*id_taken) return Error::conflict("user_exists", "a user with this id already exists");
  Result<bool> email_taken = exists(c, "SELECT 1 FROM users WHERE email = ?", user.email);
  if (!email_taken.ok()) return std::move(email_taken).error();
  if (*email_taken) {
    return Error::conflict("email_taken", "an account with this e-mail address already exists");
  }
  Result<std::int64_t> inserted =
      execute(c, "INSERT INTO users (" SM_USER_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              user.id, tenant, user.email, user.password_hash, to_string(user.role), user.verified,
              nullable(user.verification_code_hash), user.verification_expires_at,
              user.verification_attempts, user.created_at);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

Result<void> insert_tenant_row(Connection& c, const TenantRecord& tenant) {
  Result<bool> taken = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant.id);
  if (!taken.ok()) return std::move(taken).error();
  if (*taken) return Error::conflict("tenant_exists", "a tenant with this id already exists");
  Result<std::int64_t> inserted =
      execute(c, "INSERT INTO tenants (" SM_TENANT_COLUMNS ") VALUES (?, ?, ?, ?, ?)", tenant.id,
              tenant.name, to_string(tenant.plan), nullable(tenant.webhook_secret_ciphertext),
              tenant.created_at);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

Result<void> SqliteStore::create_tenant(const TenantRecord& tenant, const UserRecord& owner) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant.id, owner.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(insert_tenant_row(c, tenant));
    return insert_user_row(c, tenant.id, owner);
  });
}

Result<std::vector<TenantId>> SqliteStore::list_tenant_ids() {
  return read<std::vector<TenantId>>([](Connection& c) {
    auto read_id = +[](const Statement& row) -> Result<TenantId> { return TenantId(row.text(0)); };
    return query_all(c, "SELECT id FROM tenants ORDER BY created_at, id", read_id);
  });
}

Result<TenantRecord> SqliteStore::get_tenant(const TenantId& tenant) {
  return read<TenantRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_TENANT_COLUMNS " FROM tenants WHERE id = ?", &read_tenant,
                     tenant_not_found(), tenant);
  });
}

Result<void> SqliteStore::set_tenant_plan(const TenantId& tenant, Plan plan) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c, "UPDATE tenants SET plan = ? WHERE id = ?", to_string(plan), tenant),
        tenant_not_found());
  });
}

Result<void> SqliteStore::set_tenant_webhook_secret(const TenantId& tenant,
                                                    const std::string& ciphertext) {
  return write<void>([&](Connection& c) {
    return require_changed(execute(c, "UPDATE tenants SET webhook_secret = ? WHERE id = ?",
                                   nullable(ciphertext), tenant),
                           tenant_not_found());
  });
}

Result<void> SqliteStore::create_user(const TenantId& tenant, const UserRecord& user) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, user.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return tenant_not_found();
    return insert_user_row(c, tenant, user);
  });
}

Result<UserRecord> SqliteStore::get_user(const TenantId& tenant, const UserId& user) {
  return read<UserRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_USER_COLUMNS " FROM users WHERE tenant_id = ? AND id = ?",
                     &read_user, user_not_found(), tenant, user);
  });
}

Result<UserRecord> SqliteStore::find_user_by_email(std::string_view email) {
  return read<UserRecord>([&](Connection& c) {
    // email is declared COLLATE NOCASE, so this compares case-insensitively.
    return query_one(c, "SELECT " SM_USER_COLUMNS " FROM users WHERE email = ?", &read_user,
                     user_not_found(), email);
  });
}

Result<std::vector<UserRecord>> SqliteStore::list_users(const TenantId& tenant) {
  return read<std::vector<UserRecord>>([&](Connection& c) {
    return query_all(
        c, "SELECT " SM_USER_COLUMNS " FROM users WHERE tenant_id = ? ORDER BY created_at, id",
        &read_user, tenant);
  });
}

Result<void> SqliteStore::update_user_role(const TenantId& tenant, const UserId& user,
                                           UserRole role) {
  return write<void>([&](Connection& c) {
    return require_changed(execute(c, "UPDATE users SET role = ? WHERE tenant_id = ? AND id = ?",
                                   to_string(role), tenant, user),
                           user_not_found());
  });
}

Result<void> SqliteStore::update_user_password(const TenantId& tenant, const UserId& user,
                                               const std::string& password_hash) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c, "UPDATE users SET password_hash = ? WHERE tenant_id = ? AND id = ?",
                password_hash, tenant, user),
        user_not_found());
  });
}

Result<void> SqliteStore::set_verification_code(const TenantId& tenant, const UserId& user,
                                                const std::string& code_hash, WallTime expires_at) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c,
                "UPDATE users SET verification_code_hash = ?, verification_expires_at = ?, "
                "verification_attempts = 0 WHERE tenant_id = ? AND id = ?",
                nullable(code_hash), expires_at, tenant, user),
        user_not_found());
  });
}

Result<int> SqliteStore::record_verification_attempt(const TenantId& tenant, const UserId& user) {
  return write<int>([&](Connection& c) -> Result<int> {
    SCRIPTMESH_RETURN_IF_ERROR(require_changed(
        execute(c,
                "UPDATE users SET verification_attempts = verification_attempts + 1 "
                "WHERE tenant_id = ? AND id = ?",
                tenant, user),
        user_not_found()));
    Result<std::int64_t> attempts = query_int64(
        c, "SELECT verification_attempts FROM users WHERE tenant_id = ? AND id = ?", tenant, user);
    if (!attempts.ok()) return std::move(attempts).error();
    return static_cast<int>(*attempts);
  });
}

Result<void> SqliteStore::mark_user_verified(const TenantId& tenant, const UserId& user) {
  return write<void>([&](Connection& c) {
    return require_changed(execute(c,
                                   "UPDATE users SET verified = 1, verification_code_hash = NULL, "
                                   "verification_expires_at = NULL, verification_attempts = 0 "
                                   "WHERE tenant_id = ? AND id = ?",
                                   tenant, user),
                           user_not_found());
  });
}

Result<void> SqliteStore::delete_user(const TenantId& tenant, const UserId& user) {
  return write<void>([&](Connection& c) {
    // Tokens and API keys go with the user (ON DELETE CASCADE).
    return require_changed(
        execute(c, "DELETE FROM users WHERE tenant_id = ? AND id = ?", tenant, user),
        user_not_found());
  });
}

Result<std::int64_t> SqliteStore::count_owners(const TenantId& tenant) {
  return read<std::int64_t>([&](Connection& c) {
    return query_int64(c, "SELECT count(*) FROM users WHERE tenant_id = ? AND role = 'owner'",
                       tenant);
  });
}

}  // namespace scriptmesh::store
