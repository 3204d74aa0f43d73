// Password hashing with Argon2id (libsodium crypto_pwhash_str).
//
// The stored string is self-describing ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"),
// so parameters can be raised later: needs_rehash() tells, after a successful
// login, whether the stored hash should be replaced with one at today's cost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct PasswordHashParams {
  // Iterations (libsodium opslimit). Default: crypto_pwhash_OPSLIMIT_INTERACTIVE.
  std::uint64_t ops_limit = 2;
  // Memory in bytes (libsodium memlimit). Default: crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB).
  std::size_t mem_limit = 64u * 1024u * 1024u;
};

// Hashes `password`. Error: internal/hash_failed only when memory cannot be had.
[[nodiscard]] Result<std::string> hash_password(std::string_view password,
                                                const PasswordHashParams& params = {});

// True when `password` matches `stored_hash`. A malformed hash never matches.
bool verify_password(std::string_view password, std::string_view stored_hash);

// True when `stored_hash` was made with other parameters than `params`.
bool password_needs_rehash(std::string_view stored_hash, const PasswordHashParams& params = {});

}  // namespace scriptmesh
