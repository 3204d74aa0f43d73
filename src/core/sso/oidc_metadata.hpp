// The authority's published metadata: its OpenID Connect discovery document
// and its signing keys, fetched over HttpClient and cached. Private to
// src/core/sso.
//
// Discovery is read from <authority>/v2.0/.well-known/openid-configuration
// and kept for `ttl`; so is the key set from its jwks_uri. A token whose kid
// is not in the cached set makes key() fetch the set again, at most once per
// `refetch_interval` (monotonic time): keys roll over without a restart, and
// a flood of made-up kids costs the authority at most one request a minute.
//
// Errors: unavailable "sso_unavailable" when the authority cannot be reached,
// answers other than 200, or sends a document that is not usable (an
// endpoint that is not https, or not loopback when the authority is).
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/sso/id_token.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {
class HttpClient;
}

namespace scriptmesh::sso {

struct Discovery {
  std::string issuer;  // may hold "{tenantid}" (multi-tenant authorities)
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

struct OidcMetadataOptions {
  std::string authority;  // normalized (normalize_sso_authority)
  std::chrono::seconds ttl{86400};
  std::chrono::seconds refetch_interval{60};
  std::chrono::milliseconds timeout{10'000};
};

class OidcMetadata {
 public:
  // Borrows `http` and `clock`.
  OidcMetadata(HttpClient& http, Clock& clock, OidcMetadataOptions options);

  [[nodiscard]] Result<Discovery> discovery();
  // The key named `kid`. Errors: unauthenticated "invalid_id_token" when no
  // key of the set has that kid (after the refetch, or when none is allowed).
  [[nodiscard]] Result<RsaPublicKey> key(std::string_view kid);

 private:
  [[nodiscard]] Result<std::string> fetch(const std::string& url);
  [[nodiscard]] Result<KeySet> fetch_keys();

  HttpClient& http_;
  Clock& clock_;
  const OidcMetadataOptions options_;

  std::mutex mu_;
  std::optional<Discovery> discovery_;        // guarded by mu_
  MonoTime discovery_until_{};                // guarded by mu_
  std::optional<KeySet> keys_;                // guarded by mu_
  MonoTime keys_until_{};                     // guarded by mu_
  std::optional<MonoTime> last_unknown_kid_;  // guarded by mu_: last refetch for an unknown kid
};

}  // namespace scriptmesh::sso
