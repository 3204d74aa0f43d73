// AccountService: sessions (access and refresh tokens) and password reset.
#include "core/accounts/account_mail.hpp"
#include "core/accounts/sso_account.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/random.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace {

Error invalid_refresh_token() {
  return Error::unauthenticated("invalid_refresh_token",
                                "the refresh token is unknown, expired or revoked");
}
Error refresh_token_reused() {
  return Error::unauthenticated(
      "refresh_token_reused",
      "the refresh token was already used; every session of this login has been ended");
}
Error invalid_reset_token() {
  return Error::invalid_argument("invalid_reset_token",
                                 "the password reset link is unknown, used or expired");
}

bool is_not_found(const Error& e) {
  return e.category() == ErrorCategory::kNotFound;
}

}  // namespace

Result<TokenPair> AccountService::start_session(const TenantId& tenant, const UserId& user,
                                                UserRole role, const std::string& family_id) {
  const WallTime now = clock_.now();
  const std::int64_t iat = to_unix_seconds(now);
  JwtClaims claims;
  claims.sub = user.str();
  claims.iss = options_.tokens.issuer;
  claims.iat = iat;
  claims.exp = iat + options_.tokens.access_ttl.count();
  claims.extra["tid"] = tenant.str();
  claims.extra["role"] = std::string(to_string(role));

  TokenPair pair;
  pair.refresh_token = random_token(32);
  RefreshTokenRecord record;
  record.id = new_id("rt");
  record.tenant_id = tenant;
  record.user_id = user;
  record.token_hash = sha256_hex(pair.refresh_token);
  record.family_id = family_id;
  record.created_at = now;
  record.expires_at = now + options_.tokens.refresh_ttl;
  SCRIPTMESH_RETURN_IF_ERROR(store_.insert_refresh_token(tenant, record));

  pair.access_token = signer_.sign(claims);
  pair.expires_in = options_.tokens.access_ttl.count();
  return pair;
}

Result<TokenPair> AccountService::start_verified_session(const TenantId& tenant,
                                                         const UserId& user) {
  Result<UserRecord> record = store_.get_user(tenant, user);
  if (!record.ok()) return std::move(record).error();
  return start_session(record->tenant_id, record->id, record->role, new_id("rtf"));
}

Result<TokenPair> AccountService::refresh(std::string_view refresh_token) {
  const std::string hash = sha256_hex(refresh_token);
  Result<RefreshTokenRecord> token = store_.find_refresh_token(hash);
  if (!token.ok()) {
    return is_not_found(token.error()) ? invalid_refresh_token() : std::move(token).error();
  }
  const WallTime now = clock_.now();
  if (token->revoked_at) return invalid_refresh_token();
  if (token->used_at) {
    // Someone holds a token that was already rotated: the thief or the
    // rightful client. Not knowing which, end the whole family.
    SCRIPTMESH_RETURN_IF_ERROR(
        store_.revoke_refresh_token_family(token->tenant_id, token->family_id, now));
    return refresh_token_reused();
  }
  if (token->expires_at <= now) return invalid_refresh_token();

  Result<void> spent = store_.mark_refresh_token_used(token->tenant_id, hash, now);
  if (!spent.ok()) {
    if (spent.error().code() != "refresh_token_spent") {
      return is_not_found(spent.error()) ? invalid_refresh_token() : std::move(spent).error();
    }
    // Lost a race with another refresh of the same token: that is reuse too.
    SCRIPTMESH_RETURN_IF_ERROR(
        store_.revoke_refresh_token_family(token->tenant_id, token->family_id, now));
    return refresh_token_reused();
  }
  Result<UserRecord> user = store_.get_user(token->tenant_id, token->user_id);
  if (!user.ok()) {
    return is_not_found(user.error()) ? invalid_refresh_token() : std::move(user).error();
  }
  return start_session(user->tenant_id, user->id, user->role, token->family_id);
}

Result<void> AccountService::logout(std::string_view refresh_token) {
  Result<RefreshTokenRecord> token = store_.find_refresh_token(sha256_hex(refresh_token));
  if (!token.ok()) return is_not_found(token.error()) ? ok_result() : std::move(token).error();
  Result<std::int64_t> revoked =
      store_.revoke_refresh_token_family(token->tenant_id, token->family_id, clock_.now());
  if (!revoked.ok()) return std::move(revoked).error();
  return ok_result();
}

Result<void> AccountService::forgot_password(std::string_view email) {
  Result<std::string> address = normalize_email(email);
  if (!address.ok()) return std::move(address).error();
  Result<UserRecord> user = store_.find_user_by_email(*address);
  if (!user.ok()) return is_not_found(user.error()) ? ok_result() : std::move(user).error();
  // An account that signs in through single sign-on has no password to
  // reset; the answer stays the same, so addresses cannot be probed here.
  Result<bool> sso = accounts::is_sso_account(store_, *user);
  if (!sso.ok()) return std::move(sso).error();
  if (*sso) return ok_result();
  Result<std::string> token = accounts::issue_reset_token(store_, clock_, user->tenant_id, user->id,
                                                          options_.reset_token_ttl);
  if (!token.ok()) return std::move(token).error();
  accounts::send_or_log(
      email_, logger_,
      accounts::reset_email(user->email, accounts::reset_link(options_.public_base_url, *token),
                            options_.reset_token_ttl),
      "password_reset", user->id);
  return ok_result();
}

Result<void> AccountService::reset_password(std::string_view token, std::string_view new_password) {
  SCRIPTMESH_RETURN_IF_ERROR(validate_new_password(new_password));
  const std::string hash = sha256_hex(token);
  Result<PasswordResetTokenRecord> record = store_.find_password_reset_token(hash);
  if (!record.ok()) {
    return is_not_found(record.error()) ? invalid_reset_token() : std::move(record).error();
  }
  const WallTime now = clock_.now();
  if (record->used_at || record->expires_at <= now) return invalid_reset_token();
  Result<UserRecord> user = store_.get_user(record->tenant_id, record->user_id);
  if (!user.ok()) {
    return is_not_found(user.error()) ? invalid_reset_token() : std::move(user).error();
  }
  Result<bool> sso = accounts::is_sso_account(store_, *user);
  if (!sso.ok()) return std::move(sso).error();
  if (*sso) return accounts::sso_account();
  Result<std::string> password_hash = hash_password(new_password, options_.password_params);
  if (!password_hash.ok()) return std::move(password_hash).error();

  // Spend the token first: of two racing resets exactly one goes on.
  Result<void> spent = store_.mark_password_reset_token_used(record->tenant_id, hash, now);
  if (!spent.ok()) {
    const bool gone = is_not_found(spent.error()) || spent.error().code() == "reset_token_spent";
    return gone ? invalid_reset_token() : std::move(spent).error();
  }
  // Sessions end before the password changes: a failure part-way leaves the
  // user logged out with the old password, never logged in with a stale one.
  Result<std::int64_t> revoked =
      store_.revoke_user_refresh_tokens(record->tenant_id, record->user_id, now);
  if (!revoked.ok()) return std::move(revoked).error();
  Result<void> updated =
      store_.update_user_password(record->tenant_id, record->user_id, *password_hash);
  if (!updated.ok()) {
    return is_not_found(updated.error()) ? invalid_reset_token() : std::move(updated).error();
  }
  if (!user->verified) {
    SCRIPTMESH_RETURN_IF_ERROR(store_.mark_user_verified(record->tenant_id, record->user_id));
  }
  return ok_result();
}

}  // namespace scriptmesh
