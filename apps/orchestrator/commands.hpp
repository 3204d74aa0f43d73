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

}  // namespace scriptmesh::app
