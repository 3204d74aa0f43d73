#include "scriptmesh/encoding.hpp"

#include <array>
#include <cstdint>

namespace scriptmesh {
namespace {

constexpr std::string_view kStd =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Output streams of many megabytes go through these two functions (agent
// output frames), so both write into a buffer sized up front instead of
// appending byte by byte.
std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  const std::size_t full = bytes.size() / 3;
  const std::size_t rest = bytes.size() - full * 3;
  std::size_t size = full * 4;
  if (rest > 0) size += pad ? 4 : rest + 1;
  std::string out(size, '\0');
  char* o = out.data();
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t g = 0; g < full; ++g, in += 3, o += 4) {
    const std::uint32_t v = (std::uint32_t(in[0]) << 16) | (std::uint32_t(in[1]) << 8) | in[2];
    o[0] = alphabet[(v >> 18) & 63u];
    o[1] = alphabet[(v >> 12) & 63u];
    o[2] = alphabet[(v >> 6) & 63u];
    o[3] = alphabet[v & 63u];
  }
  if (rest > 0) {
    std::uint32_t v = std::uint32_t(in[0]) << 16;
    if (rest == 2) v |= std::uint32_t(in[1]) << 8;
    *o++ = alphabet[(v >> 18) & 63u];
    *o++ = alphabet[(v >> 12) & 63u];
    if (rest == 2) *o++ = alphabet[(v >> 6) & 63u];
    if (pad) *o++ = '=';
    if (pad && rest == 1) *o++ = '=';
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
  for (std::size_t k = 0; k < alphabet.size(); ++k)
    table[std::uint8_t(alphabet[k])] = int(k);

  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
    ++pad;
  std::string_view body = text.substr(0, text.size() - pad);
  if (require_pad && text.size() % 4 != 0)
    return decode_error("base64 length is not a multiple of 4");
  if (pad > 0 && text.size() % 4 != 0) return decode_error("base64 padding is misplaced");
  if (body.size() % 4 == 1) return decode_error("base64 length is impossible");
  if (pad > 0 && (body.size() + pad) % 4 != 0) return decode_error("base64 padding is wrong");

  std::string out(body.size() / 4 * 3 + (body.size() % 4 == 0 ? 0 : body.size() % 4 - 1), '\0');
  char* o = out.data();
  const std::size_t whole = body.size() / 4 * 4;
  for (std::size_t i = 0; i < whole; i += 4, o += 3) {
    const int a = table[std::uint8_t(body[i])], b = table[std::uint8_t(body[i + 1])],
              c = table[std::uint8_t(body[i + 2])], d = table[std::uint8_t(body[i + 3])];
    if ((a | b | c | d) < 0) return decode_error("base64 text has an invalid character");
    const std::uint32_t v = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) |
                            (std::uint32_t(c) << 6) | std::uint32_t(d);
    o[0] = char((v >> 16) & 0xffu);
    o[1] = char((v >> 8) & 0xffu);
    o[2] = char(v & 0xffu);
  }
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : body.substr(whole)) {
    int v = table[std::uint8_t(c)];
    if (v < 0) return decode_error("base64 text has an invalid character");
    buffer = (buffer << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = char((buffer >> bits) & 0xffu);
    }
  }
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
    return decode_error("base64 text has non-zero trailing bits");
  }
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes, bool pad) {
  return encode(bytes, kUrl, pad);
}
Result<std::string> base64url_decode(std::string_view text) {
  return decode(text, kUrl, false);
}
std::string base64_encode(std::string_view bytes) {
  return encode(bytes, kStd, true);
}
Result<std::string> base64_decode(std::string_view text) {
  return decode(text, kStd, true);
}

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
