#include "http/server.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http/server_state.hpp"
#include "http/session.hpp"

namespace scriptmesh::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// After an accept error such as EMFILE, wait this long before accepting
// again instead of spinning on the same error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Error::internal("tls_setup_failed", "cannot require TLS 1.2");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(tls.cert_file, ec);
  if (ec) {
    return Error::invalid_argument(
        "invalid_tls_config",
        fmt::format("cannot load certificate {}: {}", tls.cert_file, ec.message()));
  }
  ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return Error::invalid_argument(
        "invalid_tls_config",
        fmt::format("cannot load private key {}: {}", tls.key_file, ec.message()));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Error::invalid_argument("invalid_tls_config",
                                   "the private key does not match the certificate");
  }
  return ctx;
}

}  // namespace

unsigned default_server_threads() noexcept {
  return std::max(1u, std::thread::hardware_concurrency());
}

// ---- ConnectionSlot ----

std::optional<ConnectionSlot> ConnectionSlot::try_acquire(const std::shared_ptr<ServerState>& state,
                                                          const std::string& address) {
  const std::size_t cap = state->options.max_connections_per_address;
  std::lock_guard lock(state->mu);
  if (state->active >= state->options.max_connections) return std::nullopt;
  if (cap != 0) {
    std::size_t& open = state->per_address[address];
    if (open >= cap) return std::nullopt;
    ++open;
  }
  ++state->active;
  return ConnectionSlot(state, ++state->next_slot, cap != 0 ? address : std::string());
}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : state_(std::move(other.state_)), id_(other.id_), address_(std::move(other.address_)) {}

ConnectionSlot::~ConnectionSlot() {
  if (!state_) return;
  std::function<void()> on_stop;  // destroyed outside the lock
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->on_stop.find(id_);
    if (it != state_->on_stop.end()) {
      on_stop = std::move(it->second);
      state_->on_stop.erase(it);
    }
    if (state_->options.max_connections_per_address != 0) {
      auto open = state_->per_address.find(address_);
      if (open != state_->per_address.end() && --open->second == 0) {
        state_->per_address.erase(open);
      }
    }
    if (--state_->active == 0) state_->idle_cv.notify_all();
  }
}

void ConnectionSlot::set_on_stop(std::function<void()> on_stop) {
  std::function<void()> previous;  // destroyed outside the lock
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->on_stop.find(id_);
    if (it != state_->on_stop.end()) {
      previous = std::move(it->second);
      state_->on_stop.erase(it);
    }
    // stop() sets `stopping` under mu before it collects the callbacks, so a
    // callback registered after that is run here instead of being missed.
    if (on_stop && !state_->stopping) {
      state_->on_stop.emplace(id_, std::move(on_stop));
      return;
    }
  }
  if (on_stop) on_stop();
}

// ---- HttpServer ----

struct HttpServer::Impl {
  Impl(ServerOptions options, Router router, Logger& logger, Clock& clock)
      : state(std::make_shared<ServerState>(std::move(options), std::move(router), logger, clock)),
        ioc(static_cast<int>(std::max(1u, state->options.threads))) {}

  void accept() {
    acceptor->async_accept(asio::make_strand(ioc),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      state->logger.warn("accept failed", {{"error", ec.message()}});
      retry_timer.expires_after(kAcceptRetryDelay);
      retry_timer.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor->is_open()) accept();
      });
      return;
    }
    if (state->stopping) return;  // the socket closes as it goes out of scope
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    const std::string address = peer_ec ? std::string("-") : peer.address().to_string();
    if (auto slot = ConnectionSlot::try_acquire(state, address)) {
      start_session(state, std::move(socket), std::move(*slot));
    } else {
      reject_connection(state, std::move(socket));
    }
    accept();
  }

  Result<void> listen() {
    const ServerOptions& o = state->options;
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
      return Error::unavailable("listen_failed",
                                fmt::format("cannot resolve {}: {}", o.host, ec.message()));
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor.emplace(accept_strand);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port = acceptor->local_endpoint(ec).port();
    if (ec) {
      return Error::unavailable(
          "listen_failed", fmt::format("cannot listen on {}:{}: {}", o.host, o.port, ec.message()));
    }
    return ok_result();
  }

  void run_thread() {
    // A handler that throws is a bug; keep the thread serving the others.
    while (true) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        state->logger.error("exception escaped an I/O handler", {{"error", e.what()}});
      }
    }
  }

  // Closes the listener on its strand. Waits at most `grace`: should every
  // thread be stuck in a handler, stop() goes on and ioc.stop() ends the rest.
  void close_acceptor(std::chrono::milliseconds grace) {
    auto closed = std::make_shared<std::promise<void>>();
    std::future<void> done = closed->get_future();
    asio::post(accept_strand, [this, closed] {
      boost::system::error_code ec;
      acceptor->close(ec);
      retry_timer.cancel();
      closed->set_value();
    });
    done.wait_for(grace);
  }

  // Asks every open connection to close or finish, then waits for them.
  void drain_connections(std::chrono::milliseconds grace) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(state->mu);
      state->stopping = true;
      for (auto& [id, fn] : state->on_stop)
        callbacks.push_back(std::move(fn));
      state->on_stop.clear();
    }
    for (auto& fn : callbacks)
      fn();
    std::unique_lock lock(state->mu);
    if (!state->idle_cv.wait_for(lock, grace, [&] { return state->active == 0; })) {
      state->logger.warn("stop grace period over; abandoning connections",
                         {{"open_connections", state->active}});
    }
  }

  std::shared_ptr<ServerState> state;
  asio::io_context ioc;
  // The acceptor and its retry timer run on one strand of their own.
  asio::strand<asio::io_context::executor_type> accept_strand = asio::make_strand(ioc);
  std::optional<tcp::acceptor> acceptor;
  asio::steady_timer retry_timer{accept_strand};
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex lifecycle_mu;  // serialises start() and stop()
  bool started = false;     // guarded by lifecycle_mu
  bool stopped = false;     // guarded by lifecycle_mu
};

HttpServer::HttpServer(ServerOptions options, Router router, Logger& logger, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), logger, clock)) {}

HttpServer::~HttpServer() {
  stop();
}

Result<void> HttpServer::start() {
  std::lock_guard lock(impl_->lifecycle_mu);
  if (impl_->started)
    return Error::failed_precondition("already_started", "server already started");
  const ServerOptions& o = impl_->state->options;
  if (o.tls) {
    auto ctx = make_tls_context(*o.tls);
    SCRIPTMESH_RETURN_IF_ERROR(ctx);
    impl_->state->tls = std::move(*ctx);
  }
  SCRIPTMESH_RETURN_IF_ERROR(impl_->listen());
  impl_->started = true;
  impl_->accept();
  unsigned n = std::max(1u, o.threads);
  for (unsigned i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] { impl_->run_thread(); });
  impl_->state->logger.info("http server listening",
                            {{"listen", fmt::format("{}:{}", o.host, impl_->port)},
                             {"tls", o.tls ? "on" : "off"},
                             {"threads", n}});
  return ok_result();
}

std::uint16_t HttpServer::bound_port() const noexcept {
  return impl_->port;
}

void HttpServer::stop() {
  stop(impl_->state->options.shutdown_grace);
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(impl_->lifecycle_mu);
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->close_acceptor(grace);
  impl_->drain_connections(grace);
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  impl_->state->logger.info("http server stopped", {});
}

std::size_t HttpServer::active_connections() const {
  std::lock_guard lock(impl_->state->mu);
  return impl_->state->active;
}

}  // namespace scriptmesh::http
