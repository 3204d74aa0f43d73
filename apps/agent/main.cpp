// scriptmesh-agent: flag parsing and wiring only. The agent lives in
// libscriptmesh (scriptmesh/agent.hpp), its settings in
// scriptmesh/agent_config.hpp.
//
// Exit status: 0 after SIGINT/SIGTERM, 1 when the agent cannot start (spool,
// CA file), 2 for a usage, configuration or manifest error, 3 when the
// orchestrator refused the agent key before the agent ever connected.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "scriptmesh/agent.hpp"

namespace {

struct Flags {
  std::string config_file;
  std::map<std::string, std::string> settings;  // setting key -> value
  bool check = false;
};

void add_flags(CLI::App& app, Flags& flags) {
  app.add_option("--config", flags.config_file, "JSON config file (settings below as keys)")
      ->envname("SCRIPTMESH_AGENT_CONFIG");
  for (const scriptmesh::SettingInfo& s : scriptmesh::agent_settings()) {
    std::string name = "--" + std::string(s.key);
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    std::string help = std::string(s.description) + " [env " + std::string(s.env) + "]";
    app.add_option_function<std::string>(
           name,
           [&flags, key = std::string(s.key)](const std::string& v) { flags.settings[key] = v; },
           help)
        ->type_name("VALUE");
  }
  app.add_flag("--check", flags.check,
               "Validate the settings and the manifest, print the script names, exit");
}

// SIGHUP reloads; SIGINT or SIGTERM stops the agent and ends the loop.
void handle_signals(const sigset_t& set, scriptmesh::Agent& agent) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      (void)agent.reload();  // the agent logs the outcome
      continue;
    }
    agent.stop();
    return;
  }
}

int run(const scriptmesh::AgentConfig& config, scriptmesh::Manifest manifest,
        const sigset_t& signals) {
  scriptmesh::LogLevel level = scriptmesh::LogLevel::kInfo;
  scriptmesh::parse_log_level(config.log_level, level);
  auto logger = scriptmesh::make_logfmt_logger(stderr, level);
  auto agent = scriptmesh::Agent::start(config, std::move(manifest), *logger);
  if (!agent.ok()) {
    logger->error("agent failed to start", {{"error", agent.error().to_string()}});
    return 1;
  }
  std::thread signal_thread([&] { handle_signals(signals, **agent); });
  auto outcome = (*agent)->wait();
  // The agent may have ended by itself; wake the signal thread (the signal is
  // blocked everywhere, so only its sigwait can take it).
  ::kill(::getpid(), SIGTERM);
  signal_thread.join();
  if (!outcome.ok()) return outcome.error().code() == "agent_key_refused" ? 3 : 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ScriptMesh agent: runs whitelisted scripts for an orchestrator"};
  app.set_version_flag("--version", SCRIPTMESH_VERSION);
  Flags flags;
  add_flags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0; usage errors 2
  }

  // Blocked before any thread starts, so every thread inherits the mask and
  // only the signal thread's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  scriptmesh::ConfigSources sources;
  sources.file = flags.config_file;
  sources.flags = flags.settings;
  auto config = scriptmesh::load_agent_config(sources);
  if (!config.ok()) {
    fmt::print(stderr, "scriptmesh-agent: {}\n", config.error().message());
    return 2;
  }
  auto manifest = scriptmesh::load_manifest_file(config->manifest);
  if (!manifest.ok()) {
    fmt::print(stderr, "scriptmesh-agent: invalid manifest: {}\n", manifest.error().message());
    return 2;
  }
  if (flags.check) {
    for (const std::string& name : manifest->names())
      fmt::print("{}\n", name);
    return 0;
  }
  return run(*config, std::move(*manifest), signals);
}
