// HS256 JSON Web Tokens (RFC 7519) for user access tokens.
//
// Only HS256 is ever accepted: a token whose header names any other "alg"
// (including "none") is rejected before its signature is looked at.
//
// Verification errors are unauthenticated Errors with codes:
//   invalid_token  - malformed, wrong alg, bad signature, wrong iss/aud
//   token_expired  - exp is past (beyond the allowed skew)
//   token_not_yet_valid - nbf or iat is in the future (beyond the skew)
//
// Thread safety: JwtSigner is immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Claims a ScriptMesh token carries. Registered claims have fields; anything
// else goes in `extra` as strings or integers.
struct JwtClaims {
  std::string sub;
  std::string iss;
  std::optional<std::string> aud;
  std::int64_t iat = 0;  // Unix seconds
  std::int64_t exp = 0;  // Unix seconds
  std::optional<std::int64_t> nbf;
  std::map<std::string, std::variant<std::string, std::int64_t>> extra;
};

struct JwtVerifyOptions {
  // Required "iss"; empty means any.
  std::string issuer;
  // Required "aud"; empty means the token must not be checked for one.
  std::string audience;
  // Clock skew tolerated for exp, nbf and iat.
  std::chrono::seconds leeway{30};
};

class JwtSigner {
 public:
  // `secret` is the raw HMAC key; at least 32 bytes is recommended.
  explicit JwtSigner(std::string secret);

  // Compact serialization header.payload.signature, header {"alg":"HS256","typ":"JWT"}.
  std::string sign(const JwtClaims& claims) const;

  // Verifies signature and times against `now`; returns the claims.
  [[nodiscard]] Result<JwtClaims> verify(std::string_view token, WallTime now,
                                         const JwtVerifyOptions& options = {}) const;

 private:
  std::string secret_;
};

}  // namespace scriptmesh
