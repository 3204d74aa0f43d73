#include "scriptmesh/encoding.hpp"

#include <array>
#include <cstdint>

namespace scriptmesh {
namespace {

constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) |
                      std::uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63u];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= std::uint8_t(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63u];
    out += alphabet[(v >> 12) & 63u];
    if (rest == 2) out += alphabet[(v >> 6) & 63u];
    if (pad) out.append(rest == 1 ? 2 : 1, '=');
  }
  return out;
}

Result<std::string> decode_error(const char* what) {
  return Error::invalid_argument("invalid_encoding", what);
}

// Decodes base64 in `alphabet`. Padding is required when `require_pad`,
// optional otherwise; unused low bits of the last symbol must be zero so each
// byte string has exactly one encoding.
Result<std::string> decode(std::string_view text, std::string_view alphabet, bool require_pad) {
  std::array<int, 256> table;
  table.fill(-1);
  for (std::size_t k = 0; k < alphabet.size(); ++k) table[std::uint8_t(alphabet[k])] = int(k);

  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string_view body = text.substr(0, text.size() - pad);
  if (require_pad && text.size() % 4 != 0) return decode_error("base64 length is not a multiple of 4");
  if (pad > 0 && text.size() % 4 != 0) return decode_error("base64 padding is misplaced");
  if (body.size() % 4 == 1) return decode_error("base64 length is impossible");
  if (pad > 0 && (body.size() + pad) % 4 != 0) return decode_error("base64 padding is wrong");

  std::string out;
  out.reserve(body.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : body) {
    int v = table[std::uint8_t(c)];
    if (v < 0) return decode_error("base64 text has an invalid character");
    buffer = (buffer << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buffer >> bits) & 0xffu);
    }
  }
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
    return decode_error("base64 text has non-zero trailing bits");
  }
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes, bool pad) { return encode(bytes, kUrl, pad); }
Result<std::string> base64url_decode(std::string_view text) { return decode(text, kUrl, false); }
std::string base64_encode(std::string_view bytes) { return encode(bytes, kStd, true); }
Result<std::string> base64_decode(std::string_view text) { return decode(text, kStd, true); }

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

Result<std::string> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) return decode_error("hex text has an odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return decode_error("hex text has an invalid character");
    out += char(hi << 4 | lo);
  }
  return out;
}

}  // namespace scriptmesh
