// scriptmesh-orchestrator webhook sign|verify: the X-ScriptMesh-Signature
// scheme (scriptmesh/webhook_signing.hpp) from the command line, for testing a
// receiver and for tests/interop/webhook_signature_test.py.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh::app {
namespace {

std::string read_stdin_bytes() {
  std::ios::sync_with_stdio(false);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// The secret comes from the environment only, so it never shows up in `ps`.
const char* secret_from_env() {
  const char* secret = std::getenv("SCRIPTMESH_WEBHOOK_SECRET");
  if (secret == nullptr || *secret == '\0') {
    std::fprintf(stderr, "error: missing_secret: SCRIPTMESH_WEBHOOK_SECRET must be set\n");
    return nullptr;
  }
  return secret;
}

// `unix_seconds` < 0 means now.
WallTime time_or_now(long long unix_seconds) {
  return unix_seconds >= 0 ? from_unix_seconds(unix_seconds) : system_clock().now();
}

}  // namespace

int run_webhook_sign(long long timestamp) {
  const char* secret = secret_from_env();
  if (secret == nullptr) return 1;
  const std::string header =
      webhook_signature_header(secret, time_or_now(timestamp), read_stdin_bytes());
  std::printf("%s\n", header.c_str());
  return 0;
}

int run_webhook_verify(const std::string& header, long long tolerance_seconds, long long now) {
  const char* secret = secret_from_env();
  if (secret == nullptr) return 1;
  Result<void> verified =
      verify_webhook_signature(secret, header, read_stdin_bytes(), time_or_now(now),
                               std::chrono::seconds(tolerance_seconds));
  if (!verified.ok()) {
    std::fprintf(stderr, "error: %s\n", verified.error().to_string().c_str());
    return 1;
  }
  return 0;
}

void add_webhook_commands(CLI::App& app, WebhookCommands& cmds) {
  CLI::App* webhook = app.add_subcommand(
      "webhook",
      "Sign or verify X-ScriptMesh-Signature headers (secret from SCRIPTMESH_WEBHOOK_SECRET, "
      "body from stdin)");
  webhook->require_subcommand(1);
  cmds.sign = webhook->add_subcommand("sign", "Print the signature header for the body on stdin");
  cmds.sign->add_option("--timestamp", cmds.sign_at, "Unix seconds to sign at (default: now)")
      ->check(CLI::NonNegativeNumber);
  cmds.verify = webhook->add_subcommand(
      "verify", "Exit 0 when --header signs the body on stdin, else 1 with the reason");
  cmds.verify->add_option("--header", cmds.header, "The X-ScriptMesh-Signature value")->required();
  cmds.verify->add_option("--tolerance", cmds.tolerance, "Seconds t may be off (default 300)")
      ->check(CLI::NonNegativeNumber);
  cmds.verify->add_option("--now", cmds.now, "Unix seconds to verify at (default: now)")
      ->check(CLI::NonNegativeNumber);
}

bool WebhookCommands::parsed() const {
  return (sign != nullptr && sign->parsed()) || (verify != nullptr && verify->parsed());
}

int run_webhook_command(const WebhookCommands& cmds) {
  if (cmds.sign->parsed()) return run_webhook_sign(cmds.sign_at);
  return run_webhook_verify(cmds.header, cmds.tolerance, cmds.now);
}

}  // namespace scriptmesh::app
