// The X-ScriptMesh-Signature scheme (see scriptmesh/webhook_signing.hpp).
#include "scriptmesh/webhook_signing.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh {
namespace {

// More digits than any Unix time in seconds has for billions of years; a
// longer t is malformed rather than a number to overflow on.
constexpr std::size_t kMaxTimestampDigits = 18;

struct ParsedHeader {
  std::int64_t timestamp = 0;
  std::vector<std::string_view> v1;
};

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  if (text.empty() || text.size() > kMaxTimestampDigits) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

Error malformed(std::string message) {
  return Error::unauthenticated("invalid_signature_header", std::move(message));
}

// "t=1,v1=ab,v0=cd": items separated by ',', each "key=value". Unknown keys
// are skipped so that new schemes do not break this parser.
Result<ParsedHeader> parse_header(std::string_view header) {
  ParsedHeader out;
  std::optional<std::int64_t> timestamp;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = trim_spaces(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return malformed("a signature entry has no '='");
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (timestamp) return malformed("the signature header names t twice");
      timestamp = parse_timestamp(value);
      if (!timestamp) return malformed("t is not a Unix time in seconds");
    } else if (key == "v1") {
      out.v1.push_back(value);
    }
  }
  if (!timestamp) return malformed("the signature header has no t");
  if (out.v1.empty()) return malformed("the signature header has no v1 signature");
  out.timestamp = *timestamp;
  return out;
}

}  // namespace

std::string new_webhook_secret() {
  return std::string(kWebhookSecretPrefix) + random_token(32);
}

std::string webhook_signature_v1(std::string_view secret, std::int64_t timestamp,
                                 std::string_view body) {
  std::string message = std::to_string(timestamp);
  message += '.';
  message += body;
  return hex_encode(hmac_sha256(secret, message));
}

std::string webhook_signature_header(std::string_view secret, WallTime signed_at,
                                     std::string_view body) {
  const std::int64_t t = to_unix_seconds(signed_at);
  return "t=" + std::to_string(t) + ",v1=" + webhook_signature_v1(secret, t, body);
}

Result<void> verify_webhook_signature(std::string_view secret, std::string_view header,
                                      std::string_view body, WallTime now,
                                      std::chrono::seconds tolerance) {
  Result<ParsedHeader> parsed = parse_header(header);
  if (!parsed.ok()) return std::move(parsed).error();
  const std::string expected = webhook_signature_v1(secret, parsed->timestamp, body);
  bool matched = false;
  // Every candidate is compared, so the time taken does not tell which matched.
  for (std::string_view candidate : parsed->v1)
    matched = constant_time_equal(expected, candidate) || matched;
  if (!matched) {
    return Error::unauthenticated("signature_mismatch", "the webhook signature does not match");
  }
  const std::int64_t skew = to_unix_seconds(now) - parsed->timestamp;
  if (skew > tolerance.count() || -skew > tolerance.count()) {
    return Error::unauthenticated("timestamp_out_of_tolerance",
                                  "the webhook signature's timestamp is " + std::to_string(skew) +
                                      " s from now, beyond the " +
                                      std::to_string(tolerance.count()) + " s tolerance");
  }
  return ok_result();
}

}  // namespace scriptmesh
