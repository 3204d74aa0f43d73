// ApiKeyService: long-lived credentials for scripts and CI.
//
// A key is "sm_live_" followed by 32 random bytes in URL-safe base64 (43
// characters). It is shown once, at creation; the store keeps only its
// SHA-256 and its first 12 characters (the "prefix", for recognising a key in
// a list). AuthService turns a presented key into a Principal.
//
// Who may do what (every operation also needs the "admin" scope when the
// caller is itself an API key; a user's own session has every scope):
//   create - any role; the key acts for the caller. Its scopes must be
//            allowed for the caller's role (scopes_allowed_for_role in
//            auth.hpp) and, when the caller is an API key, held by that key.
//   list   - admin and owner see every key of the tenant; a member sees
//            only the keys they created.
//   revoke - admin and owner may revoke any key of the tenant; a member only
//            their own (another user's key answers not_found, as in list).
// A key never grants more than its creator's role: AuthService uses the
// creator's current role and drops scopes that role may no longer carry.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Store;

struct ApiKeyCreateRequest {
  std::string name;                    // 1..100 characters, no control characters
  std::vector<std::string> scopes;     // at least one; duplicates are dropped
  std::optional<WallTime> expires_at;  // must be in the future; none = never
};

// A key as listed: everything but the secret.
struct ApiKeyView {
  ApiKeyId id;
  std::string name;
  std::string prefix;  // "sm_live_" + the first 4 characters of the secret part
  std::vector<std::string> scopes;
  UserId user_id;  // who created it
  WallTime created_at;
  std::optional<WallTime> expires_at;
  std::optional<WallTime> last_used_at;  // updated at most once a minute
  std::optional<WallTime> revoked_at;
};

// What create() answers: the view plus the key itself, shown this once.
struct CreatedApiKey {
  ApiKeyView view;
  std::string key;  // "sm_live_..."
};

class ApiKeyService {
 public:
  // Borrows `store` and `clock`, which must outlive the service.
  ApiKeyService(Store& store, Clock& clock);

  // Creates a key for `caller` (see the rules above).
  // Errors: invalid_argument "invalid_name", "invalid_scopes" (empty list),
  //   "invalid_scope" (an unknown scope, named in the message),
  //   "invalid_expires_at" (not in the future); permission_denied
  //   "scope_exceeds_role" (naming the scope), "insufficient_scope".
  [[nodiscard]] Result<CreatedApiKey> create(const Principal& caller,
                                             const ApiKeyCreateRequest& request);

  // Oldest first, revoked and expired keys included.
  // Errors: permission_denied "insufficient_scope".
  [[nodiscard]] Result<std::vector<ApiKeyView>> list(const Principal& caller);

  // Revokes at once: the next request with the key is refused. Revoking a
  // revoked key succeeds and keeps the first revocation time.
  // Errors: not_found "api_key_not_found" (also for another tenant's key or,
  //   for a member, another user's key); permission_denied
  //   "insufficient_scope".
  [[nodiscard]] Result<void> revoke(const Principal& caller, const ApiKeyId& key);

 private:
  Store& store_;
  Clock& clock_;
};

}  // namespace scriptmesh
