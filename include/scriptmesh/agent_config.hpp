// AgentConfig: every setting of `scriptmesh-agent`, and where it comes from.
//
// Each setting has one JSON key in the config file, one SCRIPTMESH_AGENT_*
// environment variable and one command-line flag (the key with '_' -> '-':
// "key_file" is --key-file). Precedence, highest first:
//   command-line flag > environment variable > config file > built-in default.
//
// The table returned by agent_settings() is the single description of the
// settings: the loader and `scriptmesh-agent --help` are both built from it.
//
// The agent key itself is not a setting: only the path of the file holding
// it is. The file is read again before every connection attempt, so an
// operator who rotates the key (POST /v1/agents/{id}/rotate-key) writes the
// new key into the file and the running agent picks it up without a restart.
// The key is never logged and never appears in an error message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scriptmesh/orchestrator_config.hpp"  // ConfigSources, SettingInfo
#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct AgentConfig {
  // The orchestrator's base URL: http://, https://, ws:// or wss://, with an
  // optional path prefix ("https://ops.example.com/scriptmesh"). The agent
  // connects to <url>/v1/agent/connect; https and wss use TLS. Required.
  std::string url;
  // File holding this agent's key (sm_agent_...); surrounding whitespace is
  // ignored. Required.
  std::string key_file;
  // The manifest: the JSON file of scripts this agent may run. Required.
  std::string manifest;
  // Directory where job output and results wait until the orchestrator has
  // stored them; created when missing. The default suits a system service
  // (systemd StateDirectory=scriptmesh-agent); a user run passes --spool.
  std::string spool_dir = "/var/lib/scriptmesh-agent/spool";
  // Tags this agent reports in its hello (informational: the orchestrator's
  // record of the agent decides targeting).
  std::vector<std::string> tags;
  // Most scripts run at once (1..1024).
  int max_concurrent = 4;
  // Seconds between heartbeats; 0 = the interval the orchestrator asks for
  // in its welcome (60 s until the first welcome). 0..3600.
  int heartbeat_sec = 0;
  // PEM bundle of CAs trusted for https/wss; empty = the system trust store.
  std::string ca_file;
  // The file system whose use heartbeats report as disk_percent.
  std::string disk_path = "/";
  // Reconnect backoff: the first retry waits up to reconnect_min_ms, each
  // further failure doubles that bound up to reconnect_max_ms.
  std::int64_t reconnect_min_ms = 1000;
  std::int64_t reconnect_max_ms = 60000;
  // Minimum log level: debug, info, warn or error.
  std::string log_level = "info";
};

// Every setting, in --help order. SettingInfo::key is the JSON key; the flag
// is "--" + key with '_' -> '-'.
const std::vector<SettingInfo>& agent_settings();

// Builds the configuration from its sources (sources.flags are keyed by
// setting key) and checks it: url, key_file and manifest are set; the URL has
// a usable scheme and host; the key file is readable and holds a key (see
// read_agent_key_file); ca_file, when set, is a readable file; disk_path
// exists; spool exists as a directory or not at all; tags are valid names;
// numbers are in range and reconnect_min_ms <= reconnect_max_ms.
// The manifest's content is checked by load_manifest_file (manifest.hpp).
// Errors: invalid_argument/invalid_config, the message naming the setting
// ("setting 'key_file': ..."); unavailable/config_unreadable when the config
// file cannot be read.
[[nodiscard]] Result<AgentConfig> load_agent_config(const ConfigSources& sources);

// Reads an agent key file: at most 4 KiB, surrounding whitespace trimmed,
// the rest printable ASCII without spaces (it goes into an HTTP header).
// Errors name the path, never the content: unavailable/key_file_unreadable
// (missing, not a regular file, unreadable), invalid_argument/invalid_key_file
// (empty, too large, or a byte that cannot be part of a key).
[[nodiscard]] Result<std::string> read_agent_key_file(const std::string& path);

}  // namespace scriptmesh
