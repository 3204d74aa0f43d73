#include "http/server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpTestClient;
using testing::HttpTestResponse;
using testing::RawConnection;

// Keeps every log line so tests can look at the request log.
class RecordingLogger final : public Logger {
 public:
  struct Line {
    LogLevel level;
    std::string message;
    std::map<std::string, std::string> fields;
  };

  void log(LogLevel level, std::string_view message, LogFields fields) override {
    Line line{level, std::string(message), {}};
    for (const auto& f : fields)
      line.fields[std::string(f.key)] = f.value;
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
  }

  std::vector<Line> requests() const {
    std::lock_guard lock(mu_);
    std::vector<Line> out;
    for (const auto& l : lines_) {
      if (l.message == "request") out.push_back(l);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Line> lines_;  // guarded by mu_
};

// Polls `condition` until it holds or `timeout` passes: for state another
// thread reaches soon, never to let a deadline expire.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = 3s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

ServerOptions test_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 4;
  o.shutdown_grace = 3s;
  return o;
}

Router test_router() {
  Router router;
  add_health_routes(router);
  Route echo;
  echo.method = Method::kPost;
  echo.pattern = "/echo";
  echo.name = "echo";
  echo.handler = [](const Request& req, RequestContext&) {
    return text_response(200, req.body, "application/octet-stream");
  };
  router.add(std::move(echo));
  Route item;
  item.pattern = "/items/{id}";
  item.name = "items.get";
  item.handler = [](const Request& req, RequestContext&) {
    boost::json::object out{{"id", req.path_param("id")},
                            {"q", req.query_param("q").value_or("")},
                            {"client", req.client_address},
                            {"secure", req.secure}};
    Response r = json_response(200, out);
    r.headers.set("X-Custom", "yes");
    r.headers.set("Content-Length", "999");  // the server owns framing headers
    return r;
  };
  router.add(std::move(item));
  return router;
}

// A server on an ephemeral port, stopped on scope exit.
struct TestServer {
  explicit TestServer(ServerOptions options = test_options(), Router router = test_router())
      : server(std::move(options), std::move(router), logger) {
    auto started = server.start();
    REQUIRE_OK(started);
    port = server.bound_port();
    REQUIRE(port != 0);
  }

  RecordingLogger logger;
  HttpServer server;
  std::uint16_t port = 0;
};

// The status of a response, or -1 when the request failed at the I/O level.
int status_of(const Result<HttpTestResponse>& r) {
  return r.ok() ? r->status : -1;
}

boost::json::value json_of(const HttpTestResponse& r) {
  return boost::json::parse(r.body);
}

std::string error_code_of(const HttpTestResponse& r) {
  return std::string(json_of(r).at("error").at("code").as_string());
}

TEST_CASE("round trip with keep-alive: two requests on one connection") {
  TestServer s;
  HttpTestClient client(s.port);
  auto first = client.request("GET", "/healthz");
  REQUIRE_OK(first);
  CHECK(first->status == 200);
  CHECK(first->header("Content-Type") == "application/json");
  CHECK(json_of(*first) == boost::json::parse(R"({"status":"ok"})"));
  CHECK(first->keep_alive);
  // Security headers on every answer; HSTS only over TLS.
  CHECK(first->header("X-Content-Type-Options") == "nosniff");
  CHECK(first->header("Referrer-Policy") == "no-referrer");
  CHECK(first->header("Strict-Transport-Security").empty());

  auto second = client.request("GET", "/items/a%20b?q=x%2By+z");
  REQUIRE_OK(second);
  CHECK(second->status == 200);
  CHECK(json_of(*second).at("id") == "a b");
  CHECK(json_of(*second).at("q") == "x+y z");
  CHECK(json_of(*second).at("client") == "127.0.0.1");
  CHECK(json_of(*second).at("secure") == false);
  CHECK(second->header("X-Custom") == "yes");
  CHECK(second->header("Content-Length") == std::to_string(second->body.size()));
  CHECK(client.connections_opened() == 1);
  CHECK(s.server.active_connections() == 1);
}

TEST_CASE("bodies, 404, 405, HEAD and readiness over the wire") {
  std::atomic<bool> ready{false};
  Router ready_router;
  add_health_routes(ready_router, [&] { return ready.load(); });
  TestServer s(test_options(), std::move(ready_router));
  HttpTestClient client(s.port);
  CHECK(status_of(client.request("GET", "/readyz")) == 503);
  ready = true;
  CHECK(status_of(client.request("GET", "/readyz")) == 200);

  TestServer t;
  HttpTestClient c(t.port);
  std::string payload(5000, 'x');
  payload[17] = '\0';
  auto echoed = c.request("POST", "/echo", payload);
  REQUIRE_OK(echoed);
  CHECK(echoed->status == 200);
  CHECK(echoed->body == payload);

  auto missing = c.request("GET", "/nope");
  REQUIRE_OK(missing);
  CHECK(missing->status == 404);
  CHECK(error_code_of(*missing) == "not_found");
  CHECK(missing->keep_alive);

  auto wrong = c.request("DELETE", "/echo");
  REQUIRE_OK(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->header("Allow") == "POST");

  auto head = c.request("HEAD", "/healthz");
  REQUIRE_OK(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->header("Content-Length") == "15");

  auto after = c.request("GET", "/healthz");  // the connection survived all of it
  REQUIRE_OK(after);
  CHECK(after->status == 200);
  CHECK(c.connections_opened() == 1);
}

TEST_CASE("X-Request-Id is echoed when sane, generated otherwise, and logged") {
  TestServer s;
  HttpTestClient client(s.port);
  auto echoed = client.request("GET", "/items/j1", {}, {{"X-Request-Id", "abc-123_x.Y"}});
  REQUIRE_OK(echoed);
  CHECK(echoed->header("X-Request-Id") == "abc-123_x.Y");

  auto replaced = client.request("GET", "/healthz", {}, {{"X-Request-Id", "bad id; x"}});
  REQUIRE_OK(replaced);
  std::string generated = replaced->header("X-Request-Id");
  CHECK(generated.rfind("req_", 0) == 0);

  auto none = client.request("GET", "/nope");
  REQUIRE_OK(none);
  CHECK(none->header("X-Request-Id").rfind("req_", 0) == 0);
  CHECK(none->header("X-Request-Id") != generated);

  REQUIRE(eventually([&] { return s.logger.requests().size() == 3; }));
  auto lines = s.logger.requests();
  CHECK(lines[0].level == LogLevel::kInfo);
  CHECK(lines[0].fields["method"] == "GET");
  CHECK(lines[0].fields["route"] == "items.get");  // the route name, not /items/j1
  CHECK(lines[0].fields["status"] == "200");
  CHECK(lines[0].fields["request_id"] == "abc-123_x.Y");
  CHECK(lines[0].fields["remote"] == "127.0.0.1");
  CHECK(lines[0].fields.count("duration_ms") == 1);
  CHECK(lines[1].fields["request_id"] == generated);
  CHECK(lines[2].fields["route"] == "-");
  CHECK(lines[2].fields["status"] == "404");
}

TEST_CASE("a body over body_limit is answered 413 body_too_large") {
  ServerOptions o = test_options();
  o.body_limit = 1024;
  TestServer s(o);
  HttpTestClient client(s.port);
  auto fits = client.request("POST", "/echo", std::string(1024, 'a'));
  REQUIRE_OK(fits);
  CHECK(fits->status == 200);

  auto big = client.request("POST", "/echo", std::string(4096, 'a'));
  REQUIRE_OK(big);
  CHECK(big->status == 413);
  CHECK(error_code_of(*big) == "body_too_large");
  CHECK_FALSE(big->keep_alive);
  CHECK(big->header("X-Request-Id").size() > 0);

  // Chunked bodies are counted as they arrive.
  RawConnection raw(s.port);
  std::string chunk(1000, 'b');
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    request += "3e8\r\n" + chunk + "\r\n";
  request += "0\r\n\r\n";
  raw.send(request);
  std::string answer = raw.read(3s, "}}");
  CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(answer.find("body_too_large") != std::string::npos);
  CHECK(raw.wait_closed(3s));

  auto still = HttpTestClient(s.port).request("GET", "/healthz");
  REQUIRE_OK(still);
  CHECK(still->status == 200);
}

TEST_CASE("a header over header_limit is answered 431") {
  ServerOptions o = test_options();
  o.header_limit = 1024;
  TestServer s(o);
  HttpTestClient client(s.port);
  auto big = client.request("GET", "/healthz", {}, {{"X-Big", std::string(2000, 'h')}});
  REQUIRE_OK(big);
  CHECK(big->status == 431);
  CHECK(error_code_of(*big) == "header_too_large");
  CHECK_FALSE(big->keep_alive);

  auto ok = client.request("GET", "/healthz", {}, {{"X-Small", std::string(500, 'h')}});
  REQUIRE_OK(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("malformed requests are answered 400 and closed") {
  TestServer s;
  for (std::string_view bad :
       {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /x HTTP/1.1\r\nBad Header\r\n\r\n", "GET /x HTTP/1.1\r\nContent-Length: zz\r\n\r\n"}) {
    CAPTURE(bad);
    RawConnection raw(s.port);
    REQUIRE(raw.send(bad));
    std::string answer = raw.read(3s, "}}");
    CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(answer.find("invalid_request") != std::string::npos);
    CHECK(answer.find("X-Request-Id: req_") != std::string::npos);
    CHECK(raw.wait_closed(3s));
  }
  // Framing the parser leaves to the server (RFC 9112): Host exactly once on
  // HTTP/1.1, one plain Content-Length, chunked as the only coding.
  auto refused_and_closed = [&](std::string_view request, std::string_view status,
                                std::string_view code) {
    CAPTURE(request);
    RawConnection raw(s.port);
    REQUIRE(raw.send(request));
    std::string answer = raw.read(3s, "}}");
    CHECK(answer.rfind("HTTP/1.1 " + std::string(status), 0) == 0);
    CHECK(answer.find(code) != std::string::npos);
    CHECK(raw.wait_closed(3s));
  };
  for (std::string_view bad :
       {"GET /healthz HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\nab",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"}) {
    refused_and_closed(bad, "400", "invalid_request");
  }
  for (std::string_view unsupported :
       {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"}) {
    refused_and_closed(unsupported, "501", "not_implemented");
  }
  // HTTP/1.0 may leave Host out.
  {
    RawConnection raw(s.port);
    REQUIRE(raw.send("GET /healthz HTTP/1.0\r\n\r\n"));
    CHECK(raw.read(3s, "}").rfind("HTTP/1.0 200", 0) == 0);
  }
  // A well-framed request with a target we do not serve is a 400 too, but
  // the connection stays usable.
  HttpTestClient client(s.port);
  auto absolute = client.request("GET", "http://example.com/healthz");
  REQUIRE_OK(absolute);
  CHECK(absolute->status == 400);
  CHECK(absolute->keep_alive);
  auto bad_escape = client.request("GET", "/items/%zz");
  REQUIRE_OK(bad_escape);
  CHECK(bad_escape->status == 400);
  CHECK(status_of(client.request("GET", "/healthz")) == 200);
}

TEST_CASE("slow loris: a request that does not arrive in time is dropped") {
  ServerOptions o = test_options();
  o.read_timeout = 300ms;
  TestServer s(o);

  RawConnection stalled(s.port);
  auto began = std::chrono::steady_clock::now();
  REQUIRE(stalled.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));

  // Meanwhile other clients are served normally.
  HttpTestClient client(s.port);
  auto ok = client.request("GET", "/healthz");
  REQUIRE_OK(ok);
  CHECK(ok->status == 200);

  CHECK(stalled.wait_closed(5s));
  CHECK(std::chrono::steady_clock::now() - began >= 250ms);

  // Trickling a byte at a time does not reset the deadline.
  RawConnection drip(s.port);
  began = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    if (!drip.send("a")) break;
    closed = drip.wait_closed(40ms);
  }
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - began < 2s);
  CHECK(status_of(client.request("GET", "/healthz")) == 200);
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout") {
  ServerOptions o = test_options();
  o.idle_timeout = 200ms;
  TestServer s(o);
  RawConnection raw(s.port);
  REQUIRE(raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string answer = raw.read(3s, "\"ok\"}");
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.wait_closed(5s));
  CHECK(eventually([&] { return s.server.active_connections() == 0; }));
}

TEST_CASE("pipelined requests and Expect: 100-continue") {
  TestServer s;
  RawConnection raw(s.port);
  REQUIRE(
      raw.send("GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string both = raw.read(3s, "\"id\":\"2\"");
  auto one = both.find("\"id\":\"1\"");
  auto two = both.find("\"id\":\"2\"");
  CHECK(one != std::string::npos);
  CHECK(two != std::string::npos);
  CHECK(one < two);

  REQUIRE(raw.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  CHECK(raw.read(3s, "\r\n\r\n").rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
  REQUIRE(raw.send("hello"));
  std::string answer = raw.read(3s, "hello");
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("max_connections: the next connection gets 503 and is closed") {
  ServerOptions o = test_options();
  o.max_connections = 2;
  TestServer s(o);
  // Two kept-alive connections hold both places.
  auto a = std::make_unique<HttpTestClient>(s.port);
  HttpTestClient b(s.port);
  REQUIRE(status_of(a->request("GET", "/healthz")) == 200);
  REQUIRE(status_of(b.request("GET", "/healthz")) == 200);
  CHECK(s.server.active_connections() == 2);

  HttpTestClient third(s.port);
  auto refused = third.request("GET", "/healthz");
  REQUIRE_OK(refused);
  CHECK(refused->status == 503);
  CHECK(error_code_of(*refused) == "too_many_connections");
  CHECK_FALSE(refused->keep_alive);
  CHECK(refused->has_header("X-Request-Id"));

  a.reset();  // frees a place once the server sees the close
  REQUIRE(eventually([&] { return s.server.active_connections() == 1; }));
  auto admitted = third.request("GET", "/healthz");
  REQUIRE_OK(admitted);
  CHECK(admitted->status == 200);
  CHECK(status_of(b.request("GET", "/healthz")) == 200);
}

TEST_CASE("max_connections_per_address: one address cannot take every place") {
  ServerOptions o = test_options();
  o.max_connections_per_address = 2;
  TestServer s(o);
  RawConnection one(s.port, "127.0.0.3");
  RawConnection two(s.port, "127.0.0.3");
  REQUIRE(eventually([&] { return s.server.active_connections() == 2; }));
  RawConnection three(s.port, "127.0.0.3");
  std::string answer = three.read(3s, "}}");
  CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(answer.find("too_many_connections") != std::string::npos);
  // Another address is served meanwhile, and the first again once a place frees.
  RawConnection other(s.port, "127.0.0.4");
  REQUIRE(other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(other.read(3s, "}").rfind("HTTP/1.1 200", 0) == 0);
  one.close();
  REQUIRE(eventually([&] { return s.server.active_connections() == 2; }));
  RawConnection again(s.port, "127.0.0.3");
  REQUIRE(again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(again.read(3s, "}").rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("concurrent clients are all served") {
  TestServer s;
  constexpr int kThreads = 16;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::atomic<int> reused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpTestClient client(s.port);
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + ":" + std::to_string(i);
        auto r = client.request("POST", "/echo", body);
        if (r.ok() && r->status == 200 && r->body == body) ++ok;
      }
      if (client.connections_opened() == 1) ++reused;
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(ok == kThreads * kRequests);
  CHECK(reused == kThreads);
}

TEST_CASE("graceful stop lets an in-flight request finish") {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Router router;
  add_health_routes(router);
  Route block;
  block.pattern = "/block";
  block.name = "block";
  block.handler = [&](const Request&, RequestContext&) {
    entered.set_value();
    released.wait();
    return text_response(200, "finished");
  };
  router.add(std::move(block));
  ServerOptions o = test_options();
  o.shutdown_grace = 5s;
  TestServer s(o, std::move(router));

  HttpTestClient idle(s.port);  // kept alive, no request in hand: closed at once
  REQUIRE(status_of(idle.request("GET", "/healthz")) == 200);

  auto in_flight = std::async(std::launch::async, [&] {
    HttpTestClient client(s.port);
    return client.request("GET", "/block");
  });
  entered.get_future().wait();

  auto began = std::chrono::steady_clock::now();
  auto stopping = std::async(std::launch::async, [&] { s.server.stop(); });
  // Once the listener is gone no new connection gets in...
  CHECK(eventually([&] { return testing::connection_refused(s.port); }));
  // ...and the idle connection is closed without waiting for the grace period.
  CHECK(eventually([&] { return s.server.active_connections() == 1; }));
  CHECK_FALSE(idle.request("GET", "/healthz").ok());
  release.set_value();

  auto response = in_flight.get();
  REQUIRE_OK(response);
  CHECK(response->status == 200);
  CHECK(response->body == "finished");
  CHECK_FALSE(response->keep_alive);
  stopping.get();
  CHECK(std::chrono::steady_clock::now() - began < 4s);
  CHECK(s.server.active_connections() == 0);
}

TEST_CASE("stop with only idle connections returns promptly, start errors") {
  TestServer s;
  HttpTestClient client(s.port);
  REQUIRE(status_of(client.request("GET", "/healthz")) == 200);
  auto began = std::chrono::steady_clock::now();
  s.server.stop(5s);
  CHECK(std::chrono::steady_clock::now() - began < 2s);
  s.server.stop();  // idempotent

  TestServer first;
  ServerOptions taken = test_options();
  taken.port = first.port;
  HttpServer second(taken, test_router());
  CHECK_ERROR_CODE(second.start(), "listen_failed");

  ServerOptions bad_host = test_options();
  bad_host.host = "0.0.0.0";  // every address, the loopback one taken above included
  bad_host.port = first.port;
  HttpServer third(bad_host, test_router());
  CHECK_ERROR_CODE(third.start(), "listen_failed");

  HttpServer never_started(test_options(), test_router());
  never_started.stop();
}

}  // namespace
}  // namespace scriptmesh::http
