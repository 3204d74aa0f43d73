#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "commands.hpp"
#include "scriptmesh/fernet.hpp"

namespace scriptmesh::app {
namespace {

std::string read_stdin() {
  std::ios::sync_with_stdio(false);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// Keys come from the environment only, so they never show up in `ps`.
Result<FernetKeyring> keyring_from_env() {
  const char* keys = std::getenv("SCRIPTMESH_FERNET_KEYS");
  if (keys == nullptr || *keys == '\0') {
    return Error::failed_precondition("missing_secret", "SCRIPTMESH_FERNET_KEYS must be set");
  }
  return FernetKeyring::parse(keys);
}

std::string trim(std::string s) {
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && is_space(s.back()))
    s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && is_space(s[start]))
    ++start;
  return s.substr(start);
}

int fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.to_string().c_str());
  return 1;
}

}  // namespace

int run_fernet_generate_key() {
  std::printf("%s\n", FernetKey::generate().to_string().c_str());
  return 0;
}

int run_fernet_encrypt() {
  auto ring = keyring_from_env();
  if (!ring.ok()) return fail(ring.error());
  std::string token = ring->encrypt(read_stdin(), system_clock().now());
  std::printf("%s\n", token.c_str());
  return 0;
}

int run_fernet_decrypt(long long ttl_seconds) {
  auto ring = keyring_from_env();
  if (!ring.ok()) return fail(ring.error());
  std::optional<std::chrono::seconds> ttl;
  if (ttl_seconds > 0) ttl = std::chrono::seconds(ttl_seconds);
  auto plain = ring->decrypt(trim(read_stdin()), system_clock().now(), ttl);
  if (!plain.ok()) return fail(plain.error());
  std::fwrite(plain->data(), 1, plain->size(), stdout);
  return 0;
}

}  // namespace scriptmesh::app
