// The outbox worker: claim, send through the kind's handler, record.
#include "scriptmesh/delivery_worker.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "scriptmesh/log.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh {
namespace {

using std::chrono::milliseconds;

// A claim is a store write, and notify() comes with every stored event, up
// to thousands a second under load: one claim per gap serves a whole burst
// of them, at the price of at most this much added delay.
constexpr milliseconds kMinClaimGap{10};

void check_options(const DeliveryWorkerOptions& o) {
  if (o.max_concurrency < 1) throw std::invalid_argument("max_concurrency must be at least 1");
  if (o.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  if (o.attempt_timeout <= milliseconds::zero()) {
    throw std::invalid_argument("attempt_timeout must be positive");
  }
  if (o.lease <= o.attempt_timeout) {
    throw std::invalid_argument("lease must be longer than attempt_timeout");
  }
  if (o.backoff_base <= milliseconds::zero() || o.backoff_cap < o.backoff_base) {
    throw std::invalid_argument("backoff_base must be positive and at most backoff_cap");
  }
  if (o.poll_interval <= milliseconds::zero()) {
    throw std::invalid_argument("poll_interval must be positive");
  }
}

}  // namespace

struct DeliveryWorker::Impl {
  Impl(Store& s, Clock& c, DeliveryWorkerOptions o)
      : store(s),
        clock(c),
        options(std::move(o)),
        logger(options.logger != nullptr ? *options.logger : null_logger()) {}

  Result<std::vector<DeliveryRecord>> claim(int limit);
  DeliveryStatus process(const DeliveryRecord& delivery);
  DeliveryOutcome run_handler(const DeliveryRecord& delivery);
  DeliveryResult result_of(const DeliveryRecord& delivery, const DeliveryOutcome& outcome) const;
  milliseconds backoff_delay(int attempt) const;
  void log_outcome(const DeliveryRecord& delivery, const DeliveryResult& result);
  void dispatcher_loop();
  void sender_loop();

  Store& store;
  Clock& clock;
  const DeliveryWorkerOptions options;
  Logger& logger;

  std::mutex handlers_mu;
  std::map<std::string, DeliveryHandler, std::less<>> handlers;  // guarded by handlers_mu

  std::mutex mu;
  std::condition_variable dispatcher_cv;  // notify(), a sender freed, or stop()
  std::condition_variable senders_cv;     // work queued, or stop()
  std::deque<DeliveryRecord> queue;       // claimed, not yet taken; guarded by mu
  int busy = 0;                           // claimed and not yet recorded; guarded by mu
  bool notified = false;                  // guarded by mu
  bool stop_claiming = false;             // tells the dispatcher to end; guarded by mu
  bool stop_sending = false;  // tells senders to end once the queue is empty; guarded by mu

  std::mutex lifecycle_mu;           // serialises start() and stop()
  std::thread dispatcher;            // guarded by lifecycle_mu
  std::vector<std::thread> senders;  // guarded by lifecycle_mu
};

Result<std::vector<DeliveryRecord>> DeliveryWorker::Impl::claim(int limit) {
  const WallTime now = clock.now();
  const auto lease_until = now + std::chrono::duration_cast<WallTime::duration>(options.lease);
  return store.claim_due_deliveries(now, lease_until, limit);
}

DeliveryStatus DeliveryWorker::Impl::process(const DeliveryRecord& delivery) {
  const DeliveryResult result = result_of(delivery, run_handler(delivery));
  Result<void> recorded = store.record_delivery_result(delivery.tenant_id, delivery.id, result);
  if (!recorded.ok()) {
    // The delivery stays in_flight; it is claimed again when its lease ends.
    logger.error("delivery result not recorded",
                 {{"delivery_id", delivery.id.str()}, {"error", recorded.error().to_string()}});
  }
  log_outcome(delivery, result);
  if (options.on_result) options.on_result(delivery, result);
  return result.status;
}

DeliveryOutcome DeliveryWorker::Impl::run_handler(const DeliveryRecord& delivery) {
  DeliveryHandler handler;
  {
    std::lock_guard lock(handlers_mu);
    auto it = handlers.find(delivery.kind);
    if (it != handlers.end()) handler = it->second;
  }
  if (!handler) {
    return DeliveryOutcome::failed("unknown_delivery_kind: no handler for kind \"" + delivery.kind +
                                   "\"");
  }
  return handler(delivery, options.attempt_timeout);
}

DeliveryResult DeliveryWorker::Impl::result_of(const DeliveryRecord& delivery,
                                               const DeliveryOutcome& outcome) const {
  DeliveryResult result;
  result.status_code = outcome.status_code;
  result.error = outcome.error;
  result.next_attempt_at = clock.now();
  result.attempted_at = result.next_attempt_at;
  switch (outcome.kind) {
    case DeliveryOutcome::Kind::kSucceeded:
      result.status = DeliveryStatus::kSucceeded;
      result.error.clear();
      return result;
    case DeliveryOutcome::Kind::kFailed:
      result.status = DeliveryStatus::kFailed;
      return result;
    case DeliveryOutcome::Kind::kRetry:
      break;
  }
  // `attempts` already counts this attempt (the claim counted it).
  if (delivery.attempts >= options.max_attempts) {
    result.status = DeliveryStatus::kFailed;
    result.error = "max_attempts_reached: gave up after " + std::to_string(delivery.attempts) +
                   " attempts; last: " + outcome.error;
    return result;
  }
  const milliseconds delay =
      outcome.retry_after ? milliseconds(std::min(*outcome.retry_after, options.max_retry_after))
                          : backoff_delay(delivery.attempts);
  result.status = DeliveryStatus::kPending;
  result.next_attempt_at += std::chrono::duration_cast<WallTime::duration>(delay);
  return result;
}

milliseconds DeliveryWorker::Impl::backoff_delay(int attempt) const {
  milliseconds delay = options.backoff_base;
  for (int i = 1; i < attempt && delay < options.backoff_cap; ++i)
    delay *= 2;
  delay = std::min(delay, options.backoff_cap);
  // Equal jitter: half fixed, so retries never bunch up at zero; half random,
  // so many deliveries failing together (a receiver down) spread out.
  const auto half = delay.count() / 2;
  const auto spread =
      std::min<std::int64_t>(delay.count() - half, std::numeric_limits<std::uint32_t>::max() - 1);
  return milliseconds(half + random_uniform(static_cast<std::uint32_t>(spread) + 1));
}

void DeliveryWorker::Impl::log_outcome(const DeliveryRecord& delivery,
                                       const DeliveryResult& result) {
  if (result.status == DeliveryStatus::kSucceeded) return;
  const LogFields fields = {{"delivery_id", delivery.id.str()},
                            {"kind", delivery.kind},
                            {"attempt", delivery.attempts},
                            {"error", result.error}};
  if (result.status == DeliveryStatus::kPending) {
    logger.info("delivery attempt failed; will retry", fields);
  } else {
    logger.warn("delivery failed", fields);
  }
}

void DeliveryWorker::Impl::dispatcher_loop() {
  std::unique_lock lock(mu);
  std::chrono::steady_clock::time_point last_claim{};
  while (!stop_claiming) {
    if (dispatcher_cv.wait_until(lock, last_claim + kMinClaimGap, [&] { return stop_claiming; })) {
      break;
    }
    last_claim = std::chrono::steady_clock::now();
    notified = false;
    const int free = options.max_concurrency - busy;
    // With every sender busy, or a full batch just claimed, more may be due:
    // claim again as soon as a sender frees up instead of after poll_interval.
    bool want_more = free == 0;
    if (free > 0) {
      lock.unlock();
      Result<std::vector<DeliveryRecord>> claimed = claim(free);
      lock.lock();
      if (!claimed.ok()) {
        logger.error("claiming deliveries failed", {{"error", claimed.error().to_string()}});
      } else {
        want_more = static_cast<int>(claimed->size()) == free;
        for (DeliveryRecord& d : *claimed)
          queue.push_back(std::move(d));
        busy += static_cast<int>(claimed->size());
        senders_cv.notify_all();
      }
    }
    dispatcher_cv.wait_for(lock, options.poll_interval, [&] {
      return stop_claiming || notified || (want_more && busy < options.max_concurrency);
    });
  }
}

void DeliveryWorker::Impl::sender_loop() {
  std::unique_lock lock(mu);
  for (;;) {
    senders_cv.wait(lock, [&] { return stop_sending || !queue.empty(); });
    if (queue.empty()) return;  // stopping, and nothing claimed is left behind
    DeliveryRecord delivery = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    process(delivery);
    lock.lock();
    --busy;
    dispatcher_cv.notify_one();
  }
}

DeliveryWorker::DeliveryWorker(Store& store, Clock& clock, DeliveryWorkerOptions options) {
  check_options(options);
  impl_ = std::make_unique<Impl>(store, clock, std::move(options));
}

DeliveryWorker::~DeliveryWorker() {
  stop();
}

void DeliveryWorker::register_kind(std::string kind, DeliveryHandler handler) {
  std::lock_guard lock(impl_->handlers_mu);
  impl_->handlers[std::move(kind)] = std::move(handler);
}

Result<DeliveryPollStats> DeliveryWorker::poll_once() {
  Result<std::vector<DeliveryRecord>> claimed = impl_->claim(impl_->options.max_concurrency);
  if (!claimed.ok()) return std::move(claimed).error();
  const std::vector<DeliveryRecord>& deliveries = *claimed;
  std::vector<DeliveryStatus> statuses(deliveries.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < deliveries.size(); i = next++)
      statuses[i] = impl_->process(deliveries[i]);
  };
  {
    std::vector<std::jthread> helpers;
    for (std::size_t i = 1; i < deliveries.size(); ++i)
      helpers.emplace_back(work);
    work();
  }
  DeliveryPollStats stats;
  stats.claimed = static_cast<int>(deliveries.size());
  for (DeliveryStatus s : statuses) {
    if (s == DeliveryStatus::kSucceeded) ++stats.succeeded;
    if (s == DeliveryStatus::kPending) ++stats.retried;
    if (s == DeliveryStatus::kFailed) ++stats.failed;
  }
  return stats;
}

void DeliveryWorker::start() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (impl_->dispatcher.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop_claiming = false;
    impl_->stop_sending = false;
  }
  for (int i = 0; i < impl_->options.max_concurrency; ++i)
    impl_->senders.emplace_back([this] { impl_->sender_loop(); });
  impl_->dispatcher = std::thread([this] { impl_->dispatcher_loop(); });
}

void DeliveryWorker::stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (!impl_->dispatcher.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop_claiming = true;
  }
  impl_->dispatcher_cv.notify_all();
  impl_->dispatcher.join();
  // Only now, with no claim still arriving, may senders leave: each drains
  // the queue first, so nothing claimed waits for its lease to run out.
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop_sending = true;
  }
  impl_->senders_cv.notify_all();
  for (std::thread& t : impl_->senders)
    t.join();
  impl_->senders.clear();
}

void DeliveryWorker::notify() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->notified = true;
  }
  impl_->dispatcher_cv.notify_one();
}

}  // namespace scriptmesh
