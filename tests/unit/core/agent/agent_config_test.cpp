#include "scriptmesh/agent_config.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

constexpr const char* kKey = "sm_agent_c2VjcmV0LWtleS12YWx1ZQ";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A directory holding a key file, and sources naming it plus a URL and a
// manifest path, with no environment: the smallest valid configuration.
struct Setup {
  Setup() {
    write_file(dir / "agent.key", std::string(kKey) + "\n");
    sources.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    sources.flags = {{"url", "http://127.0.0.1:8080"},
                     {"key_file", (dir / "agent.key").string()},
                     {"manifest", (dir / "manifest.json").string()}};
  }

  // The error message of loading the current sources, which must fail with
  // invalid_config.
  std::string refusal() {
    auto c = load_agent_config(sources);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code() == "invalid_config");
    return c.error().message();
  }

  testing::TempDir dir;
  std::map<std::string, std::string> env;
  ConfigSources sources;
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("agent config: defaults when only the required settings are given") {
  Setup s;
  auto c = load_agent_config(s.sources);
  REQUIRE_OK(c);
  CHECK(c->url == "http://127.0.0.1:8080");
  CHECK(c->spool_dir == "/var/lib/scriptmesh-agent/spool");
  CHECK(c->tags.empty());
  CHECK(c->max_concurrent == 4);
  CHECK(c->heartbeat_sec == 0);
  CHECK(c->ca_file.empty());
  CHECK(c->disk_path == "/");
  CHECK(c->reconnect_min_ms == 1000);
  CHECK(c->reconnect_max_ms == 60000);
  CHECK(c->log_level == "info");
}

TEST_CASE("agent config: flag beats env beats file beats default") {
  Setup s;
  write_file(s.dir / "agent.json", R"({"max_concurrent": 7, "tags": ["web", "eu"],
      "heartbeat_sec": 5, "log_level": "warn", "spool": "/from/file"})");
  s.sources.file = (s.dir / "agent.json").string();
  s.env = {{"SCRIPTMESH_AGENT_MAX_CONCURRENT", "8"}, {"SCRIPTMESH_AGENT_HEARTBEAT_SEC", "6"}};
  s.sources.flags["max_concurrent"] = "9";
  auto c = load_agent_config(s.sources);
  REQUIRE_OK(c);
  CHECK(c->max_concurrent == 9);  // flag
  CHECK(c->heartbeat_sec == 6);   // env over file
  CHECK(c->log_level == "warn");  // file over default
  CHECK(c->spool_dir == "/from/file");
  CHECK(c->tags == std::vector<std::string>{"web", "eu"});
}

TEST_CASE("agent config: the required settings can all come from the environment") {
  Setup s;
  s.env = {{"SCRIPTMESH_AGENT_URL", "wss://sm.example.com/prefix"},
           {"SCRIPTMESH_AGENT_KEY_FILE", s.sources.flags["key_file"]},
           {"SCRIPTMESH_AGENT_MANIFEST", "/etc/scriptmesh/manifest.json"},
           {"SCRIPTMESH_AGENT_TAGS", "web, eu,"}};
  s.sources.flags.clear();
  auto c = load_agent_config(s.sources);
  REQUIRE_OK(c);
  CHECK(c->url == "wss://sm.example.com/prefix");
  CHECK(c->manifest == "/etc/scriptmesh/manifest.json");
  CHECK(c->tags == std::vector<std::string>{"web", "eu"});
}

TEST_CASE("agent config: a missing required setting is named with its flag and variable") {
  for (const char* key : {"url", "key_file", "manifest"}) {
    Setup s;
    s.sources.flags.erase(key);
    std::string message = s.refusal();
    INFO(message);
    CHECK(contains(message, std::string("setting '") + key + "'"));
    CHECK(contains(message, "required"));
  }
  Setup s;
  s.sources.flags.erase("key_file");
  CHECK(contains(s.refusal(), "--key-file, SCRIPTMESH_AGENT_KEY_FILE"));
}

TEST_CASE("agent config: bad values name the setting") {
  Setup s;
  struct Case {
    const char* key;
    const char* value;
  };
  const Case cases[] = {
      {"url", "ftp://example.com"},    {"url", "http://"},
      {"url", "https://user:pw@host"}, {"url", "http://host/?x=1"},
      {"url", "http://host name"},     {"max_concurrent", "0"},
      {"max_concurrent", "many"},      {"heartbeat_sec", "3601"},
      {"reconnect_min_ms", "0"},       {"reconnect_max_ms", "-5"},
      {"log_level", "verbose"},        {"tags", "web,no spaces"},
      {"ca_file", "/no/such/ca.pem"},  {"disk_path", "/no/such/disk"},
  };
  for (const Case& c : cases) {
    Setup one;
    one.sources.flags[c.key] = c.value;
    std::string message = one.refusal();
    INFO(c.key << "=" << c.value << " -> " << message);
    CHECK(contains(message, std::string("setting '") + c.key + "'"));
  }
}

TEST_CASE("agent config: cross-setting and file system checks") {
  Setup s;
  SUBCASE("reconnect_min_ms above reconnect_max_ms") {
    s.sources.flags["reconnect_min_ms"] = "5000";
    s.sources.flags["reconnect_max_ms"] = "1000";
    CHECK(contains(s.refusal(), "reconnect_max_ms"));
  }
  SUBCASE("a spool path that is a file") {
    write_file(s.dir / "spool", "x");
    s.sources.flags["spool"] = (s.dir / "spool").string();
    CHECK(contains(s.refusal(), "not a directory"));
  }
  SUBCASE("a spool directory that does not exist yet is fine: the agent creates it") {
    s.sources.flags["spool"] = (s.dir / "new" / "spool").string();
    CHECK_OK(load_agent_config(s.sources));
  }
  SUBCASE("a readable CA file is accepted") {
    write_file(s.dir / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
    s.sources.flags["ca_file"] = (s.dir / "ca.pem").string();
    CHECK_OK(load_agent_config(s.sources));
  }
}

TEST_CASE("agent config: the config file is checked strictly") {
  Setup s;
  s.sources.file = (s.dir / "agent.json").string();
  SUBCASE("an unknown key") {
    write_file(s.dir / "agent.json", R"({"max_concurent": 3})");
    CHECK(contains(s.refusal(), "max_concurent"));
  }
  SUBCASE("not JSON") {
    write_file(s.dir / "agent.json", "{nope");
    CHECK(contains(s.refusal(), "JSON object"));
  }
  SUBCASE("a value of the wrong type") {
    write_file(s.dir / "agent.json", R"({"max_concurrent": {"n": 1}})");
    CHECK(contains(s.refusal(), "max_concurrent"));
  }
  SUBCASE("a tag list holding a non-string") {
    write_file(s.dir / "agent.json", R"({"tags": ["web", 3]})");
    CHECK(contains(s.refusal(), "tags"));
  }
  SUBCASE("a missing file") {
    CHECK_ERROR_CODE(load_agent_config(s.sources), "config_unreadable");
  }
  SUBCASE("an unknown flag") {
    s.sources.file.clear();
    s.sources.flags["colour"] = "blue";
    CHECK(contains(s.refusal(), "colour"));
  }
}

TEST_CASE("agent key file: trimmed, checked, and never echoed") {
  testing::TempDir dir;
  auto path = (dir / "agent.key").string();

  write_file(path, std::string("  \t") + kKey + "\r\n\n");
  auto key = read_agent_key_file(path);
  REQUIRE_OK(key);
  CHECK(*key == kKey);

  CHECK_ERROR_CODE(read_agent_key_file((dir / "absent").string()), "key_file_unreadable");
  CHECK_ERROR_CODE(read_agent_key_file(dir.path().string()), "key_file_unreadable");

  write_file(path, " \n\t\n");
  CHECK_ERROR_CODE(read_agent_key_file(path), "invalid_key_file");

  write_file(path, std::string(kKey) + "\n" + kKey + "\n");
  auto two = read_agent_key_file(path);
  CHECK_ERROR_CODE(two, "invalid_key_file");
  CHECK_FALSE(contains(two.error().message(), kKey));
  CHECK(contains(two.error().message(), path));

  write_file(path, std::string(5000, 'k'));
  CHECK_ERROR_CODE(read_agent_key_file(path), "invalid_key_file");

  if (::geteuid() != 0) {  // root reads a 0000 file anyway
    write_file(path, kKey);
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    CHECK_ERROR_CODE(read_agent_key_file(path), "key_file_unreadable");
  }
}

TEST_CASE("agent config: a bad key file is refused under key_file without showing the key") {
  Setup s;
  write_file(s.dir / "agent.key", std::string(kKey) + " extra");
  std::string message = s.refusal();
  CHECK(contains(message, "setting 'key_file'"));
  CHECK_FALSE(contains(message, kKey));
}

TEST_CASE("agent settings: one row per setting, each with its SCRIPTMESH_AGENT_ variable") {
  const auto& settings = agent_settings();
  CHECK(settings.size() == 12);
  for (const SettingInfo& s : settings) {
    INFO(s.key);
    CHECK(std::string(s.env).rfind("SCRIPTMESH_AGENT_", 0) == 0);
    CHECK_FALSE(s.description.empty());
  }
}

}  // namespace
}  // namespace scriptmesh
