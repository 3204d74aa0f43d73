#include "http/agent_connection.hpp"
#include "http/tls_client.hpp"

#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "core/agent/protocol.hpp"

namespace scriptmesh::http::agent_client_detail {
namespace {

namespace bhttp = beast::http;

// The "error.code" of a ScriptMesh error body, for the log; "" otherwise.
std::string error_code_of(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  const auto* error = doc.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return {};
  const auto* code = error->as_object().if_contains("code");
  if (code == nullptr || !code->is_string() || code->as_string().size() > 64) return {};
  return std::string(code->as_string());
}

}  // namespace

void Connection::start(std::string key) {
  key_ = std::move(key);
  deadline_.expires_after(core_.options.handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->ended_) return;
    if (self->open_) return self->end(EndKind::kStopped, "stopped (the close handshake timed out)");
    self->end(EndKind::kFailed, "timed out connecting to " + self->core_.url.http.host_header);
  });
  beast::error_code ec;
  auto address = asio::ip::make_address(core_.url.http.host, ec);
  if (!ec) return connect({tcp::endpoint(address, core_.url.http.port)});
  resolve();
}

void Connection::resolve() {
  resolver_.async_resolve(
      core_.url.http.host, std::to_string(core_.url.http.port),
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        if (self->ended_) return;
        if (ec) {
          return self->end(EndKind::kFailed, fmt::format("could not resolve {}: {}",
                                                         self->core_.url.http.host, ec.message()));
        }
        self->connect({results.begin(), results.end()});
      });
}

void Connection::connect(const std::vector<tcp::endpoint>& endpoints) {
  tcp().async_connect(
      endpoints, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
        if (self->ended_) return;
        if (ec) {
          return self->end(EndKind::kFailed,
                           fmt::format("could not connect to {}: {}",
                                       self->core_.url.http.host_header, ec.message()));
        }
        beast::error_code ignored;
        self->tcp().socket().set_option(tcp::no_delay(true), ignored);
        if (self->tls_) return self->tls_handshake();
        self->ws_handshake();
      });
}

// The same SNI and name checks as the outbound HTTP client (tls_client.hpp).
std::optional<std::string> Connection::prepare_tls() {
  const std::string& host = core_.url.http.host;
  if (set_tls_peer_name(tls_->next_layer().native_handle(), host)) return std::nullopt;
  return fmt::format("could not set up TLS for {}", host);
}

std::string Connection::tls_error(const beast::error_code& ec) {
  long verify = SSL_get_verify_result(tls_->next_layer().native_handle());
  if (verify != X509_V_OK) {
    return fmt::format("certificate of {} did not verify: {}", core_.url.http.host,
                       X509_verify_cert_error_string(verify));
  }
  return fmt::format("TLS handshake with {} failed: {}", core_.url.http.host, ec.message());
}

void Connection::tls_handshake() {
  if (auto problem = prepare_tls()) return end(EndKind::kFailed, std::move(*problem));
  tls_->next_layer().async_handshake(ssl::stream_base::client,
                                     [self = shared_from_this()](beast::error_code ec) {
                                       if (self->ended_) return;
                                       if (ec)
                                         return self->end(EndKind::kFailed, self->tls_error(ec));
                                       self->ws_handshake();
                                     });
}

void Connection::ws_handshake() {
  const auto& options = core_.options;
  with_ws([&](auto& ws) {
    ws.set_option(
        websocket::stream_base::timeout{options.handshake_timeout, options.idle_timeout, true});
    ws.set_option(websocket::stream_base::decorator(
        [auth = "Bearer " + key_](websocket::request_type& request) {
          request.set(bhttp::field::authorization, auth);
          request.set(bhttp::field::user_agent, default_user_agent());
        }));
    ws.read_message_max(agent_protocol::kMaxFrameBytes);
    ws.async_handshake(response_, core_.url.http.host_header, core_.url.target,
                       [self = shared_from_this()](beast::error_code ec) {
                         if (!self->ended_) self->on_handshake(ec);
                       });
  });
}

void Connection::on_handshake(const beast::error_code& ec) {
  if (ec == websocket::error::upgrade_declined) {
    const int status = static_cast<int>(response_.result_int());
    std::string code = error_code_of(response_.body());
    std::string detail = code.empty() ? "" : " (" + code + ")";
    if (status == 401 || status == 403) {
      return end(EndKind::kRefused,
                 fmt::format("the orchestrator refused the agent key: HTTP {}{}", status, detail));
    }
    return end(EndKind::kFailed,
               fmt::format("the orchestrator answered HTTP {}{} instead of a WebSocket upgrade",
                           status, detail));
  }
  if (ec) return end(EndKind::kFailed, fmt::format("WebSocket handshake failed: {}", ec.message()));
  on_open();
}

void Connection::on_open() {
  deadline_.cancel();
  open_ = true;
  opened_at_ = core_.clock.monotonic_now();
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  core_.open = true;
  core_.ever_connected = true;
  core_.logger.info("agent connected", {{"url", core_.url.endpoint}});
  with_ws([](auto& ws) { ws.text(true); });
  core_.handler.connected(*this);
  schedule_heartbeat();
  read();
}

void Connection::read() {
  with_ws([&](auto& ws) {
    ws.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!self->ended_) self->on_read(ec);
    });
  });
}

void Connection::on_read(const beast::error_code& ec) {
  if (ec) return end(close_wanted_ ? EndKind::kStopped : EndKind::kDropped, read_error(ec));
  bool text = false;
  with_ws([&](auto& ws) { text = ws.got_text(); });
  if (text) {
    std::string_view frame(static_cast<const char*>(read_buffer_.data().data()),
                           read_buffer_.size());
    core_.handler.received(frame);
  } else {
    core_.logger.warn("agent ignored a binary frame", {{"bytes", read_buffer_.size()}});
  }
  read_buffer_.consume(read_buffer_.size());
  if (ended_) return;
  // A welcome may have changed the interval.
  if (heartbeat_interval() != heartbeat_interval_) schedule_heartbeat();
  read();
}

std::string Connection::read_error(const beast::error_code& ec) {
  if (close_wanted_) return "stopped";
  if (ec == websocket::error::closed) {
    websocket::close_reason reason;
    with_ws([&](auto& ws) { reason = ws.reason(); });
    return fmt::format("closed by the orchestrator (code {}{}{})", reason.code,
                       reason.reason.empty() ? "" : ": ", std::string(reason.reason.c_str()));
  }
  if (ec == beast::error::timeout) {
    return fmt::format("no answer from the orchestrator for {} ms",
                       core_.options.idle_timeout.count());
  }
  if (ec == websocket::error::message_too_big) {
    return fmt::format("the orchestrator sent a frame larger than {} bytes",
                       agent_protocol::kMaxFrameBytes);
  }
  if (ec == asio::error::eof) return "the orchestrator closed the connection without a close frame";
  return "connection lost: " + ec.message();
}

std::chrono::milliseconds Connection::heartbeat_interval() const {
  if (core_.options.heartbeat_interval.count() > 0) return core_.options.heartbeat_interval;
  const int seconds = core_.handler.heartbeat_sec();
  return std::chrono::seconds(seconds > 0 ? seconds : 60);
}

void Connection::schedule_heartbeat() {
  heartbeat_interval_ = heartbeat_interval();
  heartbeat_.expires_after(heartbeat_interval_);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->ended_ || self->close_wanted_) return;
    self->core_.handler.heartbeat();
    if (!self->ended_) self->schedule_heartbeat();
  });
}

bool Connection::send(std::string frame) {
  std::lock_guard lock(mu_);
  if (!accepting_) return false;
  if (queued_bytes_ + frame.size() > core_.options.max_queued_bytes) {
    accepting_ = false;
    asio::post(core_.ioc, [self = shared_from_this()] {
      if (!self->ended_) self->end(EndKind::kDropped, "the orchestrator stopped reading");
    });
    return false;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (!pump_active_) {
    pump_active_ = true;
    asio::post(core_.ioc, [self = shared_from_this()] { self->pump(); });
  }
  return true;
}

// One write in flight; the next frame goes when it completes.
void Connection::pump() {
  if (ended_ || writing_) return;
  {
    std::lock_guard lock(mu_);
    if (queue_.empty() || close_wanted_) {
      pump_active_ = false;
      return;
    }
    writing_frame_ = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= writing_frame_.size();
  }
  writing_ = true;
  with_ws([&](auto& ws) {
    ws.async_write(asio::buffer(writing_frame_),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing_ = false;
                     if (self->ended_) return;
                     if (ec) return self->end(EndKind::kDropped, "write failed: " + ec.message());
                     if (self->close_wanted_) return self->start_close();
                     self->pump();
                   });
  });
}

void Connection::close() {
  if (ended_) return;
  if (!open_) return end(EndKind::kStopped, "stopped");
  close_wanted_ = true;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
  }
  heartbeat_.cancel();
  // The closing handshake is bounded by the WebSocket handshake timeout;
  // this deadline is the backstop for a write stuck behind a peer that does
  // not read.
  deadline_.expires_after(core_.options.handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->ended_) self->end(EndKind::kStopped, "stopped (close timed out)");
  });
  if (!writing_) start_close();
}

// Queued frames are not sent: whatever they carried is spooled and resent
// after the next hello.
void Connection::start_close() {
  with_ws([&](auto& ws) {
    ws.async_close(websocket::close_code::going_away,
                   [self = shared_from_this()](beast::error_code) {
                     if (!self->ended_) self->end(EndKind::kStopped, "stopped");
                   });
  });
}

void Connection::end(EndKind kind, std::string reason) {
  ended_ = true;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    queue_.clear();
    queued_bytes_ = 0;
  }
  resolver_.cancel();
  deadline_.cancel();
  heartbeat_.cancel();
  beast::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().close();
  if (open_) {
    core_.open = false;
    core_.handler.disconnected();
  }
  core_.connection_ended({kind, std::move(reason), open_, opened_at_});
}

}  // namespace scriptmesh::http::agent_client_detail
