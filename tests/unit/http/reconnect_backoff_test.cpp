#include "http/reconnect_backoff.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <limits>
#include <vector>

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

std::vector<Millis> draws(ReconnectBackoff& backoff, double fraction, int n) {
  std::vector<Millis> out;
  for (int i = 0; i < n; ++i)
    out.push_back(backoff.next(fraction));
  return out;
}

TEST_CASE("backoff: the bound doubles from min per failure and stops at max") {
  ReconnectBackoff backoff(1000ms, 60000ms);
  CHECK(draws(backoff, 1.0, 9) == std::vector<Millis>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s});
  CHECK(backoff.failures() == 9);
  backoff.reset();
  CHECK(backoff.ceiling() == 1s);
  CHECK(backoff.next(1.0) == 1s);
}

TEST_CASE("backoff: full jitter draws anywhere in [0, bound]") {
  ReconnectBackoff backoff(100ms, 1000ms);
  CHECK(draws(backoff, 0.0, 3) == std::vector<Millis>{0ms, 0ms, 0ms});
  CHECK(backoff.ceiling() == 800ms);
  CHECK(backoff.next(0.25) == 200ms);
  CHECK(backoff.next(0.5) == 500ms);  // bound capped at 1000 ms
}

TEST_CASE("backoff: out-of-range draws and bounds are clamped") {
  ReconnectBackoff backoff(0ms, -5ms);  // min becomes 1 ms, max becomes min
  CHECK(backoff.next(7.0) == 1ms);
  CHECK(backoff.next(-1.0) == 0ms);
  CHECK(backoff.next(std::numeric_limits<double>::quiet_NaN()) == 0ms);
  CHECK(backoff.ceiling() == 1ms);
}

TEST_CASE("backoff: thousands of failures neither overflow nor pass the cap") {
  ReconnectBackoff backoff(1ms, 24h);
  Millis last{};
  for (int i = 0; i < 5000; ++i)
    last = backoff.next(1.0);
  CHECK(last == std::chrono::duration_cast<Millis>(24h));
}

}  // namespace
}  // namespace scriptmesh::http
