#include "scriptmesh/fernet.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <boost/json.hpp>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

using std::chrono::seconds;
using testing::FakeClock;

constexpr const char* kPython = "/usr/bin/python3";

boost::json::value load_fixture(const std::string& name) {
  const std::string path = std::string(SCRIPTMESH_TEST_DATA_DIR) + "/fernet/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

std::string str(const boost::json::value& v) {
  return std::string(v.as_string());
}

WallTime time_of(const boost::json::value& v) {
  auto t = parse_rfc3339(str(v));
  if (!t.ok()) throw std::runtime_error("bad fixture time: " + str(v));
  return *t;
}

FernetKey key_of(const boost::json::value& v) {
  auto key = FernetKey::parse(str(v));
  if (!key.ok()) throw std::runtime_error("bad fixture key");
  return *key;
}

std::string unhex(std::string_view text) {
  auto bytes = hex_decode(text);
  if (!bytes.ok()) throw std::runtime_error("bad fixture hex");
  return *bytes;
}

// The raw token bytes, for tests that look inside or re-sign a token.
std::string raw_token(std::string_view token) {
  auto raw = base64url_decode(token);
  if (!raw.ok()) throw std::runtime_error("token is not base64url");
  return *raw;
}

const FernetKey& spec_key() {
  static const FernetKey key = *FernetKey::parse("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
  return key;
}

// ---------------------------------------------------------------- spec vectors

TEST_CASE("Fernet spec generate.json: encrypt_with_iv reproduces the token byte for byte") {
  const auto cases = load_fixture("generate.json").as_array();
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    std::string iv;
    for (const auto& b : o.at("iv").as_array())
      iv += static_cast<char>(b.as_int64());
    const FernetKey key = key_of(o.at("secret"));
    CHECK(key.encrypt_with_iv(str(o.at("src")), time_of(o.at("now")), iv) == str(o.at("token")));
  }
}

TEST_CASE("Fernet spec verify.json: tokens decrypt to their source") {
  const auto cases = load_fixture("verify.json").as_array();
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    const auto ttl = seconds(o.at("ttl_sec").as_int64());
    auto plaintext = key_of(o.at("secret")).decrypt(str(o.at("token")), time_of(o.at("now")), ttl);
    REQUIRE_OK(plaintext);
    CHECK(*plaintext == str(o.at("src")));
  }
}

TEST_CASE("Fernet spec invalid.json: every token is rejected with the right code") {
  const auto cases = load_fixture("invalid.json").as_array();
  REQUIRE(cases.size() >= 8);
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    const std::string desc = str(o.at("desc"));
    CAPTURE(desc);
    std::string expected = "invalid_token";
    if (desc == "expired TTL") expected = "token_expired";
    if (desc.starts_with("far-future")) expected = "token_from_future";
    const auto ttl = seconds(o.at("ttl_sec").as_int64());
    CHECK_ERROR_CODE(key_of(o.at("secret")).decrypt(str(o.at("token")), time_of(o.at("now")), ttl),
                     expected);
  }
}

// ---------------------------------------------------------------- keys

TEST_CASE("FernetKey parses 32-byte URL-safe base64 keys and nothing else") {
  const std::string text = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  auto key = FernetKey::parse(text);
  REQUIRE_OK(key);
  CHECK(key->to_string() == text);
  CHECK_OK(FernetKey::parse(text.substr(0, 43)));  // unpadded is the same key

  for (std::string bad : {
           std::string(),                                                // empty
           base64url_encode(std::string(31, 'k')),                       // 31 bytes
           base64url_encode(std::string(33, 'k')),                       // 33 bytes
           std::string("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4="),  // standard alphabet
           " " + text,                                                   // whitespace
           text + "\n",
           text.substr(0, 42) + "!=",
       }) {
    CAPTURE(bad);
    auto r = FernetKey::parse(bad);
    CHECK_ERROR_CODE(r, "invalid_key");
    CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
  }
}

TEST_CASE("FernetKey::generate makes distinct 44-character keys that round-trip") {
  const FernetKey a = FernetKey::generate();
  const FernetKey b = FernetKey::generate();
  CHECK(a.to_string().size() == 44);
  CHECK(a.to_string().back() == '=');
  CHECK(a.to_string() != b.to_string());
  auto reparsed = FernetKey::parse(a.to_string());
  REQUIRE_OK(reparsed);
  FakeClock clock;
  CHECK(*reparsed->decrypt(a.encrypt("secret", clock.now()), clock.now()) == "secret");
}

// ---------------------------------------------------------------- round trips

TEST_CASE("Fernet round-trips empty, block-sized, binary and large plaintexts") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  std::string all_bytes;
  for (int i = 0; i < 256; ++i)
    all_bytes += static_cast<char>(i);
  for (const std::string& plaintext :
       {std::string(), std::string("x"), std::string(15, 'a'), std::string(16, 'a'),
        std::string(17, 'a'), std::string("\0\xff\x80 nul and non-UTF-8", 21), all_bytes,
        std::string(1 << 20, '\x5a')}) {
    CAPTURE(plaintext.size());
    const std::string token = key.encrypt(plaintext, clock.now());
    // version byte plus a zero high timestamp byte always encode as "gAAAAA".
    CHECK(token.starts_with("gAAAAA"));
    CHECK(token.size() % 4 == 0);
    CHECK(raw_token(token).size() == 57 + (plaintext.size() / 16 + 1) * 16);
    auto back = key.decrypt(token, clock.now(), seconds(60));
    REQUIRE_OK(back);
    CHECK(*back == plaintext);
  }
}

TEST_CASE("Fernet uses a fresh IV each time and stamps the time big-endian") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  const std::string a = raw_token(key.encrypt("same", clock.now()));
  const std::string b = raw_token(key.encrypt("same", clock.now()));
  CHECK(a.substr(9, 16) != b.substr(9, 16));
  CHECK(a.substr(0, 9) == b.substr(0, 9));
  // 1795687200 = 0x6B080320.
  CHECK(hex_encode(a.substr(0, 9)) == "80000000006b080320");
}

TEST_CASE("Fernet rejects a token made with another key") {
  FakeClock clock;
  const std::string token = FernetKey::generate().encrypt("secret", clock.now());
  CHECK_ERROR_CODE(FernetKey::generate().decrypt(token, clock.now()), "invalid_token");
}

TEST_CASE("Fernet encrypt_with_iv refuses an IV that is not 16 bytes") {
  FakeClock clock;
  CHECK_THROWS_AS((void)spec_key().encrypt_with_iv("x", clock.now(), "short"),
                  std::invalid_argument);
}

// ---------------------------------------------------------------- time

TEST_CASE("Fernet ttl: a token expires only once it is older than ttl") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  const std::string token = key.encrypt("payload", clock.now());

  clock.advance(seconds(60));
  CHECK_OK(key.decrypt(token, clock.now(), seconds(60)));  // exactly ttl old: still fine
  clock.advance(std::chrono::milliseconds(999));
  CHECK_OK(key.decrypt(token, clock.now(), seconds(60)));  // whole seconds only
  clock.advance(std::chrono::milliseconds(1));
  auto expired = key.decrypt(token, clock.now(), seconds(60));
  CHECK_ERROR_CODE(expired, "token_expired");
  CHECK(expired.error().category() == ErrorCategory::kInvalidArgument);

  clock.advance(std::chrono::hours(24 * 365 * 10));
  CHECK_OK(key.decrypt(token, clock.now()));  // no ttl: never expires
  CHECK_ERROR_CODE(key.decrypt(token, clock.now(), seconds(0)), "token_expired");
}

TEST_CASE("Fernet rejects tokens stamped more than 60 s in the future, ttl or not") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  const std::string skewed = key.encrypt("payload", clock.now() + seconds(60));
  const std::string future = key.encrypt("payload", clock.now() + seconds(61));

  CHECK_OK(key.decrypt(skewed, clock.now()));
  CHECK_OK(key.decrypt(skewed, clock.now(), seconds(1)));
  CHECK_ERROR_CODE(key.decrypt(future, clock.now()), "token_from_future");
  CHECK_ERROR_CODE(key.decrypt(future, clock.now(), seconds(3600)), "token_from_future");
  clock.advance(seconds(1));
  CHECK_OK(key.decrypt(future, clock.now()));
}

TEST_CASE("Fernet time checks survive extreme timestamps and clocks") {
  const FernetKey key = FernetKey::generate();
  const WallTime epoch = from_unix_seconds(0);
  const WallTime far = from_unix_seconds(std::int64_t{9'000'000'000});  // year 2255
  // A token stamped before 1970 carries a huge unsigned timestamp.
  const std::string before_epoch = key.encrypt("x", from_unix_seconds(-100));
  CHECK_ERROR_CODE(key.decrypt(before_epoch, far, seconds(60)), "token_from_future");
  const std::string at_epoch = key.encrypt("x", epoch);
  CHECK_ERROR_CODE(key.decrypt(at_epoch, from_unix_seconds(-3600)), "token_from_future");
  CHECK_ERROR_CODE(key.decrypt(at_epoch, far, seconds(60)), "token_expired");
  CHECK_OK(key.decrypt(at_epoch, far, seconds(std::numeric_limits<std::int64_t>::max())));
  CHECK_ERROR_CODE(key.decrypt(at_epoch, epoch, seconds(std::numeric_limits<std::int64_t>::min())),
                   "token_expired");
}

// ---------------------------------------------------------------- keyring

TEST_CASE("FernetKeyring rotation: old tokens still decrypt, new ones use the first key") {
  FakeClock clock;
  const FernetKey old_key = FernetKey::generate();
  const FernetKey new_key = FernetKey::generate();
  const std::string old_token = old_key.encrypt("made before rotation", clock.now());

  auto ring = FernetKeyring::parse(new_key.to_string() + "," + old_key.to_string());
  REQUIRE_OK(ring);
  CHECK(ring->size() == 2);
  CHECK(ring->primary().to_string() == new_key.to_string());
  CHECK(*ring->decrypt(old_token, clock.now()) == "made before rotation");

  const std::string new_token = ring->encrypt("made after rotation", clock.now());
  CHECK(*new_key.decrypt(new_token, clock.now()) == "made after rotation");
  CHECK_ERROR_CODE(old_key.decrypt(new_token, clock.now()), "invalid_token");

  // Once the old key is dropped, its tokens no longer decrypt.
  const FernetKeyring new_only({new_key});
  CHECK_ERROR_CODE(new_only.decrypt(old_token, clock.now()), "invalid_token");
}

TEST_CASE("FernetKeyring returns the first key's error when no key fits") {
  FakeClock clock;
  const FernetKey a = FernetKey::generate();
  const FernetKey b = FernetKey::generate();
  const FernetKeyring ring({a, b});
  CHECK_ERROR_CODE(ring.decrypt(FernetKey::generate().encrypt("x", clock.now()), clock.now()),
                   "invalid_token");
  CHECK_ERROR_CODE(ring.decrypt("not a token", clock.now()), "invalid_token");

  const std::string by_a = a.encrypt("x", clock.now());
  clock.advance(seconds(120));
  CHECK_ERROR_CODE(ring.decrypt(by_a, clock.now(), seconds(60)), "token_expired");
  // Documented contract: the first key's error, even when a later key
  // authenticated the token and found it expired.
  const std::string by_b = b.encrypt("x", clock.now() - seconds(120));
  CHECK_ERROR_CODE(ring.decrypt(by_b, clock.now(), seconds(60)), "invalid_token");
}

TEST_CASE("FernetKeyring::parse trims, counts positions, and never echoes a key") {
  const std::string k1 = FernetKey::generate().to_string();
  const std::string k2 = FernetKey::generate().to_string();

  auto spaced = FernetKeyring::parse("  " + k1 + " ,\n\t" + k2 + "\r\n");
  REQUIRE_OK(spaced);
  CHECK(spaced->size() == 2);
  CHECK(spaced->primary().to_string() == k1);
  auto single = FernetKeyring::parse(k1);
  REQUIRE_OK(single);
  CHECK(single->size() == 1);

  for (const char* empty : {"", "   ", "\n", ",", " , ,\n"}) {
    CAPTURE(empty);
    auto r = FernetKeyring::parse(empty);
    CHECK_ERROR_CODE(r, "missing_key");
    CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
  }

  const std::string secretish = "hunter2-this-is-not-a-valid-key-but-is-secret";
  struct Case {
    std::string text;
    std::string position;
  };
  for (const Case& c :
       {Case{k1 + "," + secretish, "key 2 of 2"}, Case{secretish + "," + k1, "key 1 of 2"},
        Case{k1 + ",," + k2, "key 2 of 3"}, Case{k1 + "," + k2 + ",", "key 3 of 3"},
        Case{k1 + ";" + k2, "key 1 of 1"}}) {
    CAPTURE(c.text);
    auto r = FernetKeyring::parse(c.text);
    CHECK_ERROR_CODE(r, "invalid_key");
    CHECK(r.error().message().find(c.position) != std::string::npos);
    CHECK(r.error().message().find("hunter2") == std::string::npos);
    CHECK(r.error().message().find(k1.substr(0, 8)) == std::string::npos);
  }
}

TEST_CASE("FernetKeyring requires at least one key") {
  CHECK_THROWS_AS((void)FernetKeyring(std::vector<FernetKey>{}), std::invalid_argument);
}

// ---------------------------------------------------------------- tampering and fuzzing

// Every decrypt below must return invalid_token: no crash, no exception, no
// other code (a forged token must never learn about time or padding).
void check_rejected(const FernetKey& key, std::string_view token, WallTime now) {
  Result<std::string> r = Error::internal("", "");
  CHECK_NOTHROW(r = key.decrypt(token, now, seconds(60)));
  CHECK_ERROR_CODE(r, "invalid_token");
}

TEST_CASE("Fernet rejects every truncation and every single-bit flip of a valid token") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  for (std::size_t size : {0u, 1u, 16u, 33u}) {
    const std::string token = key.encrypt(std::string(size, 'p'), clock.now());
    CAPTURE(token);
    REQUIRE_OK(key.decrypt(token, clock.now(), seconds(60)));
    for (std::size_t len = 0; len < token.size(); ++len) {
      check_rejected(key, token.substr(0, len), clock.now());
    }
    for (std::size_t i = 0; i < token.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = token;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        check_rejected(key, flipped, clock.now());
      }
    }
    const std::string raw = raw_token(token);
    for (std::size_t i = 0; i < raw.size() * 8; ++i) {
      std::string flipped = raw;
      flipped[i / 8] = static_cast<char>(flipped[i / 8] ^ (1 << (i % 8)));
      check_rejected(key, base64url_encode(flipped), clock.now());
    }
    check_rejected(key, token + "=", clock.now());
    check_rejected(key, token + "AAAA", clock.now());
    check_rejected(key, " " + token, clock.now());
  }
}

TEST_CASE("Fernet rejects correctly signed tokens with a bad version or ragged ciphertext") {
  // Re-signed with the real key, so only the framing checks can catch them.
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  const std::string signing_key = raw_token(key.to_string()).substr(0, 16);
  const std::string raw = raw_token(key.encrypt("payload", clock.now()));
  const std::string body = raw.substr(0, raw.size() - 32);
  auto resign = [&](const std::string& b) {
    return base64url_encode(b + hmac_sha256(signing_key, b));
  };
  REQUIRE_OK(key.decrypt(resign(body), clock.now()));

  for (unsigned char version : {0x00, 0x7f, 0x81, 0xff}) {
    std::string b = body;
    b[0] = static_cast<char>(version);
    check_rejected(key, resign(b), clock.now());
  }
  check_rejected(key, resign(body.substr(0, body.size() - 1)), clock.now());
  check_rejected(key, resign(body + "extra"), clock.now());
  check_rejected(key, resign(body.substr(0, 25)), clock.now());  // no ciphertext at all
}

TEST_CASE("Fernet fuzz: random bytes and random base64url never decrypt or crash") {
  FakeClock clock;
  const FernetKey key = FernetKey::generate();
  std::mt19937_64 rng(20261126);  // fixed seed: a failure reproduces
  auto random_string = [&](std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s)
      c = static_cast<char>(rng() & 0xff);
    return s;
  };
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=";
  for (int i = 0; i < 3000; ++i) {
    check_rejected(key, random_string(rng() % 200), clock.now());

    std::string text(rng() % 200, 'A');
    for (char& c : text)
      c = kAlphabet[rng() % kAlphabet.size()];
    check_rejected(key, text, clock.now());

    // Well framed (version, length) but unsigned: must stop at the MAC.
    const std::string framed = "\x80" + random_string(57 - 1 + 16 * (1 + rng() % 4));
    check_rejected(key, base64url_encode(framed), clock.now());
  }
}

TEST_CASE("Fernet fuzz: correctly signed garbage ciphertext is never a crash") {
  // Signed with the real key, so decryption reaches the padding check; random
  // blocks occasionally have valid padding, which is a success, not a bug.
  FakeClock clock;
  const std::string key_bytes = raw_token(spec_key().to_string());
  std::mt19937_64 rng(42);
  int rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string body = raw_token(spec_key().encrypt("", clock.now())).substr(0, 25);
    for (std::size_t n = 0; n < 16 * (1 + rng() % 3); ++n)
      body += static_cast<char>(rng());
    const std::string token = base64url_encode(body + hmac_sha256(key_bytes.substr(0, 16), body));
    Result<std::string> r = Error::internal("", "");
    CHECK_NOTHROW(r = spec_key().decrypt(token, clock.now()));
    if (!r.ok()) {
      CHECK(r.error().code() == "invalid_token");
      ++rejected;
    }
  }
  CHECK(rejected > 1900);
}

// ---------------------------------------------------------------- interop with Python

TEST_CASE("Fernet decrypts tokens made by python3-cryptography (checked-in fixtures)") {
  const auto fixture = load_fixture("python_tokens.json");
  const auto& cases = fixture.as_object().at("cases").as_array();
  REQUIRE(cases.size() >= 4);
  bool saw_empty = false, saw_binary = false;
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    CAPTURE(str(o.at("name")));
    const FernetKey key = key_of(o.at("key"));
    const WallTime stamped = from_unix_seconds(o.at("timestamp").as_int64());
    const std::string plaintext = unhex(str(o.at("plaintext_hex")));
    const std::string token = str(o.at("token"));
    saw_empty = saw_empty || plaintext.empty();
    saw_binary = saw_binary || plaintext.find('\0') != std::string::npos;

    FakeClock clock(stamped + seconds(30));
    auto decrypted = key.decrypt(token, clock.now(), seconds(60));
    REQUIRE_OK(decrypted);
    CHECK(*decrypted == plaintext);
    // Same key, time and IV must give Python's token exactly.
    CHECK(key.encrypt_with_iv(plaintext, stamped, raw_token(token).substr(9, 16)) == token);
    clock.advance(seconds(31));
    CHECK_ERROR_CODE(key.decrypt(token, clock.now(), seconds(60)), "token_expired");
  }
  CHECK(saw_empty);
  CHECK(saw_binary);
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command line and captures stdout; stderr passes through to the
// test log so a failing interpreter explains itself.
CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.out.append(buffer, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// Keys, tokens and hex are shell-safe ([A-Za-z0-9_=-]), so plain quoting does.
std::string python(const std::string& code, const std::vector<std::string>& args) {
  std::string command = std::string(kPython) + " -c '" + code + "'";
  for (const auto& a : args)
    command += " '" + a + "'";
  return command;
}

TEST_CASE("Fernet live interop with python3-cryptography in both directions") {
  const auto probe = run_command(python("import cryptography.fernet", {}));
  INFO(
      "/usr/bin/python3 with python3-cryptography is required (apt-get install "
      "python3-cryptography); it is a build dependency, so this fails rather than skips");
  REQUIRE(probe.exit_code == 0);

  const FernetKey key = FernetKey::generate();
  const WallTime now = system_clock().now();
  std::string plaintext("\0binary\xff\xfe\x80 and text\n", 20);
  plaintext += std::string(100, 'z');

  const auto decrypted = run_command(
      python("import sys; from cryptography.fernet import Fernet; "
             "sys.stdout.write(Fernet(sys.argv[1]).decrypt(sys.argv[2], ttl=3600).hex())",
             {key.to_string(), key.encrypt(plaintext, now)}));
  REQUIRE(decrypted.exit_code == 0);
  CHECK(decrypted.out == hex_encode(plaintext));

  const auto encrypted =
      run_command(python("import sys; from cryptography.fernet import Fernet; "
                         "sys.stdout.write(Fernet(sys.argv[1]).encrypt(bytes.fromhex(sys.argv[2]))"
                         ".decode())",
                         {key.to_string(), hex_encode(plaintext)}));
  REQUIRE(encrypted.exit_code == 0);
  auto ours = key.decrypt(encrypted.out, system_clock().now(), seconds(3600));
  REQUIRE_OK(ours);
  CHECK(*ours == plaintext);
}

}  // namespace
}  // namespace scriptmesh
