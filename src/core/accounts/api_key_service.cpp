#include <algorithm>

#include "core/accounts/account_input.hpp"
#include "scriptmesh/api_keys.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/random.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace {

// "sm_live_" and the first 4 characters of the secret: enough to tell keys
// apart in a list, far too little to guess the rest.
constexpr std::size_t kPrefixChars = kApiKeyPrefix.size() + 4;

ApiKeyView to_view(const ApiKeyRecord& r) {
  ApiKeyView v;
  v.id = r.id;
  v.name = r.name;
  v.prefix = r.prefix;
  v.scopes = r.scopes;
  v.user_id = r.user_id;
  v.created_at = r.created_at;
  v.expires_at = r.expires_at;
  v.last_used_at = r.last_used_at;
  v.revoked_at = r.revoked_at;
  return v;
}

// Validates `requested` and returns it without duplicates, in the given order.
Result<std::vector<std::string>> check_scopes(const Principal& caller, UserRole role,
                                              const std::vector<std::string>& requested) {
  if (requested.empty()) {
    return Error::invalid_argument("invalid_scopes", "scopes must name at least one scope");
  }
  const std::vector<std::string_view> allowed = scopes_allowed_for_role(role);
  std::vector<std::string> out;
  for (const std::string& scope : requested) {
    if (!is_known_scope(scope)) {
      return Error::invalid_argument("invalid_scope", "unknown scope \"" + scope + "\"");
    }
    // A key may not exceed its creator's role, nor (when a key creates a key)
    // the creating key's own scopes.
    if (std::find(allowed.begin(), allowed.end(), scope) == allowed.end() ||
        !has_scope(caller, scope)) {
      return Error::permission_denied("scope_exceeds_role", "the " + std::string(to_string(role)) +
                                                                " role may not grant the scope \"" +
                                                                scope + "\"");
    }
    if (std::find(out.begin(), out.end(), scope) == out.end()) out.push_back(scope);
  }
  return out;
}

// The caller's role, already checked to be a known one by authorize().
UserRole role_of(const Principal& caller) {
  Result<UserRole> role = parse_user_role(caller.role);
  return role.ok() ? *role : UserRole::kMember;
}

}  // namespace

ApiKeyService::ApiKeyService(Store& store, Clock& clock) : store_(store), clock_(clock) {}

Result<CreatedApiKey> ApiKeyService::create(const Principal& caller,
                                            const ApiKeyCreateRequest& request) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeAdmin));
  Result<std::string> name = accounts::validate_name(request.name, 100, "invalid_name", "name");
  if (!name.ok()) return std::move(name).error();
  Result<std::vector<std::string>> scopes = check_scopes(caller, role_of(caller), request.scopes);
  if (!scopes.ok()) return std::move(scopes).error();
  const WallTime now = clock_.now();
  if (request.expires_at && *request.expires_at <= now) {
    return Error::invalid_argument("invalid_expires_at", "expires_at must be in the future");
  }

  CreatedApiKey created;
  created.key = std::string(kApiKeyPrefix) + random_token(32);
  ApiKeyRecord record;
  record.id = ApiKeyId(new_id("key"));
  record.tenant_id = caller.tenant_id;
  record.user_id = caller.user_id;
  record.name = std::move(name).value();
  record.prefix = created.key.substr(0, kPrefixChars);
  record.key_hash = sha256_hex(created.key);
  record.scopes = std::move(scopes).value();
  record.expires_at = request.expires_at;
  record.created_at = now;
  SCRIPTMESH_RETURN_IF_ERROR(store_.insert_api_key(caller.tenant_id, record));
  created.view = to_view(record);
  return created;
}

Result<std::vector<ApiKeyView>> ApiKeyService::list(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeAdmin));
  Result<std::vector<ApiKeyRecord>> records = store_.list_api_keys(caller.tenant_id);
  if (!records.ok()) return std::move(records).error();
  const bool sees_all = role_at_least(caller.role, UserRole::kAdmin);
  std::vector<ApiKeyView> out;
  for (const ApiKeyRecord& r : *records) {
    if (sees_all || r.user_id == caller.user_id) out.push_back(to_view(r));
  }
  return out;
}

Result<void> ApiKeyService::revoke(const Principal& caller, const ApiKeyId& key) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeAdmin));
  if (!role_at_least(caller.role, UserRole::kAdmin)) {
    Result<ApiKeyRecord> record = store_.get_api_key(caller.tenant_id, key);
    if (!record.ok()) return std::move(record).error();
    if (record->user_id != caller.user_id) {
      return Error::not_found("api_key_not_found", "no such API key");
    }
  }
  return store_.revoke_api_key(caller.tenant_id, key, clock_.now());
}

}  // namespace scriptmesh
