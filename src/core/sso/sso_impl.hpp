// SsoService's insides, shared by the files of src/core/sso: the state a
// browser carries between start and callback, the memory of spent states,
// and the service's collaborators.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <variant>

#include "core/sso/id_token.hpp"
#include "core/sso/oidc_metadata.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/sso.hpp"

namespace scriptmesh {
class FernetKeyring;
class HttpClient;
class Store;
}  // namespace scriptmesh

namespace scriptmesh::sso {

inline constexpr std::string_view kMicrosoft = "microsoft";

// What the state cookie carries (sealed with Fernet).
struct SignInState {
  std::string state;
  std::string nonce;
  std::string verifier;  // PKCE code_verifier
  // Set when a signed-in user links Microsoft to their account.
  std::optional<TenantId> link_tenant;
  std::optional<UserId> link_user;
};

// Fernet token of the state as JSON, stamped `now`.
std::string seal_state(const FernetKeyring& keyring, const SignInState& state, WallTime now);
// Errors: invalid_argument "invalid_sso_state" (not ours, tampered, older
// than `ttl`, or malformed).
[[nodiscard]] Result<SignInState> open_state(const FernetKeyring& keyring, std::string_view cookie,
                                             WallTime now, std::chrono::seconds ttl);

// The states already used, each remembered until no cookie carrying it can
// still be valid. Entries come only from callbacks that presented a cookie
// this service sealed (a start, which the login rate limit bounds), and the
// set has a cap on top: when full, spend() refuses.
class SpentStates {
 public:
  static constexpr std::size_t kCap = 100'000;

  // True when `state` was not spent before; it is spent now, until `until`.
  bool spend(const std::string& state, MonoTime now, MonoTime until);

 private:
  std::mutex mu_;
  std::unordered_set<std::string> spent_;               // guarded by mu_
  std::deque<std::pair<MonoTime, std::string>> order_;  // guarded by mu_: oldest first
};

// application/x-www-form-urlencoded (and query) encoding of one value.
std::string form_encode(std::string_view text);

// A failure of the callback: a stable code for the login redirect and, for
// the log only, why.
struct Refusal {
  std::string code;
  std::string reason;
};

// Who a sign-in signs in.
struct SignedInUser {
  TenantId tenant;
  UserId user;
  bool created = false;  // the sign-in created the user
};

struct ServiceParts {
  Store& store;
  Clock& clock;
  HttpClient& http;
  AccountService& accounts;
  const FernetKeyring& keyring;
  MicrosoftSsoOptions options;
  Logger& logger;
  std::string redirect_uri;
  OidcMetadata metadata;
  SpentStates spent;
};

// Finds or creates the user the verified claims name (sso_accounts.cpp).
[[nodiscard]] std::variant<SignedInUser, Refusal> resolve_user(ServiceParts& parts,
                                                               const IdTokenClaims& claims,
                                                               const SignInState& state);

}  // namespace scriptmesh::sso
