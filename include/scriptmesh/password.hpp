// Password hashing with Argon2id (libsodium crypto_pwhash_str).
//
// The stored string is self-describing ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"),
// so parameters can be raised later: needs_rehash() tells, after a successful
// login, whether the stored hash should be replaced with one at today's cost.
// Each hash has its own random salt, so two hashes of one password differ.
//
// Thread safety: every function is safe to call from any thread. Hashing at
// the default parameters takes 64 MiB and tens of milliseconds per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Longest password accepted, in bytes. Bounds the work an attacker can ask for.
inline constexpr std::size_t kMaxPasswordBytes = 4096;

struct PasswordHashParams {
  // Iterations (libsodium opslimit), at least 1.
  // Default: crypto_pwhash_OPSLIMIT_INTERACTIVE (checked in password.cpp).
  std::uint64_t ops_limit = 2;
  // Memory in bytes (libsodium memlimit), at least 8 KiB.
  // Default: crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB, checked in password.cpp).
  std::size_t mem_limit = 64u * 1024u * 1024u;
};

// Hashes `password` (any bytes, up to kMaxPasswordBytes) into the stored form.
// Errors:
//   invalid_argument/password_too_long - over kMaxPasswordBytes
//   invalid_argument/invalid_hash_params - params outside libsodium's limits
//   internal/hash_failed - the memory could not be had
[[nodiscard]] Result<std::string> hash_password(std::string_view password,
                                                const PasswordHashParams& params = {});

// True when `password` matches `stored_hash`. A malformed hash, or a password
// over kMaxPasswordBytes, never matches. Argon2i hashes are also accepted.
[[nodiscard]] bool verify_password(std::string_view password, std::string_view stored_hash);

// True when `stored_hash` was made with other parameters than `params`, is
// Argon2i rather than Argon2id, or has no parameters that can be read. Only
// the algorithm and parameters are looked at; call it after verify_password()
// succeeded, not as a validity check.
[[nodiscard]] bool password_needs_rehash(std::string_view stored_hash,
                                         const PasswordHashParams& params = {});

}  // namespace scriptmesh
