// Cryptographically secure randomness (libsodium's randombytes).
//
// Thread safety: every function is safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace scriptmesh {

// `n` random bytes.
std::string random_bytes(std::size_t n);

// A random secret of `n_bytes` bytes, URL-safe base64 without padding:
// what API keys, agent keys, refresh and reset tokens are made of.
std::string random_token(std::size_t n_bytes = 32);

// A uniformly random integer in [0, upper_bound); upper_bound must be > 0.
std::uint32_t random_uniform(std::uint32_t upper_bound);

// A 6-digit decimal code with leading zeros ("004217"), for e-mail verification.
std::string random_numeric_code(int digits = 6);

}  // namespace scriptmesh
