// Single sign-on: identities bound to users, directories mapped to tenants,
// and one-time login codes (stored only as hashes).
#include <string>

#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

#define SM_SSO_IDENTITY_COLUMNS "provider, directory_id, subject, tenant_id, user_id, created_at"
#define SM_SSO_DIRECTORY_COLUMNS "provider, directory_id, tenant_id, created_at"
#define SM_SSO_CODE_COLUMNS "code_hash, tenant_id, user_id, created_at, expires_at, used_at"

namespace scriptmesh::store {
namespace {

Error user_not_found() {
  return Error::not_found("user_not_found", "no such user");
}
Error identity_taken() {
  return Error::conflict("sso_identity_taken", "this sign-in identity is already bound to a user");
}
Error code_not_found() {
  return Error::not_found("sso_code_not_found", "no such login code");
}

Result<SsoIdentityRecord> read_identity(const Statement& s) {
  SsoIdentityRecord r;
  r.provider = s.text(0);
  r.directory_id = s.text(1);
  r.subject = s.text(2);
  r.tenant_id = TenantId(s.text(3));
  r.user_id = UserId(s.text(4));
  r.created_at = s.time(5);
  return r;
}

Result<SsoDirectoryRecord> read_directory(const Statement& s) {
  SsoDirectoryRecord r;
  r.provider = s.text(0);
  r.directory_id = s.text(1);
  r.tenant_id = TenantId(s.text(2));
  r.created_at = s.time(3);
  return r;
}

Result<SsoLoginCodeRecord> read_code(const Statement& s) {
  SsoLoginCodeRecord r;
  r.code_hash = s.text(0);
  r.tenant_id = TenantId(s.text(1));
  r.user_id = UserId(s.text(2));
  r.created_at = s.time(3);
  r.expires_at = s.time(4);
  r.used_at = s.optional_time(5);
  return r;
}

// Inserts the identity for a user of `tenant`, inside the caller's write.
Result<void> insert_identity_row(Connection& c, const TenantId& tenant,
                                 const SsoIdentityRecord& identity) {
  Result<bool> taken = exists(
      c, "SELECT 1 FROM sso_identities WHERE provider = ? AND directory_id = ? AND subject = ?",
      identity.provider, identity.directory_id, identity.subject);
  if (!taken.ok()) return std::move(taken).error();
  if (*taken) return identity_taken();
  Result<bool> known =
      exists(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ?", tenant, identity.user_id);
  if (!known.ok()) return std::move(known).error();
  if (!*known) return user_not_found();
  Result<std::int64_t> inserted = execute(
      c, "INSERT INTO sso_identities (" SM_SSO_IDENTITY_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)",
      identity.provider, identity.directory_id, identity.subject, tenant, identity.user_id,
      identity.created_at);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

}  // namespace

Result<SsoIdentityRecord> SqliteStore::find_sso_identity(std::string_view provider,
                                                         std::string_view directory_id,
                                                         std::string_view subject) {
  return read<SsoIdentityRecord>([&](Connection& c) {
    return query_one(c,
                     "SELECT " SM_SSO_IDENTITY_COLUMNS
                     " FROM sso_identities WHERE provider = ? "
                     "AND directory_id = ? AND subject = ?",
                     &read_identity,
                     Error::not_found("sso_identity_not_found", "no such sign-in identity"),
                     provider, directory_id, subject);
  });
}

Result<SsoDirectoryRecord> SqliteStore::find_sso_directory(std::string_view provider,
                                                           std::string_view directory_id) {
  return read<SsoDirectoryRecord>([&](Connection& c) {
    return query_one(c,
                     "SELECT " SM_SSO_DIRECTORY_COLUMNS
                     " FROM sso_directories WHERE provider = ? AND directory_id = ?",
                     &read_directory,
                     Error::not_found("sso_directory_not_found", "no tenant for this directory"),
                     provider, directory_id);
  });
}

Result<std::vector<SsoIdentityRecord>> SqliteStore::list_user_sso_identities(const TenantId& tenant,
                                                                             const UserId& user) {
  return read<std::vector<SsoIdentityRecord>>([&](Connection& c) {
    return query_all(c,
                     "SELECT " SM_SSO_IDENTITY_COLUMNS
                     " FROM sso_identities WHERE tenant_id = ? "
                     "AND user_id = ? ORDER BY created_at, directory_id, subject",
                     &read_identity, tenant, user);
  });
}

Result<void> SqliteStore::create_sso_tenant(const TenantRecord& tenant, const UserRecord& owner,
                                            const SsoDirectoryRecord& directory,
                                            const SsoIdentityRecord& identity) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant.id, owner.tenant_id));
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant.id, directory.tenant_id));
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant.id, identity.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    // Two first sign-ins of one directory may race: the loser learns that
    // the directory has its tenant now and joins it instead.
    Result<bool> mapped =
        exists(c, "SELECT 1 FROM sso_directories WHERE provider = ? AND directory_id = ?",
               directory.provider, directory.directory_id);
    if (!mapped.ok()) return std::move(mapped).error();
    if (*mapped) {
      return Error::conflict("sso_directory_taken", "this directory already has a tenant");
    }
    SCRIPTMESH_RETURN_IF_ERROR(insert_tenant_row(c, tenant));
    SCRIPTMESH_RETURN_IF_ERROR(insert_user_row(c, tenant.id, owner));
    Result<std::int64_t> inserted =
        execute(c, "INSERT INTO sso_directories (" SM_SSO_DIRECTORY_COLUMNS ") VALUES (?, ?, ?, ?)",
                directory.provider, directory.directory_id, tenant.id, directory.created_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return insert_identity_row(c, tenant.id, identity);
  });
}

Result<void> SqliteStore::create_sso_user(const TenantId& tenant, const UserRecord& user,
                                          const SsoIdentityRecord& identity) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, user.tenant_id));
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, identity.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    SCRIPTMESH_RETURN_IF_ERROR(insert_user_row(c, tenant, user));
    return insert_identity_row(c, tenant, identity);
  });
}

Result<void> SqliteStore::bind_sso_identity(const TenantId& tenant,
                                            const SsoIdentityRecord& identity) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, identity.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(insert_identity_row(c, tenant, identity));
    return require_changed(execute(c,
                                   "UPDATE users SET verified = 1, verification_code_hash = NULL, "
                                   "verification_expires_at = NULL, verification_attempts = 0 "
                                   "WHERE tenant_id = ? AND id = ?",
                                   tenant, identity.user_id),
                           user_not_found());
  });
}

Result<void> SqliteStore::insert_sso_login_code(const TenantId& tenant,
                                                const SsoLoginCodeRecord& code) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, code.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known =
        exists(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ?", tenant, code.user_id);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return user_not_found();
    Result<std::int64_t> inserted = execute(
        c, "INSERT INTO sso_login_codes (" SM_SSO_CODE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)",
        code.code_hash, tenant, code.user_id, code.created_at, code.expires_at, code.used_at);
    if (!inserted.ok()) return std::move(inserted).error();
    // Spent and expired codes of every user go as new ones come: the table
    // holds only what may still be exchanged, plus this minute's spent ones.
    Result<std::int64_t> purged =
        execute(c, "DELETE FROM sso_login_codes WHERE tenant_id = ? AND expires_at < ?", tenant,
                code.created_at);
    if (!purged.ok()) return std::move(purged).error();
    return ok_result();
  });
}

Result<SsoLoginCodeRecord> SqliteStore::find_sso_login_code(std::string_view code_hash) {
  return read<SsoLoginCodeRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_SSO_CODE_COLUMNS " FROM sso_login_codes WHERE code_hash = ?",
                     &read_code, code_not_found(), code_hash);
  });
}

Result<void> SqliteStore::mark_sso_login_code_used(const TenantId& tenant,
                                                   std::string_view code_hash, WallTime at) {
  return write<void>([&](Connection& c) -> Result<void> {
    Result<std::int64_t> changed =
        execute(c,
                "UPDATE sso_login_codes SET used_at = ? WHERE tenant_id = ? AND code_hash = ? "
                "AND used_at IS NULL",
                at, tenant, code_hash);
    if (!changed.ok()) return std::move(changed).error();
    if (*changed == 1) return ok_result();
    Result<bool> known =
        exists(c, "SELECT 1 FROM sso_login_codes WHERE tenant_id = ? AND code_hash = ?", tenant,
               code_hash);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return code_not_found();
    return Error::conflict("sso_code_spent", "the login code was already used");
  });
}

}  // namespace scriptmesh::store
