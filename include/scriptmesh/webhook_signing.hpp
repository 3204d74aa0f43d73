// Webhook signatures: how a receiver knows a POST really came from ScriptMesh.
//
// Every outbound webhook carries one header (the scheme Stripe made familiar):
//
//   X-ScriptMesh-Signature:
//   t=1795687200,v1=1aaebc378a53d25be0f0e6e2b74ded99ffc0fdf0f627ab50f25ac9b5186dad4f (the worked
//   example of docs/webhooks.md)
//
//   t  - when the request was signed, in Unix seconds;
//   v1 - lowercase hex HMAC-SHA256, keyed with the tenant's signing secret
//        (the whole "whsec_..." text as ASCII bytes), over the bytes
//        "<t>.<raw request body>".
//
// The timestamp lives inside the signed header, so no second header is
// needed: a replayed request cannot be given a fresh time without breaking
// the MAC, and a receiver refuses signatures older than a tolerance (5
// minutes by default). A header may carry several v1 entries (a future
// secret rollover may sign with two secrets); one match is enough. Entries
// of other schemes ("v0=...") are ignored, so new schemes can be added
// without breaking old receivers. docs/webhooks.md has the receiver recipe.
//
// Each tenant has one signing secret, "whsec_" + 32 random bytes in URL-safe
// base64, created on first use and kept in the tenant row as a Fernet token
// (TenantWebhookSecrets below).
//
// Thread safety: the free functions are pure; TenantWebhookSecrets may be
// used from any thread concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class FernetKeyring;
class Store;

// The header that carries the signature.
inline constexpr std::string_view kWebhookSignatureHeader = "X-ScriptMesh-Signature";
// What every signing secret starts with.
inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
// How far a signature's timestamp may be from the receiver's clock.
inline constexpr std::chrono::seconds kDefaultSignatureTolerance{300};

// A fresh random signing secret: "whsec_" + 43 URL-safe base64 characters.
std::string new_webhook_secret();

// The v1 signature: lowercase hex HMAC-SHA256(secret, "<timestamp>.<body>").
std::string webhook_signature_v1(std::string_view secret, std::int64_t timestamp,
                                 std::string_view body);

// The full header value "t=<unix seconds of signed_at>,v1=<signature>".
std::string webhook_signature_header(std::string_view secret, WallTime signed_at,
                                     std::string_view body);

// What a receiver does: checks that `header` (the value of
// X-ScriptMesh-Signature) signs `body` with `secret`, and that its timestamp
// is within `tolerance` of `now` in either direction.
// Errors, all unauthenticated:
//   "invalid_signature_header"   - no t, a t that is not a decimal number, no
//                                  v1 entry, or an entry without '=';
//   "signature_mismatch"         - no v1 entry matches (wrong secret, or the
//                                  body or timestamp was altered);
//   "timestamp_out_of_tolerance" - the signature matches but is too old or
//                                  too far in the future (a replay).
[[nodiscard]] Result<void> verify_webhook_signature(
    std::string_view secret, std::string_view header, std::string_view body, WallTime now,
    std::chrono::seconds tolerance = kDefaultSignatureTolerance);

// TenantWebhookSecrets: each tenant's signing secret, get-or-create and rotate.
//
// The secret is stored only as a Fernet token (encrypted with the keyring's
// first key) in TenantRecord::webhook_secret_ciphertext. Reading it decrypts
// with any key of the keyring, so Fernet key rotation keeps secrets readable.
//
// Creation and rotation are serialised inside one instance (a mutex around
// the read-then-write), so two first uses racing cannot give two different
// secrets. One orchestrator process owns the database; share one instance
// between the HTTP routes and the delivery worker.
//
// Rotation takes effect at once: every delivery sent afterwards, retries of
// older ones included, is signed with the new secret only.
class TenantWebhookSecrets {
 public:
  // Borrows all three; they must outlive this object.
  TenantWebhookSecrets(Store& store, const FernetKeyring& keyring, Clock& clock);

  // System-wide (the delivery worker signs for every tenant): the tenant's
  // secret, created and stored first if it has none.
  // Errors: not_found "tenant_not_found"; internal "webhook_secret_unreadable"
  // when the stored token decrypts with no key of the keyring, or does not
  // hold a secret; the store's errors.
  [[nodiscard]] Result<std::string> secret_for(const TenantId& tenant);

  // System-wide: replaces the tenant's secret with a fresh one and returns it.
  // Errors: not_found "tenant_not_found"; the store's errors.
  [[nodiscard]] Result<std::string> rotate(const TenantId& tenant);

  // For GET /v1/tenant/webhook-secret: the caller's tenant's secret, as
  // secret_for(). Admin or owner, scope "admin".
  // Errors: permission_denied "insufficient_role", "insufficient_scope";
  // otherwise as secret_for().
  [[nodiscard]] Result<std::string> get(const Principal& caller);

  // For POST /v1/tenant/webhook-secret/rotate; rights and errors as get().
  [[nodiscard]] Result<std::string> rotate(const Principal& caller);

 private:
  [[nodiscard]] Result<std::string> store_new_secret(const TenantId& tenant);

  Store& store_;
  const FernetKeyring& keyring_;
  Clock& clock_;
  std::mutex mu_;  // serialises get-or-create and rotate (read, then write)
};

}  // namespace scriptmesh
