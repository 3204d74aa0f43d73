#include "scriptmesh/password.hpp"

#include <optional>
#include <stdexcept>

#include <sodium.h>

namespace scriptmesh {
namespace {

static_assert(PasswordHashParams{}.ops_limit == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(PasswordHashParams{}.mem_limit == crypto_pwhash_MEMLIMIT_INTERACTIVE);

// sodium_init() is idempotent and thread-safe; calling it before first use
// makes every entry point safe without a global start-up hook.
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

bool params_in_range(const PasswordHashParams& p) {
  return p.ops_limit >= crypto_pwhash_opslimit_min() &&
         p.ops_limit <= crypto_pwhash_opslimit_max() &&
         p.mem_limit >= crypto_pwhash_memlimit_min() && p.mem_limit <= crypto_pwhash_memlimit_max();
}

// libsodium reads the stored hash as a C string of fewer than STRBYTES
// characters; anything else cannot be a hash it wrote, so it is refused here
// rather than handed over without its terminator.
std::optional<std::string> as_c_hash(std::string_view stored) {
  if (stored.size() >= crypto_pwhash_STRBYTES) return std::nullopt;
  if (stored.find('\0') != std::string_view::npos) return std::nullopt;
  return std::string(stored);
}

// An empty string_view may carry a null pointer; libsodium wants a real one.
const char* bytes_of(std::string_view s) {
  return s.data() != nullptr ? s.data() : "";
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const PasswordHashParams& params) {
  if (password.size() > kMaxPasswordBytes) {
    return Error::invalid_argument("password_too_long", "password is longer than 4096 bytes");
  }
  if (!params_in_range(params)) {
    return Error::invalid_argument("invalid_hash_params",
                                   "password hash parameters are outside libsodium's limits");
  }
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str(out, bytes_of(password), password.size(), params.ops_limit,
                        params.mem_limit) != 0) {
    return Error::internal("hash_failed", "password hashing could not allocate its memory");
  }
  return std::string(out);
}

bool verify_password(std::string_view password, std::string_view stored_hash) {
  if (password.size() > kMaxPasswordBytes) return false;
  const std::optional<std::string> hash = as_c_hash(stored_hash);
  if (!hash) return false;
  ensure_sodium();
  return crypto_pwhash_str_verify(hash->c_str(), bytes_of(password), password.size()) == 0;
}

bool password_needs_rehash(std::string_view stored_hash, const PasswordHashParams& params) {
  const std::optional<std::string> hash = as_c_hash(stored_hash);
  if (!hash) return true;
  // libsodium compares only the parameters, so an Argon2i hash at the same
  // cost would pass; the policy is Argon2id.
  if (hash->rfind(crypto_pwhash_argon2id_STRPREFIX, 0) != 0) return true;
  ensure_sodium();
  // 0: same parameters; 1: other parameters; -1: unreadable.
  return crypto_pwhash_str_needs_rehash(hash->c_str(), params.ops_limit, params.mem_limit) != 0;
}

}  // namespace scriptmesh
