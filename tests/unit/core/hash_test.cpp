#include "scriptmesh/hash.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "scriptmesh/encoding.hpp"

namespace scriptmesh {
namespace {

std::string bytes_of_hex(std::string_view hex) {
  return *hex_decode(hex);
}

TEST_CASE("sha256 matches the FIPS 180-2 / NIST examples") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex(std::string_view()) == sha256_hex(""));
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 returns 32 raw bytes and sha256_hex their lowercase hex") {
  const std::string digest = sha256("abc");
  CHECK(digest.size() == 32);
  CHECK(hex_encode(digest) == sha256_hex("abc"));
  CHECK(sha256(std::string("a\0b", 3)) != sha256("a"));  // NULs are data
}

TEST_CASE("hmac_sha256 matches RFC 4231") {
  struct Case {
    const char* name;
    std::string key;
    std::string data;
    const char* mac_hex;
  };
  const std::string long_key(131, '\xaa');
  const Case cases[] = {
      {"1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2: key shorter than the output", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4", bytes_of_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"6: key longer than a block", long_key,
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"7: key and data longer than a block", long_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string mac = hmac_sha256(c.key, c.data);
    CHECK(mac.size() == 32);
    CHECK(hex_encode(mac) == c.mac_hex);
  }
}

TEST_CASE("hmac_sha256 accepts empty keys and messages") {
  constexpr const char* kEmptyEmpty =
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  CHECK(hex_encode(hmac_sha256("", "")) == kEmptyEmpty);
  CHECK(hex_encode(hmac_sha256(std::string_view(), std::string_view())) == kEmptyEmpty);
  // HMAC pads keys with zeros to the block size, so trailing NULs in a key
  // do not change the MAC; callers must not rely on key length alone.
  CHECK(hmac_sha256("", "message") == hmac_sha256(std::string(1, '\0'), "message"));
  CHECK(hmac_sha256("", "message") != hmac_sha256("k", "message"));
  CHECK(hmac_sha256("key", "") == hmac_sha256("key", std::string_view()));
}

TEST_CASE("constant_time_equal compares whole byte strings") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal(std::string_view(), std::string_view()));
  CHECK(constant_time_equal(std::string_view(), ""));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK_FALSE(constant_time_equal("a", ""));
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secret", "secreT"));   // last byte differs
  CHECK_FALSE(constant_time_equal("secret", "Secret"));   // first byte differs
  CHECK_FALSE(constant_time_equal("secret", "secret2"));  // prefix is not equal
  CHECK_FALSE(constant_time_equal("secret2", "secret"));
  CHECK(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), "a"));  // not C strings
  const std::string big(1 << 16, 'x');
  std::string other = big;
  CHECK(constant_time_equal(big, other));
  other[other.size() / 2] = 'y';
  CHECK_FALSE(constant_time_equal(big, other));
  // Each single-bit difference in a MAC-sized value is caught.
  const std::string mac = hmac_sha256("k", "m");
  for (std::size_t i = 0; i < mac.size() * 8; ++i) {
    std::string flipped = mac;
    flipped[i / 8] = static_cast<char>(flipped[i / 8] ^ (1 << (i % 8)));
    REQUIRE_FALSE(constant_time_equal(mac, flipped));
  }
}

}  // namespace
}  // namespace scriptmesh
