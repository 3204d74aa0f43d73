// Fernet: authenticated symmetric encryption of secrets at rest.
//
// Implements the published Fernet token format byte for byte, so tokens made
// here decrypt with any other Fernet implementation and the other way round:
//
//   token = base64url( 0x80 | timestamp (8 bytes, big-endian Unix seconds)
//                      | IV (16 bytes) | AES-128-CBC(PKCS7) ciphertext
//                      | HMAC-SHA256(signing key, everything before it) )
//
// A key is 32 bytes, written as URL-safe base64: the first 16 bytes sign, the
// last 16 encrypt.
//
// Errors from decrypt are all invalid_argument with code "invalid_token"
// (malformed, wrong version, bad MAC, wrong key, bad padding), except an
// expired token ("token_expired") and one stamped more than 60 s in the future
// ("token_from_future"). Never throws on any input.
//
// Thread safety: FernetKey and FernetKeyring are immutable after construction
// and safe to share between threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class FernetKey {
 public:
  // Parses a URL-safe base64 key of exactly 32 bytes. Error: invalid_argument/invalid_key.
  [[nodiscard]] static Result<FernetKey> parse(std::string_view base64url_key);
  // A new random key.
  static FernetKey generate();

  // The key as URL-safe base64 text (44 characters, padded), as parse() takes it.
  std::string to_string() const;

  // Encrypts `plaintext` stamped with `now`. The IV is random.
  std::string encrypt(std::string_view plaintext, WallTime now) const;
  // Encrypts with a caller-chosen IV (16 bytes); only for known-answer tests.
  std::string encrypt_with_iv(std::string_view plaintext, WallTime now, std::string_view iv) const;

  // Decrypts a token. When `ttl` is set, a token older than ttl is rejected.
  [[nodiscard]] Result<std::string> decrypt(std::string_view token, WallTime now,
                                            std::optional<std::chrono::seconds> ttl = {}) const;

 private:
  FernetKey(std::string signing_key, std::string encryption_key);

  std::string signing_key_;     // 16 bytes
  std::string encryption_key_;  // 16 bytes
};

// Several keys for rotation: encrypts with the first, decrypts with any.
class FernetKeyring {
 public:
  // At least one key is required.
  explicit FernetKeyring(std::vector<FernetKey> keys);

  // Parses a comma-separated list of keys (SCRIPTMESH_FERNET_KEYS); spaces and
  // newlines around keys are ignored. Errors: invalid_argument/invalid_key
  // (naming the position, never the key), or missing_key for an empty list.
  [[nodiscard]] static Result<FernetKeyring> parse(std::string_view comma_separated_keys);

  std::string encrypt(std::string_view plaintext, WallTime now) const;
  // Tries each key in order; the error is that of the first key when none fits.
  [[nodiscard]] Result<std::string> decrypt(std::string_view token, WallTime now,
                                            std::optional<std::chrono::seconds> ttl = {}) const;

  const FernetKey& primary() const { return keys_.front(); }
  std::size_t size() const { return keys_.size(); }

 private:
  std::vector<FernetKey> keys_;
};

}  // namespace scriptmesh
