#include "http/agent_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/agent/protocol.hpp"
#include "support/fake_clock.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"
#include "unit/http/ws_test_server.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
namespace websocket = boost::beast::websocket;
namespace bhttp = boost::beast::http;
using Millis = std::chrono::milliseconds;

using testing::ws::kPatience;
using testing::ws::RecordingLogger;
using testing::ws::wait_for;
using testing::ws::WsTestServer;

// Records every call the client makes; the test sends through it.
class RecordingHandler final : public AgentSessionHandler {
 public:
  // Runs inside connected(), on the client's I/O thread.
  std::function<void(FrameSender&, int connection)> on_connected;

  void connected(FrameSender& sender) override {
    int n = 0;
    {
      std::lock_guard lock(mu_);
      sender_ = &sender;
      n = ++connects_;
    }
    if (on_connected) on_connected(sender, n);
    cv_.notify_all();
  }
  void received(std::string_view frame) override {
    std::lock_guard lock(mu_);
    if (frame == "welcome-fast") heartbeat_sec_ = 1;
    frames_.emplace_back(frame);
    cv_.notify_all();
  }
  void disconnected() override {
    std::lock_guard lock(mu_);
    sender_ = nullptr;
    ++disconnects_;
    cv_.notify_all();
  }
  void heartbeat() override {
    std::lock_guard lock(mu_);
    ++heartbeats_;
    cv_.notify_all();
  }
  int heartbeat_sec() const override { return heartbeat_sec_; }

  // Sends from the test thread, holding the lock as the AgentRuntime does.
  bool send(std::string frame) {
    std::lock_guard lock(mu_);
    return sender_ != nullptr && sender_->send(std::move(frame));
  }
  bool wait_connects(int n) {
    return wait_for(mu_, cv_, [&] { return connects_ >= n; });
  }
  bool wait_disconnects(int n) {
    return wait_for(mu_, cv_, [&] { return disconnects_ >= n; });
  }
  bool wait_heartbeats(int n, Millis timeout = kPatience) {
    return wait_for(
        mu_, cv_, [&] { return heartbeats_ >= n; }, timeout);
  }
  std::optional<std::string> frame(std::size_t index) {
    if (!wait_for(mu_, cv_, [&] { return frames_.size() > index; })) return std::nullopt;
    std::lock_guard lock(mu_);
    return frames_[index];
  }
  int connects() {
    std::lock_guard lock(mu_);
    return connects_;
  }
  int disconnects() {
    std::lock_guard lock(mu_);
    return disconnects_;
  }
  std::size_t frames() {
    std::lock_guard lock(mu_);
    return frames_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  FrameSender* sender_ = nullptr;    // guarded by mu_
  int connects_ = 0;                 // guarded by mu_
  int disconnects_ = 0;              // guarded by mu_
  int heartbeats_ = 0;               // guarded by mu_
  std::vector<std::string> frames_;  // guarded by mu_
  std::atomic<int> heartbeat_sec_{60};
};

// Records the backoff delays the client chooses.
struct DelayLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Millis> delays;  // guarded by mu

  std::function<void(Millis)> recorder() {
    return [this](Millis d) {
      std::lock_guard lock(mu);
      delays.push_back(d);
      cv.notify_all();
    };
  }
  std::vector<Millis> wait_count(std::size_t n) {
    wait_for(mu, cv, [&] { return delays.size() >= n; });
    std::lock_guard lock(mu);
    return delays;
  }
};

AgentClientOptions options_for(const std::string& url) {
  AgentClientOptions o;
  o.url = url;
  o.read_key = []() -> Result<std::string> { return std::string("sm_agent_k1"); };
  o.backoff_min = 1ms;
  o.backoff_max = 5ms;
  o.random = [] { return 1.0; };
  return o;
}

// A client, the handler and logger it reports to, and a fake clock.
struct Rig {
  explicit Rig(AgentClientOptions options) {
    auto created = AgentClient::create(std::move(options), handler, logger, clock);
    REQUIRE_OK(created);
    client = std::move(*created);
  }
  RecordingHandler handler;
  RecordingLogger logger;
  testing::FakeClock clock;
  std::unique_ptr<AgentClient> client;
};

TEST_CASE("agent client: the handshake carries the key as a Bearer token to the connect path") {
  WsTestServer server;
  Rig rig(options_for(server.url() + "/base/"));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  CHECK(rig.client->connected());
  CHECK(server.header(bhttp::field::authorization) == "Bearer sm_agent_k1");
  CHECK(server.target() == "/base/v1/agent/connect");
  CHECK(server.header(bhttp::field::user_agent).rfind("scriptmesh/", 0) == 0);
  const std::string endpoint =
      "ws://127.0.0.1:" + std::to_string(server.port()) + "/base/v1/agent/connect";
  CHECK(rig.client->endpoint() == endpoint);
  CHECK(rig.logger.wait_line("agent connected url=" + endpoint));
}

TEST_CASE("agent client: frames pass both ways, in order") {
  WsTestServer server;
  Rig rig(options_for(server.url()));
  rig.handler.on_connected = [](FrameSender& sender, int) { CHECK(sender.send("hello")); };
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  CHECK(server.frame(0) == "hello");

  server.send("welcome");
  server.send("dispatch");
  CHECK(rig.handler.frame(0) == "welcome");
  CHECK(rig.handler.frame(1) == "dispatch");

  // From another thread, faster than one write completes: they queue.
  for (int i = 0; i < 200; ++i)
    REQUIRE(rig.handler.send("frame " + std::to_string(i)));
  for (int i = 0; i < 200; ++i) {
    auto frame = server.frame(1 + static_cast<std::size_t>(i));
    REQUIRE(frame.has_value());
    CHECK(*frame == "frame " + std::to_string(i));
  }
}

TEST_CASE("agent client: a dropped connection is reconnected and the handler sees both ends") {
  WsTestServer server;
  Rig rig(options_for(server.url()));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  server.drop();
  REQUIRE(rig.handler.wait_disconnects(1));
  REQUIRE(rig.handler.wait_connects(2));
  CHECK(server.wait_sessions(2));
  CHECK(rig.logger.wait_line("agent disconnected reason="));
  CHECK(rig.client->connected());
}

TEST_CASE("agent client: the reconnect backoff doubles from its minimum up to its cap") {
  WsTestServer server;
  server.refuse_next(1000, 503);
  DelayLog log;
  auto options = options_for(server.url());
  options.backoff_min = 10ms;
  options.backoff_max = 40ms;
  options.on_retry_scheduled = log.recorder();
  std::vector<Millis> expected;
  SUBCASE("the top of each jitter range") {
    options.random = [] { return 1.0; };
    expected = {10ms, 20ms, 40ms, 40ms, 40ms};
  }
  SUBCASE("full jitter draws below the bound") {
    options.random = [] { return 0.5; };
    expected = {5ms, 10ms, 20ms, 20ms, 20ms};
  }
  Rig rig(std::move(options));
  rig.client->start();
  auto delays = log.wait_count(expected.size());
  delays.resize(expected.size());
  CHECK(delays == expected);
  CHECK(rig.handler.connects() == 0);
  CHECK(rig.logger.wait_line("agent connect failed reason=the orchestrator answered HTTP 503"));
  rig.client->stop();
  CHECK_OK(rig.client->wait());
}

TEST_CASE("agent client: a connection that lasted resets the backoff, a short one does not") {
  WsTestServer server;
  server.refuse_next(2, 503);
  DelayLog log;
  auto options = options_for(server.url());
  options.backoff_min = 10ms;
  options.backoff_max = 1000ms;
  options.stable_after = 30s;
  options.on_retry_scheduled = log.recorder();
  Rig rig(std::move(options));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  REQUIRE(log.wait_count(2) == std::vector<Millis>{10ms, 20ms});

  Millis after_drop{};
  SUBCASE("short") {
    rig.clock.advance(29s);
    server.drop();
    after_drop = log.wait_count(3).at(2);
    CHECK(after_drop == 40ms);
  }
  SUBCASE("lasted") {
    rig.clock.advance(30s);
    server.drop();
    after_drop = log.wait_count(3).at(2);
    CHECK(after_drop == 10ms);
  }
  CHECK(rig.handler.wait_connects(2));
}

TEST_CASE("agent client: a key refused before any connection ends the client") {
  WsTestServer server;
  server.refuse_next(1000, 401);
  Rig rig(options_for(server.url()));
  rig.client->start();
  auto outcome = rig.client->wait();
  CHECK_ERROR_CODE(outcome, "agent_key_refused");
  CHECK(outcome.error().category() == ErrorCategory::kUnauthenticated);
  CHECK(outcome.error().message().find("HTTP 401 (invalid_token)") != std::string::npos);
  CHECK(rig.handler.connects() == 0);
  CHECK(server.connections() == 1);  // no retry
  CHECK(rig.logger.wait_line("agent key refused"));
  CHECK(rig.logger.text().find("sm_agent_k1") == std::string::npos);
}

TEST_CASE(
    "agent client: a key refused after a connection waits long, and retry_now cuts it short") {
  WsTestServer server;
  DelayLog log;
  auto options = options_for(server.url());
  options.backoff_min = 10ms;
  options.backoff_max = 20s;
  options.random = [] { return 0.0; };
  options.on_retry_scheduled = log.recorder();
  std::atomic<int> key_reads{0};
  options.read_key = [&key_reads]() -> Result<std::string> {
    return "sm_agent_k" + std::to_string(++key_reads);
  };
  Rig rig(std::move(options));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));

  server.refuse_next(1, 403);
  server.drop();
  // The drop retries at once (jitter 0); that attempt is refused: 10..20 s.
  CHECK(log.wait_count(2) == std::vector<Millis>{0ms, 10s});
  CHECK(rig.logger.wait_line("agent key refused reason=the orchestrator refused the agent key"));
  CHECK(rig.handler.connects() == 1);

  rig.client->retry_now();
  REQUIRE(rig.handler.wait_connects(2));
  // The key is read again for every attempt (a rotated key is picked up).
  CHECK(server.header(bhttp::field::authorization) == "Bearer sm_agent_k3");
}

TEST_CASE("agent client: heartbeats follow the option, or the handler once a frame changes it") {
  WsTestServer server;
  auto options = options_for(server.url());
  SUBCASE("a fixed interval") {
    options.heartbeat_interval = 20ms;
    Rig rig(std::move(options));
    rig.client->start();
    CHECK(rig.handler.wait_heartbeats(3));
  }
  SUBCASE("the handler's interval, re-read after each frame") {
    Rig rig(std::move(options));
    rig.client->start();
    REQUIRE(rig.handler.wait_connects(1));
    server.send("welcome-fast");  // the handler now says 1 s instead of 60 s
    CHECK(rig.handler.wait_heartbeats(1, 5s));
  }
}

TEST_CASE("agent client: stop closes with a close frame and wait() reports a clean end") {
  WsTestServer server;
  Rig rig(options_for(server.url()));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  rig.client->stop();
  CHECK(rig.handler.disconnects() == 1);
  CHECK_FALSE(rig.client->connected());
  CHECK(server.wait_close_code() == static_cast<int>(websocket::close_code::going_away));
  CHECK_OK(rig.client->wait());
  CHECK(rig.logger.wait_line("agent disconnected reason=stopped"));
  CHECK_FALSE(rig.handler.send("late"));
  rig.client->stop();  // idempotent
}

TEST_CASE("agent client: stop while waiting to reconnect ends at once") {
  WsTestServer server;
  server.refuse_next(1000, 503);
  DelayLog log;
  auto options = options_for(server.url());
  options.backoff_min = 1h;
  options.backoff_max = 1h;
  options.on_retry_scheduled = log.recorder();
  Rig rig(std::move(options));
  rig.client->start();
  REQUIRE(log.wait_count(1).size() == 1);
  auto began = std::chrono::steady_clock::now();
  rig.client->stop();
  CHECK(std::chrono::steady_clock::now() - began < 5s);
  CHECK_OK(rig.client->wait());
}

TEST_CASE("agent client: a frame above kMaxFrameBytes from the orchestrator drops the connection") {
  WsTestServer server;
  Rig rig(options_for(server.url()));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  server.send(std::string(agent_protocol::kMaxFrameBytes + 1, 'x'));
  REQUIRE(rig.handler.wait_disconnects(1));
  CHECK(rig.handler.frames() == 0);
  CHECK(rig.logger.wait_line("the orchestrator sent a frame larger than"));
  CHECK(rig.handler.wait_connects(2));
}

TEST_CASE("agent client: an outgoing queue past its cap drops the connection instead of growing") {
  WsTestServer server;
  auto options = options_for(server.url());
  options.max_queued_bytes = 1000;
  Rig rig(std::move(options));
  std::vector<bool> accepted;
  // Inside connected() the I/O thread cannot write, so the queue only grows.
  rig.handler.on_connected = [&accepted](FrameSender& sender, int connection) {
    if (connection != 1) return;
    for (int i = 0; i < 8; ++i)
      accepted.push_back(sender.send(std::string(200, 'a')));
  };
  rig.client->start();
  REQUIRE(rig.handler.wait_disconnects(1));
  CHECK(accepted == std::vector<bool>{true, true, true, true, true, false, false, false});
  CHECK(rig.logger.wait_line("the orchestrator stopped reading"));
  CHECK(rig.handler.wait_connects(2));
}

TEST_CASE("agent client: a failing key source counts as a failed attempt") {
  WsTestServer server;
  auto options = options_for(server.url());
  std::atomic<int> calls{0};
  options.read_key = [&calls]() -> Result<std::string> {
    if (++calls == 1) return Error::unavailable("key_file_unreadable", "cannot read /k");
    if (calls == 2) return std::string("two\r\nwords");
    return std::string("sm_agent_ok");
  };
  Rig rig(std::move(options));
  rig.client->start();
  REQUIRE(rig.handler.wait_connects(1));
  CHECK(calls == 3);
  CHECK(server.connections() == 1);
  CHECK(rig.logger.wait_line("agent connect failed reason=cannot read /k"));
  CHECK(rig.logger.wait_line("a byte a key cannot have"));
}

TEST_CASE("agent client: wss is verified against ca_file and the URL's host") {
  testing::TempDir dir;
  auto options_tls = [&](const std::string& url, bool trust) {
    auto o = options_for(url);
    if (trust) o.ca_file = (dir / "cert.pem").string();
    o.backoff_min = 50ms;
    o.backoff_max = 50ms;
    return o;
  };
  SUBCASE("trusted through ca_file, by IP address and by host name (SNI)") {
    testing::write_self_signed_cert(dir / "cert.pem", dir / "key.pem");
    const std::filesystem::path& cert_dir = dir.path();
    WsTestServer server(&cert_dir);
    for (const std::string host : {"127.0.0.1", "localhost"}) {
      INFO(host);
      Rig rig(options_tls("wss://" + host + ":" + std::to_string(server.port()), true));
      rig.client->start();
      REQUIRE(rig.handler.wait_connects(1));
      CHECK(rig.client->endpoint().rfind("wss://" + host, 0) == 0);
    }
    CHECK(server.header(bhttp::field::authorization) == "Bearer sm_agent_k1");
  }
  SUBCASE("refused without ca_file") {
    testing::write_self_signed_cert(dir / "cert.pem", dir / "key.pem");
    const std::filesystem::path& cert_dir = dir.path();
    WsTestServer server(&cert_dir);
    Rig rig(options_tls(server.url(), false));
    rig.client->start();
    CHECK(rig.logger.wait_line("certificate of 127.0.0.1 did not verify"));
    CHECK(rig.handler.connects() == 0);
    CHECK(server.sessions() == 0);
  }
  SUBCASE("refused when the certificate names another host") {
    testing::write_self_signed_cert(dir / "cert.pem", dir / "key.pem", "DNS:example.invalid");
    const std::filesystem::path& cert_dir = dir.path();
    WsTestServer server(&cert_dir);
    Rig rig(options_tls(server.url(), true));
    rig.client->start();
    CHECK(rig.logger.wait_line("did not verify"));
    CHECK(rig.handler.connects() == 0);
  }
}

TEST_CASE("agent client: create refuses what it cannot use") {
  RecordingHandler handler;
  RecordingLogger logger;
  testing::FakeClock clock;
  for (const char* url : {"ftp://example.com", "http://", "http://h:99999", "ws://h/x?token=1"}) {
    INFO(url);
    CHECK_ERROR_CODE(AgentClient::create(options_for(url), handler, logger, clock), "invalid_url");
  }
  auto no_key = options_for("http://127.0.0.1:1");
  no_key.read_key = nullptr;
  CHECK_ERROR_CODE(AgentClient::create(no_key, handler, logger, clock), "invalid_options");
  auto bad_ca = options_for("wss://127.0.0.1:1");
  bad_ca.ca_file = "/no/such/ca.pem";
  CHECK_ERROR_CODE(AgentClient::create(bad_ca, handler, logger, clock), "tls_failed");
  // A ca_file is not needed for ws://.
  CHECK_OK(AgentClient::create(options_for("ws://127.0.0.1:1/"), handler, logger, clock));
}

}  // namespace
}  // namespace scriptmesh::http
