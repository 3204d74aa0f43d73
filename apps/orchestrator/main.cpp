// scriptmesh-orchestrator: flag parsing and wiring only. The server lives in
// libscriptmesh (scriptmesh/orchestrator.hpp).
#include <csignal>
#include <cstdio>
#include <string>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "openapi_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"ScriptMesh orchestrator: runs whitelisted scripts on remote agents"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SCRIPTMESH_VERSION);

  scriptmesh::app::ServeFlags serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the orchestrator server");
  scriptmesh::app::add_serve_flags(*serve_cmd, serve);

  CLI::App* fernet_cmd =
      app.add_subcommand("fernet", "Fernet key and token tools (keys from SCRIPTMESH_FERNET_KEYS)");
  fernet_cmd->require_subcommand(1);
  CLI::App* gen = fernet_cmd->add_subcommand("generate-key", "Print a new random key");
  CLI::App* enc = fernet_cmd->add_subcommand("encrypt", "Encrypt stdin; print the token");
  CLI::App* dec =
      fernet_cmd->add_subcommand("decrypt", "Decrypt a token read from stdin; write the plaintext");
  long long ttl = 0;
  dec->add_option("--ttl", ttl, "Reject tokens older than this many seconds")
      ->check(CLI::PositiveNumber);

  scriptmesh::app::RouteDocCommands route_docs;
  scriptmesh::app::add_route_doc_commands(app, route_docs);

  scriptmesh::app::WebhookCommands webhook;
  scriptmesh::app::add_webhook_commands(app, webhook);

  scriptmesh::app::CronCommands cron;
  scriptmesh::app::add_cron_commands(app, cron);

  CLI11_PARSE(app, argc, argv);

  if (webhook.parsed()) return scriptmesh::app::run_webhook_command(webhook);
  if (cron.parsed()) return scriptmesh::app::run_cron_preview(cron);

  if (route_docs.parsed()) return scriptmesh::app::run_route_doc_command(route_docs);

  if (serve_cmd->parsed()) return scriptmesh::app::run_serve(serve);
  if (gen->parsed()) return scriptmesh::app::run_fernet_generate_key();
  if (enc->parsed()) return scriptmesh::app::run_fernet_encrypt();
  if (dec->parsed()) return scriptmesh::app::run_fernet_decrypt(ttl);
  return 2;
}
