// The orchestrator's subcommands, each a thin layer over libscriptmesh.
#pragma once

#include <map>
#include <string>

namespace CLI {
class App;
}

namespace scriptmesh::app {

struct ServeFlags {
  std::string config_file;
  std::map<std::string, std::string> settings;  // setting key -> flag value
  bool dev = false;
};

// Registers --config plus one flag per setting (generated from the settings table).
void add_serve_flags(CLI::App& cmd, ServeFlags& flags);
int run_serve(const ServeFlags& flags);

int run_fernet_generate_key();
int run_fernet_encrypt();
int run_fernet_decrypt(long long ttl_seconds);

// `webhook sign|verify`: the job webhook signature scheme from the shell.
struct WebhookCommands {
  CLI::App* sign = nullptr;
  CLI::App* verify = nullptr;
  long long sign_at = -1;  // < 0 = now
  std::string header;
  long long tolerance = 300;
  long long now = -1;  // < 0 = now
  bool parsed() const;
};
void add_webhook_commands(CLI::App& app, WebhookCommands& cmds);
int run_webhook_command(const WebhookCommands& cmds);
int run_webhook_sign(long long timestamp);  // < 0 = now
int run_webhook_verify(const std::string& header, long long tolerance_seconds, long long now);

// `cron preview`: the next run times of a cron expression (scriptmesh/cron.hpp).
struct CronCommands {
  CLI::App* preview = nullptr;
  std::string expr;
  std::string tz;
  std::string from;  // empty = now
  int count = 5;
  bool parsed() const;
};
void add_cron_commands(CLI::App& app, CronCommands& cmds);
// Prints one RFC 3339 UTC time per line; 1 with "error: <code>: <message>"
// on stderr for an invalid expression, zone, time or count.
int run_cron_preview(const CronCommands& cmds);

}  // namespace scriptmesh::app
