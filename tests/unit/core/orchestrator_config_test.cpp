#include "scriptmesh/orchestrator_config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

ConfigSources sources_with_env(std::map<std::string, std::string> env) {
  ConfigSources s;
  s.env = [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return s;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST_CASE("config: defaults when no source sets anything") {
  auto c = load_orchestrator_config(sources_with_env({}));
  REQUIRE_OK(c);
  CHECK(c->listen == "127.0.0.1:8080");
  CHECK(c->data_dir == "./var");
  CHECK(c->max_body_bytes == 1024 * 1024);
  CHECK_FALSE(c->dev);
}

TEST_CASE("config: flag beats env beats file beats default") {
  testing::TempDir dir;
  write_file(dir / "c.json",
             R"({"listen": "127.0.0.1:1111", "data_dir": "/from/file", "log_level": "warn",
                 "http_threads": 3})");
  auto s = sources_with_env(
      {{"SCRIPTMESH_LISTEN", "127.0.0.1:2222"}, {"SCRIPTMESH_DATA_DIR", "/from/env"}});
  s.file = (dir / "c.json").string();
  s.flags["listen"] = "127.0.0.1:3333";
  auto c = load_orchestrator_config(s);
  REQUIRE_OK(c);
  CHECK(c->listen == "127.0.0.1:3333");  // flag
  CHECK(c->data_dir == "/from/env");     // env over file
  CHECK(c->log_level == "warn");         // file over default
  CHECK(c->http_threads == 3);
  CHECK(c->sqlite_synchronous == "full");  // default
}

TEST_CASE("config: bad input names the setting") {
  testing::TempDir dir;
  SUBCASE("unknown key in the file") {
    write_file(dir / "c.json", R"({"lisen": "x"})");
    auto s = sources_with_env({});
    s.file = (dir / "c.json").string();
    auto c = load_orchestrator_config(s);
    CHECK_ERROR_CODE(c, "invalid_config");
    CHECK(c.error().message().find("lisen") != std::string::npos);
  }
  SUBCASE("file is not JSON") {
    write_file(dir / "c.json", "{nope");
    auto s = sources_with_env({});
    s.file = (dir / "c.json").string();
    CHECK_ERROR_CODE(load_orchestrator_config(s), "invalid_config");
  }
  SUBCASE("missing file") {
    auto s = sources_with_env({});
    s.file = (dir / "absent.json").string();
    CHECK_ERROR_CODE(load_orchestrator_config(s), "config_unreadable");
  }
  SUBCASE("number out of range in env") {
    auto c = load_orchestrator_config(sources_with_env({{"SCRIPTMESH_HTTP_THREADS", "99999"}}));
    CHECK_ERROR_CODE(c, "invalid_config");
    CHECK(c.error().message().find("http_threads") != std::string::npos);
  }
  SUBCASE("bad listen address") {
    auto s = sources_with_env({});
    s.flags["listen"] = "localhost";
    CHECK_ERROR_CODE(load_orchestrator_config(s), "invalid_listen");
  }
  SUBCASE("bad log level") {
    CHECK_ERROR_CODE(load_orchestrator_config(sources_with_env({{"SCRIPTMESH_LOG_LEVEL", "loud"}})),
                     "invalid_config");
  }
}

TEST_CASE("config: listen address forms") {
  auto v4 = parse_listen_address("127.0.0.1:8080");
  REQUIRE_OK(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8080);
  auto v6 = parse_listen_address("[::1]:0");
  REQUIRE_OK(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  for (const char* bad : {"", ":80", "host:", "host:65536", "::1:80", "[::1:80", "h:8o"}) {
    INFO(bad);
    CHECK_FALSE(parse_listen_address(bad).ok());
  }
}

TEST_CASE("config: every setting has an env var and a description") {
  for (const SettingInfo& s : orchestrator_settings()) {
    CHECK(s.env.starts_with("SCRIPTMESH_"));
    CHECK_FALSE(s.description.empty());
  }
}

}  // namespace
}  // namespace scriptmesh
