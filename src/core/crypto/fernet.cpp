#include "scriptmesh/fernet.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>

#include <openssl/evp.h>

#include "scriptmesh/encoding.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh {
namespace {

constexpr unsigned char kVersion = 0x80;
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kHalfKeySize = kKeySize / 2;
constexpr std::size_t kTimestampSize = 8;
constexpr std::size_t kBlockSize = 16;
constexpr std::size_t kIvSize = 16;
constexpr std::size_t kMacSize = 32;
constexpr std::size_t kHeaderSize = 1 + kTimestampSize + kIvSize;
// PKCS7 always adds padding, so even an empty plaintext makes one block.
constexpr std::size_t kMinTokenSize = kHeaderSize + kBlockSize + kMacSize;
constexpr std::int64_t kMaxClockSkewSeconds = 60;
// EVP takes int lengths; larger inputs go through in pieces.
constexpr std::size_t kEvpChunk = std::size_t{1} << 30;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* as_bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// AES-128-CBC with PKCS7 padding in either direction. Empty when OpenSSL
// fails, which for decryption of well-formed input means the padding is bad.
std::optional<std::string> aes_128_cbc(bool encrypt, std::string_view key, std::string_view iv,
                                       std::string_view input) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, as_bytes(key), as_bytes(iv),
                                encrypt ? 1 : 0) != 1) {
    return std::nullopt;
  }
  std::string out(input.size() + kBlockSize, '\0');
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  std::size_t written = 0;
  for (std::size_t pos = 0; pos < input.size(); pos += kEvpChunk) {
    const std::size_t n = std::min(kEvpChunk, input.size() - pos);
    int len = 0;
    if (EVP_CipherUpdate(ctx.get(), out_bytes + written, &len, as_bytes(input) + pos,
                         static_cast<int>(n)) != 1) {
      return std::nullopt;
    }
    written += static_cast<std::size_t>(len);
  }
  int len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out_bytes + written, &len) != 1) return std::nullopt;
  out.resize(written + static_cast<std::size_t>(len));
  return out;
}

void append_big_endian(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xffu);
}

std::uint64_t read_big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (unsigned char b : bytes)
    v = (v << 8) | b;
  return v;
}

Error invalid_token(std::string message) {
  return Error::invalid_argument("invalid_token", std::move(message));
}

// Decodes the token text and checks its framing; the MAC is not checked yet.
// Padding is required, as in the reference implementation, so that every
// token has exactly one text form and a truncated one never parses.
Result<std::string> decode_token(std::string_view token) {
  if (token.size() % 4 != 0) return invalid_token("Fernet token is not padded base64url");
  auto raw = base64url_decode(token);
  if (!raw.ok()) return invalid_token("Fernet token is not valid base64url");
  const std::string& bytes = *raw;
  if (bytes.size() < kMinTokenSize) return invalid_token("Fernet token is too short");
  if (static_cast<unsigned char>(bytes[0]) != kVersion) {
    return invalid_token("Fernet token has an unknown version");
  }
  if ((bytes.size() - kHeaderSize - kMacSize) % kBlockSize != 0) {
    return invalid_token("Fernet token ciphertext is not a whole number of blocks");
  }
  return std::move(raw).value();
}

// Checked only after the MAC, so a forged token learns nothing from which
// error it gets. Written to avoid overflow for any 64-bit timestamp.
Result<void> check_timestamp(std::uint64_t stamped, WallTime now,
                             std::optional<std::chrono::seconds> ttl) {
  const std::int64_t now_seconds = to_unix_seconds(now);
  const std::int64_t latest_allowed = now_seconds + kMaxClockSkewSeconds;
  if (latest_allowed < 0 || stamped > static_cast<std::uint64_t>(latest_allowed)) {
    return Error::invalid_argument("token_from_future",
                                   "Fernet token is stamped more than 60 s in the future");
  }
  // stamped <= latest_allowed here, so it fits and the difference cannot overflow.
  const std::int64_t age = now_seconds - static_cast<std::int64_t>(stamped);
  if (ttl && age > ttl->count()) {
    return Error::invalid_argument("token_expired", "Fernet token is older than its time to live");
  }
  return ok_result();
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

FernetKey::FernetKey(std::string signing_key, std::string encryption_key)
    : signing_key_(std::move(signing_key)), encryption_key_(std::move(encryption_key)) {}

Result<FernetKey> FernetKey::parse(std::string_view base64url_key) {
  auto raw = base64url_decode(base64url_key);
  if (!raw.ok() || raw->size() != kKeySize) {
    return Error::invalid_argument("invalid_key",
                                   "a Fernet key is 32 bytes written as URL-safe base64");
  }
  return FernetKey(raw->substr(0, kHalfKeySize), raw->substr(kHalfKeySize));
}

FernetKey FernetKey::generate() {
  std::string raw = random_bytes(kKeySize);
  return FernetKey(raw.substr(0, kHalfKeySize), raw.substr(kHalfKeySize));
}

std::string FernetKey::to_string() const {
  return base64url_encode(signing_key_ + encryption_key_, /*pad=*/true);
}

std::string FernetKey::encrypt(std::string_view plaintext, WallTime now) const {
  return encrypt_with_iv(plaintext, now, random_bytes(kIvSize));
}

std::string FernetKey::encrypt_with_iv(std::string_view plaintext, WallTime now,
                                       std::string_view iv) const {
  if (iv.size() != kIvSize) throw std::invalid_argument("a Fernet IV is 16 bytes");
  auto ciphertext = aes_128_cbc(/*encrypt=*/true, encryption_key_, iv, plaintext);
  if (!ciphertext) throw std::runtime_error("AES-128-CBC encryption failed");
  std::string token;
  token.reserve(kHeaderSize + ciphertext->size() + kMacSize);
  token += static_cast<char>(kVersion);
  append_big_endian(token, static_cast<std::uint64_t>(to_unix_seconds(now)));
  token += iv;
  token += *ciphertext;
  token += hmac_sha256(signing_key_, token);
  return base64url_encode(token, /*pad=*/true);
}

Result<std::string> FernetKey::decrypt(std::string_view token, WallTime now,
                                       std::optional<std::chrono::seconds> ttl) const {
  auto decoded = decode_token(token);
  if (!decoded.ok()) return std::move(decoded).error();
  const std::string_view bytes = *decoded;
  const std::size_t signed_size = bytes.size() - kMacSize;
  if (!constant_time_equal(hmac_sha256(signing_key_, bytes.substr(0, signed_size)),
                           bytes.substr(signed_size))) {
    return invalid_token("Fernet token was altered or made with another key");
  }
  SCRIPTMESH_RETURN_IF_ERROR(
      check_timestamp(read_big_endian(bytes.substr(1, kTimestampSize)), now, ttl));
  auto plaintext =
      aes_128_cbc(/*encrypt=*/false, encryption_key_, bytes.substr(1 + kTimestampSize, kIvSize),
                  bytes.substr(kHeaderSize, signed_size - kHeaderSize));
  if (!plaintext) return invalid_token("Fernet token has invalid padding");
  return std::move(*plaintext);
}

FernetKeyring::FernetKeyring(std::vector<FernetKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("a FernetKeyring needs at least one key");
}

Result<FernetKeyring> FernetKeyring::parse(std::string_view comma_separated_keys) {
  std::vector<std::string_view> entries;
  bool any_key = false;
  for (std::size_t start = 0;;) {
    const auto comma = comma_separated_keys.find(',', start);
    entries.push_back(trim(comma_separated_keys.substr(start, comma - start)));
    any_key = any_key || !entries.back().empty();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (!any_key) return Error::invalid_argument("missing_key", "no Fernet key was given");

  // An empty entry among real keys ("new,,old") is an error rather than
  // skipped: it usually means a variable in the list expanded to nothing.
  std::vector<FernetKey> keys;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto key = FernetKey::parse(entries[i]);
    if (!key.ok()) {
      return Error::invalid_argument("invalid_key",
                                     "Fernet key " + std::to_string(i + 1) + " of " +
                                         std::to_string(entries.size()) +
                                         " is not 32 bytes written as URL-safe base64");
    }
    keys.push_back(std::move(key).value());
  }
  return FernetKeyring(std::move(keys));
}

std::string FernetKeyring::encrypt(std::string_view plaintext, WallTime now) const {
  return primary().encrypt(plaintext, now);
}

Result<std::string> FernetKeyring::decrypt(std::string_view token, WallTime now,
                                           std::optional<std::chrono::seconds> ttl) const {
  std::optional<Error> first_error;
  for (const FernetKey& key : keys_) {
    auto plaintext = key.decrypt(token, now, ttl);
    if (plaintext.ok()) return plaintext;
    if (!first_error) first_error = std::move(plaintext).error();
  }
  return std::move(*first_error);
}

}  // namespace scriptmesh
