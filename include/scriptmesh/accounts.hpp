// AccountService: sign-up, e-mail verification, login, sessions and password
// reset. Knows nothing of HTTP: each method is one route of the "auth" group
// in docs/roles.md and answers a Result with a stable error code.
//
// Flow. register() creates a tenant on the starter plan with the caller as its
// unverified owner and e-mails a 6-digit code. verify() checks the code;
// login() is refused until then. login() answers a TokenPair: a short-lived
// access token (HS256 JWT, see auth.hpp) and an opaque refresh token. Each
// refresh() spends its refresh token and answers a new pair from the same
// "family"; presenting a spent refresh token again is taken as theft and
// revokes the whole family. forgot_password() e-mails a one-hour, single-use
// link; reset_password() sets the new password and ends every session.
//
// Secrets at rest. Passwords: Argon2id. Verification codes: HMAC-SHA256 keyed
// by a key derived from the JWT secret (a bare hash of a 6-digit code would
// fall to brute force). Refresh and reset tokens: SHA-256. None of them is
// ever logged or put into an error message.
//
// E-mail. A failure to send (EmailSender::send) is logged and otherwise
// ignored: the account change stands, and the user can ask again (resend,
// forgot). Answering with an error would also reveal whether an address has an
// account.
//
// Input rules (shared with UserService::invite):
//   e-mail: trimmed, lowercased (ASCII), at most 254 bytes, one '@', a local
//     part of at most 64 characters from the usual unquoted set (letters,
//     digits, !#$%&'*+/=?^_`{|}~.-, no leading, trailing or double dot), a
//     domain of dot-separated labels of letters, digits and '-' with at least
//     one dot. Error: invalid_argument "invalid_email".
//   password: at least 10 characters (Unicode code points) -> else
//     invalid_argument "weak_password"; at most kMaxPasswordBytes (4096)
//     bytes -> else invalid_argument "password_too_long".
//   tenant name: trimmed, 1..100 characters, no control characters. Error:
//     invalid_argument "invalid_tenant_name".
//
// Single sign-on accounts (sso.hpp) have no password: login() answers them
// failed_precondition "sso_account" (sign in with the provider instead),
// forgot_password() sends them nothing, and reset_password() refuses them
// with the same code.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "scriptmesh/auth.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/jwt.hpp"
#include "scriptmesh/password.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Clock;
class EmailSender;
class Logger;
class Store;

struct AccountOptions {
  // Signing key, issuer and lifetimes of access and refresh tokens.
  TokenConfig tokens;
  // Base URL of the web UI/API as users reach it; reset links are
  // "<public_base_url>/reset-password?token=<token>". A trailing '/' is dropped.
  std::string public_base_url = "http://127.0.0.1:8080";
  // Argon2id cost for new password hashes; tests pass cheap parameters.
  PasswordHashParams password_params;
  // How long an e-mailed verification code is valid.
  std::chrono::seconds verification_code_ttl{600};
  // Guesses allowed against one code; then a new code must be requested.
  int max_verification_attempts = 5;
  // How long a password reset link is valid.
  std::chrono::seconds reset_token_ttl{3600};
  // Where e-mail failures are reported; nullptr means null_logger().
  Logger* logger = nullptr;
};

struct RegisterResult {
  UserId user_id;
  TenantId tenant_id;
};

struct TokenPair {
  std::string access_token;   // HS256 JWT
  std::string refresh_token;  // opaque, single use
  std::string token_type = "Bearer";
  std::int64_t expires_in = 900;  // seconds the access token is valid
};

// Normalises and checks an e-mail address as described above; returns it
// trimmed and lowercased. Error: invalid_argument "invalid_email".
[[nodiscard]] Result<std::string> normalize_email(std::string_view email);
// Checks a new password. Errors: invalid_argument "weak_password",
// "password_too_long".
[[nodiscard]] Result<void> validate_new_password(std::string_view password);

class AccountService {
 public:
  // Borrows `store`, `clock` and `email`, which must outlive the service.
  // Throws std::invalid_argument when options.tokens.jwt_secret is empty or
  // options.password_params are unusable.
  AccountService(Store& store, Clock& clock, EmailSender& email, AccountOptions options);

  // Creates a tenant (starter plan) and its owner (unverified), then e-mails
  // a verification code.
  // Errors: invalid_argument "invalid_email", "weak_password",
  //   "password_too_long", "invalid_tenant_name"; conflict "email_taken".
  [[nodiscard]] Result<RegisterResult> register_account(std::string_view email,
                                                        std::string_view password,
                                                        std::string_view tenant_name);

  // Marks the account verified when `code` is the outstanding code. Every
  // try counts against the code (max_verification_attempts); the try that
  // uses up the last attempt with a wrong code answers "code_exhausted".
  // Verifying an already verified account succeeds.
  // Errors: invalid_argument "invalid_code" (wrong code, malformed code, an
  //   unknown address or no code outstanding - the same answer, so addresses
  //   cannot be probed); failed_precondition "code_expired",
  //   "code_exhausted" (request a new code with resend_verification).
  [[nodiscard]] Result<void> verify(std::string_view email, std::string_view code);

  // E-mails a new code (the previous one stops working). Succeeds without
  // sending anything for an unknown or already verified address, so callers
  // cannot tell them apart. Errors: invalid_argument "invalid_email".
  [[nodiscard]] Result<void> resend_verification(std::string_view email);

  // Checks the password and starts a session. An unknown address and a wrong
  // password take the same time and answer the same error. A hash made with
  // weaker parameters than password_params is upgraded on success.
  // Errors: unauthenticated "invalid_credentials"; failed_precondition
  //   "email_not_verified" (only after the password matched), "sso_account"
  //   (the account signs in through single sign-on and has no password).
  [[nodiscard]] Result<TokenPair> login(std::string_view email, std::string_view password);

  // Spends `refresh_token` and answers a new pair of the same family; the new
  // refresh token is valid for tokens.refresh_ttl from now.
  // Errors (unauthenticated): "invalid_refresh_token" (unknown, expired,
  //   revoked, or its user is gone); "refresh_token_reused" (it was already
  //   spent: the whole family, including the newest token, is revoked).
  [[nodiscard]] Result<TokenPair> refresh(std::string_view refresh_token);

  // Ends the session: revokes the token's whole family. Idempotent: an
  // unknown, expired or already revoked token succeeds too.
  [[nodiscard]] Result<void> logout(std::string_view refresh_token);

  // E-mails a reset link when `email` has an account; succeeds either way.
  // Errors: invalid_argument "invalid_email" (syntax only).
  [[nodiscard]] Result<void> forgot_password(std::string_view email);

  // Sets a new password with the token of a reset (or invitation) link. The
  // token is spent, the account counts as verified (the link proved the
  // mailbox), and every refresh token of the user is revoked. Access tokens
  // already issued live out their (short) lifetime.
  // Errors: invalid_argument "weak_password", "password_too_long",
  //   "invalid_reset_token" (unknown, used or expired); failed_precondition
  //   "sso_account" (the user signs in through single sign-on).
  [[nodiscard]] Result<void> reset_password(std::string_view token, std::string_view new_password);

  // Starts a session for a user whose identity another service proved (a
  // single sign-on, sso.hpp): the same TokenPair as login(), in a new family.
  // Errors: not_found "user_not_found".
  [[nodiscard]] Result<TokenPair> start_verified_session(const TenantId& tenant,
                                                         const UserId& user);

 private:
  [[nodiscard]] Result<void> send_verification_code(const TenantId& tenant, const UserId& user,
                                                    const std::string& email);
  [[nodiscard]] Result<TokenPair> start_session(const TenantId& tenant, const UserId& user,
                                                UserRole role, const std::string& family_id);
  [[nodiscard]] Result<void> check_code(const UserRecord& user, std::string_view code);
  std::string code_hash(const UserId& user, std::string_view code) const;

  Store& store_;
  Clock& clock_;
  EmailSender& email_;
  AccountOptions options_;
  Logger& logger_;
  JwtSigner signer_;
  std::string code_key_;    // HMAC key for verification codes, derived from the JWT secret
  std::string dummy_hash_;  // verified against for unknown addresses, to equalise timing
};

}  // namespace scriptmesh
