// Test helpers for the agent's transport (agent_client_test.cpp,
// agent_test.cpp): a WebSocket server on 127.0.0.1 standing in for the
// orchestrator's /v1/agent/connect, and a logger that records its lines.
// Header-only so that it stays next to the two test files that use it.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "scriptmesh/log.hpp"

namespace scriptmesh::testing::ws {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

inline constexpr auto kPatience = 10s;

// Waits (no polling) until `pred` holds, checked under `mu` on every notify.
template <class Pred>
inline bool wait_for(std::mutex& mu, std::condition_variable& cv, Pred pred,
                     std::chrono::milliseconds timeout = kPatience) {
  std::unique_lock lock(mu);
  return cv.wait_for(lock, timeout, pred);
}

class RecordingLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view message, LogFields fields) override {
    std::string line(message);
    for (const auto& f : fields)
      line += " " + std::string(f.key) + "=" + f.value;
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
    cv_.notify_all();
  }
  // Waits for a line containing `part`.
  bool wait_line(std::string_view part) {
    return wait_for(mu_, cv_, [&] {
      for (const auto& line : lines_) {
        if (line.find(part) != std::string::npos) return true;
      }
      return false;
    });
  }
  std::string text() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& line : lines_)
      all += line + "\n";
    return all;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
};

// A WebSocket server on 127.0.0.1 standing in for the orchestrator's
// /v1/agent/connect: it records the upgrade request, can refuse upgrades
// with an HTTP status, and lets the test send frames and cut the connection.
class WsTestServer {
 public:
  // With `cert_dir`, speaks TLS with cert.pem / key.pem from there.
  explicit WsTestServer(const std::filesystem::path* cert_dir = nullptr) {
    if (cert_dir != nullptr) {
      tls_.emplace(ssl::context::tls_server);
      tls_->use_certificate_chain_file((*cert_dir / "cert.pem").string());
      tls_->use_private_key_file((*cert_dir / "key.pem").string(), ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~WsTestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
  }

  // Answers the next `count` upgrades with `status` and a ScriptMesh error body.
  void refuse_next(int count, int status) {
    std::lock_guard lock(mu_);
    refusals_ = count;
    refuse_status_ = status;
  }
  // Sends to the current session (waiting for one, as drop() does).
  void send(std::string frame) {
    REQUIRE(wait_for(mu_, cv_, [&] { return sessions_ > drops_; }));
    asio::post(ioc_, [this, frame = std::move(frame)] {
      if (current_) current_->send(frame);
    });
  }
  // Closes the current session's socket without a close frame. The client
  // may see its handshake done before this side has recorded the session,
  // so this first waits for a session not dropped yet.
  void drop() {
    REQUIRE(wait_for(mu_, cv_, [&] { return sessions_ > drops_; }));
    {
      std::lock_guard lock(mu_);
      ++drops_;
    }
    asio::post(ioc_, [this] {
      if (current_) current_->drop();
      current_.reset();
    });
  }

  std::optional<std::string> frame(std::size_t index) {
    if (!wait_for(mu_, cv_, [&] { return frames_.size() > index; })) return std::nullopt;
    std::lock_guard lock(mu_);
    return frames_[index];
  }
  bool wait_sessions(int n) {
    return wait_for(mu_, cv_, [&] { return sessions_ >= n; });
  }
  // The close code of the first session the client closed (-1: no close frame).
  std::optional<int> wait_close_code() {
    if (!wait_for(mu_, cv_, [&] { return close_code_.has_value(); })) return std::nullopt;
    std::lock_guard lock(mu_);
    return close_code_;
  }
  int connections() {
    std::lock_guard lock(mu_);
    return connections_;
  }
  int sessions() {
    std::lock_guard lock(mu_);
    return sessions_;
  }
  std::string header(bhttp::field field) {
    std::lock_guard lock(mu_);
    return std::string(last_request_[field]);
  }
  std::string target() {
    std::lock_guard lock(mu_);
    return std::string(last_request_.target());
  }

 private:
  struct SessionBase {
    virtual ~SessionBase() = default;
    virtual void send(std::string frame) = 0;
    virtual void drop() = 0;
  };

  template <class Next>
  class Session final : public SessionBase, public std::enable_shared_from_this<Session<Next>> {
   public:
    template <class... Args>
    explicit Session(WsTestServer& server, Args&&... args)
        : server_(server), ws_(std::forward<Args>(args)...) {}

    void start() {
      if constexpr (std::is_same_v<Next, beast::tcp_stream>) {
        read_request();
      } else {
        ws_.next_layer().async_handshake(ssl::stream_base::server,
                                         [self = this->shared_from_this()](beast::error_code ec) {
                                           if (!ec) self->read_request();
                                         });
      }
    }
    void send(std::string frame) override {
      out_.push_back(std::move(frame));
      if (out_.size() == 1) write();
    }
    void drop() override { beast::get_lowest_layer(ws_).close(); }

   private:
    void read_request() {
      bhttp::async_read(ws_.next_layer(), buffer_, request_,
                        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                          if (!ec) self->on_request();
                        });
    }
    void on_request() {
      int status = server_.record_request(request_);
      if (status != 0) return refuse(status);
      ws_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->server_.session_opened(self);
        self->read();
      });
    }
    void refuse(int status) {
      response_.result(static_cast<unsigned>(status));
      response_.set(bhttp::field::content_type, "application/json");
      response_.body() = R"({"error":{"code":"invalid_token","message":"no"}})";
      response_.keep_alive(false);
      response_.prepare_payload();
      bhttp::async_write(
          ws_.next_layer(), response_,
          [self = this->shared_from_this()](beast::error_code, std::size_t) { self->drop(); });
    }
    void read() {
      ws_.async_read(frame_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          self->server_.session_ended(ec == websocket::error::closed ? self->ws_.reason().code
                                                                     : -1);
          return;
        }
        self->server_.record_frame(beast::buffers_to_string(self->frame_.data()));
        self->frame_.consume(self->frame_.size());
        self->read();
      });
    }
    void write() {
      ws_.async_write(asio::buffer(out_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        self->out_.pop_front();
                        if (!self->out_.empty()) self->write();
                      });
    }

    WsTestServer& server_;
    websocket::stream<Next> ws_;
    beast::flat_buffer buffer_;
    beast::flat_buffer frame_;
    bhttp::request<bhttp::string_body> request_;
    bhttp::response<bhttp::string_body> response_;
    std::deque<std::string> out_;
  };

  void accept() {
    acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      {
        std::lock_guard lock(mu_);
        ++connections_;
      }
      if (tls_) {
        using TlsNext = ssl::stream<beast::tcp_stream>;
        std::make_shared<Session<TlsNext>>(*this, beast::tcp_stream(std::move(socket)), *tls_)
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket))->start();
      }
      accept();
    });
  }

  int record_request(const bhttp::request<bhttp::string_body>& request) {
    std::lock_guard lock(mu_);
    last_request_ = request;
    if (refusals_ == 0) return 0;
    --refusals_;
    return refuse_status_;
  }
  void session_opened(std::shared_ptr<SessionBase> session) {
    current_ = std::move(session);
    std::lock_guard lock(mu_);
    ++sessions_;
    cv_.notify_all();
  }
  void session_ended(int close_code) {
    std::lock_guard lock(mu_);
    if (!close_code_) close_code_ = close_code;
    cv_.notify_all();
  }
  void record_frame(std::string frame) {
    std::lock_guard lock(mu_);
    frames_.push_back(std::move(frame));
    cv_.notify_all();
  }

  std::optional<ssl::context> tls_;  // outlives every session (declared before ioc_)
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::shared_ptr<SessionBase> current_;  // I/O thread only
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  int connections_ = 0;                              // guarded by mu_
  int sessions_ = 0;                                 // guarded by mu_
  int drops_ = 0;                                    // guarded by mu_
  int refusals_ = 0;                                 // guarded by mu_
  int refuse_status_ = 0;                            // guarded by mu_
  bhttp::request<bhttp::string_body> last_request_;  // guarded by mu_
  std::vector<std::string> frames_;                  // guarded by mu_
  std::optional<int> close_code_;                    // guarded by mu_
};

}  // namespace scriptmesh::testing::ws
