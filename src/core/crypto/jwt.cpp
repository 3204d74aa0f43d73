#include "scriptmesh/jwt.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 6> kRegisteredClaims = {"sub", "iss", "aud",
                                                               "iat", "exp", "nbf"};

bool is_registered(std::string_view key) {
  return std::find(kRegisteredClaims.begin(), kRegisteredClaims.end(), key) !=
         kRegisteredClaims.end();
}

Error invalid(std::string message) {
  return Error::unauthenticated("invalid_token", std::move(message));
}

// The three base64url parts of a compact JWS, and the text the MAC covers.
struct Parts {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;
};

Result<Parts> split(std::string_view token) {
  if (token.size() > kMaxJwtBytes) return invalid("token is too long");
  const std::size_t first = token.find('.');
  const std::size_t second = first == token.npos ? token.npos : token.find('.', first + 1);
  if (second == token.npos || token.find('.', second + 1) != token.npos) {
    return invalid("token does not have three parts");
  }
  // RFC 7515 section 2 forbids padding; refusing it keeps one encoding per token.
  if (token.find('=') != token.npos) return invalid("token is padded");
  return Parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
               token.substr(second + 1), token.substr(0, second)};
}

// Decodes one part and parses it as a JSON object. Boost.JSON keeps the last
// of duplicate members, which RFC 7515 section 4 permits.
Result<json::object> decode_object(std::string_view part, const std::string& what) {
  Result<std::string> bytes = base64url_decode(part);
  if (!bytes) return invalid(what + " is not base64url");
  json::error_code ec;
  json::value value = json::parse(*bytes, ec);
  if (ec) return invalid(what + " is not JSON");
  if (!value.is_object()) return invalid(what + " is not a JSON object");
  return std::move(value.get_object());
}

Result<void> check_header(const json::object& header) {
  const json::value* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
    return invalid("token alg is not HS256");
  }
  // RFC 7515 section 4.1.11: extensions listed in crit must be understood.
  if (header.contains("crit")) return invalid("token header has crit extensions");
  return ok_result();
}

Result<void> check_signature(std::string_view secret, const Parts& parts) {
  Result<std::string> signature = base64url_decode(parts.signature);
  if (!signature) return invalid("token signature is not base64url");
  if (!constant_time_equal(*signature, hmac_sha256(secret, parts.signing_input))) {
    return invalid("token signature does not match");
  }
  return ok_result();
}

// An RFC 7519 NumericDate is any JSON number; fractions round down. A value
// outside int64 is refused rather than cast, which would be undefined.
std::optional<std::int64_t> numeric_date(const json::value& value) {
  if (const std::int64_t* i = value.if_int64()) return *i;
  if (const std::uint64_t* u = value.if_uint64()) {
    if (*u > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return std::int64_t(*u);
  }
  if (const double* d = value.if_double()) {
    if (!std::isfinite(*d) || *d < -9.2e18 || *d > 9.2e18) return std::nullopt;
    return std::int64_t(std::floor(*d));
  }
  return std::nullopt;
}

Result<std::optional<std::int64_t>> date_claim(const json::object& payload, std::string_view key) {
  const json::value* value = payload.if_contains(key);
  if (value == nullptr) return std::optional<std::int64_t>();
  std::optional<std::int64_t> date = numeric_date(*value);
  if (!date) return invalid("token " + std::string(key) + " is not a NumericDate");
  return date;
}

Result<std::optional<std::string>> string_claim(const json::object& payload, std::string_view key) {
  const json::value* value = payload.if_contains(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return invalid("token " + std::string(key) + " is not a string");
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<void> read_dates(const json::object& payload, JwtClaims& claims) {
  Result<std::optional<std::int64_t>> exp = date_claim(payload, "exp");
  SCRIPTMESH_RETURN_IF_ERROR(exp);
  if (!exp->has_value()) return invalid("token has no exp");
  claims.exp = **exp;
  Result<std::optional<std::int64_t>> iat = date_claim(payload, "iat");
  SCRIPTMESH_RETURN_IF_ERROR(iat);
  claims.iat = iat->value_or(0);
  Result<std::optional<std::int64_t>> nbf = date_claim(payload, "nbf");
  SCRIPTMESH_RETURN_IF_ERROR(nbf);
  claims.nbf = *nbf;
  return ok_result();
}

Result<void> read_subject_issuer(const json::object& payload, JwtClaims& claims) {
  Result<std::optional<std::string>> sub = string_claim(payload, "sub");
  SCRIPTMESH_RETURN_IF_ERROR(sub);
  if (!sub->has_value()) return invalid("token has no sub");
  claims.sub = std::move(**sub);
  Result<std::optional<std::string>> iss = string_claim(payload, "iss");
  SCRIPTMESH_RETURN_IF_ERROR(iss);
  claims.iss = iss->value_or("");
  return ok_result();
}

// RFC 7519 section 4.1.3: aud is one string or an array of strings.
Result<std::vector<std::string>> audiences(const json::object& payload) {
  std::vector<std::string> out;
  const json::value* aud = payload.if_contains("aud");
  if (aud == nullptr) return out;
  if (aud->is_string()) {
    out.emplace_back(aud->get_string());
    return out;
  }
  if (!aud->is_array()) return invalid("token aud is not a string or an array");
  for (const json::value& item : aud->get_array()) {
    if (!item.is_string()) return invalid("token aud array holds a non-string");
    out.emplace_back(item.get_string());
  }
  return out;
}

void read_extra(const json::object& payload, JwtClaims& claims) {
  for (const json::key_value_pair& member : payload) {
    if (is_registered(member.key())) continue;
    const json::value& value = member.value();
    std::string key(member.key());
    if (value.is_string()) {
      claims.extra.emplace(std::move(key), std::string(value.get_string()));
    } else if (value.is_int64()) {
      claims.extra.emplace(std::move(key), value.get_int64());
    } else if (value.is_uint64() &&
               value.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
      claims.extra.emplace(std::move(key), std::int64_t(value.get_uint64()));
    }
  }
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

Result<void> check_times(const JwtClaims& claims, WallTime now, std::chrono::seconds leeway) {
  const std::int64_t skew = std::max<std::int64_t>(leeway.count(), 0);
  const std::int64_t now_s = to_unix_seconds(now);
  if (claims.exp <= saturating_add(now_s, -skew)) {
    return Error::unauthenticated("token_expired", "token has expired");
  }
  const std::int64_t latest_start = saturating_add(now_s, skew);
  if ((claims.nbf && *claims.nbf > latest_start) || claims.iat > latest_start) {
    return Error::unauthenticated("token_not_yet_valid", "token is not valid yet");
  }
  return ok_result();
}

Result<void> check_audience(const std::vector<std::string>& auds, const JwtVerifyOptions& options,
                            JwtClaims& claims) {
  if (!options.audience.empty()) {
    if (std::find(auds.begin(), auds.end(), options.audience) == auds.end()) {
      return invalid("token aud does not name this service");
    }
    claims.aud = options.audience;
  } else if (!auds.empty()) {
    claims.aud = auds.front();
  }
  return ok_result();
}

Result<JwtClaims> read_claims(const json::object& payload, WallTime now,
                              const JwtVerifyOptions& options) {
  JwtClaims claims;
  SCRIPTMESH_RETURN_IF_ERROR(read_dates(payload, claims));
  SCRIPTMESH_RETURN_IF_ERROR(read_subject_issuer(payload, claims));
  Result<std::vector<std::string>> auds = audiences(payload);
  SCRIPTMESH_RETURN_IF_ERROR(auds);
  read_extra(payload, claims);
  SCRIPTMESH_RETURN_IF_ERROR(check_times(claims, now, options.leeway));
  if (!options.issuer.empty() && claims.iss != options.issuer) {
    return invalid("token iss is not the expected issuer");
  }
  SCRIPTMESH_RETURN_IF_ERROR(check_audience(*auds, options, claims));
  return claims;
}

Result<JwtClaims> verify_token(std::string_view secret, std::string_view token, WallTime now,
                               const JwtVerifyOptions& options) {
  Result<Parts> parts = split(token);
  SCRIPTMESH_RETURN_IF_ERROR(parts);
  Result<json::object> header = decode_object(parts->header, "token header");
  SCRIPTMESH_RETURN_IF_ERROR(header);
  SCRIPTMESH_RETURN_IF_ERROR(check_header(*header));
  SCRIPTMESH_RETURN_IF_ERROR(check_signature(secret, *parts));
  Result<json::object> payload = decode_object(parts->payload, "token payload");
  SCRIPTMESH_RETURN_IF_ERROR(payload);
  return read_claims(*payload, now, options);
}

}  // namespace

JwtSigner::JwtSigner(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) throw std::invalid_argument("JwtSigner needs a non-empty secret");
}

std::string JwtSigner::sign(const JwtClaims& claims) const {
  static const std::string kHeader =
      base64url_encode(R"({"alg":"HS256","typ":"JWT"})", /*pad=*/false);
  json::object payload;
  payload["sub"] = claims.sub;
  payload["iss"] = claims.iss;
  if (claims.aud) payload["aud"] = *claims.aud;
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  if (claims.nbf) payload["nbf"] = *claims.nbf;
  for (const auto& [key, value] : claims.extra) {
    if (is_registered(key)) continue;
    std::visit([&payload, &key](const auto& v) { payload[key] = v; }, value);
  }
  std::string signing_input = kHeader + '.' + base64url_encode(json::serialize(payload), false);
  std::string signature = base64url_encode(hmac_sha256(secret_, signing_input), false);
  return signing_input + '.' + signature;
}

Result<JwtClaims> JwtSigner::verify(std::string_view token, WallTime now,
                                    const JwtVerifyOptions& options) const {
  // Boost.JSON reports parse errors through error_code, but its containers
  // can still throw (allocation, length limits); no input may escape as one.
  try {
    return verify_token(secret_, token, now, options);
  } catch (const std::exception&) {
    return invalid("token could not be parsed");
  }
}

}  // namespace scriptmesh
