// RateLimiter: token buckets keyed by string, for request rate limits.
//
// Each key ("login|203.0.113.7", "default|tnt_..:key_..") has its own bucket
// holding up to `burst` tokens that refills at `per_minute` tokens a minute.
// A request takes one token; with none left it is refused and told how long
// until one is back. The limit is passed with every call, so one limiter
// serves every rate class: callers put the class into the key.
//
// Time comes from Clock::monotonic_now() only, so moving the wall clock never
// opens or closes a bucket, and tests drive it with a FakeClock.
//
// Memory is bounded. A bucket that has refilled completely carries no
// information (a fresh bucket is full too), so it is dropped; idle buckets are
// swept as the limiter is used. Beyond `max_keys` live buckets, the least
// recently used one is dropped to make room (which forgets that key's
// partial use: under a flood of distinct keys the limiter fails open for the
// oldest keys rather than refusing everyone).
//
// Thread safety: every method may be called from any thread concurrently.
// Keys are spread over independently locked shards.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "scriptmesh/clock.hpp"

namespace scriptmesh {

// How fast one bucket refills and how much it holds.
struct RateLimit {
  // Tokens added per minute; 0 means unlimited (every call is allowed).
  std::uint32_t per_minute = 60;
  // Most tokens a bucket holds (the largest burst); 0 means per_minute.
  std::uint32_t burst = 0;
};

// The answer to one check.
struct RateDecision {
  bool allowed = true;
  // When refused: whole seconds until a token is back (at least 1).
  // When allowed: 0.
  std::int64_t retry_after_sec = 0;
  // Tokens left in the bucket after this call (rounded down).
  std::uint32_t remaining = 0;
  // The bucket's capacity (the effective burst), for RateLimit-Limit headers.
  std::uint32_t limit = 0;
};

struct RateLimiterOptions {
  // Live buckets kept at most, over all shards; beyond it the least recently
  // used bucket is dropped. At least one per shard is always kept.
  std::size_t max_keys = 100'000;
  // Independently locked partitions of the key space (fewer threads wait on
  // one lock). At least 1.
  std::size_t shards = 16;
  // A shard sweeps out its full buckets at most this often.
  std::chrono::seconds sweep_interval{30};
};

class RateLimiter {
 public:
  // `clock` is borrowed and must outlive the limiter.
  explicit RateLimiter(Clock& clock, RateLimiterOptions options = {});
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes `cost` tokens from `key`'s bucket when it holds that many and
  // reports allowed; otherwise takes nothing and reports the wait. A cost of
  // 0 only looks: allowed when at least one token is left. A cost larger than
  // the bucket can ever hold is refused with the time to fill it completely.
  // Calls with different limits for one key share the bucket; use distinct
  // keys per class.
  RateDecision acquire(std::string_view key, const RateLimit& limit, std::uint32_t cost = 1);

  // Forgets `key`'s bucket (it is full again).
  void reset(std::string_view key);

  // Live buckets right now (for tests and metrics).
  std::size_t size() const;

 private:
  struct Shard;
  Shard& shard_for(std::string_view key) const;

  Clock& clock_;
  RateLimiterOptions options_;
  std::unique_ptr<Shard[]> shards_;  // options_.shards of them
};

}  // namespace scriptmesh
