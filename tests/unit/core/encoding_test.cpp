#include "scriptmesh/encoding.hpp"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "scriptmesh/ids.hpp"
#include "scriptmesh/random.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

// RFC 4648 section 10 test vectors.
struct Vector {
  std::string bytes;
  std::string base64;
  std::string base16;
};
const std::vector<Vector> kRfc4648 = {
    {"", "", ""},
    {"f", "Zg==", "66"},
    {"fo", "Zm8=", "666f"},
    {"foo", "Zm9v", "666f6f"},
    {"foob", "Zm9vYg==", "666f6f62"},
    {"fooba", "Zm9vYmE=", "666f6f6261"},
    {"foobar", "Zm9vYmFy", "666f6f626172"},
};

std::string strip_padding(std::string s) {
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  return s;
}

void check_invalid(const Result<std::string>& r) {
  CHECK_ERROR_CODE(r, "invalid_encoding");
  CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
}

// Malformed for both alphabets, padded or not.
const std::vector<std::string> kMalformedBase64 = {
    "Zm9v!A==",               // character outside every alphabet
    "Zm9v YmFy",              // space
    "Zm9v\nYmFy",             // newline
    "Zm9vYmFy\n",             // trailing newline
    std::string("Zg\0=", 4),  // NUL
    "Zm9v\xc3\xa9",           // non-ASCII
    "Z",                      // one symbol can never be a whole byte
    "Zm9vY",                  // 4n+1 symbols
    "Zm9vY===",               // ... padded to look right
    "=",                      // padding only
    "====",                   //
    "Zg=",                    // padding on an incomplete quantum
    "Zg=v",                   // padding inside the text
    "=Zg=",                   //
    "Zg===",                  // too much padding
    "Zm9v=",                  // padding after a complete quantum
    "Zm9v====",               //
    "Zg==Zg==",               // two padded texts glued together
    "Zh==",                   // non-zero trailing bits (one byte)
    "Zm9=",                   // non-zero trailing bits (two bytes)
    "Zm9vYmFyZh==",           //
    "Zm8==",                  // wrong padding length
};

TEST_CASE("base64 encodes the RFC 4648 vectors, always padded") {
  for (const auto& v : kRfc4648) {
    CAPTURE(v.bytes);
    CHECK(base64_encode(v.bytes) == v.base64);
    auto decoded = base64_decode(v.base64);
    REQUIRE_OK(decoded);
    CHECK(*decoded == v.bytes);
  }
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_encode("\xff\xff\xfe") == "///+");
  CHECK(*base64_decode("+/8=") == "\xfb\xff");
  CHECK(*base64_decode("///+") == "\xff\xff\xfe");
}

TEST_CASE("base64 decoding requires padding and the standard alphabet") {
  for (const auto& v : kRfc4648) {
    if (v.base64.ends_with('=')) check_invalid(base64_decode(strip_padding(v.base64)));
  }
  check_invalid(base64_decode("-_8="));
  check_invalid(base64_decode("___-"));
  for (const auto& text : kMalformedBase64) {
    CAPTURE(text);
    check_invalid(base64_decode(text));
  }
}

TEST_CASE("base64url encodes the RFC 4648 vectors with or without padding") {
  for (const auto& v : kRfc4648) {
    CAPTURE(v.bytes);
    CHECK(base64url_encode(v.bytes) == v.base64);
    CHECK(base64url_encode(v.bytes, /*pad=*/false) == strip_padding(v.base64));
    for (const auto& text : {v.base64, strip_padding(v.base64)}) {
      auto decoded = base64url_decode(text);
      REQUIRE_OK(decoded);
      CHECK(*decoded == v.bytes);
    }
  }
  CHECK(base64url_encode("\xfb\xff") == "-_8=");
  CHECK(base64url_encode("\xff\xff\xfe") == "___-");
  CHECK(base64url_encode("\xfb\xff", false) == "-_8");
  CHECK(*base64url_decode("-_8=") == "\xfb\xff");
  CHECK(*base64url_decode("-_8") == "\xfb\xff");
  CHECK(*base64url_decode("___-") == "\xff\xff\xfe");
}

TEST_CASE("base64url decoding rejects the standard alphabet and every malformation") {
  check_invalid(base64url_decode("+/8="));
  check_invalid(base64url_decode("///+"));
  check_invalid(base64url_decode("Zh"));   // trailing bits, unpadded
  check_invalid(base64url_decode("Zm9"));  //
  for (const auto& text : kMalformedBase64) {
    CAPTURE(text);
    check_invalid(base64url_decode(text));
  }
}

TEST_CASE("base64 and base64url round-trip every length and every byte value") {
  std::mt19937 rng(4648);
  for (std::size_t n = 0; n <= 70; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes)
      c = static_cast<char>(rng());
    CAPTURE(n);
    CHECK(*base64_decode(base64_encode(bytes)) == bytes);
    CHECK(*base64url_decode(base64url_encode(bytes)) == bytes);
    CHECK(*base64url_decode(base64url_encode(bytes, false)) == bytes);
    CHECK(base64_encode(bytes).size() == (n + 2) / 3 * 4);
    CHECK(base64url_encode(bytes, false).size() == (n * 4 + 2) / 3);
  }
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  CHECK(*base64_decode(base64_encode(all)) == all);
  CHECK(*base64url_decode(base64url_encode(all)) == all);
  CHECK(base64url_encode(all).find_first_of("+/") == std::string::npos);
}

TEST_CASE("hex encodes the RFC 4648 base16 vectors in lowercase and decodes either case") {
  for (const auto& v : kRfc4648) {
    CAPTURE(v.bytes);
    CHECK(hex_encode(v.bytes) == v.base16);
    CHECK(*hex_decode(v.base16) == v.bytes);
  }
  CHECK(*hex_decode("666F6F626172") == "foobar");
  CHECK(*hex_decode("666F6f626172") == "foobar");
  CHECK(hex_encode(std::string("\x00\x7f\x80\xff", 4)) == "007f80ff");
  CHECK(*hex_decode("007F80FF") == std::string("\x00\x7f\x80\xff", 4));
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  CHECK(*hex_decode(hex_encode(all)) == all);
}

TEST_CASE("hex decoding rejects odd lengths and non-hex characters") {
  for (const std::string& text :
       {std::string("6"), std::string("666"), std::string("6g"), std::string("g6"),
        std::string("0x66"), std::string(" 66"), std::string("66 "), std::string("66\n"),
        std::string("-1"), std::string("zz"), std::string("\xff\xff"), std::string("6\0", 2)}) {
    CAPTURE(text);
    check_invalid(hex_decode(text));
  }
}

// random_token, random_numeric_code and new_id are text formats built on the
// encodings above; they are checked here for their shape.
TEST_CASE("random_token is unpadded base64url of the requested number of bytes") {
  const std::string default_token = random_token();
  CHECK(default_token.size() == 43);
  for (std::size_t n : {0u, 1u, 2u, 3u, 16u, 32u, 48u}) {
    CAPTURE(n);
    const std::string token = random_token(n);
    CHECK(token.size() == (n * 4 + 2) / 3);
    CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_") == std::string::npos);
    auto decoded = base64url_decode(token);
    REQUIRE_OK(decoded);
    CHECK(decoded->size() == n);
  }
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i)
    seen.insert(random_token(16));
  CHECK(seen.size() == 1000);
}

TEST_CASE("random_numeric_code is fixed-width decimal with leading zeros") {
  CHECK(random_numeric_code().size() == 6);
  CHECK(random_numeric_code(0).empty());
  std::set<char> first_digits;
  std::set<char> digits_seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string code = random_numeric_code();
    REQUIRE(code.size() == 6);
    REQUIRE(code.find_first_not_of("0123456789") == std::string::npos);
    first_digits.insert(code.front());
    digits_seen.insert(code.begin(), code.end());
  }
  CHECK(first_digits.count('0') == 1);  // leading zeros are kept, not dropped
  CHECK(digits_seen.size() == 10);
  for (int width : {1, 4, 8, 12}) {
    const std::string code = random_numeric_code(width);
    CHECK(code.size() == static_cast<std::size_t>(width));
    CHECK(code.find_first_not_of("0123456789") == std::string::npos);
  }
}

TEST_CASE("random_uniform stays below its bound") {
  for (int i = 0; i < 100; ++i)
    CHECK(random_uniform(1) == 0u);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto v = random_uniform(7);
    REQUIRE(v < 7u);
    seen.insert(v);
  }
  CHECK(seen.size() == 7);
}

TEST_CASE("new_id is the prefix, an underscore and 26 lowercase Crockford base32 characters") {
  constexpr std::string_view kCrockford = "0123456789abcdefghjkmnpqrstvwxyz";
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_id("job");
    REQUIRE(id.size() == 4 + 26);
    REQUIRE(id.starts_with("job_"));
    REQUIRE(id.find_first_not_of(kCrockford, 4) == std::string::npos);
    // 128 bits fill 25 symbols and 3 bits of the last, whose low 2 bits are zero.
    REQUIRE(kCrockford.find(id.back()) % 4 == 0);
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  CHECK(new_id("tnt").starts_with("tnt_"));
}

}  // namespace
}  // namespace scriptmesh
