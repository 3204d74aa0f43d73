#include <algorithm>
#include <stdexcept>

#include "scriptmesh/auth.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh {
namespace {

Error invalid_api_key() {
  return Error::unauthenticated("invalid_api_key", "the API key is unknown, revoked or expired");
}

bool is_not_found(const Error& e) {
  return e.category() == ErrorCategory::kNotFound;
}

}  // namespace

AuthService::AuthService(Store& store, Clock& clock, const TokenConfig& tokens,
                         AuthServiceOptions options)
    : store_(store),
      clock_(clock),
      tokens_(tokens),
      options_(options),
      signer_(tokens.jwt_secret) {}

Result<Principal> AuthService::authenticate(std::string_view bearer_token) {
  if (bearer_token.starts_with(kApiKeyPrefix)) return authenticate_api_key(bearer_token);
  if (bearer_token.empty()) {
    return Error::unauthenticated("invalid_token", "no credentials were given");
  }
  return authenticate_jwt(bearer_token);
}

Result<Principal> AuthService::authenticate_jwt(std::string_view token) {
  JwtVerifyOptions verify;
  verify.issuer = tokens_.issuer;
  verify.leeway = tokens_.leeway;
  Result<JwtClaims> claims = signer_.verify(token, clock_.now(), verify);
  if (!claims.ok()) return std::move(claims).error();
  auto tid = claims->extra.find("tid");
  if (tid == claims->extra.end() || !std::holds_alternative<std::string>(tid->second)) {
    return Error::unauthenticated("invalid_token", "the access token names no tenant");
  }
  const TenantId tenant(std::get<std::string>(tid->second));
  // The role is read from the store, not the token: a demotion or deletion
  // must not wait for the token to expire.
  Result<UserRecord> user = store_.get_user(tenant, UserId(claims->sub));
  if (!user.ok()) {
    if (is_not_found(user.error())) {
      return Error::unauthenticated("invalid_token", "the token's user no longer exists");
    }
    return std::move(user).error();
  }
  Principal p;
  p.tenant_id = tenant;
  p.user_id = user->id;
  p.role = std::string(to_string(user->role));
  p.credential_kind = "access_token";
  return p;
}

Result<Principal> AuthService::authenticate_api_key(std::string_view key) {
  Result<ApiKeyRecord> record = store_.find_api_key_by_hash(sha256_hex(key));
  if (!record.ok()) {
    if (is_not_found(record.error())) return invalid_api_key();
    return std::move(record).error();
  }
  const WallTime now = clock_.now();
  if (record->revoked_at || (record->expires_at && *record->expires_at <= now)) {
    return invalid_api_key();
  }
  Result<UserRecord> user = store_.get_user(record->tenant_id, record->user_id);
  if (!user.ok()) {
    if (is_not_found(user.error())) return invalid_api_key();
    return std::move(user).error();
  }
  if (!record->last_used_at || now - *record->last_used_at >= options_.api_key_touch_interval) {
    // Best effort: a failed touch must not refuse a valid key.
    (void)store_.touch_api_key(record->tenant_id, record->id, now);
  }
  Principal p;
  p.tenant_id = record->tenant_id;
  p.user_id = user->id;
  p.role = std::string(to_string(user->role));
  // A key never grants more than its creator's current role allows.
  const std::vector<std::string_view> allowed = scopes_allowed_for_role(user->role);
  for (const std::string& scope : record->scopes) {
    if (std::find(allowed.begin(), allowed.end(), scope) != allowed.end()) {
      p.scopes.push_back(scope);
    }
  }
  p.credential_kind = "api_key";
  p.credential_id = record->id.str();
  return p;
}

}  // namespace scriptmesh
