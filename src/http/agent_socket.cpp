#include "http/agent_socket.hpp"

#include <atomic>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "http/auth_guard.hpp"
#include "http/error_status.hpp"
#include "http/json_body.hpp"
#include "http/upgrade.hpp"

namespace scriptmesh::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;

// RFC 6455 section 5.5: a control frame's payload is at most 125 bytes, two
// of which hold the close code.
constexpr std::size_t kMaxCloseReason = 123;

class HubChannel final : public AgentChannel {
 public:
  explicit HubChannel(AgentHub& hub) : hub_(hub) {}
  Result<AgentSessionId> attach(std::string_view key,
                                std::shared_ptr<AgentConnection> connection) override {
    return hub_.attach(key, std::move(connection));
  }
  bool received(AgentSessionId session, std::string_view frame) override {
    return hub_.received(session, frame);
  }
  void detach(AgentSessionId session) override { hub_.detach(session); }

 private:
  AgentHub& hub_;
};

Error invalid_key() {
  return Error::unauthenticated("invalid_agent_key", "missing or invalid agent key");
}

// One agent's WebSocket. Everything but send() and close() runs on the
// connection's strand (the executor of its stream).
template <class Stream>
class AgentSocket final : public AgentConnection,
                          public std::enable_shared_from_this<AgentSocket<Stream>> {
 public:
  AgentSocket(UpgradedConnection&& connection, AgentChannel& channel, Logger& logger,
              const AgentSocketOptions& options, std::string remote, std::string request_id)
      : ws_(std::move(std::get<Stream>(connection.stream))),
        request_(std::move(connection.request)),
        slot_(std::move(connection.slot)),
        close_deadline_(ws_.get_executor()),
        channel_(channel),
        logger_(logger),
        options_(options),
        remote_(std::move(remote)),
        request_id_(std::move(request_id)) {}

  // Authenticates the key, then answers the WebSocket handshake.
  void start(std::string_view key) {
    auto attached = key.empty() ? Result<AgentSessionId>(invalid_key())
                                : channel_.attach(key, this->shared_from_this());
    if (!attached.ok()) return refuse(attached.error());
    id_ = *attached;
    attached_ = true;
    std::weak_ptr<AgentSocket> weak = this->shared_from_this();
    slot_->set_on_stop([weak] {
      if (auto self = weak.lock()) self->close_with(websocket::close_code::going_away, "stopping");
    });
    // The websocket layer keeps its own deadlines; the TCP stream's must be off.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.read_message_max(options_.max_frame_bytes);
    ws_.auto_fragment(false);
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = options_.handshake_timeout;
    timeout.idle_timeout = options_.idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.async_accept(
        request_, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void send(std::string frame) override {
    if (closing_requested_.load()) return;
    const std::size_t size = frame.size();
    if (queued_bytes_.fetch_add(size) + size > options_.max_queue_bytes) {
      queued_bytes_.fetch_sub(size);
      logger_.warn("agent send queue full; closing",
                   {{"session", id_}, {"remote", remote_}, {"limit", options_.max_queue_bytes}});
      return close_with(websocket::close_code::try_again_later, "send_queue_full");
    }
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), f = std::move(frame)]() mutable {
                 self->enqueue(std::move(f));
               });
  }

  void close(std::string_view reason) override {
    close_with(websocket::close_code::normal, reason);
  }

  void resume() override {
    if (closing_requested_.load()) return;  // nothing more is read; as send()
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      if (!self->paused_) return;
      self->paused_ = false;
      if (!self->closing_) self->read_next();
    });
  }

 private:
  // Answers the upgrade request over HTTP instead of accepting it.
  void refuse(const Error& error) {
    logger_.info("agent connection refused",
                 {{"remote", remote_}, {"code", error.code()}, {"request_id", request_id_}});
    Response r = error_response(error);
    refusal_.result(static_cast<unsigned>(r.status));
    refusal_.version(request_.version());
    refusal_.set(bhttp::field::content_type, r.content_type);
    refusal_.set("X-Request-Id", request_id_);
    if (r.status == 401)
      refusal_.set(bhttp::field::www_authenticate, R"(Bearer realm="scriptmesh")");
    refusal_.keep_alive(false);
    refusal_.body() = std::move(r.body);
    refusal_.prepare_payload();
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(options_.handshake_timeout);
    bhttp::async_write(ws_.next_layer(), refusal_,
                       [self = this->shared_from_this()](beast::error_code, std::size_t) {
                         beast::error_code ignored;
                         auto& socket = beast::get_lowest_layer(self->ws_).socket();
                         socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                         beast::get_lowest_layer(self->ws_).close();
                       });
  }

  void on_accept(beast::error_code ec) {
    if (ec) return finish("handshake_failed");
    accepted_ = true;
    logger_.info("agent connected", {{"session", id_}, {"remote", remote_}});
    if (closing_) return start_close();
    if (!queue_.empty()) write_next();
    read_next();
  }

  void read_next() {
    ws_.async_read(read_buffer_, [self = this->shared_from_this()](
                                     beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    // Once closing, frames still arriving are dropped, and the read loop
    // stops: the close operation reads on until the peer's close frame.
    if (closing_) return read_buffer_.clear();
    if (!ws_.got_text()) {
      read_buffer_.clear();
      logger_.warn("agent sent a binary frame; closing", {{"session", id_}, {"remote", remote_}});
      return begin_close(websocket::close_code::unknown_data, "binary_frame");
    }
    auto data = read_buffer_.data();
    std::string_view frame(static_cast<const char*>(data.data()), data.size());
    bool handled = true;
    try {
      handled = channel_.received(id_, frame);
    } catch (const std::exception& e) {
      logger_.error("agent frame handler threw", {{"session", id_}, {"error", e.what()}});
      read_buffer_.clear();
      return begin_close(websocket::close_code::internal_error, "internal");
    }
    read_buffer_.clear();
    if (!handled) {
      paused_ = true;  // resume() reads on
      return;
    }
    read_next();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == websocket::error::closed) return finish("closed");
    if (ec == websocket::error::message_too_big) {
      logger_.warn("agent frame too large; closed",
                   {{"session", id_}, {"remote", remote_}, {"limit", options_.max_frame_bytes}});
      return finish("frame_too_large");
    }
    if (ec == beast::error::timeout) return finish("timeout");
    finish(closing_ ? close_why_ : std::string("connection_lost"));
  }

  void enqueue(std::string frame) {
    if (closing_) {
      queued_bytes_.fetch_sub(frame.size());
      return;
    }
    queue_.push_back(std::move(frame));
    if (accepted_ && !writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    queued_bytes_.fetch_sub(queue_.front().size());
    queue_.pop_front();
    if (ec) return finish("write_failed");
    if (closing_) return start_close();
    if (!queue_.empty()) write_next();
  }

  // Thread-safe entry to begin_close.
  void close_with(websocket::close_code code, std::string_view reason) {
    if (closing_requested_.exchange(true)) return;
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code,
                                    r = std::string(reason)] { self->begin_close(code, r); });
  }

  // Stops taking frames to send and starts the close handshake once the
  // write in flight (if any) is done. The read loop ends when it completes.
  void begin_close(websocket::close_code code, std::string_view reason) {
    closing_requested_ = true;
    if (closing_ || finished_) return;
    closing_ = true;
    close_why_ = std::string(reason.substr(0, kMaxCloseReason));
    close_reason_ = websocket::close_reason(code, close_why_);
    drop_queue(writing_ ? 1 : 0);
    // A peer that stopped reading stalls the write in flight, and the close
    // frame would wait behind it for ever: bound the wait.
    close_deadline_.expires_after(options_.handshake_timeout);
    close_deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish("close_timeout");
    });
    if (!accepted_ || writing_) return;  // on_accept / on_write go on from here
    start_close();
  }

  void start_close() {
    if (close_started_ || finished_) return;
    close_started_ = true;
    logger_.info("closing agent connection",
                 {{"session", id_}, {"remote", remote_}, {"reason", close_why_}});
    ws_.async_close(close_reason_, [self = this->shared_from_this()](beast::error_code) {
      self->finish(self->close_why_);
    });
  }

  // Drops queued frames, keeping the first `keep` (one being written).
  void drop_queue(std::size_t keep) {
    while (queue_.size() > keep) {
      queued_bytes_.fetch_sub(queue_.back().size());
      queue_.pop_back();
    }
  }

  // The connection is over: close the socket (ending any operation still
  // pending) and detach from the channel, once.
  void finish(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    closing_requested_ = true;
    drop_queue(writing_ ? 1 : 0);
    close_deadline_.cancel();
    beast::get_lowest_layer(ws_).close();
    slot_.reset();  // the connection no longer counts, even if this object lives on
    logger_.info("agent disconnected", {{"session", id_}, {"remote", remote_}, {"reason", why}});
    if (attached_) channel_.detach(id_);
  }

  websocket::stream<Stream> ws_;
  UpgradeRequest request_;
  std::optional<ConnectionSlot> slot_;  // reset once the socket is closed
  asio::steady_timer close_deadline_;   // bounds a close (begin_close)
  AgentChannel& channel_;
  Logger& logger_;
  const AgentSocketOptions options_;
  const std::string remote_;
  const std::string request_id_;
  AgentSessionId id_ = 0;
  bool attached_ = false;
  bool accepted_ = false;
  bool writing_ = false;
  bool closing_ = false;        // no more frames are queued; a close is due
  bool close_started_ = false;  // async_close issued
  bool finished_ = false;       // the socket is closed and detach() ran
  bool paused_ = false;         // the channel holds a frame; resume() reads on
  websocket::close_reason close_reason_;
  std::string close_why_;  // close_reason_'s text, for the log
  beast::flat_buffer read_buffer_;
  std::deque<std::string> queue_;  // front() is being written while writing_
  bhttp::response<bhttp::string_body> refusal_;
  // Read by send() and close() on any thread.
  std::atomic<bool> closing_requested_{false};
  std::atomic<std::size_t> queued_bytes_{0};  // bytes accepted by send(), not yet written
};

template <class Stream>
void start_socket(UpgradedConnection&& connection, AgentChannel& channel, Logger& logger,
                  const AgentSocketOptions& options, const Request& request) {
  std::string key;
  if (auto header = request.header("Authorization")) {
    if (auto credential = bearer_credential(*header); credential.ok()) key = *credential;
  }
  auto socket = std::make_shared<AgentSocket<Stream>>(
      std::move(connection), channel, logger, options, request.client_address, request.request_id);
  socket->start(key);
}

}  // namespace

std::unique_ptr<AgentChannel> hub_channel(AgentHub& hub) {
  return std::make_unique<HubChannel>(hub);
}

UpgradeHandler make_agent_upgrade_handler(AgentChannel& channel, Logger& logger,
                                          AgentSocketOptions options) {
  return [&channel, &logger, options](const Request& request, RequestContext&,
                                      std::shared_ptr<UpgradedConnection> connection) {
    if (std::holds_alternative<TlsStream>(connection->stream)) {
      start_socket<TlsStream>(std::move(*connection), channel, logger, options, request);
    } else {
      start_socket<PlainStream>(std::move(*connection), channel, logger, options, request);
    }
  };
}

Route agent_connect_route(UpgradeHandler upgrade) {
  Route route;
  route.method = Method::kGet;
  route.pattern = "/v1/agent/connect";
  route.name = "agent.connect";
  route.public_route = true;  // authenticated by the agent key, not a user credential
  route.rate_limit_class = std::string(kRateAgentConnect);
  route.summary =
      "The agent channel: a WebSocket authenticated with `Authorization: Bearer sm_agent_...` "
      "(401 invalid_agent_key before the upgrade otherwise)";
  route.tags = {"agents"};
  route.upgrade = std::move(upgrade);
  route.success_status = 101;
  route.error_statuses = {401, 503};
  return route;
}

}  // namespace scriptmesh::http
