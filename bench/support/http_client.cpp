#include "support/http_client.hpp"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "support/bench_error.hpp"

namespace scriptmesh::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t kMaxBody = 64 * 1024 * 1024;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequal(n, name)) return v;
  }
  return {};
}

// Asynchronous operations run to completion on the client's own io_context:
// beast::tcp_stream's deadlines only apply to asynchronous calls.
struct HttpClient::Impl {
  template <typename Start>
  beast::error_code run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void connect() {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    stream.emplace(ioc);
    buffer.clear();
    stream->expires_after(timeout);
    beast::error_code ec = run([&](auto handler) { stream->async_connect(endpoint, handler); });
    if (ec) {
      stream.reset();
      fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    ++connections;
  }

  void close() {
    if (!stream) return;
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
    stream.reset();
  }

  // One exchange on the open connection; answers the error, if any.
  beast::error_code exchange(bhttp::request<bhttp::string_body>& req, HttpResponse& out,
                             bool& keep_alive) {
    stream->expires_after(timeout);
    beast::error_code ec = run([&](auto handler) { bhttp::async_write(*stream, req, handler); });
    if (ec) return ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxBody);
    ec = run([&](auto handler) { bhttp::async_read(*stream, buffer, parser, handler); });
    if (ec) return ec;
    auto& msg = parser.get();
    out.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(msg.body());
    keep_alive = msg.keep_alive();
    return {};
  }

  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{0};
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  int connections = 0;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() {
  impl_->close();
}

int HttpClient::connections_opened() const {
  return impl_->connections;
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view body, std::string_view bearer) {
  Impl& c = *impl_;
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(c.port));
  if (!bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + std::string(bearer));
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.prepare_payload();
  }
  // A kept-alive connection may have been closed by the server while idle;
  // that shows as a failure before any response byte, and one fresh
  // connection is tried. A fresh connection failing is an error.
  for (int attempt = 0;; ++attempt) {
    const bool fresh = !c.stream;
    if (fresh) c.connect();
    HttpResponse out;
    bool keep_alive = false;
    beast::error_code ec = c.exchange(req, out, keep_alive);
    if (!ec) {
      if (!keep_alive) c.close();
      return out;
    }
    c.close();
    const bool idle_close = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                            ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
    if (fresh || attempt > 0 || !idle_close) {
      fail(std::string(method) + " " + std::string(target) + ": " + ec.message());
    }
  }
}

}  // namespace scriptmesh::bench
