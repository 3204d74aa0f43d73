#include "support/orchestrator_fixture.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string flag_name(const std::string& key) {
  std::string name = "--" + key;
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

std::uint16_t port_from_ready_line(const std::string& line) {
  std::smatch m;
  REQUIRE(std::regex_search(line, m, std::regex(R"(url=http://127\.0\.0\.1:(\d+))")));
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

}  // namespace

// ---- TestOrchestrator ----

TestOrchestrator::TestOrchestrator(TestOrchestratorOptions options)
    : data_dir_(dir_ / "data"),
      settings_(std::move(options.settings)),
      env_(std::move(options.env)),
      start_timeout_(options.start_timeout) {
  // Tests receive webhooks and mail on loopback; a test of the refusal sets it.
  settings_.try_emplace("allow_private_destinations", "true");
  launch("127.0.0.1:0");
}

void TestOrchestrator::launch(const std::string& listen) {
  std::vector<std::string> argv = {
      SCRIPTMESH_ORCHESTRATOR_BIN, "serve", "--dev", "--listen", listen, "--data-dir",
      data_dir_.string()};
  for (const auto& [key, value] : settings_) {
    argv.push_back(flag_name(key));
    argv.push_back(value);
  }
  // Each run logs to its own files, so a restart's wait sees only its own lines.
  std::string name = starts_ == 0 ? "orchestrator" : "orchestrator-" + std::to_string(starts_);
  ++starts_;
  process_ = std::make_unique<ChildProcess>(argv, env_, dir_.path(), name);
  auto ready = process_->wait_for_stderr("orchestrator ready", start_timeout_);
  INFO(process_->stderr_text());
  REQUIRE(ready);
  port_ = port_from_ready_line(*ready);
  stopped_ = false;
}

void TestOrchestrator::kill_hard() {
  stopped_ = true;
  process_->signal(SIGKILL);
  REQUIRE(process_->wait_exit(30s).has_value());
}

void TestOrchestrator::restart() {
  REQUIRE(stopped_);
  launch("127.0.0.1:" + std::to_string(port_));
}

TestOrchestrator::~TestOrchestrator() {
  if (!stopped_) (void)stop();
}

std::optional<int> TestOrchestrator::stop() {
  stopped_ = true;
  process_->signal(SIGTERM);
  return process_->wait_exit(30s);
}

std::vector<json::object> TestOrchestrator::outbox() const {
  std::vector<json::object> out;
  std::ifstream in(outbox_path());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::error_code ec;
    json::value v = json::parse(line, ec);
    // A line still being written is picked up on the next read.
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

std::size_t TestOrchestrator::emails_to(const std::string& to) const {
  std::size_t n = 0;
  for (const auto& message : outbox()) {
    const json::value* recipient = message.if_contains("to");
    if (recipient != nullptr && recipient->is_string() && recipient->as_string() == to) ++n;
  }
  return n;
}

std::string TestOrchestrator::wait_for_email_match(const std::string& to,
                                                   const std::string& pattern,
                                                   std::chrono::milliseconds timeout) const {
  const std::regex re(pattern);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    auto messages = outbox();
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      const json::value* recipient = it->if_contains("to");
      const json::value* text = it->if_contains("text");
      if (recipient == nullptr || text == nullptr || !text->is_string()) continue;
      if (!recipient->is_string() || recipient->as_string() != to) continue;
      std::string body(text->as_string());
      std::smatch m;
      if (std::regex_search(body, m, re)) return m[1];
    }
    // Waits for another process to write, not for time to pass.
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < deadline);
  FAIL("no e-mail to " << to << " matching " << pattern);
  return {};
}

// ---- ApiResponse ----

std::string ApiResponse::header(std::string_view name) const {
  HttpTestResponse r;
  r.headers = headers;
  return r.header(name);
}

std::string ApiResponse::error_code() const {
  if (!json.is_object()) return {};
  const json::value* error = json.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return {};
  const json::value* code = error->as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : std::string();
}

std::string ApiResponse::str(std::string_view key) const {
  if (!json.is_object()) return {};
  const json::value* v = json.as_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// ---- ApiClient ----

ApiClient::ApiClient(std::uint16_t port, std::string bind_address) {
  HttpTestClientOptions options;
  options.port = port;
  options.bind_address = std::move(bind_address);
  options.timeout = 60s;  // Argon2id under a sanitizer build on a busy machine
  client_ = std::make_unique<HttpTestClient>(options);
}

ApiClient::~ApiClient() = default;

ApiResponse ApiClient::call(std::string_view method, std::string_view target, std::string_view body,
                            std::string_view bearer) {
  HeaderList headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
  auto r = client_->request(method, target, body, headers);
  INFO(method << " " << target);
  REQUIRE_OK(r);
  ApiResponse out;
  out.status = r->status;
  out.headers = std::move(r->headers);
  out.body = std::move(r->body);
  std::error_code ec;
  if (!out.body.empty()) {
    out.json = json::parse(out.body, ec);
    if (ec) out.json = nullptr;
  }
  return out;
}

ApiResponse ApiClient::get(std::string_view target, std::string_view bearer) {
  return call("GET", target, {}, bearer);
}

ApiResponse ApiClient::del(std::string_view target, std::string_view bearer) {
  return call("DELETE", target, {}, bearer);
}

ApiResponse ApiClient::post(std::string_view target, const json::object& body,
                            std::string_view bearer) {
  return call("POST", target, json::serialize(body), bearer);
}

ApiResponse ApiClient::put(std::string_view target, const json::object& body,
                           std::string_view bearer) {
  return call("PUT", target, json::serialize(body), bearer);
}

ApiResponse ApiClient::patch(std::string_view target, const json::object& body,
                             std::string_view bearer) {
  return call("PATCH", target, json::serialize(body), bearer);
}

// ---- sign_up ----

TestAccount sign_up(TestOrchestrator& server, ApiClient& api, const std::string& email,
                    const std::string& tenant_name, const std::string& password) {
  TestAccount account;
  account.email = email;
  account.password = password;
  auto reg = api.post("/v1/auth/register",
                      {{"email", email}, {"password", password}, {"tenant_name", tenant_name}});
  INFO(reg.body);
  REQUIRE(reg.status == 201);
  account.user_id = reg.str("user_id");
  account.tenant_id = reg.str("tenant_id");
  std::string code = server.wait_for_email_match(email, R"(\b(\d{6})\b)");
  auto verified = api.post("/v1/auth/verify", {{"email", email}, {"code", code}});
  INFO(verified.body);
  REQUIRE(verified.status == 200);
  auto login = api.post("/v1/auth/login", {{"email", email}, {"password", password}});
  INFO(login.body);
  REQUIRE(login.status == 200);
  account.access_token = login.str("access_token");
  account.refresh_token = login.str("refresh_token");
  return account;
}

}  // namespace scriptmesh::testing
