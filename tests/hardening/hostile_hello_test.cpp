// An agent hello built to stall or exhaust a shared orchestrator, replayed
// against the real binary while another tenant's requests are timed. Run
// alone (RUN_SERIAL, label "hardening"): it measures latency, which other
// tests running beside it on a small machine would distort.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

// A hello whose one script declares `params` parameters, each with `pattern`.
std::string hello_with(std::size_t params, const std::string& pattern) {
  json::object declared;
  for (std::size_t i = 0; i < params; ++i) {
    declared["P" + std::to_string(i)] = json::object{{"pattern", pattern}};
  }
  json::object scripts{{"job", json::object{{"params", std::move(declared)}}}};
  json::object hello{{"type", "hello"},         {"protocol", 1},
                     {"agent_version", "evil"}, {"hostname", "h"},
                     {"tags", json::array{}},   {"manifest", json::object{{"scripts", scripts}}},
                     {"max_concurrent", 1},     {"jobs", json::array{}}};
  return json::serialize(hello);
}

// One raw agent connection speaking the channel's frames by hand, so it can
// send what the real agent would never send.
struct RawAgent {
  RawAgent(std::uint16_t port, const std::string& key) : ws(ioc) {
    asio::ip::tcp::resolver resolver(ioc);
    asio::connect(beast::get_lowest_layer(ws), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws.set_option(websocket::stream_base::decorator(
        [key](auto& req) { req.set(beast::http::field::authorization, "Bearer " + key); }));
    ws.handshake("127.0.0.1", "/v1/agent/connect", error);
    ws.text(true);
  }
  // Sends `frame`; answers the next frame's text, or "" once closed.
  std::string exchange(const std::string& frame) {
    beast::error_code ec;
    ws.write(asio::buffer(frame), ec);
    if (ec) return {};
    beast::flat_buffer buffer;
    ws.read(buffer, ec);
    return ec ? std::string() : beast::buffers_to_string(buffer.data());
  }
  asio::io_context ioc;
  websocket::stream<asio::ip::tcp::socket> ws;
  beast::error_code error;
};

std::int64_t rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  FAIL("no VmRSS for " << pid);
  return 0;
}

TEST_CASE("a hostile hello neither stalls other tenants' requests nor exhausts memory") {
  TestOrchestratorOptions options;
  options.settings = {{"rate_limit_default_per_min", "100000"}};
  // Freed memory must be free: a sanitizer build otherwise holds up to
  // 256 MiB of it in quarantine, which would read as the server's growth.
  options.env = {{"ASAN_OPTIONS", "quarantine_size_mb=0"}};
  Cluster c(std::move(options));
  const std::string huge = hello_with(1500, "(a{1,99}){1,99}");  // 59 KB, the attack's shape
  REQUIRE(huge.size() > 55'000);
  // The costliest hello the bounds let through: 16 patterns of about
  // 1,800 compiled instructions each, close to the manifest's 32,000.
  const std::string costly = hello_with(16, "[a-z0-9]{1,600}");
  const CreatedAgent a = create_agent(c.api, c.token, "evil-1");
  const CreatedAgent b = create_agent(c.api, c.token, "evil-2");
  {
    RawAgent probe(c.server.port(), a.key);
    REQUIRE_FALSE(probe.error);
    CHECK(probe.exchange(huge).empty());  // refused: invalid_manifest closes the connection
    CHECK(probe.ws.reason().reason == "invalid_manifest");
  }
  const std::int64_t rss_before = rss_kib(c.server.process().pid());

  std::atomic<bool> stop{false};
  std::atomic<int> hellos{0};
  auto flood = [&](const CreatedAgent& agent) {
    while (!stop) {
      RawAgent raw(c.server.port(), agent.key);
      if (raw.error) continue;
      // A costly but valid hello, reloaded again and again on the same
      // connection, then the huge one that gets it closed.
      for (int i = 0; i < 5 && !stop; ++i) {
        if (raw.exchange(costly).find("\"welcome\"") == std::string::npos) break;
        ++hellos;
      }
      raw.exchange(huge);
      ++hellos;
    }
  };
  std::thread t1(flood, a), t2(flood, b);

  // Another tenant's plain requests, meanwhile.
  ApiClient other(c.server.port());
  std::vector<double> ms;
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(other.get("/healthz").status == 200);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    std::this_thread::sleep_for(5ms);
  }
  stop = true;
  t1.join();
  t2.join();
  std::sort(ms.begin(), ms.end());
  const double p99 = ms[ms.size() * 99 / 100];
  INFO("hellos: " << hellos.load() << ", /healthz samples: " << ms.size() << ", p99 " << p99
                  << " ms, max " << ms.back() << " ms");
  CHECK(hellos.load() >= 10);
  CHECK(p99 < 50.0);
  const std::int64_t growth_kib = rss_kib(c.server.process().pid()) - rss_before;
  INFO("RSS growth " << growth_kib << " KiB");
  CHECK(growth_kib < 50 * 1024);
}

}  // namespace
}  // namespace scriptmesh::testing
