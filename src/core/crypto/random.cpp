#include "scriptmesh/random.hpp"

#include <stdexcept>

#include <sodium.h>

#include "scriptmesh/encoding.hpp"

namespace scriptmesh {
namespace {

// sodium_init() is idempotent and thread-safe; calling it before first use
// makes every entry point safe without a global start-up hook.
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::string random_bytes(std::size_t n) {
  ensure_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t n_bytes) {
  return base64url_encode(random_bytes(n_bytes), /*pad=*/false);
}

std::uint32_t random_uniform(std::uint32_t upper_bound) {
  ensure_sodium();
  return randombytes_uniform(upper_bound);
}

std::string random_numeric_code(int digits) {
  std::string out;
  out.reserve(static_cast<std::size_t>(digits));
  for (int i = 0; i < digits; ++i) out += static_cast<char>('0' + random_uniform(10));
  return out;
}

}  // namespace scriptmesh
