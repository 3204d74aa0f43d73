// HS256 JSON Web Tokens (RFC 7519) for user access tokens.
//
// Only HS256 is ever accepted: a token whose header names any other "alg"
// (including "none") is rejected before its signature is looked at. A header
// carrying "crit" is rejected too, since no extension is understood.
//
// Verification errors are unauthenticated Errors with codes:
//   invalid_token  - malformed, too long, wrong alg, bad signature, a claim of
//                    the wrong type, wrong iss/aud
//   token_expired  - exp is past (beyond the allowed skew)
//   token_not_yet_valid - nbf or iat is in the future (beyond the skew)
// verify() never throws on any input.
//
// Thread safety: JwtSigner is immutable after construction; sign() and
// verify() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Longest token verify() looks at, in bytes; longer ones are invalid_token.
inline constexpr std::size_t kMaxJwtBytes = 8 * 1024;

// Claims a ScriptMesh token carries. Registered claims have fields; anything
// else goes in `extra` as strings or integers. Strings must be UTF-8.
struct JwtClaims {
  // Subject; verify() requires it to be present and a string.
  std::string sub;
  // Issuer; sign() always writes it, verify() leaves it empty when absent.
  std::string iss;
  // Audience. A token may carry an array (RFC 7519 4.1.3): verify() then
  // stores the required audience when one was checked, otherwise the first
  // element (or nothing for an empty array).
  std::optional<std::string> aud;
  // Unix seconds. verify() leaves iat 0 when absent and rounds fractional
  // NumericDates down.
  std::int64_t iat = 0;
  std::int64_t exp = 0;  // required by verify()
  std::optional<std::int64_t> nbf;
  // Other claims. sign() skips keys naming a registered claim above (the
  // fields win); verify() keeps only string and integer members, dropping
  // booleans, fractions, null, arrays and objects.
  std::map<std::string, std::variant<std::string, std::int64_t>> extra;
};

struct JwtVerifyOptions {
  // Required "iss"; empty means any issuer (or none) is accepted.
  std::string issuer;
  // Required "aud" (equal to the string, or contained in the array); empty
  // means the audience is not checked.
  std::string audience;
  // Clock skew tolerated for exp, nbf and iat; a negative value counts as 0.
  std::chrono::seconds leeway{30};
};

class JwtSigner {
 public:
  // `secret` is the raw HMAC key; at least 32 bytes is recommended. An empty
  // secret is a configuration bug: throws std::invalid_argument.
  explicit JwtSigner(std::string secret);

  // Compact serialization header.payload.signature, header
  // {"alg":"HS256","typ":"JWT"}, base64url without padding. The payload holds
  // sub, iss, aud (when set), iat, exp, nbf (when set), then `extra`.
  std::string sign(const JwtClaims& claims) const;

  // Checks, in order: size, shape (three base64url parts, no padding), the
  // header (a JSON object with "alg":"HS256"), the signature (constant time),
  // the payload (a JSON object; exp numeric and present, iat/nbf numeric when
  // present, sub a string, iss a string, aud a string or array of strings),
  // times against `now` within the leeway (valid while exp > now - leeway,
  // nbf <= now + leeway, iat <= now + leeway), then iss and aud against
  // `options`. Returns the claims. Duplicate JSON members resolve to the last
  // one, as RFC 7515 section 4 allows.
  [[nodiscard]] Result<JwtClaims> verify(std::string_view token, WallTime now,
                                         const JwtVerifyOptions& options = {}) const;

 private:
  std::string secret_;
};

}  // namespace scriptmesh
