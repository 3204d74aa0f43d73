#include "scriptmesh/webhook_signing.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "scriptmesh/encoding.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZr8h1uUe7Ao";
constexpr const char* kBody =
    R"({"event":"job.finished","job_id":"job_1","status":"succeeded","exit_code":0})";

boost::json::array python_cases() {
  std::ifstream in(std::string(SCRIPTMESH_TEST_DATA_DIR) + "/webhooks/python_signatures.json");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str()).at("cases").as_array();
}

TEST_CASE("webhook signing: the header is t=<unix seconds>,v1=<hex HMAC of t.body>") {
  const WallTime t = from_unix_seconds(1795687200);
  // The worked example of docs/webhooks.md and webhook_signing.hpp.
  CHECK(webhook_signature_header(kSecret, t, kBody) ==
        "t=1795687200,v1=1aaebc378a53d25be0f0e6e2b74ded99ffc0fdf0f627ab50f25ac9b5186dad4f");
  // Sub-second parts of the signing time are dropped, not rounded.
  CHECK(webhook_signature_header(kSecret, t + std::chrono::milliseconds(999), kBody) ==
        webhook_signature_header(kSecret, t, kBody));
  CHECK(webhook_signature_v1(kSecret, 1795687200, kBody).size() == 64);
}

TEST_CASE("webhook signing: headers match Python's hmac/hashlib byte for byte") {
  const boost::json::array cases = python_cases();
  REQUIRE(cases.size() >= 10);
  for (const auto& value : cases) {
    const auto& c = value.as_object();
    const std::string name(c.at("name").as_string());
    INFO(name);
    const std::string secret(c.at("secret").as_string());
    const std::int64_t t = c.at("timestamp").as_int64();
    auto body = hex_decode(c.at("body_hex").as_string());
    REQUIRE_OK(body);
    const std::string expected(c.at("header").as_string());
    CHECK(webhook_signature_header(secret, from_unix_seconds(t), *body) == expected);
    CHECK_OK(verify_webhook_signature(secret, expected, *body, from_unix_seconds(t)));
  }
}

TEST_CASE("webhook signing: a signature made now verifies, for every body shape") {
  FakeClock clock;
  for (const std::string& body :
       {std::string(), std::string(kBody), std::string("\0\xff\xfe binary\r\n", 12),
        std::string(1 << 20, 'x')}) {
    const std::string header = webhook_signature_header(kSecret, clock.now(), body);
    CHECK_OK(verify_webhook_signature(kSecret, header, body, clock.now()));
  }
}

TEST_CASE("webhook signing: a changed body, timestamp, signature or secret is refused") {
  FakeClock clock;
  const std::string header = webhook_signature_header(kSecret, clock.now(), kBody);
  const std::string body(kBody);

  std::string altered = body;
  altered[altered.find("succeeded")] = 'S';
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, header, altered, clock.now()),
                   "signature_mismatch");
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, header, body + " ", clock.now()),
                   "signature_mismatch");

  // Moving t (even by one second, to make an old signature look fresh) breaks the MAC.
  std::string moved = header;
  moved.replace(2, 10, std::to_string(to_unix_seconds(clock.now()) + 1));
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, moved, body, clock.now()),
                   "signature_mismatch");

  std::string flipped = header;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, flipped, body, clock.now()),
                   "signature_mismatch");
  CHECK_ERROR_CODE(verify_webhook_signature(std::string(kSecret) + "x", header, body, clock.now()),
                   "signature_mismatch");
  // Upper-case hex is not what is sent; refusing it keeps one canonical form.
  std::string upper = header;
  for (std::size_t i = header.find("v1=") + 3; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  if (upper != header) {
    CHECK_ERROR_CODE(verify_webhook_signature(kSecret, upper, body, clock.now()),
                     "signature_mismatch");
  }
}

TEST_CASE("webhook signing: stale and future timestamps are refused beyond the tolerance") {
  FakeClock clock;
  const WallTime signed_at = clock.now();
  const std::string header = webhook_signature_header(kSecret, signed_at, kBody);

  CHECK_OK(verify_webhook_signature(kSecret, header, kBody, signed_at + seconds(300)));
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, header, kBody, signed_at + seconds(301)),
                   "timestamp_out_of_tolerance");
  CHECK_OK(verify_webhook_signature(kSecret, header, kBody, signed_at - seconds(300)));
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, header, kBody, signed_at - seconds(301)),
                   "timestamp_out_of_tolerance");
  // A custom tolerance.
  CHECK_OK(
      verify_webhook_signature(kSecret, header, kBody, signed_at + seconds(3000), seconds(3600)));
  CHECK_ERROR_CODE(
      verify_webhook_signature(kSecret, header, kBody, signed_at + seconds(11), seconds(10)),
      "timestamp_out_of_tolerance");
  // A wrong signature is reported as such even when it is also stale.
  CHECK_ERROR_CODE(verify_webhook_signature("whsec_other", header, kBody, signed_at + seconds(999)),
                   "signature_mismatch");
}

TEST_CASE("webhook signing: several v1 entries, other schemes and spaces are understood") {
  FakeClock clock;
  const std::int64_t t = to_unix_seconds(clock.now());
  const std::string good = webhook_signature_v1(kSecret, t, kBody);
  const std::string bad = webhook_signature_v1("whsec_old", t, kBody);
  const std::string ts = std::to_string(t);
  for (const std::string& header : {
           "t=" + ts + ",v1=" + bad + ",v1=" + good,
           "v1=" + good + ",t=" + ts,
           "t=" + ts + ",v0=deadbeef,v1=" + good,
           " t=" + ts + " , v1=" + good + " ",
           "t=" + ts + ",,v1=" + good,
       }) {
    INFO(header);
    CHECK_OK(verify_webhook_signature(kSecret, header, kBody, clock.now()));
  }
  CHECK_ERROR_CODE(verify_webhook_signature(kSecret, "t=" + ts + ",v1=" + bad + ",v0=" + good,
                                            kBody, clock.now()),
                   "signature_mismatch");
}

TEST_CASE("webhook signing: malformed headers are refused as such") {
  FakeClock clock;
  const std::int64_t t = to_unix_seconds(clock.now());
  const std::string sig = webhook_signature_v1(kSecret, t, kBody);
  const std::string ts = std::to_string(t);
  for (const std::string& header : {
           std::string(),
           "v1=" + sig,                            // no t
           "t=" + ts,                              // no v1
           "t=" + ts + ",v0=" + sig,               // only another scheme
           "t=,v1=" + sig,                         // empty t
           "t=-5,v1=" + sig,                       // negative t
           "t=12a,v1=" + sig,                      // not a number
           "t=1e9,v1=" + sig,                      // not an integer
           "t=1234567890123456789012,v1=" + sig,   // absurdly long
           "t=" + ts + ",t=" + ts + ",v1=" + sig,  // t twice
           "t=" + ts + ",v1" + sig,                // an entry without '='
       }) {
    INFO(header);
    CHECK_ERROR_CODE(verify_webhook_signature(kSecret, header, kBody, clock.now()),
                     "invalid_signature_header");
  }
}

TEST_CASE("webhook signing: new secrets are whsec_ plus 43 URL-safe characters, all different") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string secret = new_webhook_secret();
    REQUIRE(secret.starts_with("whsec_"));
    REQUIRE(secret.size() == 6 + 43);
    auto decoded = base64url_decode(secret.substr(6));
    REQUIRE_OK(decoded);
    CHECK(decoded->size() == 32);
    seen.insert(secret);
  }
  CHECK(seen.size() == 100);
}

}  // namespace
}  // namespace scriptmesh::testing
