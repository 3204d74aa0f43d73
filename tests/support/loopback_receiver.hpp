// LoopbackReceiver: a recording HTTP(S) receiver on 127.0.0.1 for tests of
// outbound HTTP (the HttpClient, e-mail providers, webhooks, integrations).
//
//   LoopbackReceiver receiver;                        // plain HTTP, port 0
//   receiver.respond_next({.status = 503}, 2);        // fail twice, then default
//   client.send({.url = receiver.url("/hook"), ...});
//   auto got = receiver.requests();                   // what arrived, in order
//
// It is the project's HttpServer with a catch-all route table (every method
// the router knows, paths of up to kMaxDepth segments), so what it sees is
// what a real ScriptMesh server would see. Each request is recorded whole
// (method, target, headers, body) and answered with the next queued canned
// response, or the default one.
//
// A canned response with `hang` never answers: the request is held until the
// receiver is destroyed (or kMaxHang passes), for timeout tests.
//
// Connections: the server does not count accepted connections, so the
// receiver samples how many are open whenever a request arrives;
// peak_connections() is the largest sample. A client that keeps one
// connection alive for sequential requests shows 1; one that opens a new
// connection per request while the old one is still open shows more.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/http_client.hpp"

namespace scriptmesh::testing {

// Options for a production HTTP client that talks to loopback receivers:
// allow_private_destinations on (outbound requests refuse loopback otherwise).
inline HttpClientOptions loopback_client_options() {
  HttpClientOptions options;
  options.allow_private_destinations = true;
  return options;
}

struct ReceivedRequest {
  std::string method;  // "POST"
  std::string target;  // "/emails?x=1", as received
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool secure = false;  // arrived over TLS

  // The first header named `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct CannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Never answer (see above).
  bool hang = false;

  // A response that never comes.
  static CannedResponse never() {
    CannedResponse response;
    response.hang = true;
    return response;
  }
};

struct LoopbackReceiverOptions {
  // Serve HTTPS with a fresh self-signed certificate (see cert_file()).
  bool tls = false;
  // With tls: the certificate's subjectAltName entries, OpenSSL syntax.
  std::string cert_names = "DNS:localhost,IP:127.0.0.1";
  // Answer to requests when no canned response is queued.
  CannedResponse default_response{200, "{}", "application/json", {}, false};
  // Largest request body accepted (the server answers 413 beyond it).
  std::uint64_t body_limit = 1024 * 1024;
  // How long the server keeps an idle kept-alive connection open.
  std::chrono::milliseconds idle_timeout{60'000};
};

class LoopbackReceiver {
 public:
  static constexpr std::size_t kMaxDepth = 8;
  static constexpr std::chrono::seconds kMaxHang{30};

  // Starts listening on 127.0.0.1 (a free port). Throws std::runtime_error
  // when the server cannot start.
  explicit LoopbackReceiver(LoopbackReceiverOptions options = {});
  // Releases held requests and stops the server.
  ~LoopbackReceiver();
  LoopbackReceiver(const LoopbackReceiver&) = delete;
  LoopbackReceiver& operator=(const LoopbackReceiver&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port><path>" (https with tls).
  std::string url(std::string_view path = "/") const;
  // With tls: the PEM certificate served, to trust as a CA file.
  std::filesystem::path cert_file() const;

  // Answers the next `times` requests with `response` (after any already
  // queued), then falls back to the default.
  void respond_next(CannedResponse response, std::size_t times = 1);

  // Every request received so far, in arrival order.
  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;
  // Waits until at least `count` requests have arrived; false on timeout.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  // The most connections open at once when a request arrived (see above).
  std::size_t peak_connections() const;
  // Connections open now.
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::testing
