#include "core/sso/id_token.hpp"

#include <cmath>
#include <limits>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"

namespace scriptmesh::sso {
namespace {

namespace json = boost::json;

Error invalid(std::string message) {
  return Error::unauthenticated("invalid_id_token", std::move(message));
}
Error invalid_jwk(std::string message) {
  return Error::invalid_argument("invalid_jwk", std::move(message));
}

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using Bignum = std::unique_ptr<BIGNUM, BnFree>;

Result<Bignum> decode_bignum(std::string_view b64, const char* what) {
  Result<std::string> bytes = base64url_decode(b64);
  if (!bytes.ok() || bytes->empty()) return invalid_jwk(std::string(what) + " is not base64url");
  Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                      static_cast<int>(bytes->size()), nullptr));
  if (!bn) return invalid_jwk(std::string("cannot read ") + what);
  return bn;
}

// Builds an EVP_PKEY from the modulus and exponent (OpenSSL 3 parameters).
EVP_PKEY* make_rsa_key(const BIGNUM* n, const BIGNUM* e) {
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  if (build == nullptr) return nullptr;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* key = nullptr;
  if (OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
      OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, e) == 1) {
    params = OSSL_PARAM_BLD_to_param(build);
  }
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  return key;
}

Result<json::object> decode_object(std::string_view part, const char* what) {
  Result<std::string> bytes = base64url_decode(part);
  if (!bytes.ok()) return invalid(std::string(what) + " is not base64url");
  json::error_code ec;
  json::value v = json::parse(*bytes, ec);
  if (ec || !v.is_object()) return invalid(std::string(what) + " is not a JSON object");
  return std::move(v.as_object());
}

// A string member: absent -> "" (or an error when required); other types are errors.
Result<std::string> string_claim(const json::object& o, std::string_view key, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) return invalid("claim '" + std::string(key) + "' is missing");
    return std::string();
  }
  if (!v->is_string()) return invalid("claim '" + std::string(key) + "' is not a string");
  return std::string(v->as_string());
}

// A NumericDate, fractions rounded down.
Result<std::optional<std::int64_t>> time_claim(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::optional<std::int64_t>();
  if (v->is_int64()) return std::optional<std::int64_t>(v->as_int64());
  if (v->is_uint64() &&
      v->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v->as_uint64()));
  }
  if (v->is_double() && std::isfinite(v->as_double()) && std::abs(v->as_double()) < 1e15) {
    return std::optional<std::int64_t>(static_cast<std::int64_t>(std::floor(v->as_double())));
  }
  return invalid("claim '" + std::string(key) + "' is not a number");
}

// aud is one string; a one-element array is the same statement.
Result<std::string> audience(const json::object& o) {
  const json::value* v = o.if_contains("aud");
  if (v != nullptr && v->is_array() && v->as_array().size() == 1 && v->as_array()[0].is_string()) {
    return std::string(v->as_array()[0].as_string());
  }
  return string_claim(o, "aud", true);
}

Result<void> check_header(const json::object& header, std::string& kid) {
  const json::value* alg = header.if_contains("alg");
  // The algorithm is fixed by configuration; a token cannot choose it.
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "RS256") {
    return invalid("header alg is not RS256");
  }
  if (header.contains("crit")) return invalid("header carries crit");
  const json::value* k = header.if_contains("kid");
  if (k == nullptr || !k->is_string() || k->as_string().empty()) {
    return invalid("header has no kid");
  }
  kid = std::string(k->as_string());
  return ok_result();
}

Result<IdTokenClaims> read_claims(const json::object& p) {
  IdTokenClaims c;
  auto take = [&](std::string& out, std::string_view key, bool required) -> Result<void> {
    Result<std::string> v = string_claim(p, key, required);
    if (!v.ok()) return std::move(v).error();
    out = std::move(*v);
    return ok_result();
  };
  SCRIPTMESH_RETURN_IF_ERROR(take(c.iss, "iss", true));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.tid, "tid", true));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.oid, "oid", true));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.nonce, "nonce", true));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.email, "email", false));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.preferred_username, "preferred_username", false));
  SCRIPTMESH_RETURN_IF_ERROR(take(c.name, "name", false));
  Result<std::string> aud = audience(p);
  if (!aud.ok()) return std::move(aud).error();
  c.aud = std::move(*aud);
  auto exp = time_claim(p, "exp");
  SCRIPTMESH_RETURN_IF_ERROR(exp);
  auto iat = time_claim(p, "iat");
  SCRIPTMESH_RETURN_IF_ERROR(iat);
  auto nbf = time_claim(p, "nbf");
  SCRIPTMESH_RETURN_IF_ERROR(nbf);
  if (!*exp) return invalid("claim 'exp' is missing");
  if (!*iat) return invalid("claim 'iat' is missing");
  c.exp = **exp;
  c.iat = **iat;
  c.nbf = *nbf;
  if (c.tid.empty() || c.oid.empty()) return invalid("tid or oid is empty");
  return c;
}

}  // namespace

Result<RsaPublicKey> RsaPublicKey::from_jwk(std::string_view n, std::string_view e) {
  auto modulus = decode_bignum(n, "n");
  SCRIPTMESH_RETURN_IF_ERROR(modulus);
  auto exponent = decode_bignum(e, "e");
  SCRIPTMESH_RETURN_IF_ERROR(exponent);
  if (BN_num_bits(modulus->get()) < kMinRsaBits) return invalid_jwk("RSA modulus is too short");
  if (!BN_is_odd(exponent->get()) || BN_num_bits(exponent->get()) < 2 ||
      BN_num_bits(exponent->get()) > 32) {
    return invalid_jwk("RSA exponent is unusable");
  }
  EVP_PKEY* key = make_rsa_key(modulus->get(), exponent->get());
  if (key == nullptr) return invalid_jwk("OpenSSL refused the RSA key");
  RsaPublicKey out;
  out.key_ = std::shared_ptr<void>(key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
  return out;
}

bool RsaPublicKey::verify_rs256(std::string_view message, std::string_view signature) const {
  if (!key_) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  // The default padding of an RSA key is PKCS#1 v1.5, which RS256 is.
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr,
                                 static_cast<EVP_PKEY*>(key_.get())) == 1 &&
            EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

Result<KeySet> parse_jwks(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  const json::value* keys = (!ec && v.is_object()) ? v.as_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) {
    return Error::unavailable("sso_unavailable", "the key set is not a JSON object with keys");
  }
  KeySet out;
  for (const json::value& item : keys->as_array()) {
    const json::object* k = item.if_object();
    if (k == nullptr) continue;
    auto text_of = [&](std::string_view key) -> std::string {
      const json::value* m = k->if_contains(key);
      return (m != nullptr && m->is_string()) ? std::string(m->as_string()) : std::string();
    };
    if (text_of("kty") != "RSA" || text_of("kid").empty()) continue;
    if (k->contains("use") && text_of("use") != "sig") continue;
    if (k->contains("alg") && text_of("alg") != "RS256") continue;
    Result<RsaPublicKey> key = RsaPublicKey::from_jwk(text_of("n"), text_of("e"));
    if (!key.ok()) continue;  // one unusable key does not spoil the others
    out.insert_or_assign(text_of("kid"), std::move(*key));
  }
  return out;
}

Result<ParsedIdToken> parse_id_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxIdTokenBytes) return invalid("token size is unusable");
  const std::size_t first = token.find('.');
  const std::size_t second = first == token.npos ? token.npos : token.find('.', first + 1);
  if (second == token.npos || token.find('.', second + 1) != token.npos) {
    return invalid("token does not have three parts");
  }
  auto header = decode_object(token.substr(0, first), "header");
  SCRIPTMESH_RETURN_IF_ERROR(header);
  ParsedIdToken out;
  SCRIPTMESH_RETURN_IF_ERROR(check_header(*header, out.kid));
  auto payload = decode_object(token.substr(first + 1, second - first - 1), "payload");
  SCRIPTMESH_RETURN_IF_ERROR(payload);
  Result<std::string> signature = base64url_decode(token.substr(second + 1));
  if (!signature.ok() || signature->empty()) return invalid("signature is not base64url");
  auto claims = read_claims(*payload);
  SCRIPTMESH_RETURN_IF_ERROR(claims);
  out.signing_input = std::string(token.substr(0, second));
  out.signature = std::move(*signature);
  out.claims = std::move(*claims);
  return out;
}

Result<void> check_id_token_claims(const IdTokenClaims& claims,
                                   const IdTokenExpectations& expected) {
  std::string issuer = expected.issuer_template;
  constexpr std::string_view kPlaceholder = "{tenantid}";
  if (std::size_t at = issuer.find(kPlaceholder); at != std::string::npos) {
    issuer.replace(at, kPlaceholder.size(), claims.tid);
  }
  if (claims.iss != issuer) return invalid("iss does not match the issuer of tid");
  if (claims.aud != expected.client_id) return invalid("aud is not this application");
  if (expected.nonce.empty() || !constant_time_equal(claims.nonce, expected.nonce)) {
    return invalid("nonce does not match the sign-in");
  }
  const std::int64_t now = to_unix_seconds(expected.now);
  const std::int64_t skew = expected.skew.count();
  if (claims.exp <= now - skew) return invalid("token has expired");
  if (claims.nbf && *claims.nbf > now + skew) return invalid("token is not valid yet (nbf)");
  if (claims.iat > now + skew) return invalid("token is issued in the future (iat)");
  return ok_result();
}

}  // namespace scriptmesh::sso
