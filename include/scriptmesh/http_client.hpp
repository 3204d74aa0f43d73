// HttpClient: the one seam for outbound HTTP(S) — e-mail providers, webhooks,
// chat and monitoring integrations.
//
// The production client (make_http_client, in scriptmesh::http) verifies the
// server's certificate chain and host name, sends SNI, reuses connections per
// host, and bounds every request by a timeout and the response by a size cap.
// Tests inject a fake or point the production client at a loopback receiver.
//
// Thread safety: send() may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct HttpClientRequest {
  // An HTTP method token ("GET", "POST", ...).
  std::string method = "POST";
  // Absolute URL: http://host[:port]/path?query or https://... A fragment is
  // dropped; user info ("user:pass@") is refused.
  std::string url;
  // Sent as given, after Host and User-Agent (a User-Agent here replaces the
  // default). The client owns the framing: Host, Content-Length,
  // Transfer-Encoding and Connection given here are ignored.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Whole-request deadline: connect, TLS handshake, write and read.
  std::chrono::milliseconds timeout{10'000};
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // at most HttpClientOptions::max_response_bytes

  // First header named `name`, case-insensitive; "" when absent.
  std::string header(std::string_view name) const {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (const auto& [key, value] : headers) {
      if (key.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; same && i < key.size(); ++i)
        same = lower(key[i]) == lower(name[i]);
      if (same) return value;
    }
    return {};
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request. Any HTTP status is a success here (the caller decides
  // what a 4xx means). Errors: invalid_argument "invalid_url", or
  // "invalid_request" (a method or header name that is not an HTTP token, a
  // header value with CR, LF or NUL); permission_denied
  // "destination_not_allowed" (see allow_private_destinations); unavailable
  // codes
  // "connect_failed" (name resolution or TCP connect), "tls_failed"
  // (including a certificate or host name that does not verify), "timeout"
  // (the request's deadline passed), "io_error" (the connection broke, or
  // the response was not valid HTTP); resource_exhausted
  // "response_too_large". Messages name the host, never a header value or
  // the body.
  [[nodiscard]] virtual Result<HttpClientResponse> send(const HttpClientRequest& request) = 0;
};

struct HttpClientOptions {
  // PEM bundle of trusted CAs; empty = the system's default trust store.
  std::string ca_file;
  // Off: a request whose host is, or resolves only to, a loopback, private,
  // link-local, unique-local, multicast, unspecified or other non-public
  // address fails with permission_denied "destination_not_allowed" before
  // any connection is made (addresses among several that are not public
  // are skipped). URLs come from tenants; this keeps them from reaching the
  // orchestrator's own network. On for self-hosted setups whose receivers
  // live on a private network, and for tests on loopback.
  bool allow_private_destinations = false;
  // Largest response body kept; beyond it the request fails.
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  // Idle connections kept per (scheme, host, port) for reuse; 0 = a new
  // connection for every request.
  std::size_t max_idle_per_host = 4;
  // A kept connection idle longer than this is closed instead of reused
  // (servers drop idle connections after a while; reusing one that is about
  // to go costs a failed write).
  std::chrono::milliseconds max_idle_time{30'000};
};

// The production client (Beast + OpenSSL), provided by scriptmesh::http
// (link scriptmesh::http; scriptmesh::core alone does not define it).
//
// It verifies the server certificate against options.ca_file or the system
// trust store and checks that it names the URL's host (DNS name or IP
// address), sends SNI for host names, and keeps up to max_idle_per_host idle
// connections per (scheme, host, port). A kept connection that turns out to
// be dead before any byte of the response arrived is dropped and the request
// is sent once more on a fresh connection, within the same deadline.
// User-Agent is "scriptmesh/<version>". One background thread runs the I/O;
// send() blocks the calling thread until the response or the deadline.
// Destroying the client while a send() is in progress is a bug.
std::unique_ptr<HttpClient> make_http_client(const HttpClientOptions& options = {});

}  // namespace scriptmesh
