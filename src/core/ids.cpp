#include "scriptmesh/ids.hpp"

#include "scriptmesh/random.hpp"

namespace scriptmesh {

std::string new_id(std::string_view prefix) {
  // Crockford-style lowercase base32 of 128 random bits: 26 characters, no
  // ambiguous letters, safe in URLs and file names.
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::string bytes = random_bytes(16);
  std::string out(prefix);
  out += '_';
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31u];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31u];
  return out;
}

}  // namespace scriptmesh
