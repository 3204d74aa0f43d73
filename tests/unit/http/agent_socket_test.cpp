// The agent WebSocket session over real sockets on 127.0.0.1: a Beast
// WebSocket client against an HttpServer whose agent route talks to a fake
// channel that records what it is given.
#include "http/agent_socket.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "http/server.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::string_view kGoodKey = "sm_agent_good";

// Records attaches, frames and detaches; answers "echo:<frame>" to each
// frame unless told to hold frames until released. A frame starting with
// "defer:" is answered false (handled elsewhere) until resume_deferred().
class FakeChannel final : public AgentChannel {
 public:
  Result<AgentSessionId> attach(std::string_view key,
                                std::shared_ptr<AgentConnection> connection) override {
    if (key != kGoodKey) {
      return Error::unauthenticated("invalid_agent_key", "missing or invalid agent key");
    }
    std::lock_guard lock(mu_);
    AgentSessionId id = ++next_;
    connections_[id] = std::move(connection);
    cv_.notify_all();
    return id;
  }

  bool received(AgentSessionId id, std::string_view frame) override {
    std::shared_ptr<AgentConnection> connection;
    {
      std::unique_lock lock(mu_);
      frames_.emplace_back(frame);
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_; });
      connection = connections_[id];
      if (frame.starts_with("defer:")) {
        deferred_.push_back(connection);
        return false;
      }
    }
    if (connection) connection->send("echo:" + std::string(frame));
    return true;
  }

  // Lets every connection that answered false read on.
  void resume_deferred() {
    std::vector<std::shared_ptr<AgentConnection>> deferred;
    {
      std::lock_guard lock(mu_);
      deferred.swap(deferred_);
    }
    for (auto& connection : deferred)
      connection->resume();
  }

  void detach(AgentSessionId id) override {
    std::lock_guard lock(mu_);
    ++detaches_[id];
    connections_.erase(id);
    cv_.notify_all();
  }

  void hold(bool on) {
    std::lock_guard lock(mu_);
    hold_ = on;
    cv_.notify_all();
  }

  // The connection of session `id`, once attached.
  std::shared_ptr<AgentConnection> connection(AgentSessionId id) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 3s, [&] { return connections_.count(id) != 0; });
    return connections_.count(id) ? connections_[id] : nullptr;
  }

  bool wait_frames(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 3s, [&] { return frames_.size() >= n; });
  }

  // True once session `id` was detached; false after 5 s.
  bool wait_detached(AgentSessionId id) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return detaches_[id] > 0; });
  }

  int detaches(AgentSessionId id) {
    std::lock_guard lock(mu_);
    return detaches_[id];
  }
  AgentSessionId attached() {
    std::lock_guard lock(mu_);
    return next_;
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  AgentSessionId next_ = 0;                                                 // guarded by mu_
  std::map<AgentSessionId, std::shared_ptr<AgentConnection>> connections_;  // guarded by mu_
  std::map<AgentSessionId, int> detaches_;                                  // guarded by mu_
  std::vector<std::string> frames_;                                         // guarded by mu_
  bool hold_ = false;                                                       // guarded by mu_
  std::vector<std::shared_ptr<AgentConnection>> deferred_;                  // guarded by mu_
};

ServerOptions server_options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.shutdown_grace = 5s;
  return o;
}

struct AgentServer {
  explicit AgentServer(AgentSocketOptions options = {}) {
    Router router;
    add_health_routes(router);
    router.add(agent_connect_route(make_agent_upgrade_handler(channel, null_logger(), options)));
    server.emplace(server_options(), std::move(router));
    REQUIRE_OK(server->start());
  }

  FakeChannel channel;
  std::optional<HttpServer> server;
};

// A blocking Beast WebSocket client.
struct Client {
  Client(std::uint16_t port, std::string_view key) : ws(ioc) {
    tcp::resolver resolver(ioc);
    asio::connect(beast::get_lowest_layer(ws), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws.set_option(websocket::stream_base::decorator([key = std::string(key)](auto& req) {
      if (!key.empty()) req.set(beast::http::field::authorization, "Bearer " + key);
    }));
    ws.handshake(response, "127.0.0.1", "/v1/agent/connect", handshake_error);
  }

  // The next message, or nullopt when the connection closed (ws.reason()).
  std::optional<std::string> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) {
      read_error = ec;
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer.data());
  }

  // Reads until the connection closes; answers how many messages came first.
  int read_until_closed() {
    int n = 0;
    while (read())
      ++n;
    return n;
  }

  asio::io_context ioc;
  websocket::stream<tcp::socket> ws;
  websocket::response_type response;
  beast::error_code handshake_error;
  beast::error_code read_error;
};

TEST_CASE("agent socket: a wrong or missing key is refused 401 before the upgrade") {
  AgentServer s;
  Client wrong(s.server->bound_port(), "sm_agent_wrong");
  CHECK(wrong.handshake_error == websocket::error::upgrade_declined);
  CHECK(wrong.response.result_int() == 401);
  CHECK(wrong.response.body().find("invalid_agent_key") != std::string::npos);
  CHECK(wrong.response[beast::http::field::www_authenticate] == R"(Bearer realm="scriptmesh")");

  Client none(s.server->bound_port(), "");
  CHECK(none.response.result_int() == 401);
  CHECK(s.channel.attached() == 0);

  // Without Upgrade the route answers 426 like any upgrade-only route.
  testing::HttpTestClient plain(s.server->bound_port());
  auto r = plain.request("GET", "/v1/agent/connect", {}, {{"Authorization", "Bearer x"}});
  REQUIRE_OK(r);
  CHECK(r->status == 426);
}

TEST_CASE("agent socket: frames reach the channel in order, answers come back, detach once") {
  AgentServer s;
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  CHECK(c.response.result_int() == 101);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string("one")));
  c.ws.write(asio::buffer(std::string("two")));
  CHECK(c.read() == "echo:one");
  CHECK(c.read() == "echo:two");
  CHECK(s.channel.frames() == std::vector<std::string>{"one", "two"});

  c.ws.close(websocket::close_code::normal);
  REQUIRE(s.channel.wait_detached(1));
  CHECK(s.channel.detaches(1) == 1);
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (s.server->active_connections() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);  // the slot goes right after detach, on a server thread
  }
  CHECK(s.server->active_connections() == 0);
}

TEST_CASE("agent socket: the next frame is read only after the channel returned") {
  AgentServer s;
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  s.channel.hold(true);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string("first")));
  c.ws.write(asio::buffer(std::string("second")));
  REQUIRE(s.channel.wait_frames(1));
  std::this_thread::sleep_for(100ms);  // room for a wrong second read to show
  CHECK(s.channel.frames().size() == 1);
  s.channel.hold(false);
  REQUIRE(s.channel.wait_frames(2));
  CHECK(c.read() == "echo:first");
  CHECK(c.read() == "echo:second");
}

TEST_CASE("agent socket: after a frame the channel defers, nothing is read until resume") {
  AgentServer s;
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string("defer:hello")));
  c.ws.write(asio::buffer(std::string("after")));
  REQUIRE(s.channel.wait_frames(1));
  std::this_thread::sleep_for(100ms);  // room for a wrong second read to show
  CHECK(s.channel.frames() == std::vector<std::string>{"defer:hello"});
  s.channel.resume_deferred();
  REQUIRE(s.channel.wait_frames(2));
  CHECK(c.read() == "echo:after");
  // The channel closes the connection while it holds a frame; the resume
  // that comes after is harmless.
  c.ws.write(asio::buffer(std::string("defer:again")));
  REQUIRE(s.channel.wait_frames(3));
  s.channel.connection(1)->close("going");
  CHECK(c.read_until_closed() == 0);
  REQUIRE(s.channel.wait_detached(1));
  s.channel.resume_deferred();
  CHECK(s.channel.detaches(1) == 1);
}

TEST_CASE("agent socket: an oversized frame closes the connection with 1009") {
  AgentSocketOptions options;
  options.max_frame_bytes = 4096;
  AgentServer s(options);
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  c.ws.text(true);
  c.ws.write(asio::buffer(std::string(4096, 'a')));  // at the limit: fine
  CHECK(c.read() == "echo:" + std::string(4096, 'a'));
  beast::error_code ec;
  c.ws.write(asio::buffer(std::string(4097, 'b')), ec);
  CHECK_FALSE(c.read());
  CHECK(c.read_error == websocket::error::closed);
  CHECK(c.ws.reason().code == websocket::close_code::too_big);
  REQUIRE(s.channel.wait_detached(1));
  CHECK(s.channel.frames().size() == 1);
  CHECK(s.channel.detaches(1) == 1);
}

TEST_CASE("agent socket: a binary frame closes the connection with 1003") {
  AgentServer s;
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  c.ws.binary(true);
  c.ws.write(asio::buffer(std::string("\x01\x02", 2)));
  CHECK_FALSE(c.read());
  CHECK(c.read_error == websocket::error::closed);
  CHECK(c.ws.reason().code == websocket::close_code::unknown_data);
  CHECK(std::string(c.ws.reason().reason.c_str()) == "binary_frame");
  REQUIRE(s.channel.wait_detached(1));
  CHECK(s.channel.frames().empty());
}

TEST_CASE("agent socket: a send queue past its bound closes the connection") {
  AgentSocketOptions options;
  options.max_queue_bytes = 4 * 1024 * 1024;
  AgentServer s(options);
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  auto connection = s.channel.connection(1);
  REQUIRE(connection);
  // The client reads nothing yet: far more than the socket buffers and the
  // queue bound together can hold.
  const std::string frame(1024 * 1024, 'x');
  for (int i = 0; i < 100; ++i)
    connection->send(frame);
  int delivered = c.read_until_closed();
  CHECK(delivered < 100);
  CHECK(c.read_error == websocket::error::closed);
  CHECK(c.ws.reason().code == websocket::close_code::try_again_later);
  CHECK(std::string(c.ws.reason().reason.c_str()) == "send_queue_full");
  REQUIRE(s.channel.wait_detached(1));
  connection->send("after close");  // harmless
  connection->close("again");       // harmless
}

TEST_CASE("agent socket: close() from another thread and server stop close the socket") {
  AgentServer s;
  Client c(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(c.handshake_error);
  auto connection = s.channel.connection(1);
  REQUIRE(connection);
  std::thread([connection] {
    connection->close("replaced");
    connection->close("twice");
  }).join();
  CHECK_FALSE(c.read());
  CHECK(c.ws.reason().code == websocket::close_code::normal);
  CHECK(std::string(c.ws.reason().reason.c_str()) == "replaced");
  REQUIRE(s.channel.wait_detached(1));
  CHECK(s.channel.detaches(1) == 1);

  Client d(s.server->bound_port(), kGoodKey);
  REQUIRE_FALSE(d.handshake_error);
  REQUIRE(s.channel.connection(2));
  std::thread reader([&] { d.read_until_closed(); });
  auto began = std::chrono::steady_clock::now();
  s.server->stop();
  CHECK(std::chrono::steady_clock::now() - began < 3s);
  reader.join();
  CHECK(d.ws.reason().code == websocket::close_code::going_away);
  CHECK(s.channel.detaches(2) == 1);
}

}  // namespace
}  // namespace scriptmesh::http
