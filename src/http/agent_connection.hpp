// The inside of AgentClient (agent_client.hpp), shared by its two source
// files: agent_client.cpp (reconnecting, the public class) and
// agent_connection.cpp (one connection's life). Including this header pulls
// in Beast and Asio's SSL stream.
//
// Everything here runs on the client's one I/O thread, which is therefore
// the strand of every socket and timer; the exceptions are marked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "http/agent_client.hpp"
#include "http/http_client.hpp"
#include "http/reconnect_backoff.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh::http::agent_client_detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<ssl::stream<beast::tcp_stream>>;

// Where the client connects: the base URL's host and port, the connect path
// under its prefix.
struct AgentUrl {
  ClientUrl http;        // host, port, tls
  std::string target;    // <prefix>/v1/agent/connect
  std::string endpoint;  // ws[s]://host[:port]<target>, for logs
};

// How a connection (or an attempt at one) ended.
enum class EndKind {
  kFailed,   // never opened: resolve, connect, TLS or handshake failed
  kRefused,  // the handshake was answered 401 or 403
  kDropped,  // was open, and is gone
  kStopped,  // stop() closed it
};

struct Ending {
  EndKind kind = EndKind::kFailed;
  std::string reason;
  bool was_open = false;
  MonoTime opened_at{};
};

class Connection;

// What every connection of one client shares. Members are touched on the
// I/O thread only, except where noted.
struct Core {
  Core(AgentClientOptions o, AgentUrl u, std::unique_ptr<ssl::context> t, AgentSessionHandler& h,
       Logger& l, Clock& c)
      : options(std::move(o)),
        url(std::move(u)),
        tls(std::move(t)),
        handler(h),
        logger(l),
        clock(c),
        backoff(options.backoff_min, options.backoff_max) {}

  // Reads the key and starts a Connection (or counts a failure).
  void attempt();
  // Called by the Connection that ended, once: retries after a backoff
  // delay, or ends the client (stop(), or a first key refusal).
  void connection_ended(const Ending& ending);
  void schedule_retry(std::chrono::milliseconds delay);
  void stop_on_io_thread();
  // A jitter draw in [0, 1].
  double draw() {
    return options.random ? options.random() : random_uniform(1u << 24) / double(1u << 24);
  }

  const AgentClientOptions options;
  const AgentUrl url;
  const std::unique_ptr<ssl::context> tls;  // null for ws://
  AgentSessionHandler& handler;
  Logger& logger;
  Clock& clock;

  // Declared before everything holding a socket or timer, so destroyed last.
  asio::io_context ioc{1};
  asio::steady_timer retry_timer{ioc};
  ReconnectBackoff backoff;
  std::shared_ptr<Connection> current;
  bool retry_pending = false;     // retry_timer is armed
  bool stopping = false;          // no more attempts
  bool ever_connected = false;    // a handshake succeeded once
  std::optional<Error> fatal;     // what ended the client by itself
  std::atomic<bool> open{false};  // read from any thread
};

// One connection attempt and, if it succeeds, the connection's life. Owned
// by shared_ptr: Core::current and every pending handler hold one. It ends
// exactly once (end()), which reports to Core::connection_ended; after that
// every late completion is ignored.
class Connection final : public FrameSender, public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(Core& core)
      : core_(core), resolver_(core.ioc), deadline_(core.ioc), heartbeat_(core.ioc) {
    if (core.tls) {
      tls_.emplace(core.ioc, *core.tls);
    } else {
      plain_.emplace(core.ioc);
    }
  }

  // Resolves, connects, handshakes, then runs the read loop.
  void start(std::string key);
  // Closes with a close frame when open; abandons the attempt otherwise.
  void close();
  // FrameSender: any thread.
  bool send(std::string frame) override;

 private:
  template <class F>
  void with_ws(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  beast::tcp_stream& tcp() {
    return tls_ ? beast::get_lowest_layer(*tls_) : beast::get_lowest_layer(*plain_);
  }

  void resolve();
  void connect(const std::vector<tcp::endpoint>& endpoints);
  void tls_handshake();
  std::optional<std::string> prepare_tls();
  std::string tls_error(const beast::error_code& ec);
  void ws_handshake();
  void on_handshake(const beast::error_code& ec);
  void on_open();
  void read();
  void on_read(const beast::error_code& ec);
  std::chrono::milliseconds heartbeat_interval() const;
  void schedule_heartbeat();
  void pump();
  void start_close();
  std::string read_error(const beast::error_code& ec);
  void end(EndKind kind, std::string reason);

  Core& core_;
  std::optional<PlainWs> plain_;
  std::optional<TlsWs> tls_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;  // the attempt, then the closing handshake
  asio::steady_timer heartbeat_;
  std::string key_;                    // for the handshake's Authorization
  websocket::response_type response_;  // the handshake's answer
  beast::flat_buffer read_buffer_;
  std::string writing_frame_;
  std::chrono::milliseconds heartbeat_interval_{0};
  MonoTime opened_at_{};
  // I/O thread only.
  bool open_ = false;
  bool ended_ = false;
  bool writing_ = false;
  bool close_wanted_ = false;

  std::mutex mu_;
  std::deque<std::string> queue_;  // guarded by mu_
  std::size_t queued_bytes_ = 0;   // guarded by mu_
  bool accepting_ = false;         // guarded by mu_: send() queues frames
  bool pump_active_ = false;       // guarded by mu_: a pump is posted or writing
};

}  // namespace scriptmesh::http::agent_client_detail
