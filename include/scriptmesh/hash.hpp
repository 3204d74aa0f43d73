// Digests, MACs and constant-time comparison (OpenSSL and libsodium).
#pragma once

#include <string>
#include <string_view>

namespace scriptmesh {

// SHA-256 of `bytes`: 32 raw bytes.
std::string sha256(std::string_view bytes);
// SHA-256 as 64 lowercase hex characters; what secrets are stored as when only
// equality must be checked later (API keys, refresh tokens, agent key lookups).
std::string sha256_hex(std::string_view bytes);

// HMAC-SHA256(key, message): 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// True when a and b are equal. Time depends only on the lengths, never on
// where the first difference is, so secrets cannot be guessed byte by byte.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace scriptmesh
