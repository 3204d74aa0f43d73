// Helpers shared by the agents and jobs REST tests (agents_api_test.cpp,
// jobs_api_test.cpp): a logged-in member of a tenant, and a protocol-level
// agent: a Beast WebSocket client speaking agent_protocol to the real
// orchestrator, with no agent binary behind it.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "core/agent/protocol.hpp"
#include "support/orchestrator_fixture.hpp"

namespace scriptmesh::testing {

// Invites `email` as a member of `owner`'s tenant, sets a password through
// the e-mailed link and logs in; answers the member's access token.
inline std::string member_token(TestOrchestrator& server, ApiClient& api, const TestAccount& owner,
                                const std::string& email) {
  auto invited = api.post("/v1/users", {{"email", email}, {"role", "member"}}, owner.access_token);
  INFO(invited.body);
  REQUIRE(invited.status == 201);
  const std::string token = server.wait_for_email_match(email, R"(token=([A-Za-z0-9_\-]+))");
  const std::string password = "member passphrase 123";
  REQUIRE(
      api.post("/v1/auth/password/reset", {{"token", token}, {"new_password", password}}).status ==
      204);
  auto login = api.post("/v1/auth/login", {{"email", email}, {"password", password}});
  REQUIRE(login.status == 200);
  return login.str("access_token");
}

// A blocking agent-side WebSocket to GET /v1/agent/connect.
class ProtocolAgent {
 public:
  ProtocolAgent(std::uint16_t port, std::string_view key) : ws_(ioc_) {
    namespace asio = boost::asio;
    asio::ip::tcp::resolver resolver(ioc_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.set_option(
        boost::beast::websocket::stream_base::decorator([key = std::string(key)](auto& req) {
          req.set(boost::beast::http::field::authorization, "Bearer " + key);
        }));
    ws_.handshake(response_, "127.0.0.1", "/v1/agent/connect", handshake_error_);
    ws_.text(true);
  }

  bool connected() const { return !handshake_error_; }
  int handshake_status() const { return response_.result_int(); }

  void send(const agent_protocol::AgentMessage& message) {
    ws_.write(boost::asio::buffer(agent_protocol::encode(message)));
  }

  // The next message from the orchestrator; nullopt when the connection
  // closed, `timeout` passed (the connection is then unusable) or a message
  // did not decode.
  std::optional<agent_protocol::OrchestratorMessage> read(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    bool done = false;
    ws_.async_read(buffer, [&](boost::beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      boost::beast::error_code ignored;
      ws_.next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return std::nullopt;
    }
    if (ec) return std::nullopt;
    auto decoded =
        agent_protocol::decode_orchestrator_message(boost::beast::buffers_to_string(buffer.data()));
    if (!decoded.ok()) return std::nullopt;
    return std::move(*decoded);
  }

  // Reads until a message of type T arrives (others are skipped).
  template <typename T>
  std::optional<T> read_until() {
    for (int i = 0; i < 100; ++i) {
      auto message = read();
      if (!message) return std::nullopt;
      if (auto* wanted = std::get_if<T>(&*message)) return *wanted;
    }
    return std::nullopt;
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::websocket::response_type response_;
  boost::beast::error_code handshake_error_;
};

}  // namespace scriptmesh::testing
