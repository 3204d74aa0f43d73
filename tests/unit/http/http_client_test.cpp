#include "http/http_client.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/http_test_client.hpp"
#include "support/loopback_receiver.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using testing::CannedResponse;
using testing::LoopbackReceiver;
using testing::LoopbackReceiverOptions;

HttpClientRequest get(std::string url) {
  HttpClientRequest request;
  request.method = "GET";
  request.url = std::move(url);
  return request;
}

// A port nothing listens on: one a receiver just gave back.
std::uint16_t closed_port() {
  std::uint16_t port = 0;
  {
    LoopbackReceiver receiver;
    port = receiver.port();
  }
  REQUIRE(testing::connection_refused(port));
  return port;
}

// Waits for a condition that depends on another process or thread.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A bare TCP server for what the real server never does: answer a request on
// a kept-alive connection and then close it on the next request without a
// word, as a server that dropped the idle connection looks to the client.
// Connection i follows scripts[i], one step per request; later connections
// are never accepted.
class ScriptedServer {
 public:
  enum class Step { kAnswer, kCloseSilently };

  explicit ScriptedServer(std::vector<std::vector<Step>> scripts) : scripts_(std::move(scripts)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  // Polls `fd` for input in short slices so the destructor is never kept waiting.
  bool wait_readable(int fd) {
    for (int i = 0; i < 500 && !stop_; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10) > 0) return true;
    }
    return false;
  }

  bool read_request(int fd) {
    std::string data;
    char chunk[1024];
    while (data.find("\r\n\r\n") == std::string::npos) {
      if (!wait_readable(fd)) return false;
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      data.append(chunk, static_cast<std::size_t>(n));
    }
    ++requests_;
    return true;
  }

  void run() {
    for (std::size_t c = 0; c < scripts_.size(); ++c) {
      if (!wait_readable(listen_fd_)) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      ++connections_;
      for (std::size_t r = 0; r < scripts_[c].size(); ++r) {
        if (!read_request(fd) || scripts_[c][r] == Step::kCloseSilently) break;
        std::string body = "c" + std::to_string(c) + "r" + std::to_string(r);
        std::string response =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) break;
      }
      ::close(fd);
    }
  }

  std::vector<std::vector<Step>> scripts_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST_CASE("http client: parse_client_url") {
  auto url = parse_client_url("HTTPS://Api.Example.COM/v1/emails?x=1#frag");
  REQUIRE_OK(url);
  CHECK(url->tls);
  CHECK(url->host == "api.example.com");
  CHECK(url->port == 443);
  CHECK(url->target == "/v1/emails?x=1");
  CHECK(url->host_header == "api.example.com");

  url = parse_client_url("http://127.0.0.1:8080");
  REQUIRE_OK(url);
  CHECK_FALSE(url->tls);
  CHECK(url->port == 8080);
  CHECK(url->target == "/");
  CHECK(url->host_header == "127.0.0.1:8080");

  url = parse_client_url("http://[::1]:9000?q=1");
  REQUIRE_OK(url);
  CHECK(url->host == "::1");
  CHECK(url->target == "/?q=1");
  CHECK(url->host_header == "[::1]:9000");

  CHECK(parse_client_url("http://h:80/")->host_header == "h");

  for (const char* bad :
       {"", "example.com/path", "ftp://example.com/", "http://", "http:///path",
        "http://user:secret@example.com/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:8x/", "http://[::1/", "http://exa mple.com/", "http://example.com/a b",
        "http://example.com/a\r\nX-Evil: 1", "http://example.com/\xc3\xa9"}) {
    CAPTURE(bad);
    CHECK_ERROR_CODE(parse_client_url(bad), "invalid_url");
  }
}

TEST_CASE("http client: GET and POST round trip with the headers it sends") {
  LoopbackReceiver receiver;
  receiver.respond_next({201, R"({"id":"abc"})", "application/json", {{"X-Reply", "yes"}}, false});
  PooledHttpClient client(testing::loopback_client_options());

  HttpClientRequest post;
  post.url = receiver.url("/hooks/one?a=1");
  post.headers = {{"Content-Type", "application/json"}, {"X-Custom", "v1"}};
  post.body = R"({"hello":"world"})";
  auto posted = client.send(post);
  REQUIRE_OK(posted);
  CHECK(posted->status == 201);
  CHECK(posted->body == R"({"id":"abc"})");
  CHECK(posted->header("x-reply") == "yes");
  CHECK(posted->header("Content-Type") == "application/json");
  CHECK(posted->header("absent").empty());

  auto got = client.send(get(receiver.url("/status")));
  REQUIRE_OK(got);
  CHECK(got->status == 200);
  CHECK(got->body == "{}");

  auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  const auto& first = requests[0];
  CHECK(first.method == "POST");
  CHECK(first.target == "/hooks/one?a=1");
  CHECK(first.header("Host") == "127.0.0.1:" + std::to_string(receiver.port()));
  CHECK(first.header("User-Agent") == std::string(default_user_agent()));
  CHECK(first.header("User-Agent").rfind("scriptmesh/", 0) == 0);
  CHECK(first.header("Content-Length") == std::to_string(post.body.size()));
  CHECK(first.header("Content-Type") == "application/json");
  CHECK(first.header("X-Custom") == "v1");
  CHECK(first.body == post.body);
  CHECK_FALSE(first.secure);
  CHECK(requests[1].method == "GET");
  CHECK(requests[1].target == "/status");
  CHECK(requests[1].body.empty());
}

TEST_CASE("http client: framing headers are the client's, a caller's User-Agent wins") {
  LoopbackReceiver receiver;
  PooledHttpClient client(testing::loopback_client_options());
  HttpClientRequest request;
  request.url = receiver.url("/x");
  request.body = "four";
  request.headers = {{"Content-Length", "999"},
                     {"Host", "evil.example"},
                     {"Connection", "close"},
                     {"User-Agent", "custom/1"}};
  REQUIRE_OK(client.send(request));
  auto got = receiver.requests().at(0);
  CHECK(got.header("Content-Length") == "4");
  CHECK(got.header("Host") == "127.0.0.1:" + std::to_string(receiver.port()));
  CHECK(got.header("User-Agent") == "custom/1");
  CHECK(got.body == "four");
}

TEST_CASE("http client: HEAD reads no body") {
  LoopbackReceiver receiver;
  PooledHttpClient client(testing::loopback_client_options());
  auto head = get(receiver.url("/"));
  head.method = "HEAD";
  auto first = client.send(head);
  REQUIRE_OK(first);
  CHECK(first->status == 200);
  CHECK(first->body.empty());
  // The connection is still in step: a GET after it on the same one works.
  auto second = client.send(get(receiver.url("/")));
  REQUIRE_OK(second);
  CHECK(second->body == "{}");
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("http client: sequential requests share one kept-alive connection") {
  LoopbackReceiver receiver;
  PooledHttpClient client(testing::loopback_client_options());
  for (int i = 0; i < 3; ++i)
    REQUIRE_OK(client.send(get(receiver.url("/n"))));
  CHECK(client.connections_opened() == 1);
  CHECK(receiver.request_count() == 3);
  CHECK(receiver.peak_connections() == 1);

  SUBCASE("without a pool every request opens its own") {
    HttpClientOptions options = testing::loopback_client_options();
    options.max_idle_per_host = 0;
    PooledHttpClient unpooled(options);
    REQUIRE_OK(unpooled.send(get(receiver.url("/n"))));
    REQUIRE_OK(unpooled.send(get(receiver.url("/n"))));
    CHECK(unpooled.connections_opened() == 2);
  }
}

TEST_CASE("http client: a pooled connection the server closed is not reused") {
  LoopbackReceiverOptions options;
  options.idle_timeout = 100ms;
  LoopbackReceiver receiver(options);
  PooledHttpClient client(testing::loopback_client_options());
  REQUIRE_OK(client.send(get(receiver.url("/"))));
  REQUIRE(eventually([&] { return receiver.open_connections() == 0; }));
  auto second = client.send(get(receiver.url("/")));
  REQUIRE_OK(second);
  CHECK(second->status == 200);
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("http client: a reused connection dropped before the response is retried once") {
  using Step = ScriptedServer::Step;
  ScriptedServer server({{Step::kAnswer, Step::kCloseSilently}, {Step::kAnswer}});
  PooledHttpClient client(testing::loopback_client_options());
  auto first = client.send(get(server.url()));
  REQUIRE_OK(first);
  CHECK(first->body == "c0r0");
  auto second = client.send(get(server.url()));
  REQUIRE_OK(second);
  CHECK(second->body == "c1r0");
  CHECK(client.connections_opened() == 2);
  CHECK(server.requests() == 3);
}

TEST_CASE("http client: a fresh connection dropped before the response is not retried") {
  ScriptedServer server({{ScriptedServer::Step::kCloseSilently}});
  PooledHttpClient client(testing::loopback_client_options());
  auto request = get(server.url());
  request.timeout = 2s;
  auto result = client.send(request);
  CHECK_ERROR_CODE(result, "io_error");
  CHECK(result.error().category() == ErrorCategory::kUnavailable);
  CHECK(server.connections() == 1);
}

TEST_CASE("http client: a receiver that never answers times out at the deadline") {
  LoopbackReceiver receiver;
  receiver.respond_next(CannedResponse::never());
  PooledHttpClient client(testing::loopback_client_options());
  auto request = get(receiver.url("/slow"));
  request.timeout = 300ms;
  auto started = std::chrono::steady_clock::now();
  auto result = client.send(request);
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK_ERROR_CODE(result, "timeout");
  CHECK(result.error().category() == ErrorCategory::kUnavailable);
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 3s);
  // The timed-out connection is not pooled: the next request opens another.
  REQUIRE_OK(client.send(get(receiver.url("/"))));
  CHECK(client.connections_opened() == 2);
}

TEST_CASE("http client: connection refused is connect_failed") {
  PooledHttpClient client(testing::loopback_client_options());
  auto result = client.send(get("http://127.0.0.1:" + std::to_string(closed_port()) + "/"));
  CHECK_ERROR_CODE(result, "connect_failed");
  CHECK(result.error().category() == ErrorCategory::kUnavailable);
}

TEST_CASE("http client: a host name that does not resolve is connect_failed") {
  PooledHttpClient client(testing::loopback_client_options());
  auto request = get("http://no-such-host.invalid/");
  request.timeout = 5s;
  auto result = client.send(request);
  REQUIRE_FALSE(result.ok());
  // A resolver that cannot answer in time is a timeout; one that can says no.
  CHECK((result.error().code() == "connect_failed" || result.error().code() == "timeout"));
}

TEST_CASE("http client: a response body over the cap is response_too_large") {
  LoopbackReceiver receiver;
  receiver.respond_next({200, std::string(4096, 'x'), "text/plain", {}, false});
  HttpClientOptions options = testing::loopback_client_options();
  options.max_response_bytes = 1024;
  PooledHttpClient client(options);
  auto result = client.send(get(receiver.url("/big")));
  CHECK_ERROR_CODE(result, "response_too_large");
  CHECK(result.error().category() == ErrorCategory::kResourceExhausted);
  // Exactly at the cap is fine.
  receiver.respond_next({200, std::string(1024, 'y'), "text/plain", {}, false});
  auto at_cap = client.send(get(receiver.url("/big")));
  REQUIRE_OK(at_cap);
  CHECK(at_cap->body.size() == 1024);
}

TEST_CASE("http client: bad URLs, methods and headers are refused before any I/O") {
  PooledHttpClient client(testing::loopback_client_options());
  CHECK_ERROR_CODE(client.send(get("ftp://127.0.0.1/")), "invalid_url");
  CHECK_ERROR_CODE(client.send(get("not a url")), "invalid_url");
  auto request = get("http://127.0.0.1:1/");
  request.method = "GE T";
  CHECK_ERROR_CODE(client.send(request), "invalid_request");
  request = get("http://127.0.0.1:1/");
  request.headers = {{"X-Injected", "a\r\nEvil: 1"}};
  CHECK_ERROR_CODE(client.send(request), "invalid_request");
  request.headers = {{"Bad Name", "x"}};
  CHECK_ERROR_CODE(client.send(request), "invalid_request");
  CHECK(client.connections_opened() == 0);
}

TEST_CASE("http client: concurrent sends from many threads") {
  LoopbackReceiver receiver;
  PooledHttpClient client(testing::loopback_client_options());
  constexpr int kThreads = 6;
  constexpr int kEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        HttpClientRequest request;
        request.url = receiver.url("/t" + std::to_string(t));
        request.body = std::to_string(i);
        if (client.send(request).ok()) ++ok;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  CHECK(ok == kThreads * kEach);
  CHECK(receiver.request_count() == kThreads * kEach);
  CHECK(client.connections_opened() <= kThreads);
}

TEST_CASE("http client: HTTPS verifies the certificate chain") {
  LoopbackReceiverOptions options;
  options.tls = true;
  LoopbackReceiver receiver(options);

  SUBCASE("a self-signed certificate is refused by the default trust store") {
    PooledHttpClient client(testing::loopback_client_options());
    auto result = client.send(get(receiver.url("/")));
    CHECK_ERROR_CODE(result, "tls_failed");
    CHECK(result.error().message().find("did not verify") != std::string::npos);
    CHECK(receiver.request_count() == 0);
  }
  SUBCASE("it is accepted with that certificate as the CA file, and reused") {
    HttpClientOptions client_options = testing::loopback_client_options();
    client_options.ca_file = receiver.cert_file().string();
    PooledHttpClient client(client_options);
    auto first = client.send(get(receiver.url("/secure")));
    REQUIRE_OK(first);
    CHECK(first->status == 200);
    REQUIRE_OK(client.send(get(receiver.url("/secure"))));
    CHECK(client.connections_opened() == 1);
    auto requests = receiver.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].secure);
  }
  SUBCASE("a CA file that cannot be read fails at construction") {
    HttpClientOptions client_options = testing::loopback_client_options();
    client_options.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(PooledHttpClient{client_options}, std::runtime_error);
  }
}

TEST_CASE("http client: HTTPS verifies the host name") {
  LoopbackReceiverOptions options;
  options.tls = true;
  options.cert_names = "DNS:example.invalid";
  LoopbackReceiver receiver(options);
  HttpClientOptions client_options = testing::loopback_client_options();
  client_options.ca_file = receiver.cert_file().string();
  PooledHttpClient client(client_options);

  // Trusted chain, wrong name: 127.0.0.1 is not in the certificate.
  auto by_ip = client.send(get(receiver.url("/")));
  CHECK_ERROR_CODE(by_ip, "tls_failed");
  CHECK(by_ip.error().message().find("did not verify") != std::string::npos);
  // Neither is localhost.
  auto by_name = client.send(get("https://localhost:" + std::to_string(receiver.port()) + "/"));
  CHECK_ERROR_CODE(by_name, "tls_failed");
  CHECK(receiver.request_count() == 0);
}

TEST_CASE("http client: a certificate naming localhost verifies by name and by IP") {
  LoopbackReceiverOptions options;
  options.tls = true;  // DNS:localhost,IP:127.0.0.1
  LoopbackReceiver receiver(options);
  HttpClientOptions client_options = testing::loopback_client_options();
  client_options.ca_file = receiver.cert_file().string();
  PooledHttpClient client(client_options);
  REQUIRE_OK(client.send(get(receiver.url("/"))));
  REQUIRE_OK(client.send(get("https://localhost:" + std::to_string(receiver.port()) + "/")));
  CHECK(receiver.request_count() == 2);
}

TEST_CASE("http client: by default no loopback address is reached, however it is spelled") {
  LoopbackReceiver receiver;
  PooledHttpClient client;  // allow_private_destinations off, as in production
  const std::string port = std::to_string(receiver.port());
  // Literals, the shorthand forms getaddrinfo accepts, a name, and IPv6 forms.
  for (const std::string& host :
       std::vector<std::string>{"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0", "localhost",
                                "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"}) {
    for (const std::string& scheme : std::vector<std::string>{"http://", "https://"}) {
      const std::string url = scheme + host + ":" + port + "/";
      CAPTURE(url);
      auto result = client.send(get(url));
      CHECK_ERROR_CODE(result, "destination_not_allowed");
    }
  }
  CHECK(receiver.request_count() == 0);
  CHECK(client.connections_opened() == 0);
}

TEST_CASE("http client: make_http_client gives the production client") {
  LoopbackReceiver receiver;
  auto client = make_http_client(testing::loopback_client_options());
  REQUIRE(client != nullptr);
  auto result = client->send(get(receiver.url("/")));
  REQUIRE_OK(result);
  CHECK(result->status == 200);
}

}  // namespace
}  // namespace scriptmesh::http
