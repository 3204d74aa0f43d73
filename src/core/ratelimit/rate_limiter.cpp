#include "scriptmesh/rate_limit.hpp"

#include <algorithm>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace scriptmesh {
namespace {

using Nanos = std::chrono::nanoseconds;

// The bucket is kept in the "generic cell rate" form: instead of a token count
// and a last-refill time it stores one instant, `full_at`, when the bucket
// will hold `burst` tokens again. Tokens at `now` are
// burst - (full_at - now) / interval, so taking a token moves full_at one
// interval later, and a bucket with full_at <= now is full: indistinguishable
// from no bucket, hence safe to drop.
struct Bucket {
  std::string key;
  MonoTime full_at;
};

struct Shape {
  Nanos interval;  // time to earn one token
  Nanos capacity;  // burst * interval: how far full_at may run ahead of now
  std::uint32_t burst;
};

Shape shape_of(const RateLimit& limit) {
  Shape s{};
  s.burst = limit.burst == 0 ? limit.per_minute : limit.burst;
  s.interval = Nanos(std::chrono::minutes(1)) / limit.per_minute;
  // Clamped so an absurd burst cannot overflow the arithmetic; a century of
  // capacity is unlimited for every practical purpose.
  constexpr double kMaxCapacityNs = 3.0e18;
  double capacity = static_cast<double>(s.burst) * static_cast<double>(s.interval.count());
  s.capacity = Nanos(static_cast<Nanos::rep>(std::min(capacity, kMaxCapacityNs)));
  return s;
}

std::int64_t ceil_seconds(Nanos d) {
  auto secs = std::chrono::ceil<std::chrono::seconds>(d).count();
  return std::max<std::int64_t>(secs, 1);
}

std::uint32_t tokens_left(const Shape& s, Nanos ahead) {
  if (ahead >= s.capacity) return 0;
  auto left = (s.capacity - ahead) / s.interval;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(left, s.burst));
}

}  // namespace

struct RateLimiter::Shard {
  mutable std::mutex mu;
  // Most recently used at the front. Guarded by mu.
  std::list<Bucket> lru;
  // key -> its node in lru. Guarded by mu.
  std::unordered_map<std::string, std::list<Bucket>::iterator> index;
  // When this shard last dropped its full buckets. Guarded by mu.
  MonoTime last_sweep{};

  void erase(std::list<Bucket>::iterator it) {
    index.erase(it->key);
    lru.erase(it);
  }

  void sweep(MonoTime now) {
    for (auto it = lru.begin(); it != lru.end();) {
      auto next = std::next(it);
      if (it->full_at <= now) erase(it);
      it = next;
    }
    last_sweep = now;
  }
};

RateLimiter::RateLimiter(Clock& clock, RateLimiterOptions options)
    : clock_(clock), options_(options) {
  options_.shards = std::max<std::size_t>(options_.shards, 1);
  shards_ = std::make_unique<Shard[]>(options_.shards);
  MonoTime now = clock_.monotonic_now();
  for (std::size_t i = 0; i < options_.shards; ++i)
    shards_[i].last_sweep = now;
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Shard& RateLimiter::shard_for(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % options_.shards];
}

RateDecision RateLimiter::acquire(std::string_view key, const RateLimit& limit,
                                  std::uint32_t cost) {
  if (limit.per_minute == 0) return RateDecision{true, 0, 0, 0};
  const Shape s = shape_of(limit);
  const std::size_t per_shard = std::max<std::size_t>(options_.max_keys / options_.shards, 1);
  const MonoTime now = clock_.monotonic_now();
  Shard& shard = shard_for(key);

  std::lock_guard lock(shard.mu);
  if (now - shard.last_sweep >= options_.sweep_interval) shard.sweep(now);

  auto found = shard.index.find(std::string(key));
  MonoTime full_at = found == shard.index.end() ? now : std::max(found->second->full_at, now);
  const Nanos ahead = full_at - now;
  // A look (cost 0) asks whether one token is there without taking it.
  const Nanos needed = s.interval * std::max<std::uint32_t>(cost, 1);
  RateDecision d;
  d.limit = s.burst;
  if (ahead + needed > s.capacity) {
    d.allowed = false;
    d.retry_after_sec = ceil_seconds(needed > s.capacity ? ahead : ahead + needed - s.capacity);
    d.remaining = tokens_left(s, ahead);
    return d;
  }
  if (cost > 0) full_at += s.interval * cost;
  d.remaining = tokens_left(s, full_at - now);
  if (full_at <= now) return d;  // nothing taken: a full bucket needs no entry

  if (found != shard.index.end()) {
    found->second->full_at = full_at;
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    return d;
  }
  while (shard.lru.size() >= per_shard)
    shard.erase(std::prev(shard.lru.end()));
  shard.lru.push_front(Bucket{std::string(key), full_at});
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  return d;
}

void RateLimiter::reset(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mu);
  auto found = shard.index.find(std::string(key));
  if (found != shard.index.end()) shard.erase(found->second);
}

std::size_t RateLimiter::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < options_.shards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].lru.size();
  }
  return total;
}

}  // namespace scriptmesh
