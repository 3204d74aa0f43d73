#include "scriptmesh/jwt.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;

const std::string kSecret = "unit-test-secret-0123456789abcdef";
constexpr std::int64_t kNow = 1795687200;  // FakeClock's start

JwtClaims typical_claims() {
  JwtClaims c;
  c.sub = "user-1";
  c.iss = "scriptmesh";
  c.aud = "scriptmesh-api";
  c.iat = kNow - 10;
  c.exp = kNow + 900;
  c.extra = {{"tenant", std::string("t-1")}, {"n", std::int64_t{42}}};
  return c;
}

JwtVerifyOptions strict() {
  return {"scriptmesh", "scriptmesh-api", std::chrono::seconds(30)};
}

// header.payload signed with `secret`, each part given as raw JSON text.
std::string forge(std::string_view header, std::string_view payload,
                  const std::string& secret = kSecret) {
  std::string input = base64url_encode(header, false) + "." + base64url_encode(payload, false);
  return input + "." + base64url_encode(hmac_sha256(secret, input), false);
}

Result<JwtClaims> verify_now(std::string_view token, const JwtVerifyOptions& options = {}) {
  return JwtSigner(kSecret).verify(token, from_unix_seconds(kNow), options);
}

json::value load_json(const std::string& relative) {
  std::ifstream in(std::string(SCRIPTMESH_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// Checks the fields `expected` names (all of them for PyJWT fixtures).
void check_claims(const JwtClaims& got, const json::object& expected) {
  if (auto* v = expected.if_contains("sub")) CHECK(got.sub == v->as_string());
  if (auto* v = expected.if_contains("iss")) CHECK(got.iss == v->as_string());
  if (auto* v = expected.if_contains("aud")) {
    CHECK(got.aud.has_value() == !v->is_null());
    if (got.aud && v->is_string()) CHECK(*got.aud == v->as_string());
  }
  if (auto* v = expected.if_contains("iat")) CHECK(got.iat == v->to_number<std::int64_t>());
  if (auto* v = expected.if_contains("exp")) CHECK(got.exp == v->to_number<std::int64_t>());
  if (auto* v = expected.if_contains("nbf")) {
    CHECK(got.nbf.has_value() == !v->is_null());
    if (got.nbf && !v->is_null()) CHECK(*got.nbf == v->to_number<std::int64_t>());
  }
  if (auto* v = expected.if_contains("extra")) {
    decltype(got.extra) want;
    for (const auto& member : v->as_object()) {
      if (member.value().is_string()) {
        want.emplace(member.key(), std::string(member.value().as_string()));
      } else {
        want.emplace(member.key(), member.value().to_number<std::int64_t>());
      }
    }
    CHECK(got.extra == want);
  }
}

TEST_CASE("JWT round trip keeps every claim") {
  JwtClaims claims = typical_claims();
  claims.nbf = kNow - 5;
  const std::string token = JwtSigner(kSecret).sign(claims);
  Result<JwtClaims> got = verify_now(token, strict());
  REQUIRE_OK(got);
  CHECK(got->sub == claims.sub);
  CHECK(got->iss == claims.iss);
  CHECK(got->aud == claims.aud);
  CHECK(got->iat == claims.iat);
  CHECK(got->exp == claims.exp);
  CHECK(got->nbf == claims.nbf);
  CHECK(got->extra == claims.extra);
}

TEST_CASE("JWT sign writes the fixed header, unpadded base64url, and skips registered extras") {
  JwtClaims claims = typical_claims();
  claims.aud.reset();
  claims.extra["exp"] = std::int64_t{1};
  claims.extra["sub"] = std::string("someone-else");
  const std::string token = JwtSigner(kSecret).sign(claims);
  CHECK(token.find('=') == std::string::npos);
  const std::size_t dot = token.find('.');
  CHECK(*base64url_decode(token.substr(0, dot)) == R"({"alg":"HS256","typ":"JWT"})");
  const std::size_t dot2 = token.find('.', dot + 1);
  const std::string payload = *base64url_decode(token.substr(dot + 1, dot2 - dot - 1));
  CHECK(
      payload ==
      R"({"sub":"user-1","iss":"scriptmesh","iat":1795687190,"exp":1795688100,"n":42,"tenant":"t-1"})");
}

TEST_CASE("JWT signer refuses an empty secret") {
  CHECK_THROWS_AS(JwtSigner(""), std::invalid_argument);
}

TEST_CASE("JWT rejects alg none, HS512 and RS256 before looking at the signature") {
  const std::string payload = R"({"sub":"u","exp":1795688100})";
  const std::string body = base64url_encode(R"({"alg":"none","typ":"JWT"})", false) + "." +
                           base64url_encode(payload, false);
  for (const std::string& token : {body + ".", forge(R"({"alg":"none"})", payload),
                                   forge(R"({"alg":"HS512","typ":"JWT"})", payload),
                                   forge(R"({"alg":"RS256","typ":"JWT"})", payload)}) {
    CAPTURE(token);
    Result<JwtClaims> got = verify_now(token);
    CHECK_ERROR_CODE(got, "invalid_token");
    CHECK(got.error().category() == ErrorCategory::kUnauthenticated);
    // The signatures of the forged ones are right: only the alg check refuses them.
    CHECK(got.error().message().find("alg") != std::string::npos);
  }
}

TEST_CASE("JWT rejects malformed structure, base64 and JSON") {
  const std::string good = JwtSigner(kSecret).sign(typical_claims());
  const std::size_t dot = good.find('.');
  const std::string sig = good.substr(good.rfind('.') + 1);
  const std::string bad[] = {
      "",
      good.substr(0, good.rfind('.')),  // missing signature part
      good + ".e30",                    // four parts
      good + "=",                       // padded signature, same bytes
      "!!!" + good.substr(dot),         // header not base64url
      good.substr(0, dot) + ".%%%." + sig,
      good.substr(0, good.rfind('.') + 1) + "***",
      forge("not json", R"({"sub":"u","exp":1795688100})"),
      forge(R"({"alg":"HS256"})", "not json"),
      forge(R"({"alg":"HS256"})", R"([{"sub":"u","exp":1795688100}])"),
  };
  for (const std::string& token : bad) {
    CAPTURE(token);
    CHECK_ERROR_CODE(verify_now(token), "invalid_token");
  }
}

TEST_CASE("JWT rejects a tampered payload and a foreign secret") {
  const std::string good = JwtSigner(kSecret).sign(typical_claims());
  const std::size_t dot = good.find('.'), dot2 = good.rfind('.');
  JwtClaims admin = typical_claims();
  admin.sub = "admin";
  const std::string other = JwtSigner(kSecret).sign(admin);
  const std::string other_payload = other.substr(dot + 1, other.rfind('.') - dot - 1);
  const std::string tampered = good.substr(0, dot + 1) + other_payload + good.substr(dot2);
  CHECK_ERROR_CODE(verify_now(tampered), "invalid_token");

  const std::string foreign = JwtSigner("some-other-secret-0123456789abcd").sign(typical_claims());
  CHECK_ERROR_CODE(verify_now(foreign), "invalid_token");
}

TEST_CASE("JWT expiry honours the leeway") {
  testing::FakeClock clock;
  const JwtSigner signer(kSecret);
  JwtClaims claims = typical_claims();
  claims.exp = kNow + 60;
  const std::string token = signer.sign(claims);
  CHECK_OK(signer.verify(token, clock.now()));
  clock.advance(std::chrono::seconds(60 + 29));  // expired 29 s ago, leeway 30 s
  CHECK_OK(signer.verify(token, clock.now()));
  clock.advance(std::chrono::seconds(1));
  CHECK_ERROR_CODE(signer.verify(token, clock.now()), "token_expired");
  clock.advance(std::chrono::hours(24));
  CHECK_ERROR_CODE(signer.verify(token, clock.now()), "token_expired");
}

TEST_CASE("JWT nbf and iat in the future are not yet valid") {
  const JwtSigner signer(kSecret);
  JwtClaims nbf = typical_claims();
  nbf.nbf = kNow + 3600;
  nbf.exp = kNow + 7200;
  CHECK_ERROR_CODE(verify_now(signer.sign(nbf)), "token_not_yet_valid");
  JwtClaims iat = typical_claims();
  iat.iat = kNow + 3600;
  CHECK_ERROR_CODE(verify_now(signer.sign(iat)), "token_not_yet_valid");

  testing::FakeClock clock;
  clock.advance(std::chrono::seconds(3600 - 30));
  CHECK_OK(signer.verify(signer.sign(nbf), clock.now()));
}

TEST_CASE("JWT wrong iss, wrong aud, and aud as an array") {
  const JwtSigner signer(kSecret);
  JwtClaims claims = typical_claims();
  claims.iss = "elsewhere";
  CHECK_ERROR_CODE(verify_now(signer.sign(claims), strict()), "invalid_token");
  claims = typical_claims();
  claims.aud = "billing";
  CHECK_ERROR_CODE(verify_now(signer.sign(claims), strict()), "invalid_token");
  claims.aud.reset();
  CHECK_ERROR_CODE(verify_now(signer.sign(claims), strict()), "invalid_token");

  const std::string listed =
      forge(R"({"alg":"HS256"})",
            R"({"sub":"u","iss":"scriptmesh","aud":["web","scriptmesh-api"],"exp":1795688100})");
  Result<JwtClaims> got = verify_now(listed, strict());
  REQUIRE_OK(got);
  CHECK(got->aud == "scriptmesh-api");
  const std::string unlisted = forge(
      R"({"alg":"HS256"})", R"({"sub":"u","iss":"scriptmesh","aud":["web"],"exp":1795688100})");
  CHECK_ERROR_CODE(verify_now(unlisted, strict()), "invalid_token");
}

TEST_CASE("JWT rejects tokens over 8 KiB") {
  JwtClaims claims = typical_claims();
  claims.extra["pad"] = std::string(7000, 'x');
  const std::string token = JwtSigner(kSecret).sign(claims);
  REQUIRE(token.size() > kMaxJwtBytes);
  CHECK_ERROR_CODE(verify_now(token), "invalid_token");
}

TEST_CASE("JWT verify survives every truncation and single-byte change") {
  const std::string good = JwtSigner(kSecret).sign(typical_claims());
  for (std::size_t n = 0; n < good.size(); ++n) {
    CHECK_FALSE(verify_now(good.substr(0, n)).ok());
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (char c : {'.', 'A', '_', '=', '\0', '\xff'}) {
      if (good[i] == c) continue;
      std::string bad = good;
      bad[i] = c;
      CAPTURE(i);
      CHECK_FALSE(verify_now(bad).ok());
    }
  }
}

// Builds a fixture case's token: see the comment at the top of cases.json.
std::string case_part(const json::object& c, const std::string& name, const json::object* extra) {
  if (auto* b64 = c.if_contains(name + "_b64")) return std::string(b64->as_string());
  if (auto* raw = c.if_contains(name + "_raw")) return base64url_encode(raw->as_string(), false);
  json::object object = c.at(name).as_object();
  if (extra != nullptr) {
    for (const auto& member : *extra)
      object[member.key()] = member.value();
  }
  return base64url_encode(json::serialize(object), false);
}

std::string case_token(const json::object& c, const std::string& secret, std::size_t pad) {
  if (auto* token = c.if_contains("token")) return std::string(token->as_string());
  json::object extra;
  if (pad > 0) extra["pad"] = std::string(pad, 'p');
  const std::string input =
      case_part(c, "header", nullptr) + "." + case_part(c, "payload", pad > 0 ? &extra : nullptr);
  if (auto* sig = c.if_contains("signature_b64"))
    return input + "." + std::string(sig->as_string());
  std::string key = secret;
  if (auto* other = c.if_contains("signature_secret")) key = other->as_string();
  return input + "." + base64url_encode(hmac_sha256(key, input), false);
}

// The token of exactly `size` bytes, padding the payload (and, when base64
// lengths skip `size`, the header's kid too).
std::string sized_case_token(json::object c, const std::string& secret, std::size_t size) {
  for (std::size_t kid = 0; kid < 4; ++kid) {
    if (kid > 0) c["header"].as_object()["kid"] = std::string(kid, 'k');
    for (std::size_t pad = size * 3 / 4 - 200;; ++pad) {
      std::string token = case_token(c, secret, pad);
      if (token.size() == size) return token;
      if (token.size() > size) break;
    }
  }
  FAIL("no padding gives a token of the wanted size");
  return {};
}

// Checks a fixture case's "expect" (and "claims"). Unlike CHECK_ERROR_CODE it
// never stops the loop, so every failing case is reported.
void check_outcome(const Result<JwtClaims>& got, const json::object& c) {
  const std::string expect(c.at("expect").as_string());
  if (expect == "ok") {
    CHECK_OK(got);
    const json::value* claims = c.if_contains("claims");
    if (claims != nullptr && got.ok()) check_claims(*got, claims->as_object());
    return;
  }
  CHECK_FALSE(got.ok());
  if (got.ok()) return;
  CHECK(got.error().code() == expect);
  CHECK(got.error().category() == ErrorCategory::kUnauthenticated);
}

TEST_CASE("JWT edge cases from tests/data/jwt/cases.json") {
  const json::value fixture = load_json("jwt/cases.json");
  const std::string secret(fixture.at("secret").as_string());
  const json::object& defaults = fixture.at("defaults").as_object();
  const JwtSigner signer(secret);
  for (const json::value& item : fixture.at("cases").as_array()) {
    const json::object& c = item.as_object();
    auto field = [&](const char* key) -> const json::value& {
      return c.contains(key) ? c.at(key) : defaults.at(key);
    };
    CAPTURE(c.at("name").as_string());
    const std::string token =
        c.contains("pad_to") ? sized_case_token(c, secret, c.at("pad_to").to_number<std::size_t>())
                             : case_token(c, secret, 0);
    JwtVerifyOptions options;
    options.issuer = field("issuer").as_string();
    options.audience = field("audience").as_string();
    options.leeway = std::chrono::seconds(field("leeway").to_number<std::int64_t>());
    const WallTime now = from_unix_seconds(field("now").to_number<std::int64_t>());
    Result<JwtClaims> got{Error::internal("not_run", "")};
    REQUIRE_NOTHROW(got = signer.verify(token, now, options));
    check_outcome(got, c);
  }
}

TEST_CASE("JWT verifies tokens PyJWT made (tests/data/jwt/pyjwt_tokens.json)") {
  const json::value fixture = load_json("jwt/pyjwt_tokens.json");
  const JwtSigner signer(std::string(fixture.at("secret").as_string()));
  JwtVerifyOptions options;
  options.issuer = fixture.at("issuer").as_string();
  options.audience = fixture.at("audience").as_string();
  options.leeway = std::chrono::seconds(fixture.at("leeway").to_number<std::int64_t>());
  const WallTime now = from_unix_seconds(fixture.at("now").to_number<std::int64_t>());
  for (const json::value& item : fixture.at("tokens").as_array()) {
    const json::object& c = item.as_object();
    CAPTURE(c.at("name").as_string());
    check_outcome(signer.verify(c.at("token").as_string(), now, options), c);
  }
}

TEST_CASE("JWT signs the same bytes as PyJWT for the same claims") {
  const json::value fixture = load_json("jwt/pyjwt_tokens.json");
  const json::object& same = fixture.at("same_bytes").as_object();
  const json::object& c = same.at("claims").as_object();
  JwtClaims claims;
  claims.sub = c.at("sub").as_string();
  claims.iss = c.at("iss").as_string();
  claims.aud = std::string(c.at("aud").as_string());
  claims.iat = c.at("iat").to_number<std::int64_t>();
  claims.exp = c.at("exp").to_number<std::int64_t>();
  claims.extra = {{"role", std::string(c.at("role").as_string())},
                  {"tenant", std::string(c.at("tenant").as_string())}};
  const JwtSigner signer(std::string(fixture.at("secret").as_string()));
  CHECK(signer.sign(claims) == same.at("token").as_string());
}

// Talks to PyJWT through a small script; the claims are fixed so that PyJWT,
// which checks times against the real clock, accepts them until 2100.
constexpr const char* kPyJwtScript = R"(import json, sys
try:
    import jwt
except Exception as e:
    print("IMPORT_FAILED", e)
    sys.exit(3)
mode, key = sys.argv[1], bytes.fromhex(sys.argv[2])
if mode == "probe":
    print("PYJWT", jwt.__version__)
elif mode == "verify":
    try:
        claims = jwt.decode(sys.argv[3], key, algorithms=["HS256"], audience="scriptmesh-api",
                            issuer="scriptmesh", options={"require": ["exp", "iat", "nbf", "sub"]})
    except jwt.PyJWTError as e:
        print("REJECTED", type(e).__name__)
        sys.exit(1)
    print(json.dumps(claims, sort_keys=True))
elif mode == "sign":
    print(jwt.encode({"sub": "py-user", "iss": "scriptmesh", "aud": ["other", "scriptmesh-api"],
                      "iat": 1795687000, "nbf": 1795687000, "exp": 1795690800,
                      "scope": "jobs:read", "count": 3}, key, algorithm="HS256"))
)";

struct Run {
  int exit_code = -1;
  std::string out;
};

Run run_pyjwt(const testing::TempDir& dir, const std::string& args) {
  const std::string command =
      "/usr/bin/python3 '" + (dir / "pyjwt_live.py").string() + "' " + args + " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!run.out.empty() && run.out.back() == '\n')
    run.out.pop_back();
  return run;
}

TEST_CASE("JWT interoperates with a live PyJWT") {
  testing::TempDir dir;
  std::ofstream(dir / "pyjwt_live.py") << kPyJwtScript;
  const std::string key_hex = hex_encode(kSecret);

  // Debian's python3-jwt is a build dependency: missing it fails, never skips.
  const Run probe = run_pyjwt(dir, "probe " + key_hex);
  INFO(probe.out);
  REQUIRE(probe.exit_code == 0);
  REQUIRE(probe.out.rfind("PYJWT ", 0) == 0);

  JwtClaims claims = typical_claims();
  claims.iat = 1700000000;
  claims.nbf = 1700000000;
  claims.exp = 4102444800;
  const JwtSigner signer(kSecret);
  const std::string ours = signer.sign(claims);
  const Run verified = run_pyjwt(dir, "verify " + key_hex + " " + ours);
  INFO(verified.out);
  REQUIRE(verified.exit_code == 0);
  const json::object got = json::parse(verified.out).as_object();
  CHECK(got.at("sub").as_string() == "user-1");
  CHECK(got.at("iss").as_string() == "scriptmesh");
  CHECK(got.at("aud").as_string() == "scriptmesh-api");
  CHECK(got.at("iat").as_int64() == 1700000000);
  CHECK(got.at("nbf").as_int64() == 1700000000);
  CHECK(got.at("exp").as_int64() == 4102444800);
  CHECK(got.at("tenant").as_string() == "t-1");
  CHECK(got.at("n").as_int64() == 42);

  const Run refused = run_pyjwt(dir, "verify " + hex_encode("wrong-key") + " " + ours);
  CHECK(refused.exit_code == 1);
  CHECK(refused.out == "REJECTED InvalidSignatureError");

  const Run signed_by_python = run_pyjwt(dir, "sign " + key_hex);
  INFO(signed_by_python.out);
  REQUIRE(signed_by_python.exit_code == 0);
  Result<JwtClaims> theirs = verify_now(signed_by_python.out, strict());
  REQUIRE_OK(theirs);
  CHECK(theirs->sub == "py-user");
  CHECK(theirs->aud == "scriptmesh-api");
  CHECK(theirs->iat == 1795687000);
  CHECK(theirs->nbf == 1795687000);
  CHECK(theirs->exp == 1795690800);
  CHECK(theirs->extra ==
        decltype(theirs->extra){{"scope", std::string("jobs:read")}, {"count", std::int64_t{3}}});
}

}  // namespace
}  // namespace scriptmesh
