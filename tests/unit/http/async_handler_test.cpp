// Asynchronous handlers: the router's Responder contract, and the session
// waiting for an answer posted from another thread.
#include "http/router.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "http/server.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpTestClient;

// Responders parked by the handler, answered by the test from its own thread.
class Parked {
 public:
  void park(Responder r) {
    std::lock_guard lock(mu_);
    parked_.push_back(std::move(r));
    cv_.notify_all();
  }

  // Waits until `n` requests are parked.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return parked_.size() >= n; });
  }

  Responder take(std::size_t i) {
    std::lock_guard lock(mu_);
    return parked_.at(i);
  }

  void drop_all() {
    std::vector<Responder> gone;
    std::lock_guard lock(mu_);
    gone.swap(parked_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Responder> parked_;  // guarded by mu_
};

Router async_router(Parked& parked) {
  Router router;
  add_health_routes(router);
  Route wait;
  wait.pattern = "/wait/{id}";
  wait.name = "wait";
  wait.async_handler = [&parked](const Request& req, RequestContext&, Responder respond) {
    if (req.path_param("id") == "now") {
      return respond(text_response(200, "at once"));
    }
    if (req.path_param("id") == "throw") throw std::runtime_error("bug");
    parked.park(std::move(respond));
  };
  router.add(std::move(wait));
  router.add_guard([](const Request&, RequestContext& ctx) -> Result<void> {
    ctx.response_headers.add("X-Guard", "seen");
    return ok_result();
  });
  return router;
}

Request request_for(std::string path) {
  Request r;
  r.target = path;
  r.path = std::move(path);
  r.request_id = "req-test";
  return r;
}

ServerOptions options() {
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.shutdown_grace = 5s;
  return o;
}

std::string error_code_of(const std::string& body) {
  return std::string(boost::json::parse(body).at("error").at("code").as_string());
}

TEST_CASE("router: an async route answers once through its Responder, with guard headers") {
  Parked parked;
  Router router = async_router(parked);
  std::vector<Response> answers;
  Request req = request_for("/wait/later");
  RequestContext ctx;
  router.dispatch(req, ctx, [&](Response r) { answers.push_back(std::move(r)); });
  REQUIRE(parked.wait_for(1));
  CHECK(answers.empty());
  Responder respond = parked.take(0);
  respond(text_response(201, "first"));
  respond(text_response(202, "second"));  // harmless
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 201);
  CHECK(answers[0].body == "first");
  CHECK(answers[0].headers.get("X-Guard") == "seen");

  // The synchronous run of an async-only route is a table bug, not a hang.
  Request sync_req = request_for("/wait/x");
  RequestContext sync_ctx;
  CHECK(router.dispatch(sync_req, sync_ctx).status == 500);
}

TEST_CASE("router: a dropped Responder answers 500, a throwing handler answers 500") {
  Parked parked;
  Router router = async_router(parked);
  std::vector<Response> answers;
  Request req = request_for("/wait/dropped");
  RequestContext ctx;
  router.dispatch(req, ctx, [&](Response r) { answers.push_back(std::move(r)); });
  REQUIRE(parked.wait_for(1));
  parked.drop_all();
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 500);

  Request bad = request_for("/wait/throw");
  RequestContext bad_ctx;
  router.dispatch(bad, bad_ctx, [&](Response r) { answers.push_back(std::move(r)); });
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].status == 500);
  CHECK(error_code_of(answers[1].body) == "internal");
}

TEST_CASE("router: a route with both a handler and an async handler is refused") {
  Router router;
  Route both;
  both.pattern = "/x";
  both.name = "x";
  both.handler = [](const Request&, RequestContext&) { return empty_response(204); };
  both.async_handler = [](const Request&, RequestContext&, Responder r) { r(empty_response(204)); };
  CHECK_THROWS_AS(router.add(std::move(both)), std::invalid_argument);
}

TEST_CASE("server: the answer is posted from another thread, the connection stays usable") {
  Parked parked;
  HttpServer server(options(), async_router(parked));
  REQUIRE_OK(server.start());
  HttpTestClient client(server.bound_port());

  auto answered = std::async(std::launch::async, [&] { return client.request("GET", "/wait/1"); });
  REQUIRE(parked.wait_for(1));
  CHECK(answered.wait_for(50ms) == std::future_status::timeout);  // still waiting
  std::thread([respond = parked.take(0)] {
    respond(text_response(200, "later"));
    respond(text_response(500, "again"));
  }).join();
  auto r = answered.get();
  REQUIRE_OK(r);
  CHECK(r->status == 200);
  CHECK(r->body == "later");
  CHECK(r->header("X-Guard") == "seen");
  CHECK(r->keep_alive);

  auto now = client.request("GET", "/wait/now");  // answered during the call itself
  REQUIRE_OK(now);
  CHECK(now->body == "at once");
  auto health = client.request("GET", "/healthz");
  REQUIRE_OK(health);
  CHECK(health->status == 200);
  CHECK(client.connections_opened() == 1);
}

TEST_CASE("server: stop answers a waiting request 503 at once, a late answer is harmless") {
  Parked parked;
  std::optional<HttpServer> server;
  server.emplace(options(), async_router(parked));
  REQUIRE_OK(server->start());
  HttpTestClient client(server->bound_port());
  auto answered = std::async(std::launch::async, [&] { return client.request("GET", "/wait/1"); });
  REQUIRE(parked.wait_for(1));

  auto began = std::chrono::steady_clock::now();
  server->stop();
  CHECK(std::chrono::steady_clock::now() - began < 2s);  // not the 5 s grace
  auto r = answered.get();
  REQUIRE_OK(r);
  CHECK(r->status == 503);
  CHECK(error_code_of(r->body) == "shutting_down");
  CHECK_FALSE(r->keep_alive);

  // The server and its io_context are gone: a late answer or a dropped
  // Responder must not touch them.
  server.reset();
  parked.take(0)(text_response(200, "too late"));
  parked.drop_all();
}

TEST_CASE("server: a request whose handler drops its Responder is answered 500") {
  Parked parked;
  HttpServer server(options(), async_router(parked));
  REQUIRE_OK(server.start());
  HttpTestClient client(server.bound_port());
  auto answered = std::async(std::launch::async, [&] { return client.request("GET", "/wait/2"); });
  REQUIRE(parked.wait_for(1));
  parked.drop_all();
  auto r = answered.get();
  REQUIRE_OK(r);
  CHECK(r->status == 500);
}

}  // namespace
}  // namespace scriptmesh::http
