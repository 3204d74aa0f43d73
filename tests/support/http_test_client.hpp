// Clients for testing the HTTP server over real sockets on 127.0.0.1.
//
//   HttpTestClient  a small synchronous HTTP/1.1 (or HTTPS) client that keeps
//                   its connection alive between requests, so tests can see
//                   keep-alive at work (connections_opened()).
//   RawConnection   a bare TCP socket for clients that misbehave on purpose:
//                   partial headers, stalls, malformed request lines.
//   write_self_signed_cert  a fresh certificate and key for TLS tests.
//
// No Beast or OpenSSL types appear here; the implementation holds them.
// Thread safety: one object per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpTestResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  // True when the server left the connection open for another request.
  bool keep_alive = false;

  // The first header named `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct HttpTestClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // Speak HTTPS.
  bool tls = false;
  // With tls: trust this PEM certificate (and verify the server's chain
  // against it); empty = accept any certificate.
  std::string ca_file;
  // Deadline for each connect and each request.
  std::chrono::milliseconds timeout{5000};
  // Local address to connect from ("127.0.0.2": all of 127/8 is loopback on
  // Linux), so a test can act as a second client address; empty = any.
  std::string bind_address;
};

class HttpTestClient {
 public:
  explicit HttpTestClient(std::uint16_t port);
  explicit HttpTestClient(HttpTestClientOptions options);
  ~HttpTestClient();
  HttpTestClient(const HttpTestClient&) = delete;
  HttpTestClient& operator=(const HttpTestClient&) = delete;

  // Sends one request on the open connection (connecting first if there is
  // none) and reads the whole response. A response without keep-alive closes
  // the connection; the next request opens a new one. Any I/O failure is
  // unavailable "io_error" and closes the connection.
  [[nodiscard]] Result<HttpTestResponse> request(std::string_view method, std::string_view target,
                                                 std::string_view body = {},
                                                 const HeaderList& headers = {});

  // How many connections this client has opened so far.
  int connections_opened() const;
  // Closes the connection, if one is open.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One plain TCP connection to 127.0.0.1:port with blocking, deadline-bounded
// operations. Throws std::runtime_error when it cannot connect.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  // From `source`, a local IPv4 address ("127.0.0.2": the whole of
  // 127.0.0.0/8 is loopback), to tell clients apart by address.
  RawConnection(std::uint16_t port, const std::string& source);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Writes all of `bytes`; false when the peer has closed or reset.
  bool send(std::string_view bytes);
  // Reads until `until` has arrived (when not empty), the peer closes, or
  // `timeout` passes; returns everything read.
  std::string read(std::chrono::milliseconds timeout, std::string_view until = {});
  // True when the peer closes the connection (EOF or reset) within
  // `timeout`; whatever it sends first is discarded.
  bool wait_closed(std::chrono::milliseconds timeout);
  void close();

 private:
  int fd_ = -1;
};

// True when nothing listens on 127.0.0.1:port (a connect is refused).
bool connection_refused(std::uint16_t port);

// Writes a new self-signed certificate (CN=localhost, valid for a day) with
// subjectAltName `names` (OpenSSL syntax, e.g. "DNS:example.invalid") and its
// P-256 private key as PEM files. Throws std::runtime_error on failure.
void write_self_signed_cert(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file,
                            const std::string& names = "DNS:localhost,IP:127.0.0.1");

}  // namespace scriptmesh::testing
