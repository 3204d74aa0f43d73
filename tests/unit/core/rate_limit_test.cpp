#include "scriptmesh/rate_limit.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_clock.hpp"

namespace scriptmesh {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

TEST_CASE("rate limiter: a full bucket allows `burst` calls, then refuses with Retry-After") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit ten{10, 0};
  for (int i = 0; i < 10; ++i) {
    auto d = limiter.acquire("login|1.2.3.4", ten);
    CHECK(d.allowed);
    CHECK(d.remaining == static_cast<std::uint32_t>(9 - i));
    CHECK(d.limit == 10);
  }
  auto refused = limiter.acquire("login|1.2.3.4", ten);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 0);
  CHECK(refused.retry_after_sec == 6);  // one token every 6 s

  clock.advance(5s);
  refused = limiter.acquire("login|1.2.3.4", ten);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_sec == 1);
  clock.advance(1s);
  CHECK(limiter.acquire("login|1.2.3.4", ten).allowed);
  CHECK_FALSE(limiter.acquire("login|1.2.3.4", ten).allowed);
}

TEST_CASE("rate limiter: keys are independent") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit three{3, 0};
  for (int i = 0; i < 3; ++i)
    CHECK(limiter.acquire("a", three).allowed);
  CHECK_FALSE(limiter.acquire("a", three).allowed);
  CHECK(limiter.acquire("b", three).allowed);
}

TEST_CASE("rate limiter: a bucket refills completely after a minute of rest") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit five{5, 0};
  for (int i = 0; i < 5; ++i)
    REQUIRE(limiter.acquire("k", five).allowed);
  clock.advance(60s);
  for (int i = 0; i < 5; ++i)
    CHECK(limiter.acquire("k", five).allowed);
  CHECK_FALSE(limiter.acquire("k", five).allowed);
}

TEST_CASE("rate limiter: burst smaller than the rate smooths a flood") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit smooth{600, 2};  // 10 per second, at most 2 at once
  CHECK(limiter.acquire("k", smooth).allowed);
  CHECK(limiter.acquire("k", smooth).allowed);
  auto d = limiter.acquire("k", smooth);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_sec == 1);  // 100 ms, rounded up to whole seconds
  clock.advance(100ms);
  CHECK(limiter.acquire("k", smooth).allowed);
}

TEST_CASE("rate limiter: cost 0 looks without taking, an oversized cost is refused") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit two{2, 0};
  CHECK(limiter.acquire("k", two, 0).allowed);
  CHECK(limiter.size() == 0);
  CHECK(limiter.acquire("k", two, 2).allowed);
  auto look = limiter.acquire("k", two, 0);
  CHECK_FALSE(look.allowed);
  CHECK(look.retry_after_sec == 30);
  auto huge = limiter.acquire("other", two, 3);
  CHECK_FALSE(huge.allowed);
  CHECK(limiter.acquire("other", two, 2).allowed);  // the refusal took nothing
}

TEST_CASE("rate limiter: per_minute 0 is unlimited and keeps no state") {
  FakeClock clock;
  RateLimiter limiter(clock);
  for (int i = 0; i < 1000; ++i)
    CHECK(limiter.acquire("k", RateLimit{0, 0}).allowed);
  CHECK(limiter.size() == 0);
}

TEST_CASE("rate limiter: full buckets are swept, so idle keys cost no memory") {
  FakeClock clock;
  RateLimiterOptions options;
  options.shards = 4;
  options.sweep_interval = 30s;
  RateLimiter limiter(clock, options);
  const RateLimit sixty{60, 0};
  for (int i = 0; i < 200; ++i)
    CHECK(limiter.acquire("ip-" + std::to_string(i), sixty).allowed);
  CHECK(limiter.size() == 200);
  clock.advance(31s);  // each bucket was one token short: full again after 1 s
  // Touching each shard sweeps it; the new key is the only one left there.
  for (int i = 0; i < 50; ++i)
    CHECK(limiter.acquire("fresh-" + std::to_string(i), sixty, 0).allowed);
  CHECK(limiter.size() == 0);
  CHECK(limiter.acquire("ip-1", sixty).allowed);
  CHECK(limiter.size() == 1);
}

TEST_CASE("rate limiter: the key count is capped by dropping the least recently used") {
  FakeClock clock;
  RateLimiterOptions options;
  options.shards = 1;
  options.max_keys = 3;
  RateLimiter limiter(clock, options);
  const RateLimit one{1, 0};
  CHECK(limiter.acquire("a", one).allowed);
  CHECK(limiter.acquire("b", one).allowed);
  CHECK(limiter.acquire("c", one).allowed);
  CHECK_FALSE(limiter.acquire("a", one).allowed);  // refusal does not refresh "a"
  CHECK(limiter.acquire("d", one).allowed);        // drops "a", the oldest
  CHECK(limiter.size() == 3);
  CHECK(limiter.acquire("a", one).allowed);  // forgotten: full again
  CHECK_FALSE(limiter.acquire("c", one).allowed);
  CHECK_FALSE(limiter.acquire("d", one).allowed);
}

TEST_CASE("rate limiter: reset forgets one key") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit one{1, 0};
  CHECK(limiter.acquire("k", one).allowed);
  CHECK_FALSE(limiter.acquire("k", one).allowed);
  limiter.reset("k");
  CHECK(limiter.acquire("k", one).allowed);
}

TEST_CASE("rate limiter: wall-clock jumps change nothing") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit one{1, 0};
  CHECK(limiter.acquire("k", one).allowed);
  clock.set_wall(from_unix_seconds(4102444800));  // 2100
  CHECK_FALSE(limiter.acquire("k", one).allowed);
}

TEST_CASE("rate limiter: concurrent callers never exceed the bucket") {
  FakeClock clock;
  RateLimiter limiter(clock);
  const RateLimit hundred{100, 0};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (limiter.acquire("shared", hundred).allowed) ++allowed;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(allowed.load() == 100);
}

}  // namespace
}  // namespace scriptmesh
