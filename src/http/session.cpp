#include "http/session.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/json_body.hpp"
#include "http/request_framing.hpp"
#include "http/upgrade.hpp"
#include "http/url.hpp"

namespace scriptmesh::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// After the last response on a connection we stop sending and wait this long
// for the peer to close, discarding what it still sends. Closing a socket
// with unread input makes the kernel answer RST, and an RST can destroy the
// response still on its way to the client (a 413 sent before the body was
// read, a 503 sent before the request was read).
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr std::size_t kReadChunk = 4096;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

// Headers the server owns, and fields that would break the framing.
bool is_writable_header(std::string_view name, std::string_view value) {
  if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
      iequals(name, "Connection") || iequals(name, "X-Request-Id")) {
    return false;
  }
  auto clean = [](std::string_view s) { return s.find_first_of("\r\n\0") == s.npos; };
  return !name.empty() && clean(name) && clean(value);
}

bool is_expect_continue(const bhttp::request<bhttp::string_body>& msg) {
  auto it = msg.find(bhttp::field::expect);
  return it != msg.end() && iequals(it->value(), "100-continue") && msg.version() >= 11;
}

template <class Stream>
Stream make_stream(tcp::socket socket, ServerState& state) {
  if constexpr (kIsTls<Stream>) {
    return Stream(std::move(socket), *state.tls);
  } else {
    return Stream(std::move(socket));
  }
}

std::string remote_address(const tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("-") : endpoint.address().to_string();
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<ServerState> state, tcp::socket socket, ConnectionSlot slot)
      : state_(std::move(state)),
        remote_(remote_address(socket)),
        stream_(make_stream<Stream>(std::move(socket), *state_)),
        slot_(std::move(slot)),
        hold_(stream_.get_executor()) {}

  void start() {
    auto self = this->shared_from_this();
    slot_.set_on_stop([weak = std::weak_ptr<Session>(self)] {
      if (auto s = weak.lock()) asio::post(s->stream_.get_executor(), [s] { s->on_server_stop(); });
    });
    asio::dispatch(stream_.get_executor(), [self] { self->begin(); });
  }

 private:
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kClosing, kHandedOver };

  // The request being answered, for its log line.
  struct Exchange {
    std::string method = "-";
    std::string route = "-";
    std::string request_id;
    int status = 0;
    MonoTime started{};
  };

  const ServerOptions& opts() const { return state_->options; }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void begin() {
    if (state_->stopping) return close_now();
    if constexpr (kIsTls<Stream>) {
      phase_ = Phase::kHandshake;
      tcp_layer().expires_after(opts().read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->read_request();
                              });
    } else {
      read_request();
    }
  }

  // Waits for the next request: a kept-alive connection first waits up to
  // idle_timeout for its first byte; from then on (and on a new connection
  // from the start) the whole request must arrive within read_timeout.
  void read_request() {
    if (state_->stopping) return close_gracefully();
    parser_.emplace();
    parser_->header_limit(opts().header_limit);
    parser_->body_limit(opts().body_limit);
    if (first_request_ || buffer_.size() > 0) return read_header();
    phase_ = Phase::kIdle;
    tcp_layer().expires_after(opts().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              // A request arriving after stop() began is not
                              // in flight yet: close like any idle connection.
                              if (ec || self->state_->stopping) return self->close_now();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    phase_ = Phase::kReading;
    // With TLS the first request shares the handshake's deadline.
    if (!(kIsTls<Stream> && first_request_)) tcp_layer().expires_after(opts().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    if (auto problem = framing_problem(parser_->get())) return answer_unreadable(*problem);
    exchange_.started = state_->clock.monotonic_now();
    if (parser_->is_done()) return on_request();
    if (!is_expect_continue(parser_->get())) return read_body();
    // The client waits for this before sending the body; the read deadline
    // keeps running across it.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](beast::error_code ec2, std::size_t) {
                        if (ec2) return self->close_now();
                        self->read_body();
                      });
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->on_request();
                      });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return answer_unreadable(Error::resource_exhausted(
          "header_too_large", fmt::format("request header exceeds {} bytes", opts().header_limit)));
    }
    if (ec == bhttp::error::body_limit) {
      return answer_unreadable(Error::resource_exhausted(
          "body_too_large", fmt::format("request body exceeds {} bytes", opts().body_limit)));
    }
    if (is_parse_error(ec)) {
      return answer_unreadable(
          Error::invalid_argument("invalid_request", "malformed HTTP request"));
    }
    if (ec == beast::error::timeout) {
      state_->logger.debug("request timed out", {{"remote", remote_}});
    }
    close_now();  // peer closed, reset, timed out, or the server is stopping
  }

  // A request that could not be read whole is answered and the connection
  // closed: the rest of its bytes cannot be framed.
  void answer_unreadable(const Error& error) {
    phase_ = Phase::kHandling;
    exchange_.request_id = choose_request_id(std::nullopt);
    exchange_.started = state_->clock.monotonic_now();
    keep_alive_ = false;
    head_ = false;
    version_ = 11;
    send(error_response(error));
  }

  void on_request() {
    phase_ = Phase::kHandling;
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request request = to_request(msg);
    exchange_.method = std::string(msg.method_string());
    exchange_.request_id = request.request_id;
    head_ = request.method == Method::kHead;

    auto target = parse_target(request.target);
    if (!target.ok()) return send(error_response(target.error()));
    request.path = std::move(target->path);
    request.query = std::move(target->query);

    RequestContext ctx;
    ctx.logger = &state_->logger;
    auto routed = state_->router.route(request, ctx);
    if (auto* response = std::get_if<Response>(&routed)) return send(std::move(*response));
    const Route& route = *std::get<const Route*>(routed);
    exchange_.route = route.name;
    if (route.upgrade && beast::websocket::is_upgrade(msg)) return hand_over(route, request, ctx);
    if (route.async_handler) return start_async(route, request, ctx);
    send(state_->router.run_handler(route, request, ctx));
  }

  // Runs an asynchronous handler. The session stays in kHandling, reading
  // nothing, until the answer is posted back to its strand (finish_async) or
  // the server begins to stop (on_server_stop answers 503 instead).
  void start_async(const Route& route, const Request& request, RequestContext& ctx) {
    const std::uint64_t id = ++async_serial_;
    awaiting_ = id;
    // No socket operation is pending while the handler works, so a wait
    // without deadline holds the session instead. It is owned by the
    // io_context: were the answer never to come, the session goes with the
    // io_context rather than leaking, and a late Responder finds it gone.
    hold_.expires_at(std::chrono::steady_clock::time_point::max());
    hold_.async_wait([self = this->shared_from_this()](beast::error_code) {});
    // The Responder holds no executor: one outliving the io_context could not
    // even be destroyed safely. A live session means a live io_context.
    std::weak_ptr<Session> weak = this->shared_from_this();
    state_->router.run(route, request, ctx, [weak, id](Response response) {
      auto self = weak.lock();
      if (!self) return;  // the connection is gone; nobody to answer
      auto executor = self->stream_.get_executor();
      asio::post(executor, [self = std::move(self), id, r = std::move(response)]() mutable {
        self->finish_async(id, std::move(r));
      });
    });
  }

  void finish_async(std::uint64_t id, Response response) {
    if (awaiting_ != id) return;  // already answered 503 at stop
    awaiting_ = 0;
    hold_.cancel();
    send(std::move(response));
  }

  Request to_request(bhttp::request<bhttp::string_body>& msg) {
    Request request;
    request.method = parse_method(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    request.client_address = remote_;
    request.request_id = choose_request_id(request.headers.get("X-Request-Id"));
    request.secure = kIsTls<Stream>;
    return request;
  }

  void send(Response r) {
    if (r.status < 100 || r.status > 599) {
      state_->logger.error("handler returned an invalid status",
                           {{"route", exchange_.route}, {"status", r.status}});
      r = error_response(Error::internal("internal", "internal error"));
    }
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) {
      if (is_writable_header(name, value)) response_.insert(name, value);
    }
    response_.set("X-Request-Id", exchange_.request_id);
    set_security_headers();
    bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
    if (!bodiless && !r.body.empty()) {
      if (!r.content_type.empty()) response_.set(bhttp::field::content_type, r.content_type);
      response_.body() = std::move(r.body);
    }
    response_.keep_alive(keep_alive_ && !state_->stopping);
    response_.prepare_payload();
    // HEAD: the GET handler's Content-Length, without its body.
    if (head_) response_.body().clear();
    exchange_.status = r.status;

    phase_ = Phase::kWriting;
    tcp_layer().expires_after(opts().write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  // On every answer, whatever the route: no content sniffing (a JSON error
  // or job output is never taken for HTML), no Referer leaking paths or
  // tokens onwards, and over TLS a browser that keeps to https. A route may
  // set stricter ones of its own (the dashboard's Content-Security-Policy).
  void set_security_headers() {
    response_.set("X-Content-Type-Options", "nosniff");
    if (response_.find("Referrer-Policy") == response_.end()) {
      response_.set("Referrer-Policy", "no-referrer");
    }
    if constexpr (kIsTls<Stream>) {
      response_.set("Strict-Transport-Security", "max-age=31536000");
    }
  }

  void on_write(beast::error_code ec) {
    log_exchange();
    if (ec) return close_now();
    if (!response_.keep_alive()) return close_gracefully();
    first_request_ = false;
    read_request();
  }

  void log_exchange() {
    auto elapsed = state_->clock.monotonic_now() - exchange_.started;
    if (opts().on_request) {
      opts().on_request(exchange_.route, exchange_.method, exchange_.status,
                        std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
    }
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    state_->logger.info("request", {{"method", exchange_.method},
                                    {"route", exchange_.route},
                                    {"status", exchange_.status},
                                    {"duration_ms", ms},
                                    {"request_id", exchange_.request_id},
                                    {"remote", remote_}});
    exchange_ = {};
  }

  void hand_over(const Route& route, const Request& request, RequestContext& ctx) {
    phase_ = Phase::kHandedOver;
    tcp_layer().expires_never();
    exchange_.status = 101;
    log_exchange();
    slot_.set_on_stop({});
    std::shared_ptr<UpgradedConnection> connection(new UpgradedConnection{
        std::move(stream_), std::move(buffer_), parser_->release(), std::move(slot_)});
    try {
      route.upgrade(request, ctx, std::move(connection));
    } catch (const std::exception& e) {
      state_->logger.error(
          "upgrade handler threw",
          {{"route", route.name}, {"request_id", request.request_id}, {"error", e.what()}});
    }
  }

  // Called on the strand when the server begins to stop: a connection with
  // no request in hand closes now; one being answered closes after writing;
  // one waiting for an asynchronous handler is answered 503 at once, since
  // what it waits for may outlast the stop.
  void on_server_stop() {
    if (phase_ == Phase::kHandshake || phase_ == Phase::kIdle || phase_ == Phase::kReading) {
      close_now();
    } else if (phase_ == Phase::kHandling && awaiting_ != 0) {
      awaiting_ = 0;
      hold_.cancel();
      Response r =
          error_response(Error::unavailable("shutting_down", "the server is shutting down"));
      r.headers.set("Retry-After", "1");
      send(std::move(r));
    }
  }

  void close_now() {
    if (phase_ == Phase::kHandedOver) return;
    phase_ = Phase::kClosing;
    tcp_layer().close();
  }

  void close_gracefully() {
    phase_ = Phase::kClosing;
    tcp_layer().expires_after(kLingerTimeout);
    if constexpr (kIsTls<Stream>) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->tcp_layer().close(); });
    } else {
      beast::error_code ec;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain();
    }
  }

  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->tcp_layer().close();
                              self->drain();
                            });
  }

  std::shared_ptr<ServerState> state_;
  std::string remote_;
  Stream stream_;
  ConnectionSlot slot_;
  // Keeps the session alive while an asynchronous handler works (start_async).
  asio::steady_timer hold_;
  // Serial of the asynchronous answer awaited; 0 = none.
  std::uint64_t awaiting_ = 0;
  std::uint64_t async_serial_ = 0;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  Phase phase_ = Phase::kReading;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  Exchange exchange_;
};

// Answers a connection beyond max_connections without reading its request.
class Rejector : public std::enable_shared_from_this<Rejector> {
 public:
  Rejector(tcp::socket socket, std::string response)
      : stream_(std::move(socket)), response_(std::move(response)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(kLingerTimeout);
      asio::async_write(self->stream_, asio::buffer(self->response_),
                        [self](beast::error_code ec, std::size_t) {
                          if (ec) return self->stream_.close();
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
                          self->drain();
                        });
    });
  }

 private:
  void drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->stream_.close();
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  std::string response_;
  beast::flat_buffer buffer_;
};

std::string busy_response() {
  Response r = error_response(
      Error::unavailable("too_many_connections", "the server is at its connection limit"));
  bhttp::response<bhttp::string_body> res{bhttp::status::service_unavailable, 11};
  res.set(bhttp::field::content_type, r.content_type);
  res.set("X-Request-Id", choose_request_id(std::nullopt));
  res.set(bhttp::field::retry_after, "1");
  res.keep_alive(false);
  res.body() = std::move(r.body);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

}  // namespace

void start_session(std::shared_ptr<ServerState> state, tcp::socket socket, ConnectionSlot slot) {
  // Responses go out in one write; waiting to coalesce them only adds latency.
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (state->tls) {
    std::make_shared<Session<TlsStream>>(std::move(state), std::move(socket), std::move(slot))
        ->start();
  } else {
    std::make_shared<Session<PlainStream>>(std::move(state), std::move(socket), std::move(slot))
        ->start();
  }
}

void reject_connection(std::shared_ptr<ServerState> state, tcp::socket socket) {
  state->logger.debug("connection limit reached", {{"remote", remote_address(socket)}});
  if (state->tls) {
    beast::error_code ec;
    socket.close(ec);
    return;
  }
  std::make_shared<Rejector>(std::move(socket), busy_response())->start();
}

}  // namespace scriptmesh::http
