// Integration-test helpers: the real scriptmesh-orchestrator binary in a temp
// directory, and a JSON client for its REST API.
//
//   testing::TestOrchestrator server;                 // --dev, 127.0.0.1:0
//   testing::ApiClient api(server.port());
//   auto r = api.post("/v1/auth/register", {{"email", ...}, ...});
//   CHECK(r.status == 201);
//   std::string code = server.wait_for_email_match("ann@example.com", R"(\b(\d{6})\b)");
//
// Everything fails the running doctest case (REQUIRE) when the server does
// not come up or a request cannot be sent: a test only checks answers.
// Thread safety: one object per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "support/child_process.hpp"
#include "support/http_test_client.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

struct TestOrchestratorOptions {
  // Settings passed as flags, by setting key: {"rate_limit_default_per_min", "5"}.
  // allow_private_destinations is "true" unless given here.
  std::map<std::string, std::string> settings;
  // How long start-up may take before the test fails.
  std::chrono::milliseconds start_timeout{60'000};
  // The process's environment (besides PATH); it inherits nothing else.
  std::map<std::string, std::string> env;
};

class TestOrchestrator {
 public:
  // Starts `scriptmesh-orchestrator serve --dev` on 127.0.0.1 with a free
  // port and a data directory of its own, and waits until it is ready.
  explicit TestOrchestrator(TestOrchestratorOptions options = {});
  // Stops the server (SIGTERM) if still running; the directory goes with it.
  ~TestOrchestrator();
  TestOrchestrator(const TestOrchestrator&) = delete;
  TestOrchestrator& operator=(const TestOrchestrator&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path outbox_path() const { return data_dir_ / "outbox.jsonl"; }
  ChildProcess& process() { return *process_; }

  // Every message in <data_dir>/outbox.jsonl, oldest first.
  std::vector<boost::json::object> outbox() const;
  // Waits (up to `timeout`) for a message to `to` whose text matches
  // `pattern` (an ECMAScript regex with one capture group), newest first, and
  // answers the group. Fails the test when none arrives.
  std::string wait_for_email_match(
      const std::string& to, const std::string& pattern,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000)) const;
  // How many messages went to `to` so far.
  std::size_t emails_to(const std::string& to) const;

  // SIGTERM and wait; answers the exit status (nullopt on timeout).
  std::optional<int> stop();
  // Ends the process with SIGKILL (no shutdown at all), as a crash would.
  void kill_hard();
  // Starts the orchestrator again on the same data directory and port, after
  // stop() or kill_hard(), so connected agents find it where it was.
  void restart();

 private:
  TempDir dir_;
  std::filesystem::path data_dir_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::map<std::string, std::string> settings_;
  std::map<std::string, std::string> env_;
  std::chrono::milliseconds start_timeout_{60'000};
  int starts_ = 0;

  void launch(const std::string& listen);
};

struct ApiResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  // The body parsed as JSON; null when it is empty or not JSON.
  boost::json::value json;

  std::string header(std::string_view name) const;
  // json["error"]["code"], or "" when the body is not an error.
  std::string error_code() const;
  // A top-level string field of the JSON body, or "" when absent.
  std::string str(std::string_view key) const;
};

// A JSON client over HttpTestClient (keep-alive). Each call REQUIREs that the
// request went through and answers whatever the server said.
class ApiClient {
 public:
  // `bind_address`: connect from this local address ("127.0.0.2") to look
  // like another client; empty = the default.
  explicit ApiClient(std::uint16_t port, std::string bind_address = {});
  ~ApiClient();

  ApiResponse call(std::string_view method, std::string_view target, std::string_view body = {},
                   std::string_view bearer = {});
  ApiResponse get(std::string_view target, std::string_view bearer = {});
  ApiResponse del(std::string_view target, std::string_view bearer = {});
  ApiResponse post(std::string_view target, const boost::json::object& body,
                   std::string_view bearer = {});
  ApiResponse put(std::string_view target, const boost::json::object& body,
                  std::string_view bearer = {});
  ApiResponse patch(std::string_view target, const boost::json::object& body,
                    std::string_view bearer = {});

 private:
  std::unique_ptr<HttpTestClient> client_;
};

// An account made through the API: registered, verified and logged in.
struct TestAccount {
  std::string email;
  std::string password;
  std::string user_id;
  std::string tenant_id;
  std::string access_token;
  std::string refresh_token;
};

// Registers `email` with tenant `tenant_name`, verifies it with the code from
// the outbox and logs in. REQUIREs every step.
TestAccount sign_up(TestOrchestrator& server, ApiClient& api, const std::string& email,
                    const std::string& tenant_name,
                    const std::string& password = "correct horse battery staple");

}  // namespace scriptmesh::testing
