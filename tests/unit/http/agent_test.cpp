#include "scriptmesh/agent.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <variant>

#include "core/agent/protocol.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"
#include "unit/http/ws_test_server.hpp"

namespace scriptmesh {
namespace {

using testing::ws::RecordingLogger;
using testing::ws::WsTestServer;
namespace bhttp = boost::beast::http;

constexpr const char* kKey = "sm_agent_test_key";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string manifest_json(const std::vector<std::string>& names) {
  std::string scripts;
  for (const auto& name : names) {
    if (!scripts.empty()) scripts += ",";
    scripts += "\"" + name + "\":{\"command\":[\"/bin/echo\",\"" + name + "\"]}";
  }
  return "{\"scripts\":{" + scripts + "}}";
}

// An agent's files in a temporary directory, and a config naming them.
struct AgentFiles {
  explicit AgentFiles(const std::string& url) {
    write_file(dir / "agent.key", std::string(kKey) + "\n");
    write_file(dir / "manifest.json", manifest_json({"hi"}));
    config.url = url;
    config.key_file = (dir / "agent.key").string();
    config.manifest = (dir / "manifest.json").string();
    config.spool_dir = (dir / "spool").string();
    config.tags = {"web", "eu"};
    config.reconnect_min_ms = 1;
    config.reconnect_max_ms = 20;
  }
  Manifest manifest() const {
    auto m = load_manifest_file(config.manifest);
    REQUIRE_OK(m);
    return *m;
  }

  testing::TempDir dir;
  AgentConfig config;
};

agent_protocol::Hello hello_from(const std::optional<std::string>& frame) {
  REQUIRE(frame.has_value());
  auto message = agent_protocol::decode_agent_message(*frame);
  REQUIRE_OK(message);
  REQUIRE(std::holds_alternative<agent_protocol::Hello>(*message));
  return std::get<agent_protocol::Hello>(*message);
}

TEST_CASE("agent: connects with its key, says hello with its tags and manifest, stops cleanly") {
  WsTestServer server;
  AgentFiles files(server.url());
  RecordingLogger logger;
  auto agent = Agent::start(files.config, files.manifest(), logger);
  REQUIRE_OK(agent);

  auto hello = hello_from(server.frame(0));
  CHECK(hello.tags == std::vector<std::string>{"web", "eu"});
  CHECK(hello.manifest_summary.find("\"hi\"") != std::string::npos);
  CHECK(hello.manifest_summary.find("/bin/echo") == std::string::npos);  // commands stay home
  CHECK(server.header(bhttp::field::authorization) == std::string("Bearer ") + kKey);
  CHECK(logger.wait_line("agent connected"));
  CHECK((*agent)->connected());

  (*agent)->stop();
  CHECK_FALSE((*agent)->connected());
  CHECK_OK((*agent)->wait());
  CHECK(logger.wait_line("agent stopped"));
  CHECK(logger.text().find(kKey) == std::string::npos);
}

TEST_CASE("agent: reload keeps the running manifest when the new one is broken") {
  WsTestServer server;
  AgentFiles files(server.url());
  RecordingLogger logger;
  auto agent = Agent::start(files.config, files.manifest(), logger);
  REQUIRE_OK(agent);
  hello_from(server.frame(0));

  write_file(files.config.manifest, R"({"scripts":{"bad":{"command":["relative/path"]}}})");
  auto refused = (*agent)->reload();
  CHECK_ERROR_CODE(refused, "invalid_manifest");
  CHECK(refused.error().message().find("'bad'") != std::string::npos);
  CHECK(logger.wait_line("manifest reload failed, keeping the previous one"));

  write_file(files.config.manifest, manifest_json({"hi", "bye"}));
  CHECK_OK((*agent)->reload());
  // The new manifest is re-sent at once on the open connection.
  auto again = hello_from(server.frame(1));
  CHECK(again.manifest_summary.find("\"bye\"") != std::string::npos);
  CHECK(logger.wait_line("manifest reloaded"));
}

TEST_CASE("agent: a key refused before the first connection ends it with agent_key_refused") {
  WsTestServer server;
  server.refuse_next(1000, 401);
  AgentFiles files(server.url());
  RecordingLogger logger;
  auto agent = Agent::start(files.config, files.manifest(), logger);
  REQUIRE_OK(agent);
  CHECK_ERROR_CODE((*agent)->wait(), "agent_key_refused");
  CHECK(logger.wait_line("key_file=" + files.config.key_file));
  CHECK(server.connections() == 1);
}

TEST_CASE("agent: start failures name the setting at fault") {
  AgentFiles files("http://127.0.0.1:1");
  RecordingLogger logger;
  SUBCASE("a spool that cannot be a directory") {
    write_file(files.dir / "spool", "a file");
    auto agent = Agent::start(files.config, files.manifest(), logger);
    REQUIRE_FALSE(agent.ok());
    CHECK(agent.error().message().rfind("setting 'spool': ", 0) == 0);
  }
  SUBCASE("a URL the client cannot use") {
    files.config.url = "gopher://example.com";
    auto agent = Agent::start(files.config, files.manifest(), logger);
    CHECK_ERROR_CODE(agent, "invalid_url");
    CHECK(agent.error().message().rfind("setting 'url': ", 0) == 0);
  }
  SUBCASE("a CA file that does not load") {
    files.config.url = "https://127.0.0.1:1";
    files.config.ca_file = (files.dir / "agent.key").string();  // not PEM
    auto agent = Agent::start(files.config, files.manifest(), logger);
    CHECK_ERROR_CODE(agent, "tls_failed");
    CHECK(agent.error().message().rfind("setting 'ca_file': ", 0) == 0);
  }
}

}  // namespace
}  // namespace scriptmesh
