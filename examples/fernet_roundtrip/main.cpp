// Encrypts a secret with a fresh Fernet key and decrypts it again, using only
// the installed public headers of libscriptmesh.
#include <cstdio>
#include <string>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/fernet.hpp"

int main() {
  using scriptmesh::FernetKey;
  FernetKey key = FernetKey::generate();
  scriptmesh::Clock& clock = scriptmesh::system_clock();

  const std::string secret = "agent key sm_agent_example";
  std::string token = key.encrypt(secret, clock.now());
  auto plain = key.decrypt(token, clock.now());
  if (!plain.ok()) {
    std::fprintf(stderr, "decrypt failed: %s\n", plain.error().to_string().c_str());
    return 1;
  }
  if (*plain != secret) {
    std::fprintf(stderr, "round trip changed the secret\n");
    return 1;
  }
  std::printf("token: %s\nround trip ok\n", token.c_str());
  return 0;
}
