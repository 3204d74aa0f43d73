// scriptmesh-agent: flag parsing and wiring only. The manifest rules live in
// libscriptmesh (scriptmesh/manifest.hpp).
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "scriptmesh/manifest.hpp"

namespace {

struct AgentFlags {
  std::string url;
  std::string key_file;
  std::string manifest;
  std::string spool = "/var/lib/scriptmesh-agent/spool";
  std::vector<std::string> tags;
  int max_concurrent = 4;
  bool check = false;
};

bool url_is_usable(const std::string& url) {
  for (const char* scheme : {"http://", "https://", "ws://", "wss://"}) {
    const std::string_view prefix(scheme);
    if (url.starts_with(prefix)) {
      return url.size() > prefix.size() && url[prefix.size()] != '/' &&
             url.find_first_of(" \t\r\n") == std::string::npos;
    }
  }
  return false;
}

// The key itself is never printed; only whether the file holds one.
std::string key_file_problem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  struct stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return "cannot read the agent key file " + path;
  }
  std::string key;
  in >> key;
  if (key.empty()) return "the agent key file " + path + " is empty";
  return {};
}

// Everything but the manifest; "" when the flags are usable.
std::string flags_problem(const AgentFlags& flags) {
  if (!url_is_usable(flags.url)) {
    // The value is not echoed: a URL may carry credentials.
    return "--url must be an http://, https://, ws:// or wss:// URL with a host";
  }
  if (auto problem = key_file_problem(flags.key_file); !problem.empty()) return problem;
  struct stat st {};
  if (::stat(flags.spool.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    return "--spool " + flags.spool + " exists and is not a directory";
  }
  for (const std::string& tag : flags.tags) {
    if (!scriptmesh::is_valid_script_name(tag)) {
      return "--tags: '" + tag + "' must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
    }
  }
  return {};
}

void add_flags(CLI::App& app, AgentFlags& flags) {
  app.add_option("--url", flags.url, "Orchestrator base URL, e.g. https://sm.example.com")
      ->envname("SCRIPTMESH_AGENT_URL")
      ->required();
  app.add_option("--key-file", flags.key_file, "File holding this agent's key")
      ->envname("SCRIPTMESH_AGENT_KEY_FILE")
      ->required();
  app.add_option("--manifest", flags.manifest, "JSON manifest of the scripts this agent may run")
      ->envname("SCRIPTMESH_AGENT_MANIFEST")
      ->required();
  app.add_option("--spool", flags.spool, "Directory spooling output until it is delivered")
      ->envname("SCRIPTMESH_AGENT_SPOOL")
      ->capture_default_str();
  app.add_option("--tags", flags.tags, "Comma-separated tags for targeting this agent")
      ->envname("SCRIPTMESH_AGENT_TAGS")
      ->delimiter(',');
  app.add_option("--max-concurrent", flags.max_concurrent, "Most scripts run at once")
      ->envname("SCRIPTMESH_AGENT_MAX_CONCURRENT")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_flag("--check", flags.check,
               "Validate the flags and the manifest, print the script names, exit");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ScriptMesh agent: runs whitelisted scripts for an orchestrator"};
  app.set_version_flag("--version", SCRIPTMESH_VERSION);
  AgentFlags flags;
  add_flags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0; usage errors 2
  }

  if (auto problem = flags_problem(flags); !problem.empty()) {
    fmt::print(stderr, "scriptmesh-agent: {}\n", problem);
    return 2;
  }
  auto manifest = scriptmesh::load_manifest_file(flags.manifest);
  if (!manifest.ok()) {
    fmt::print(stderr, "scriptmesh-agent: invalid manifest: {}\n", manifest.error().message());
    return 2;
  }
  if (flags.check) {
    for (const std::string& name : manifest->names())
      fmt::print("{}\n", name);
    return 0;
  }

  // Issue #4: connect to the orchestrator (WebSocket channel, spool, runner)
  // here; until then a run without --check stops after validation.
  fmt::print(stderr,
             "scriptmesh-agent: the orchestrator connection is not part of this build yet\n");
  return 3;
}
