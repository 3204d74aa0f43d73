#include "scriptmesh/agent_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include <boost/json.hpp>

#include "core/config/settings_loader.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/manifest.hpp"

namespace scriptmesh {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

using config::invalid_setting;
using SettingRow = config::SettingRow<AgentConfig>;

Error invalid(std::string_view key, std::string_view what) {
  return invalid_setting(key, what);
}

Result<std::int64_t> parse_int(std::string_view key, const std::string& text, std::int64_t lo,
                               std::int64_t hi) {
  return config::parse_int_setting(key, text, lo, hi);
}

// "a, b,,c" -> {"a", "b", "c"}: empty items (a trailing comma) are dropped.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    items.push_back(item);
  }
  return items;
}

// Only the shape is checked here; the client parses the URL fully when it
// starts. The value is never echoed: a URL may carry a secret in its path.
Result<void> check_url(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://", "ws://", "wss://"}) {
    if (!url.starts_with(scheme)) continue;
    std::string_view rest = std::string_view(url).substr(scheme.size());
    if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
      return invalid("url", "the URL has no host");
    }
    if (url.find_first_of(" \t\r\n") != std::string::npos) {
      return invalid("url", "the URL contains white space");
    }
    if (rest.substr(0, rest.find('/')).find('@') != std::string_view::npos) {
      return invalid("url", "user information is not allowed in the URL");
    }
    if (url.find_first_of("?#") != std::string::npos) {
      return invalid("url", "the URL must not have a query or a fragment");
    }
    return ok_result();
  }
  return invalid("url", "expected an http://, https://, ws:// or wss:// URL");
}

#define SM_STRING_SETTER(member)                             \
  [](AgentConfig& c, const std::string& v) -> Result<void> { \
    c.member = v;                                            \
    return {};                                               \
  }

#define SM_INT_SETTER(member, key, lo, hi)                   \
  [](AgentConfig& c, const std::string& v) -> Result<void> { \
    auto n = parse_int(key, v, lo, hi);                      \
    SCRIPTMESH_RETURN_IF_ERROR(n);                           \
    c.member = static_cast<decltype(c.member)>(*n);          \
    return {};                                               \
  }

const std::vector<SettingRow>& rows() {
  static const std::vector<SettingRow> kRows = {
      {{"url", "SCRIPTMESH_AGENT_URL",
        "orchestrator base URL, e.g. https://sm.example.com (required)"},
       [](AgentConfig& c, const std::string& v) -> Result<void> {
         SCRIPTMESH_RETURN_IF_ERROR(check_url(v));
         c.url = v;
         return {};
       }},
      {{"key_file", "SCRIPTMESH_AGENT_KEY_FILE",
        "file holding this agent's key, re-read before each connection (required)"},
       SM_STRING_SETTER(key_file)},
      {{"manifest", "SCRIPTMESH_AGENT_MANIFEST",
        "JSON manifest of the scripts this agent may run; reloaded on SIGHUP (required)"},
       SM_STRING_SETTER(manifest)},
      {{"spool", "SCRIPTMESH_AGENT_SPOOL",
        "directory keeping output until the orchestrator has it "
        "(default /var/lib/scriptmesh-agent/spool)"},
       SM_STRING_SETTER(spool_dir)},
      {{"tags", "SCRIPTMESH_AGENT_TAGS", "comma-separated tags reported in the hello"},
       [](AgentConfig& c, const std::string& v) -> Result<void> {
         c.tags = split_list(v);
         return {};
       }},
      {{"max_concurrent", "SCRIPTMESH_AGENT_MAX_CONCURRENT",
        "most scripts run at once (default 4)"},
       SM_INT_SETTER(max_concurrent, "max_concurrent", 1, 1024)},
      {{"heartbeat_sec", "SCRIPTMESH_AGENT_HEARTBEAT_SEC",
        "seconds between heartbeats; 0 = as the orchestrator asks (default 0)"},
       SM_INT_SETTER(heartbeat_sec, "heartbeat_sec", 0, 3600)},
      {{"ca_file", "SCRIPTMESH_AGENT_CA_FILE",
        "PEM CA bundle trusted for https/wss (default: the system store)"},
       SM_STRING_SETTER(ca_file)},
      {{"disk_path", "SCRIPTMESH_AGENT_DISK_PATH",
        "file system whose use heartbeats report (default /)"},
       SM_STRING_SETTER(disk_path)},
      {{"reconnect_min_ms", "SCRIPTMESH_AGENT_RECONNECT_MIN_MS",
        "first reconnect delay bound in ms; doubles per failure (default 1000)"},
       SM_INT_SETTER(reconnect_min_ms, "reconnect_min_ms", 1, 3'600'000)},
      {{"reconnect_max_ms", "SCRIPTMESH_AGENT_RECONNECT_MAX_MS",
        "largest reconnect delay in ms (default 60000)"},
       SM_INT_SETTER(reconnect_max_ms, "reconnect_max_ms", 1, 86'400'000)},
      {{"log_level", "SCRIPTMESH_AGENT_LOG_LEVEL", "debug, info, warn or error (default info)"},
       [](AgentConfig& c, const std::string& v) -> Result<void> {
         LogLevel ignored{};
         if (!parse_log_level(v, ignored)) {
           return invalid("log_level", "expected debug, info, warn or error");
         }
         c.log_level = v;
         return {};
       }},
  };
  return kRows;
}

#undef SM_STRING_SETTER
#undef SM_INT_SETTER

Result<void> require_set(const AgentConfig& config) {
  auto missing = [](std::string_view key, std::string_view env) {
    std::string flag(key);
    for (char& c : flag) {
      if (c == '_') c = '-';
    }
    return invalid(key,
                   "is required (--" + flag + ", " + std::string(env) + " or the config file)");
  };
  if (config.url.empty()) return missing("url", "SCRIPTMESH_AGENT_URL");
  if (config.key_file.empty()) return missing("key_file", "SCRIPTMESH_AGENT_KEY_FILE");
  if (config.manifest.empty()) return missing("manifest", "SCRIPTMESH_AGENT_MANIFEST");
  return ok_result();
}

// The checks that look at the host: files and directories the settings name.
Result<void> check_paths(const AgentConfig& config) {
  if (auto key = read_agent_key_file(config.key_file); !key.ok()) {
    return invalid("key_file", key.error().message());
  }
  struct stat st {};
  if (!config.ca_file.empty() &&
      (::stat(config.ca_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
       ::access(config.ca_file.c_str(), R_OK) != 0)) {
    return invalid("ca_file", "cannot read " + config.ca_file);
  }
  if (config.spool_dir.empty()) return invalid("spool", "must not be empty");
  if (::stat(config.spool_dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    return invalid("spool", config.spool_dir + " exists and is not a directory");
  }
  if (::stat(config.disk_path.c_str(), &st) != 0) {
    return invalid("disk_path", config.disk_path + " does not exist");
  }
  return ok_result();
}

Result<void> check_values(const AgentConfig& config) {
  for (const std::string& tag : config.tags) {
    if (!is_valid_script_name(tag)) {
      return invalid("tags", "'" + tag + "' must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
    }
  }
  if (config.reconnect_min_ms > config.reconnect_max_ms) {
    return invalid("reconnect_min_ms", "must not exceed reconnect_max_ms");
  }
  return check_paths(config);
}

}  // namespace

const std::vector<SettingInfo>& agent_settings() {
  static const std::vector<SettingInfo> kInfos = config::setting_infos(rows());
  return kInfos;
}

Result<AgentConfig> load_agent_config(const ConfigSources& sources) {
  auto loaded = config::load_settings(rows(), sources);
  SCRIPTMESH_RETURN_IF_ERROR(loaded);
  SCRIPTMESH_RETURN_IF_ERROR(require_set(*loaded));
  SCRIPTMESH_RETURN_IF_ERROR(check_values(*loaded));
  return loaded;
}

Result<std::string> read_agent_key_file(const std::string& path) {
  struct stat st {};
  std::ifstream in(path, std::ios::binary);
  if (!in || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error::unavailable("key_file_unreadable", "cannot read the agent key file " + path);
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxKeyFileBytes) {
    return Error::invalid_argument("invalid_key_file",
                                   "the agent key file " + path + " is larger than 4 KiB");
  }
  const char* kSpace = " \t\r\n\v\f";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) {
    return Error::invalid_argument("invalid_key_file", "the agent key file " + path + " is empty");
  }
  std::string key = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  for (char c : key) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return Error::invalid_argument(
          "invalid_key_file",
          "the agent key file " + path + " holds more than one key, or a byte a key cannot have");
    }
  }
  return key;
}

}  // namespace scriptmesh
