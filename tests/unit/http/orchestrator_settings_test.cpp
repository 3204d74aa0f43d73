// The agent-channel settings of the orchestrator (heartbeat_sec,
// dispatch_timeout_sec, lease_timeout_sec): defaults, precedence flag > env >
// file > default, and bounds.
#include "scriptmesh/orchestrator_config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

ConfigSources sources(std::map<std::string, std::string> env = {},
                      std::map<std::string, std::string> flags = {}, std::string file = {}) {
  ConfigSources s;
  s.env = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  s.flags = std::move(flags);
  s.file = std::move(file);
  return s;
}

TEST_CASE("agent settings: defaults") {
  auto c = load_orchestrator_config(sources());
  REQUIRE_OK(c);
  CHECK(c->heartbeat_sec == 60);
  CHECK(c->dispatch_timeout_sec == 300);
  CHECK(c->lease_timeout_sec == 180);
}

TEST_CASE("agent settings: flag beats env beats file") {
  testing::TempDir dir;
  auto file = dir / "config.json";
  std::ofstream(file)
      << R"({"heartbeat_sec": 5, "dispatch_timeout_sec": 6, "lease_timeout_sec": 7})";
  auto from_file = load_orchestrator_config(sources({}, {}, file.string()));
  REQUIRE_OK(from_file);
  CHECK(from_file->heartbeat_sec == 5);
  CHECK(from_file->dispatch_timeout_sec == 6);
  CHECK(from_file->lease_timeout_sec == 7);

  auto from_env = load_orchestrator_config(
      sources({{"SCRIPTMESH_HEARTBEAT_SEC", "15"}, {"SCRIPTMESH_LEASE_TIMEOUT_SEC", "17"}}, {},
              file.string()));
  REQUIRE_OK(from_env);
  CHECK(from_env->heartbeat_sec == 15);
  CHECK(from_env->dispatch_timeout_sec == 6);
  CHECK(from_env->lease_timeout_sec == 17);

  auto from_flag = load_orchestrator_config(
      sources({{"SCRIPTMESH_HEARTBEAT_SEC", "15"}}, {{"heartbeat_sec", "25"}}, file.string()));
  REQUIRE_OK(from_flag);
  CHECK(from_flag->heartbeat_sec == 25);
}

TEST_CASE("agent settings: out of range or not a number names the setting") {
  for (const char* key : {"heartbeat_sec", "dispatch_timeout_sec", "lease_timeout_sec"}) {
    for (const char* bad : {"0", "-1", "x", "99999999"}) {
      INFO(key << "=" << bad);
      auto c = load_orchestrator_config(sources({}, {{key, bad}}));
      CHECK_ERROR_CODE(c, "invalid_config");
      if (!c.ok()) CHECK(c.error().message().find(key) != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace scriptmesh
