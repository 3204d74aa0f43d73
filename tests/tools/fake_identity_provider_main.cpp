// fake-identity-provider: FakeIdentityProvider (tests/support) as a process,
// for tests that drive a browser against a real orchestrator (the
// dashboard's end-to-end tests).
//
//   fake-identity-provider <client id> <client secret> <tid> <oid> <email> [name]
//
// Serves on 127.0.0.1 (a free port), prints "authority=<url>" on one line of
// stdout once ready, signs every authorize request in as the given user,
// and runs until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <string>

#include "support/fake_identity_provider.hpp"

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr,
                 "usage: fake-identity-provider <client id> <client secret> <tid> <oid> <email> "
                 "[name]\n");
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  scriptmesh::testing::FakeIdentityProvider idp(argv[1], argv[2]);
  const std::string name = argc == 7 ? argv[6] : argv[5];
  idp.sign_in_as({argv[3], argv[4], argv[5], argv[5], name});
  std::printf("authority=%s\n", idp.authority().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
