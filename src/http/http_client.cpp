#include "http/http_client.hpp"
#include "http/tls_client.hpp"
#include "scriptmesh/destinations.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

// SCRIPTMESH_VERSION comes from src/http/CMakeLists.txt (the project version).

namespace scriptmesh::http {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using OutgoingRequest = bhttp::request<bhttp::string_body>;

// Response headers beyond this are refused like an oversized body.
constexpr std::uint32_t kResponseHeaderLimit = 64 * 1024;
// send() waits this long past the deadline for the I/O thread to report
// before giving up on it (it should never need to: the deadline timer closes
// the socket at the deadline).
constexpr std::chrono::seconds kDeadlineSlack{2};
constexpr std::chrono::hours kMaxTimeout{24};

// RFC 9110 tchar: what a method or a header name may contain.
bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_header_value(std::string_view text) noexcept {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_framing_header(std::string_view name) noexcept {
  auto eq = [&](std::string_view other) {
    if (name.size() != other.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != other[i]) return false;
    }
    return true;
  };
  return eq("host") || eq("content-length") || eq("transfer-encoding") || eq("connection");
}

Error bad_request(std::string message) {
  return Error::invalid_argument("invalid_request", std::move(message));
}

Result<std::shared_ptr<const OutgoingRequest>> build_request(const HttpClientRequest& in,
                                                             const ClientUrl& url) {
  if (!is_token(in.method)) return bad_request("HTTP method is not a valid token");
  auto out = std::make_shared<OutgoingRequest>();
  out->version(11);
  bhttp::verb verb = bhttp::string_to_verb(in.method);
  if (verb == bhttp::verb::unknown) {
    out->method_string(in.method);
  } else {
    out->method(verb);
  }
  out->target(url.target);
  out->set(bhttp::field::host, url.host_header);
  out->set(bhttp::field::user_agent, default_user_agent());
  for (const auto& [name, value] : in.headers) {
    if (!is_token(name)) return bad_request("header name is not a valid token");
    if (!is_header_value(value)) return bad_request(fmt::format("header {} has a bad value", name));
    if (is_framing_header(name)) continue;
    if (beast::iequals(name, "User-Agent")) {
      out->set(bhttp::field::user_agent, value);
    } else {
      out->insert(name, value);
    }
  }
  out->body() = in.body;
  try {
    out->prepare_payload();
  } catch (const std::exception&) {
    return bad_request("this method cannot carry a body");  // TRACE
  }
  return std::shared_ptr<const OutgoingRequest>(std::move(out));
}

// One TCP (optionally TLS) connection and the bytes read past its last
// response. Used by one exchange at a time; idle ones wait in the pool.
struct Connection {
  Connection(asio::io_context& ioc, ssl::context* tls_context) {
    if (tls_context != nullptr) {
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
  }
  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;
};

// True unless the peer has closed the idle connection or sent something
// unasked (a TLS close_notify counts). The connection is idle, so no
// operation is pending on it and a non-blocking peek is safe from any thread.
bool looks_alive(Connection& connection) {
  char byte = 0;
  ssize_t n = ::recv(connection.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

struct Outcome {
  Result<HttpClientResponse> result = Error::internal("internal", "request was not run");
  // The response was read whole and the connection may carry another.
  bool reusable = false;
  // A reused connection failed before any byte of the response arrived: it
  // was most likely closed by the server while idle.
  bool stale = false;
};

// What every exchange of one client shares.
struct ExchangeEnv {
  asio::io_context& ioc;
  std::atomic<std::uint64_t>& connections_opened;
  std::size_t max_response_bytes;
  bool allow_private_destinations;
};

bool is_public_destination(const asio::ip::address& address) {
  if (address.is_v4()) return is_public_ipv4(address.to_v4().to_uint());
  return is_public_ipv6(address.to_v6().to_bytes());
}

// One request on one connection, run on the I/O thread: [resolve, connect,
// handshake,] write, read. The deadline timer closes the socket when it
// fires, which makes any pending step complete at once with an error; every
// handler checks done_ first, so whatever completes after the outcome was
// reported is ignored.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(ExchangeEnv env, std::shared_ptr<Connection> connection, bool reused, ClientUrl url,
           std::shared_ptr<const OutgoingRequest> request, SteadyClock::time_point deadline)
      : env_(env),
        connection_(std::move(connection)),
        reused_(reused),
        url_(std::move(url)),
        request_(std::move(request)),
        deadline_(deadline),
        timer_(env.ioc) {}

  std::future<Outcome> start() {
    auto future = promise_.get_future();
    asio::post(env_.ioc, [self = shared_from_this()] { self->begin(); });
    return future;
  }

 private:
  // Runs `f` with the connection's stream, plain or TLS.
  template <class F>
  void with_stream(F&& f) {
    if (connection_->tls) {
      f(*connection_->tls);
    } else {
      f(*connection_->plain);
    }
  }

  void begin() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->on_deadline();
    });
    if (reused_) return write();
    beast::error_code ec;
    auto address = asio::ip::make_address(url_.host, ec);
    if (!ec) return connect_allowed({tcp::endpoint(address, url_.port)});
    resolver_.emplace(env_.ioc);
    resolver_->async_resolve(
        url_.host, std::to_string(url_.port),
        [self = shared_from_this()](beast::error_code ec2, tcp::resolver::results_type results) {
          if (self->done_) return;
          if (ec2) {
            return self->fail(Error::unavailable(
                "connect_failed",
                fmt::format("could not resolve {}: {}", self->url_.host, ec2.message())));
          }
          self->connect_allowed({results.begin(), results.end()});
        });
  }

  // Connects to the endpoints the destination policy allows. Checked here,
  // on the addresses about to be used, so that no name that resolves to a
  // private address passes, whatever it resolved to when the URL was set.
  void connect_allowed(std::vector<tcp::endpoint> endpoints) {
    if (!env_.allow_private_destinations) {
      std::erase_if(endpoints,
                    [](const tcp::endpoint& e) { return !is_public_destination(e.address()); });
      if (endpoints.empty()) {
        return fail(Error::permission_denied(
            "destination_not_allowed",
            fmt::format("{} is a loopback, private or otherwise internal address, which outbound "
                        "requests may not reach (allow_private_destinations is off)",
                        url_.host)));
      }
    }
    connect(std::move(endpoints));
  }

  void connect(std::vector<tcp::endpoint> endpoints) {
    asio::async_connect(
        connection_->socket(), endpoints,
        [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          if (self->done_) return;
          if (ec) {
            return self->fail(Error::unavailable(
                "connect_failed",
                fmt::format("could not connect to {}: {}", self->url_.host_header, ec.message())));
          }
          self->env_.connections_opened.fetch_add(1);
          beast::error_code ignored;
          self->connection_->socket().set_option(tcp::no_delay(true), ignored);
          if (self->connection_->tls) return self->handshake();
          self->write();
        });
  }

  void handshake() {
    if (auto error = prepare_tls()) return fail(std::move(*error));
    connection_->tls->async_handshake(ssl::stream_base::client,
                                      [self = shared_from_this()](beast::error_code ec) {
                                        if (self->done_) return;
                                        if (ec) return self->fail(self->handshake_error(ec));
                                        self->write();
                                      });
  }

  // SNI and the name the certificate must carry (tls_client.hpp).
  std::optional<Error> prepare_tls() {
    if (set_tls_peer_name(connection_->tls->native_handle(), url_.host)) return std::nullopt;
    return Error::unavailable("tls_failed", fmt::format("could not set up TLS for {}", url_.host));
  }

  Error handshake_error(const beast::error_code& ec) {
    long verify = SSL_get_verify_result(connection_->tls->native_handle());
    if (verify != X509_V_OK) {
      return Error::unavailable("tls_failed",
                                fmt::format("certificate of {} did not verify: {}", url_.host,
                                            X509_verify_cert_error_string(verify)));
    }
    return Error::unavailable(
        "tls_failed", fmt::format("TLS handshake with {} failed: {}", url_.host, ec.message()));
  }

  void write() {
    with_stream([this](auto& stream) {
      bhttp::async_write(stream, *request_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                           if (self->done_) return;
                           if (ec) return self->fail_io("sending the request", ec, true);
                           self->read();
                         });
    });
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(kResponseHeaderLimit);
    parser_->body_limit(env_.max_response_bytes);
    if (request_->method() == bhttp::verb::head) parser_->skip(true);
    with_stream([this](auto& stream) {
      bhttp::async_read(stream, connection_->buffer, *parser_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (!self->done_) self->on_read(ec);
                        });
    });
  }

  void on_read(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      return fail(Error::resource_exhausted(
          "response_too_large",
          fmt::format("response from {} exceeds {} bytes", url_.host, env_.max_response_bytes)));
    }
    if (ec) {
      bool nothing_read = !parser_->got_some() && connection_->buffer.size() == 0;
      return fail_io("reading the response", ec, nothing_read);
    }
    auto& message = parser_->get();
    // An interim response (100 Continue, 103 Early Hints) precedes the real one.
    if (message.result_int() / 100 == 1 && message.result_int() != 101) return read();

    Outcome outcome;
    HttpClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    outcome.reusable = parser_->keep_alive() && connection_->buffer.size() == 0;
    outcome.result = std::move(response);
    finish(std::move(outcome));
  }

  void on_deadline() {
    if (done_) return;
    fail(Error::unavailable("timeout", fmt::format("request to {} timed out", url_.host)));
  }

  // `before_response`: no byte of the response has arrived yet.
  void fail_io(std::string_view step, const beast::error_code& ec, bool before_response) {
    bool parse_error =
        ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    std::string message = parse_error ? fmt::format("malformed HTTP response from {}", url_.host)
                                      : fmt::format("connection to {} failed while {}: {}",
                                                    url_.host, step, ec.message());
    fail(Error::unavailable("io_error", std::move(message)), reused_ && before_response);
  }

  void fail(Error error, bool stale = false) {
    Outcome outcome;
    outcome.result = std::move(error);
    outcome.stale = stale;
    finish(std::move(outcome));
  }

  void finish(Outcome outcome) {
    done_ = true;
    timer_.cancel();
    if (!outcome.reusable) {
      if (resolver_) resolver_->cancel();
      beast::error_code ignored;
      connection_->socket().close(ignored);
    }
    promise_.set_value(std::move(outcome));
  }

  ExchangeEnv env_;
  std::shared_ptr<Connection> connection_;
  const bool reused_;
  const ClientUrl url_;
  std::shared_ptr<const OutgoingRequest> request_;
  const SteadyClock::time_point deadline_;
  asio::steady_timer timer_;
  std::optional<tcp::resolver> resolver_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::promise<Outcome> promise_;
  bool done_ = false;  // only touched on the I/O thread
};

std::unique_ptr<ssl::context> make_tls_context(const HttpClientOptions& options) {
  auto context = make_client_tls_context(options.ca_file);
  if (!context.ok()) throw std::runtime_error(context.error().message());
  return std::move(context).value();
}

std::string pool_key(const ClientUrl& url) {
  return fmt::format("{}://{}:{}", url.tls ? "https" : "http", url.host, url.port);
}

}  // namespace

std::string_view default_user_agent() noexcept {
  return "scriptmesh/" SCRIPTMESH_VERSION;
}

// Members are destroyed in reverse order: the pool's sockets before the
// io_context they belong to, and that before the TLS context.
struct PooledHttpClient::Impl {
  explicit Impl(const HttpClientOptions& o)
      : options(o), tls(make_tls_context(o)), work(asio::make_work_guard(ioc)) {
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu);
      idle.clear();
    }
    work.reset();
    ioc.stop();
    thread.join();
  }

  struct Idle {
    std::shared_ptr<Connection> connection;
    SteadyClock::time_point since;
  };

  // A live idle connection for `key`, most recently used first, or null.
  // Expired and dead ones met on the way are closed.
  std::shared_ptr<Connection> take(const std::string& key) {
    std::vector<std::shared_ptr<Connection>> dropped;  // closed after unlocking
    std::lock_guard lock(mu);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& queue = it->second;
    auto now = SteadyClock::now();
    while (!queue.empty()) {
      Idle entry = std::move(queue.back());
      queue.pop_back();
      if (now - entry.since <= options.max_idle_time && looks_alive(*entry.connection)) {
        return std::move(entry.connection);
      }
      dropped.push_back(std::move(entry.connection));
    }
    return nullptr;
  }

  void put(const std::string& key, std::shared_ptr<Connection> connection) {
    if (options.max_idle_per_host == 0) return;
    std::shared_ptr<Connection> evicted;
    std::lock_guard lock(mu);
    auto& queue = idle[key];
    queue.push_back({std::move(connection), SteadyClock::now()});
    if (queue.size() > options.max_idle_per_host) {
      evicted = std::move(queue.front().connection);
      queue.pop_front();
    }
  }

  Outcome run(std::shared_ptr<Connection> connection, bool reused, const ClientUrl& url,
              const std::shared_ptr<const OutgoingRequest>& request,
              SteadyClock::time_point deadline) {
    auto exchange =
        std::make_shared<Exchange>(ExchangeEnv{ioc, connections_opened, options.max_response_bytes,
                                               options.allow_private_destinations},
                                   std::move(connection), reused, url, request, deadline);
    auto future = exchange->start();
    exchange.reset();
    if (future.wait_until(deadline + kDeadlineSlack) != std::future_status::ready) {
      Outcome late;
      late.result = Error::unavailable("timeout", fmt::format("request to {} timed out", url.host));
      return late;
    }
    return future.get();
  }

  const HttpClientOptions options;
  std::unique_ptr<ssl::context> tls;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  std::atomic<std::uint64_t> connections_opened{0};

  std::mutex mu;
  std::map<std::string, std::deque<Idle>> idle;  // guarded by mu
};

PooledHttpClient::PooledHttpClient(const HttpClientOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}

PooledHttpClient::~PooledHttpClient() = default;

std::uint64_t PooledHttpClient::connections_opened() const noexcept {
  return impl_->connections_opened.load();
}

Result<HttpClientResponse> PooledHttpClient::send(const HttpClientRequest& request) {
  auto url = parse_client_url(request.url);
  SCRIPTMESH_RETURN_IF_ERROR(url);
  auto outgoing = build_request(request, *url);
  SCRIPTMESH_RETURN_IF_ERROR(outgoing);
  // Clamped so that the deadline arithmetic cannot overflow.
  const auto timeout = std::clamp<std::chrono::milliseconds>(request.timeout, {}, kMaxTimeout);
  const auto deadline = SteadyClock::now() + timeout;
  const std::string key = pool_key(*url);
  auto& impl = *impl_;

  std::shared_ptr<Connection> connection = impl.take(key);
  bool reused = connection != nullptr;
  if (!reused)
    connection = std::make_shared<Connection>(impl.ioc, url->tls ? impl.tls.get() : nullptr);
  Outcome outcome = impl.run(connection, reused, *url, *outgoing, deadline);
  // A kept connection the server closed while it sat idle fails before any
  // response byte; the server never saw the request, so it goes once more on
  // a fresh connection. The rare server that took the request and then died
  // without answering sees it twice, which a delivery retry would do anyway.
  if (outcome.stale && SteadyClock::now() < deadline) {
    connection = std::make_shared<Connection>(impl.ioc, url->tls ? impl.tls.get() : nullptr);
    outcome = impl.run(connection, false, *url, *outgoing, deadline);
  }
  if (outcome.reusable) impl.put(key, std::move(connection));
  return std::move(outcome.result);
}

}  // namespace scriptmesh::http

namespace scriptmesh {

std::unique_ptr<HttpClient> make_http_client(const HttpClientOptions& options) {
  return std::make_unique<http::PooledHttpClient>(options);
}

}  // namespace scriptmesh
