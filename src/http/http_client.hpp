// The production HttpClient (Beast + OpenSSL) and the URL parsing it uses.
// Hosts get it through make_http_client (scriptmesh/http_client.hpp); this
// header adds what tests need to see: the parsed URL and a connection count.
//
// Shape: one io_context run by one background thread owns every socket.
// send() builds the request on the calling thread, hands one exchange
// (resolve, connect, TLS handshake, write, read) to that thread and waits for
// its outcome. A single timer per exchange enforces the whole-request
// deadline by closing the socket, so no step can outlive it. Idle kept-alive
// connections wait in a pool keyed by (scheme, host, port).
//
// Thread safety: send() and connections_opened() may be called from any
// thread concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "scriptmesh/http_client.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

struct ClientUrl {
  bool tls = false;         // https
  std::string host;         // lowercase; an IPv6 literal without brackets
  std::uint16_t port = 0;   // explicit, or 80 / 443
  std::string target;       // origin form: "/path?query", at least "/"
  std::string host_header;  // host[:port] as sent in Host ("[::1]:8080")
};

// Parses an absolute http or https URL. Errors: invalid_argument
// "invalid_url" (another scheme, user info, an empty or malformed host, a bad
// port, or a byte that must be percent-encoded such as a space or CR/LF).
[[nodiscard]] Result<ClientUrl> parse_client_url(std::string_view url);

// "scriptmesh/<version>", the default User-Agent.
std::string_view default_user_agent() noexcept;

class PooledHttpClient final : public HttpClient {
 public:
  // Builds the TLS context (throws std::runtime_error when options.ca_file
  // cannot be loaded: a start-up failure) and starts the I/O thread.
  explicit PooledHttpClient(const HttpClientOptions& options = {});
  // Closes every connection and joins the I/O thread.
  ~PooledHttpClient() override;
  PooledHttpClient(const PooledHttpClient&) = delete;
  PooledHttpClient& operator=(const PooledHttpClient&) = delete;

  [[nodiscard]] Result<HttpClientResponse> send(const HttpClientRequest& request) override;

  // TCP connections opened so far (a kept connection reused is not counted
  // again).
  std::uint64_t connections_opened() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::http
