#include "scriptmesh/password.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <set>
#include <string>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

// libsodium's minimums (1 pass, 8 KiB), so tests that hash often stay fast
// under ASan.
constexpr PasswordHashParams kFast{1, 8 * 1024};

std::string fast_hash(std::string_view password) {
  Result<std::string> hash = hash_password(password, kFast);
  REQUIRE_OK(hash);
  return *hash;
}

TEST_CASE("Password hash and verify round trip") {
  for (std::string_view password :
       {std::string_view("correct horse battery staple"), std::string_view(""),
        std::string_view("p\xc3\xa4ss w\xc3\xb6rd \xe2\x9c\x93"),
        std::string_view("nul\0inside", 10)}) {
    CAPTURE(password);
    const std::string hash = fast_hash(password);
    CHECK(verify_password(password, hash));
  }
}

TEST_CASE("Password verify refuses a wrong password") {
  const std::string hash = fast_hash("hunter2-but-longer");
  CHECK_FALSE(verify_password("hunter2-but-longeR", hash));
  CHECK_FALSE(verify_password("hunter2-but-longer ", hash));
  CHECK_FALSE(verify_password("", hash));
  // Bytes after a NUL count: no C-string truncation anywhere.
  const std::string with_nul = fast_hash(std::string_view("abc\0def", 7));
  CHECK_FALSE(verify_password("abc", with_nul));
}

TEST_CASE("Password hash is Argon2id, records its parameters, and is salted") {
  const std::string first = fast_hash("same password");
  const std::string second = fast_hash("same password");
  CHECK(first.rfind("$argon2id$", 0) == 0);
  CHECK(first.find("$m=8,t=1,p=1$") != std::string::npos);
  CHECK(first != second);
  CHECK(verify_password("same password", first));
  CHECK(verify_password("same password", second));
}

TEST_CASE("Password malformed stored hashes never match and never crash") {
  const std::string real = fast_hash("pw");
  std::set<std::string> bad = {
      "",
      "$argon2id$",
      "$argon2id$v=19$m=8,t=1,p=1$",
      "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=19$m=8,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$argon2id$v=16$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
      "pw",
      std::string(500, '$'),
      real + "x",
      real + std::string(1, '\0'),
      std::string(real).insert(12, 1, '\0'),
  };
  for (std::size_t n = 0; n < real.size(); ++n)
    bad.insert(real.substr(0, n));
  for (std::size_t i = 0; i < real.size(); ++i) {
    std::string flipped = real;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    bad.insert(flipped);
  }
  for (const std::string& hash : bad) {
    CAPTURE(hash);
    CHECK_FALSE(verify_password("pw", hash));
    CHECK_NOTHROW((void)password_needs_rehash(hash, kFast));
  }
  // needs_rehash reads only the parameters; where there are none, it says yes.
  for (const char* unreadable : {"", "pw", "$argon2id$", "$argon2id$v=19$m=x,t=1,p=1$",
                                 "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}) {
    CAPTURE(unreadable);
    CHECK(password_needs_rehash(unreadable, kFast));
  }
}

TEST_CASE("Password over 4096 bytes is refused") {
  CHECK_OK(hash_password(std::string(kMaxPasswordBytes, 'a'), kFast));
  Result<std::string> too_long = hash_password(std::string(kMaxPasswordBytes + 1, 'a'), kFast);
  CHECK_ERROR_CODE(too_long, "password_too_long");
  CHECK(too_long.error().category() == ErrorCategory::kInvalidArgument);
  const std::string hash = fast_hash("short");
  CHECK_FALSE(verify_password(std::string(kMaxPasswordBytes + 1, 'a'), hash));
}

TEST_CASE("Password hash parameters outside libsodium's limits are refused") {
  CHECK_ERROR_CODE(hash_password("pw", {0, 8 * 1024}), "invalid_hash_params");
  CHECK_ERROR_CODE(hash_password("pw", {1, 1024}), "invalid_hash_params");
}

TEST_CASE("Password defaults are libsodium's interactive limits") {
  CHECK(PasswordHashParams{}.ops_limit == crypto_pwhash_OPSLIMIT_INTERACTIVE);
  CHECK(PasswordHashParams{}.mem_limit == crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

TEST_CASE("Password needs_rehash tells old parameters from current ones") {
  const std::string weak = fast_hash("pw");
  CHECK(password_needs_rehash(weak));
  CHECK_FALSE(password_needs_rehash(weak, kFast));
  CHECK(password_needs_rehash(weak, {1, 16 * 1024}));

  // The one hash at the (64 MiB) defaults.
  Result<std::string> current = hash_password("pw");
  REQUIRE_OK(current);
  CHECK_FALSE(password_needs_rehash(*current));
  CHECK(verify_password("pw", *current));
  CHECK_FALSE(verify_password("pW", *current));
}

TEST_CASE("Password Argon2i hashes still verify but always need a rehash") {
  REQUIRE(sodium_init() >= 0);
  char out[crypto_pwhash_argon2i_STRBYTES];
  REQUIRE(crypto_pwhash_argon2i_str(out, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN, 8 * 1024) ==
          0);
  const std::string hash = out;
  REQUIRE(hash.rfind("$argon2i$", 0) == 0);
  CHECK(verify_password("pw", hash));
  CHECK_FALSE(verify_password("pW", hash));
  CHECK(password_needs_rehash(hash, {crypto_pwhash_argon2i_OPSLIMIT_MIN, 8 * 1024}));
}

}  // namespace
}  // namespace scriptmesh
