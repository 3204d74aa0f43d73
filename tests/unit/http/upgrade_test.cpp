#include "http/upgrade.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/write.hpp>

#include "http/server.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;

// Stands in for the WebSocket session: answers 101, then echoes raw bytes
// until the peer closes or the server stops.
class EchoAfterUpgrade : public std::enable_shared_from_this<EchoAfterUpgrade> {
 public:
  explicit EchoAfterUpgrade(std::shared_ptr<UpgradedConnection> connection)
      : connection_(std::move(connection)), stream_(std::get<PlainStream>(connection_->stream)) {}

  void start() {
    std::weak_ptr<EchoAfterUpgrade> weak = shared_from_this();
    connection_->slot.set_on_stop([weak] {
      if (auto self = weak.lock()) {
        boost::asio::post(self->stream_.get_executor(), [self] { self->stream_.close(); });
      }
    });
    reply_ = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n";
    write();
  }

 private:
  void write() {
    boost::asio::async_write(stream_, boost::asio::buffer(reply_),
                             [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                               if (!ec) self->read();
                             });
  }

  void read() {
    stream_.async_read_some(
        boost::asio::buffer(chunk_),
        [self = shared_from_this()](boost::beast::error_code ec, std::size_t n) {
          if (ec) return;
          self->reply_.assign(self->chunk_, n);
          self->write();
        });
  }

  std::shared_ptr<UpgradedConnection> connection_;
  PlainStream& stream_;
  std::string reply_;
  char chunk_[512];
};

Router upgrade_router(std::string* seen_target) {
  Router router;
  add_health_routes(router);
  Route ws;
  ws.pattern = "/v1/agent/connect";
  ws.name = "agent.connect";
  ws.upgrade = [seen_target](const Request& req, RequestContext& ctx,
                             std::shared_ptr<UpgradedConnection> connection) {
    *seen_target = std::string(connection->request.target()) + "|" + ctx.route->name + "|" +
                   std::string(req.header("Authorization").value_or(""));
    std::make_shared<EchoAfterUpgrade>(std::move(connection))->start();
  };
  router.add(std::move(ws));
  router.add_guard([](const Request& req, RequestContext& ctx) -> Result<void> {
    if (ctx.route->public_route || req.header("Authorization") == "Bearer agent-key") {
      return ok_result();
    }
    return Error::unauthenticated("invalid_token", "missing or invalid credentials");
  });
  return router;
}

constexpr std::string_view kUpgradeRequest =
    "GET /v1/agent/connect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

ServerOptions options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.shutdown_grace = 3s;
  return o;
}

TEST_CASE("an upgrade request is handed the raw connection after the guards pass") {
  std::string seen;
  HttpServer server(options(), upgrade_router(&seen));
  REQUIRE_OK(server.start());

  RawConnection raw(server.bound_port());
  REQUIRE(raw.send(std::string(kUpgradeRequest) + "Authorization: Bearer agent-key\r\n\r\n"));
  std::string answer = raw.read(3s, "\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 101 Switching Protocols", 0) == 0);
  CHECK(seen == "/v1/agent/connect|agent.connect|Bearer agent-key");
  REQUIRE(raw.send("ping"));
  CHECK(raw.read(3s, "ping") == "ping");
  CHECK(server.active_connections() == 1);  // still counted after the hand-over

  // stop() reaches the upgraded connection through its slot.
  auto began = std::chrono::steady_clock::now();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - began < 2s);
  CHECK(raw.wait_closed(3s));
}

TEST_CASE("a refused upgrade is answered over HTTP, a plain request gets 426") {
  std::string seen;
  HttpServer server(options(), upgrade_router(&seen));
  REQUIRE_OK(server.start());

  RawConnection refused(server.bound_port());
  REQUIRE(refused.send(std::string(kUpgradeRequest) + "\r\n"));
  std::string answer = refused.read(3s, "}}");
  CHECK(answer.rfind("HTTP/1.1 401", 0) == 0);
  CHECK(answer.find("invalid_token") != std::string::npos);
  CHECK(seen.empty());

  RawConnection plain(server.bound_port());
  REQUIRE(plain.send(
      "GET /v1/agent/connect HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer agent-key\r\n\r\n"));
  answer = plain.read(3s, "}}");
  CHECK(answer.rfind("HTTP/1.1 426", 0) == 0);
  CHECK(answer.find("upgrade_required") != std::string::npos);
  CHECK(seen.empty());
}

}  // namespace
}  // namespace scriptmesh::http
