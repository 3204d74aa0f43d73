// Refresh tokens, password reset tokens and API keys: secrets stored only as
// hashes, looked up globally by hash, changed only under their tenant.
#include <string>

#include "core/store/json_columns.hpp"
#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

Error user_not_found() {
  return Error::not_found("user_not_found", "no such user");
}
Error refresh_token_not_found() {
  return Error::not_found("refresh_token_not_found", "no such refresh token");
}
Error reset_token_not_found() {
  return Error::not_found("reset_token_not_found", "no such password reset token");
}
Error api_key_not_found() {
  return Error::not_found("api_key_not_found", "no such API key");
}

Result<void> require_user(Connection& c, const TenantId& tenant, const UserId& user) {
  Result<bool> known =
      exists(c, "SELECT 1 FROM users WHERE tenant_id = ? AND id = ?", tenant, user);
  if (!known.ok()) return std::move(known).error();
  if (!*known) return user_not_found();
  return ok_result();
}

// After a compare-and-set UPDATE changed nothing: the row is either missing
// (for this tenant) or already spent.
Result<void> spent_or_missing(Connection& c, std::string_view exists_sql, const TenantId& tenant,
                              std::string_view token_hash, Error not_found, Error spent) {
  Result<bool> known = exists(c, exists_sql, tenant, token_hash);
  if (!known.ok()) return std::move(known).error();
  return *known ? std::move(spent) : std::move(not_found);
}

}  // namespace

// --- Refresh tokens ------------------------------------------------------------

Result<void> SqliteStore::insert_refresh_token(const TenantId& tenant,
                                               const RefreshTokenRecord& token) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, token.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(require_user(c, tenant, token.user_id));
    Result<std::int64_t> inserted =
        execute(c,
                "INSERT INTO refresh_tokens (" SM_REFRESH_TOKEN_COLUMNS
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                token.id, tenant, token.user_id, token.token_hash, token.family_id,
                token.created_at, token.expires_at, token.used_at, token.revoked_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<RefreshTokenRecord> SqliteStore::find_refresh_token(std::string_view token_hash) {
  return read<RefreshTokenRecord>([&](Connection& c) {
    return query_one(c,
                     "SELECT " SM_REFRESH_TOKEN_COLUMNS " FROM refresh_tokens WHERE token_hash = ?",
                     &read_refresh_token, refresh_token_not_found(), token_hash);
  });
}

Result<void> SqliteStore::mark_refresh_token_used(const TenantId& tenant,
                                                  std::string_view token_hash, WallTime at) {
  return write<void>([&](Connection& c) -> Result<void> {
    Result<std::int64_t> changed =
        execute(c,
                "UPDATE refresh_tokens SET used_at = ? WHERE tenant_id = ? AND token_hash = ? "
                "AND used_at IS NULL AND revoked_at IS NULL",
                at, tenant, token_hash);
    if (!changed.ok()) return std::move(changed).error();
    if (*changed == 1) return ok_result();
    return spent_or_missing(
        c, "SELECT 1 FROM refresh_tokens WHERE tenant_id = ? AND token_hash = ?", tenant,
        token_hash, refresh_token_not_found(),
        Error::conflict("refresh_token_spent", "the refresh token was already used or revoked"));
  });
}

Result<std::int64_t> SqliteStore::revoke_refresh_token_family(const TenantId& tenant,
                                                              std::string_view family_id,
                                                              WallTime at) {
  return write<std::int64_t>([&](Connection& c) {
    return execute(c,
                   "UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND family_id = ? "
                   "AND revoked_at IS NULL",
                   at, tenant, family_id);
  });
}

Result<std::int64_t> SqliteStore::revoke_user_refresh_tokens(const TenantId& tenant,
                                                             const UserId& user, WallTime at) {
  return write<std::int64_t>([&](Connection& c) {
    return execute(c,
                   "UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? "
                   "AND revoked_at IS NULL",
                   at, tenant, user);
  });
}

// --- Password reset tokens -------------------------------------------------------

Result<void> SqliteStore::insert_password_reset_token(const TenantId& tenant,
                                                      const PasswordResetTokenRecord& token) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, token.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(require_user(c, tenant, token.user_id));
    Result<std::int64_t> inserted = execute(
        c,
        "INSERT INTO password_reset_tokens (" SM_RESET_TOKEN_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)",
        token.token_hash, tenant, token.user_id, token.created_at, token.expires_at, token.used_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<PasswordResetTokenRecord> SqliteStore::find_password_reset_token(
    std::string_view token_hash) {
  return read<PasswordResetTokenRecord>([&](Connection& c) {
    return query_one(
        c, "SELECT " SM_RESET_TOKEN_COLUMNS " FROM password_reset_tokens WHERE token_hash = ?",
        &read_reset_token, reset_token_not_found(), token_hash);
  });
}

Result<void> SqliteStore::mark_password_reset_token_used(const TenantId& tenant,
                                                         std::string_view token_hash, WallTime at) {
  return write<void>([&](Connection& c) -> Result<void> {
    Result<std::int64_t> changed =
        execute(c,
                "UPDATE password_reset_tokens SET used_at = ? "
                "WHERE tenant_id = ? AND token_hash = ? AND used_at IS NULL",
                at, tenant, token_hash);
    if (!changed.ok()) return std::move(changed).error();
    if (*changed == 1) return ok_result();
    return spent_or_missing(
        c, "SELECT 1 FROM password_reset_tokens WHERE tenant_id = ? AND token_hash = ?", tenant,
        token_hash, reset_token_not_found(),
        Error::conflict("reset_token_spent", "the password reset token was already used"));
  });
}

// --- API keys ----------------------------------------------------------------

Result<void> SqliteStore::insert_api_key(const TenantId& tenant, const ApiKeyRecord& key) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, key.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(require_user(c, tenant, key.user_id));
    Result<bool> taken = exists(c, "SELECT 1 FROM api_keys WHERE id = ?", key.id);
    if (!taken.ok()) return std::move(taken).error();
    if (*taken) return Error::conflict("api_key_exists", "an API key with this id already exists");
    Result<std::int64_t> inserted = execute(
        c, "INSERT INTO api_keys (" SM_API_KEY_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        key.id, tenant, key.user_id, key.name, key.prefix, key.key_hash,
        encode_string_list(key.scopes), key.expires_at, key.revoked_at, key.created_at,
        key.last_used_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<ApiKeyRecord> SqliteStore::get_api_key(const TenantId& tenant, const ApiKeyId& key) {
  return read<ApiKeyRecord>([&](Connection& c) {
    return query_one(c,
                     "SELECT " SM_API_KEY_COLUMNS " FROM api_keys WHERE tenant_id = ? AND id = ?",
                     &read_api_key, api_key_not_found(), tenant, key);
  });
}

Result<std::vector<ApiKeyRecord>> SqliteStore::list_api_keys(const TenantId& tenant) {
  return read<std::vector<ApiKeyRecord>>([&](Connection& c) {
    return query_all(c,
                     "SELECT " SM_API_KEY_COLUMNS
                     " FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id",
                     &read_api_key, tenant);
  });
}

Result<ApiKeyRecord> SqliteStore::find_api_key_by_hash(std::string_view key_hash) {
  return read<ApiKeyRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_API_KEY_COLUMNS " FROM api_keys WHERE key_hash = ?",
                     &read_api_key, api_key_not_found(), key_hash);
  });
}

Result<void> SqliteStore::revoke_api_key(const TenantId& tenant, const ApiKeyId& key, WallTime at) {
  return write<void>([&](Connection& c) {
    return require_changed(execute(c,
                                   "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) "
                                   "WHERE tenant_id = ? AND id = ?",
                                   at, tenant, key),
                           api_key_not_found());
  });
}

Result<void> SqliteStore::touch_api_key(const TenantId& tenant, const ApiKeyId& key, WallTime at) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c, "UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND id = ?", at,
                tenant, key),
        api_key_not_found());
  });
}

}  // namespace scriptmesh::store
