#include <csignal>
#include <string>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "scriptmesh/orchestrator.hpp"

namespace scriptmesh::app {
namespace {

std::string flag_name(std::string_view key) {
  std::string name(key);
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return "--" + name;
}

// Blocks until SIGINT or SIGTERM. The signals are blocked first so no thread
// of the server's pool can take them.
int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

void add_serve_flags(CLI::App& cmd, ServeFlags& flags) {
  cmd.add_option("--config", flags.config_file, "JSON config file (settings below as keys)");
  cmd.add_flag("--dev", flags.dev,
               "Development mode: generate missing secrets under <data-dir>/secrets");
  for (const SettingInfo& s : orchestrator_settings()) {
    if (s.key == "dev") continue;
    std::string help = std::string(s.description) + " [env " + std::string(s.env) + "]";
    cmd.add_option_function<std::string>(
           flag_name(s.key),
           [&flags, key = std::string(s.key)](const std::string& v) { flags.settings[key] = v; },
           help)
        ->type_name(s.secret ? "SECRET" : "VALUE");
  }
}

int run_serve(const ServeFlags& flags) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ConfigSources sources;
  sources.file = flags.config_file;
  sources.flags = flags.settings;
  if (flags.dev) sources.flags["dev"] = "true";
  auto config = load_orchestrator_config(sources);
  auto bootstrap = make_logfmt_logger();
  if (!config.ok()) {
    bootstrap->error("invalid configuration", {{"error", config.error().to_string()}});
    return 2;
  }
  LogLevel level = LogLevel::kInfo;
  parse_log_level(config->log_level, level);
  auto logger = make_logfmt_logger(stderr, level);

  auto server = Orchestrator::start(*config, *logger);
  if (!server.ok()) {
    logger->error("orchestrator failed to start", {{"error", server.error().to_string()}});
    return 1;
  }
  logger->info("orchestrator ready", {{"url", (*server)->base_url()}});
  int sig = wait_for_signal(set);
  logger->info("shutting down", {{"signal", sig}});
  (*server)->stop();
  logger->info("stopped");
  return 0;
}

}  // namespace scriptmesh::app
