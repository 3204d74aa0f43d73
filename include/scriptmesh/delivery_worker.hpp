// DeliveryWorker: sends what the durable outbox holds, with retries.
//
// Anything ScriptMesh tells the outside world (a job's webhook_url, and with
// the integrations: Slack, PagerDuty, ...) is first committed to the store's
// outbox as a DeliveryRecord of some `kind`, then sent by this worker. The
// worker claims due deliveries (Store::claim_due_deliveries, each leased for
// `lease`), hands each to the handler registered for its kind, and records
// the outcome (Store::record_delivery_result):
//
//   handler says      the delivery becomes
//   succeeded         succeeded
//   failed            failed (no retry: e.g. a 4xx other than 429)
//   retry             pending again, due after a backoff, or failed once
//                     `max_attempts` attempts were made ("dead")
//
// Backoff after attempt n (1-based): d = min(backoff_cap, backoff_base *
// 2^(n-1)), then "equal jitter": a uniformly random delay in [d/2, d]. A
// handler that knows better (an HTTP Retry-After of N seconds) sets
// retry_after, which is used instead, capped at max_retry_after.
//
// Delivery is at least once. A delivery whose attempt was cut short (the
// process died, or recording the result failed) stays in_flight until its
// lease runs out and is then claimed again, so a restart of the orchestrator
// resumes pending and interrupted deliveries by itself. Receivers should
// de-duplicate on the delivery id (X-ScriptMesh-Delivery for webhooks).
//
// Handlers are registered by kind before start(); a claimed delivery of a
// kind nobody registered fails at once with "unknown_delivery_kind".
//
// Time: due times and backoff are wall times from the Clock (the outbox
// stores wall times). The background thread waits on a condition variable
// for at most `poll_interval` of real time between polls; notify() wakes it
// early. Tests drive poll_once() with a FakeClock instead.
//
// Thread safety: every method may be called from any thread. Handlers are
// called from several threads at once (up to max_concurrency) and must be
// thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class Logger;

// What one attempt came to, as a handler reports it.
struct DeliveryOutcome {
  enum class Kind {
    kSucceeded,  // done
    kRetry,      // transient: try again later (network error, 5xx, 429)
    kFailed,     // permanent: trying again cannot help (4xx, a bad payload)
  };
  Kind kind = Kind::kSucceeded;
  std::optional<int> status_code;  // the HTTP status, when a response came
  // "code: message" for the outbox's last_error, e.g. "http_status: 503" or
  // "connect_failed: ..."; empty on success. Never a secret or a body.
  std::string error;
  // Overrides the computed backoff for kRetry (from Retry-After).
  std::optional<std::chrono::seconds> retry_after;

  static DeliveryOutcome succeeded(std::optional<int> status_code = {});
  static DeliveryOutcome retry(std::string error, std::optional<int> status_code = {},
                               std::optional<std::chrono::seconds> retry_after = {});
  static DeliveryOutcome failed(std::string error, std::optional<int> status_code = {});
};

// Sends one delivery. `timeout` bounds the whole attempt (pass it to
// HttpClientRequest::timeout). Must not throw and must be thread-safe.
using DeliveryHandler = std::function<DeliveryOutcome(const DeliveryRecord& delivery,
                                                      std::chrono::milliseconds timeout)>;

// How an HTTP attempt maps to an outcome, for handlers that POST somewhere:
//   2xx                         -> succeeded
//   429, 5xx                    -> retry (Retry-After in whole seconds honoured;
//                                  an HTTP-date Retry-After is ignored)
//   any other status            -> failed (4xx; 1xx and 3xx too: redirects
//                                  are not followed, so they never succeed)
//   unavailable errors          -> retry (connect_failed, tls_failed, timeout,
//                                  io_error)
//   any other error             -> failed (invalid_url, invalid_request,
//                                  response_too_large)
DeliveryOutcome delivery_outcome_of(const Result<HttpClientResponse>& response);

// Seconds of a Retry-After value given as a non-negative decimal integer;
// nullopt for anything else (an HTTP-date, garbage, an empty value).
std::optional<std::chrono::seconds> parse_retry_after_seconds(std::string_view value);

struct DeliveryWorkerOptions {
  // Attempts in flight at once, across all kinds and tenants; >= 1.
  int max_concurrency = 8;
  // Bound of one attempt, handed to the handler; > 0.
  std::chrono::milliseconds attempt_timeout{10'000};
  // How long a claimed delivery is reserved for its attempt; must exceed
  // attempt_timeout. When it runs out (the process died mid-attempt) the
  // delivery is due again.
  std::chrono::milliseconds lease{60'000};
  // Attempts before a delivery that keeps failing transiently is given up
  // (status failed, last_error "max_attempts_reached: ..."); >= 1.
  int max_attempts = 10;
  // First retry delay, doubled after every further attempt...
  std::chrono::milliseconds backoff_base{2'000};
  // ...up to this cap (both before jitter).
  std::chrono::milliseconds backoff_cap{600'000};
  // Largest Retry-After honoured; a longer one is cut to this.
  std::chrono::seconds max_retry_after{3600};
  // Longest real time the background thread waits between polls.
  std::chrono::milliseconds poll_interval{1'000};
  // Where send failures and store errors are logged; nullptr = null_logger().
  Logger* logger = nullptr;
  // Told of every attempt's outcome after it was recorded (for /metrics);
  // called on a sender thread, must be quick and thread-safe. Optional.
  std::function<void(const DeliveryRecord& delivery, const DeliveryResult& result)> on_result;
};

// What one poll_once() did.
struct DeliveryPollStats {
  int claimed = 0;
  int succeeded = 0;
  int retried = 0;  // left pending for a later attempt
  int failed = 0;   // failed for good, dead ones included
};

class DeliveryWorker {
 public:
  // Borrows `store` and `clock`, which must outlive the worker. Throws
  // std::invalid_argument for options out of range (a start-up mistake).
  DeliveryWorker(Store& store, Clock& clock, DeliveryWorkerOptions options = {});
  // Stops the background threads (as stop()).
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Routes deliveries of `kind` to `handler`, replacing any earlier one.
  void register_kind(std::string kind, DeliveryHandler handler);

  // Claims up to max_concurrency due deliveries, sends them concurrently,
  // records every outcome and returns once all are done.
  // Errors: the store's, when the claim itself failed (nothing was sent).
  // A failure to record one outcome is logged, not returned: that delivery
  // is retried when its lease runs out.
  [[nodiscard]] Result<DeliveryPollStats> poll_once();

  // Starts a dispatcher thread and max_concurrency sender threads that keep
  // claiming and sending until stop(). Calling start() twice is a no-op.
  void start();
  // Stops claiming, lets attempts in progress finish and record their
  // outcome (each bounded by attempt_timeout), then joins the threads.
  // Idempotent.
  void stop();
  // Wakes the dispatcher, e.g. after something was enqueued: at once, or
  // 10 ms after its last claim when that was more recent (a burst of
  // notifications costs one claim).
  void notify();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh
