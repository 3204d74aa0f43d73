#include "support/http_test_client.hpp"

#include <cerrno>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace scriptmesh::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Error io_error(std::string_view what, const beast::error_code& ec) {
  return Error::unavailable("io_error", std::string(what) + ": " + ec.message());
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

std::string HttpTestResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequal(n, name)) return v;
  }
  return {};
}

bool HttpTestResponse::has_header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequal(n, name)) return true;
  }
  return false;
}

// ---- HttpTestClient ----

struct HttpTestClient::Impl {
  using TlsStream = asio::ssl::stream<beast::tcp_stream>;

  explicit Impl(HttpTestClientOptions o) : options(std::move(o)) {
    if (options.ca_file.empty()) {
      ssl.set_verify_mode(asio::ssl::verify_none);
    } else {
      ssl.load_verify_file(options.ca_file);
      ssl.set_verify_mode(asio::ssl::verify_peer);
    }
  }

  // Runs the asynchronous operation `start` (given a completion handler) to
  // completion on this client's own io_context and returns its error.
  template <typename Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  Result<void> connect() {
    tcp::endpoint endpoint(asio::ip::make_address(options.host), options.port);
    buffer.clear();
    beast::tcp_stream stream(ioc);
    beast::error_code ec;
    if (!options.bind_address.empty()) {
      stream.socket().open(endpoint.protocol(), ec);
      if (!ec)
        stream.socket().bind(tcp::endpoint(asio::ip::make_address(options.bind_address), 0), ec);
      if (ec) return io_error("bind", ec);
    }
    stream.expires_after(options.timeout);
    ec = run([&](auto handler) { stream.async_connect(endpoint, handler); });
    if (ec) return io_error("connect", ec);
    stream.socket().set_option(tcp::no_delay(true), ec);
    ++connections;
    if (!options.tls) {
      plain.emplace(std::move(stream));
      return ok_result();
    }
    tls.emplace(std::move(stream), ssl);
    ec = run([&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
    if (ec) {
      tls.reset();
      return io_error("tls handshake", ec);
    }
    return ok_result();
  }

  template <typename Message>
  beast::error_code write(Message& msg) {
    if (tls) return run([&](auto handler) { bhttp::async_write(*tls, msg, handler); });
    return run([&](auto handler) { bhttp::async_write(*plain, msg, handler); });
  }

  template <typename Parser>
  beast::error_code read(Parser& parser) {
    if (tls) return run([&](auto handler) { bhttp::async_read(*tls, buffer, parser, handler); });
    return run([&](auto handler) { bhttp::async_read(*plain, buffer, parser, handler); });
  }

  void close() {
    if (tls || plain) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      lowest().close();
    }
    tls.reset();
    plain.reset();
  }

  HttpTestClientOptions options;
  asio::io_context ioc;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  int connections = 0;
};

HttpTestClient::HttpTestClient(std::uint16_t port)
    : HttpTestClient([port] {
        HttpTestClientOptions o;
        o.port = port;
        return o;
      }()) {}

HttpTestClient::HttpTestClient(HttpTestClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpTestClient::~HttpTestClient() {
  impl_->close();
}

Result<HttpTestResponse> HttpTestClient::request(std::string_view method, std::string_view target,
                                                 std::string_view body, const HeaderList& headers) {
  Impl& c = *impl_;
  if (!c.tls && !c.plain) SCRIPTMESH_RETURN_IF_ERROR(c.connect());

  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, c.options.host);
  for (const auto& [name, value] : headers)
    req.insert(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body() = std::string(body);
    req.prepare_payload();
  }
  c.lowest().expires_after(c.options.timeout);
  if (auto ec = c.write(req)) {
    c.close();
    return io_error("write", ec);
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(method == "HEAD");
  if (auto ec = c.read(parser)) {
    c.close();
    return io_error("read", ec);
  }
  auto& msg = parser.get();
  HttpTestResponse out;
  out.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.keep_alive = msg.keep_alive();
  out.body = std::move(msg.body());
  if (!out.keep_alive) c.close();
  return out;
}

int HttpTestClient::connections_opened() const {
  return impl_->connections;
}

void HttpTestClient::close() {
  impl_->close();
}

// ---- RawConnection ----

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr = loopback(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect() failed");
  }
}

RawConnection::RawConnection(std::uint16_t port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  sockaddr_in addr = loopback(port);
  if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("bind() or connect() from " + source + " failed");
  }
}

RawConnection::~RawConnection() {
  close();
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::read(std::chrono::milliseconds timeout, std::string_view until) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (until.empty() || out.find(until) == std::string::npos) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;  // EOF or reset
  }
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool connection_refused(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool refused =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

// ---- certificates ----

void write_self_signed_cert(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file, const std::string& names) {
  auto fail = [](const char* what) { throw std::runtime_error(std::string("cert: ") + what); };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) fail("key generation");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, names.c_str());
  if (san == nullptr) fail("subjectAltName");
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("sign");

  auto write = [&](const std::filesystem::path& path, auto&& emit) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) fail("open output file");
    bool ok = emit(f) == 1;
    std::fclose(f);
    if (!ok) fail("PEM write");
  };
  write(cert_file, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); });
  write(key_file, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

}  // namespace scriptmesh::testing
