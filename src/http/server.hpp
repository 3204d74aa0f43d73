// HttpServer: the HTTP/1.1 (optionally HTTPS) front door every REST route and
// the agent WebSocket hang on.
//
//   Router router;
//   add_health_routes(router, [&] { return store_ready(); });
//   router.add({.method = Method::kGet, .pattern = "/v1/jobs/{id}", ...});
//   HttpServer server(options, std::move(router), logger);
//   if (auto r = server.start(); !r.ok()) ...;   // binds, starts the threads
//   ...
//   server.stop();                               // graceful
//
// Shape: one Asio io_context run by `threads` threads; the acceptor hands each
// connection a fresh strand and one session object (owned by shared_ptr) that
// reads a request, lets the router answer it, writes the response, and loops
// while the connection is kept alive. Handlers run on those threads, on the
// connection's strand: a handler that blocks holds one thread, so a handler
// that must wait (long polls) needs its own async path, not a sleep.
//
// Limits, each answered without disturbing other connections:
//   header larger than header_limit       -> 431 "header_too_large", close
//   body larger than body_limit           -> 413 "body_too_large", close
//   unparseable request                   -> 400 "invalid_request", close
//   request not whole within read_timeout -> connection closed (slow loris)
//   idle keep-alive past idle_timeout     -> connection closed
//   more than max_connections open        -> 503 "too_many_connections", close
//   (or max_connections_per_address from one address)
//                                            (with TLS: closed without a
//                                            handshake, which is the costly part)
// Every response carries X-Request-Id: a sane incoming one is echoed, else
// one is generated. Each request is logged as one info line: method, route
// name (not the raw path), status, duration_ms, request_id, remote.
//
// Thread safety: start() and stop() may be called from any one thread (not
// from a handler); bound_port() and active_connections() from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// std::thread::hardware_concurrency(), at least 1.
unsigned default_server_threads() noexcept;

struct TlsOptions {
  // PEM file: the server certificate, then any intermediates.
  std::string cert_file;
  // PEM file: the certificate's private key, unencrypted.
  std::string key_file;
};

struct ServerOptions {
  // Address to listen on: an IP literal or a host name; "0.0.0.0" or "::" for all.
  std::string host = "127.0.0.1";
  // TCP port; 0 picks a free one (read it back with bound_port()).
  std::uint16_t port = 8080;
  // Threads running the I/O and the handlers.
  unsigned threads = default_server_threads();
  // Largest request line plus header block, in bytes; beyond it: 431.
  std::uint32_t header_limit = 8 * 1024;
  // Largest request body, in bytes; beyond it: 413 "body_too_large".
  std::uint64_t body_limit = 1024 * 1024;
  // A request (and, with TLS, the handshake before the first one) must arrive
  // whole within this, or the connection is closed: a client trickling bytes
  // cannot hold a connection open.
  std::chrono::milliseconds read_timeout{15'000};
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // A response must be written within this, or the connection is closed.
  std::chrono::milliseconds write_timeout{15'000};
  // Open connections at most (WebSocket connections included); beyond it a
  // new connection is answered 503 and closed.
  std::size_t max_connections = 10'000;
  // Open connections at most from one client address (the peer's, as
  // accepted); beyond it the same 503. 0 = no cap of its own.
  std::size_t max_connections_per_address = 0;
  // How long stop() waits for in-flight requests before abandoning the rest.
  std::chrono::milliseconds shutdown_grace{10'000};
  // When set, the server speaks HTTPS only (TLS 1.2 or later).
  std::optional<TlsOptions> tls;
  // Told of every answered request (for /metrics): the route's name ("-"
  // when none matched), the method, the status and how long it took from
  // the request's first byte to the answer written. Called on the
  // connection's thread; must be quick and thread-safe. Optional.
  std::function<void(std::string_view route, std::string_view method, int status,
                     std::chrono::nanoseconds elapsed)>
      on_request;
};

class HttpServer {
 public:
  // `logger` and `clock` are borrowed and must outlive the server. The router
  // is frozen from here on.
  HttpServer(ServerOptions options, Router router, Logger& logger = null_logger(),
             Clock& clock = system_clock());
  // Stops (as stop()) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Errors: invalid_argument
  // "invalid_tls_config" (unreadable or mismatched certificate and key),
  // unavailable "listen_failed" (address in use, bad host). Call once.
  [[nodiscard]] Result<void> start();

  // The port actually bound (useful with port 0); 0 before start().
  std::uint16_t bound_port() const noexcept;

  // Graceful stop: stops accepting, closes idle connections and those still
  // receiving a request, lets requests already being handled finish and
  // answers them with "Connection: close", then joins the threads. After
  // `grace` (default: options.shutdown_grace) whatever is left is abandoned;
  // a handler still running is waited for, never interrupted. Idempotent.
  void stop();
  void stop(std::chrono::milliseconds grace);

  // Connections currently open (including upgraded ones).
  std::size_t active_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::http
