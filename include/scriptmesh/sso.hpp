// SsoService: "Sign in with Microsoft", the OpenID Connect authorization-code
// flow with PKCE against the Microsoft identity platform's v2.0 endpoints.
// Knows nothing of HTTP routes: the REST layer turns its answers into
// redirects, cookies and JSON. docs/sso.md has the administrator's view.
//
// Flow.
//   start() reads the authority's discovery document
//     (<authority>/v2.0/.well-known/openid-configuration, cached) and answers
//     the authorization_endpoint URL to send the browser to, with a fresh
//     random state, nonce and PKCE verifier (S256 challenge). The three are
//     bound to the browser by an opaque cookie value (state_cookie): a Fernet
//     token (encrypted and authenticated with the orchestrator's keyring)
//     valid for state_ttl. Nothing is kept server-side per start.
//   callback() checks the authority's answer against that cookie, spends the
//     state (a state is accepted once), exchanges the code at the
//     token_endpoint (client secret + PKCE verifier), verifies the ID token
//     (below), finds or creates the user, and answers a redirect to
//     <public_base_url>/sso/complete?code=<one-time code>. Any failure
//     answers a redirect to <public_base_url>/login?error=<code> instead,
//     logs why, and changes nothing.
//   exchange() spends the one-time code (random, code_ttl, single use,
//     stored as a SHA-256 hash) for the same TokenPair as a password login.
//
// ID token checks. Signature RS256 only, with the RSA key (2048 bits or more)
// of the token's `kid` from the discovery document's jwks_uri (cached; an
// unknown kid refetches the key set at most once per jwks_refetch_interval).
// The header's `alg` selects nothing: anything but "RS256" is refused, so
// "none" and HMAC tokens fail before any key is used. `iss` must equal the
// discovery issuer with "{tenantid}" replaced by the token's `tid` (for a
// multi-tenant authority such as "organizations"); `tid` must be in
// allowed_tenants when that is set; `aud` must be the client id; `exp`, `nbf`
// and `iat` must hold within clock_skew; `nonce` must be the cookie's.
//
// Accounts. A user is identified by tid + oid, never by e-mail. The first
// sign-in from a directory creates a tenant (starter plan, named after the
// e-mail's domain) with that user as owner, and maps the directory to it;
// later users of the directory join it as members (join kMembers), or only
// when an owner invited their address (kInviteOnly). An address that already
// has a password account is never merged silently: the sign-in fails with
// "account_exists_use_password" unless that user linked Microsoft while
// signed in (start() with `link_to`), which binds the identity to them.
// SSO users have no password and are verified (the provider vouched).
//
// Error codes of the login redirect (stable): sso_access_denied (the user
// or the directory declined), sso_provider_error (any other error the
// authority sent), invalid_sso_state (no, a forged, an expired or a spent
// state), sso_token_exchange_failed (the token endpoint refused the code),
// sso_unavailable (the authority could not be reached or answered nonsense),
// invalid_id_token (a check above failed), sso_tenant_not_allowed,
// sso_email_missing (the token names no usable e-mail address),
// account_exists_use_password, sso_email_taken (the address belongs to
// another single sign-on user), sso_invitation_required,
// sso_identity_taken (linking an identity bound to another user),
// sso_failed (the store failed; retry).
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/accounts.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Clock;
class FernetKeyring;
class HttpClient;
class Logger;
class Store;

// Who may join a directory's tenant after its first user.
enum class SsoJoinPolicy { kMembers, kInviteOnly };

// "members" | "invite-only"; parse: invalid_argument "invalid_sso_join".
std::string_view to_string(SsoJoinPolicy policy) noexcept;
[[nodiscard]] Result<SsoJoinPolicy> parse_sso_join_policy(std::string_view text);

// Checks an authority URL: https://host/path, or http:// with a loopback IP
// address (127.0.0.0/8 or [::1]) as host; a path is required, and user info,
// query and fragment are refused. Answers it without a trailing '/'.
// Error: invalid_argument "invalid_sso_authority".
[[nodiscard]] Result<std::string> normalize_sso_authority(std::string_view url);

struct MicrosoftSsoOptions {
  // Application (client) id of the registered app; empty = SSO is off.
  std::string client_id;
  // The app's client secret; required when client_id is set.
  std::string client_secret;
  // See normalize_sso_authority; discovery is read from
  // <authority>/v2.0/.well-known/openid-configuration.
  std::string authority = "https://login.microsoftonline.com/organizations";
  // Directory (tenant) ids allowed to sign in, any case; empty = any.
  std::vector<std::string> allowed_tenants;
  SsoJoinPolicy join = SsoJoinPolicy::kMembers;
  // Base URL of the dashboard/API as browsers reach it; the redirect URI is
  // <public_base_url>/v1/auth/sso/microsoft/callback. A trailing '/' is dropped.
  std::string public_base_url = "http://127.0.0.1:8080";
  // How long a started sign-in may take (the state cookie's lifetime).
  std::chrono::seconds state_ttl{600};
  // How long the one-time login code is valid.
  std::chrono::seconds code_ttl{60};
  // Clock skew tolerated for exp, nbf and iat.
  std::chrono::seconds clock_skew{300};
  // An unknown kid refetches the key set at most this often.
  std::chrono::seconds jwks_refetch_interval{60};
  // How long the discovery document and the key set are kept.
  std::chrono::seconds metadata_ttl{86400};
  // Deadline of each request to the authority.
  std::chrono::milliseconds http_timeout{10'000};
  // Where refusals are reported (why, never a token or secret); nullptr
  // means null_logger().
  Logger* logger = nullptr;
};

// A sign-in to begin: send the browser to `location` with `state_cookie` set.
struct SsoStart {
  std::string location;
  std::string state_cookie;  // opaque; an HttpOnly, SameSite=Lax cookie value
};

// What the authority sent back to the callback, and the browser's cookie.
struct SsoCallbackInput {
  std::string code;
  std::string state;
  std::string error;         // the authority's `error`, empty when none
  std::string state_cookie;  // empty when the browser sent none
};

// Where the callback sends the browser. `location` is always set; `error`
// is the stable error code when the sign-in failed, empty on success.
struct SsoCallbackResult {
  std::string location;
  std::string error;
};

// The name of the cookie that carries the state, and the path it is sent to.
inline constexpr std::string_view kSsoStateCookie = "scriptmesh_sso";
inline constexpr std::string_view kSsoCallbackPath = "/v1/auth/sso/microsoft/callback";

class SsoService {
 public:
  // Borrows everything but `options`; all must outlive the service. Throws
  // std::invalid_argument when client_id is set and client_secret is empty,
  // the authority is invalid, or an allowed tenant is empty.
  SsoService(Store& store, Clock& clock, HttpClient& http, AccountService& accounts,
             const FernetKeyring& keyring, MicrosoftSsoOptions options);
  ~SsoService();
  SsoService(const SsoService&) = delete;
  SsoService& operator=(const SsoService&) = delete;

  // True when a client id is configured.
  bool enabled() const noexcept;
  // True when cookies should carry Secure (the public URL is https).
  bool secure_cookies() const noexcept;
  // The state cookie's lifetime.
  std::chrono::seconds state_ttl() const noexcept;
  // Where a failed sign-in sends the browser:
  // <public_base_url>/login?error=<error>.
  std::string login_error_location(std::string_view error) const;

  // Begins a sign-in; with `link_to` (a signed-in user, signed in with an
  // access token) the callback binds the Microsoft identity to that user.
  // Errors: not_found "sso_not_configured"; unavailable "sso_unavailable"
  // (discovery failed); permission_denied "sso_link_needs_session" (link_to
  // is an API key or agent).
  [[nodiscard]] Result<SsoStart> start(const std::optional<Principal>& link_to = std::nullopt);

  // Finishes a sign-in; see above. Never fails: failures are redirects.
  // Precondition: enabled().
  SsoCallbackResult callback(const SsoCallbackInput& input);

  // Spends a one-time code. Errors: not_found "sso_not_configured";
  // unauthenticated "invalid_sso_code" (unknown, used or expired).
  [[nodiscard]] Result<TokenPair> exchange(std::string_view code);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh
