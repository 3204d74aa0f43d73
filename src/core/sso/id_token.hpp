// OpenID Connect ID tokens signed with RS256: RSA public keys from a JSON
// Web Key Set, the token's parts, its signature and its claims. Private to
// src/core/sso (SsoService is the public face, scriptmesh/sso.hpp).
//
// Token checks answer unauthenticated "invalid_id_token" with a message
// naming the failed check for the log, never the token itself; key parsing
// answers the errors its function names.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::sso {

// Smallest RSA modulus accepted, in bits.
inline constexpr int kMinRsaBits = 2048;

// An RSA public key (an OpenSSL EVP_PKEY underneath). Copies share the key.
class RsaPublicKey {
 public:
  // From a JWK's base64url "n" (modulus) and "e" (exponent). Errors:
  // invalid_argument "invalid_jwk" (bad encoding, modulus under kMinRsaBits,
  // an even or tiny exponent).
  [[nodiscard]] static Result<RsaPublicKey> from_jwk(std::string_view n, std::string_view e);

  // RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
  bool verify_rs256(std::string_view message, std::string_view signature) const;

 private:
  std::shared_ptr<void> key_;
};

// The key set's usable keys by kid: RSA keys with "use" absent or "sig",
// a "kid", and an "alg" absent or "RS256"; other keys are skipped.
using KeySet = std::map<std::string, RsaPublicKey, std::less<>>;
// Errors: unavailable "sso_unavailable" (not a JSON object with "keys").
[[nodiscard]] Result<KeySet> parse_jwks(std::string_view json);

// The claims SsoService reads. Strings are empty when absent.
struct IdTokenClaims {
  std::string iss;
  std::string aud;  // the one audience (a one-element array is accepted)
  std::string tid;  // directory (tenant) id
  std::string oid;  // the user's object id in that directory
  std::string nonce;
  std::string email;
  std::string preferred_username;
  std::string name;
  std::int64_t exp = 0;
  std::int64_t iat = 0;
  std::optional<std::int64_t> nbf;
};

// A compact JWS split into what verification needs.
struct ParsedIdToken {
  std::string kid;
  std::string signing_input;  // "<header>.<payload>", as received
  std::string signature;      // raw bytes
  IdTokenClaims claims;
};

// Longest ID token looked at, in bytes.
inline constexpr std::size_t kMaxIdTokenBytes = 16 * 1024;

// Splits and decodes a token without trusting it. The header must be a JSON
// object with "alg":"RS256" (anything else, "none" and HS256 included, is
// refused here, before any key is chosen), a string "kid" and no "crit".
// exp and iat are required numbers; tid, oid, iss, aud and nonce required
// strings.
[[nodiscard]] Result<ParsedIdToken> parse_id_token(std::string_view token);

// What the claims must say.
struct IdTokenExpectations {
  std::string issuer_template;  // the discovery issuer, maybe with "{tenantid}"
  std::string client_id;
  std::string nonce;
  WallTime now;
  std::chrono::seconds skew{300};
};

// Checks iss (the template with {tenantid} replaced by tid), aud, nonce,
// and exp/nbf/iat against now within the skew.
[[nodiscard]] Result<void> check_id_token_claims(const IdTokenClaims& claims,
                                                 const IdTokenExpectations& expected);

}  // namespace scriptmesh::sso
