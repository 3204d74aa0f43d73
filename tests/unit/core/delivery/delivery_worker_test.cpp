#include "scriptmesh/delivery_worker.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "delivery_fixture.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/job_webhooks.hpp"
#include "scriptmesh/webhook_signing.hpp"
#include "support/failing_store.hpp"
#include "support/loopback_receiver.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

DeliveryWorkerOptions test_options() {
  DeliveryWorkerOptions o;
  o.max_concurrency = 4;
  o.attempt_timeout = milliseconds(5'000);
  o.lease = milliseconds(30'000);
  o.max_attempts = 5;
  o.poll_interval = milliseconds(10);
  return o;
}

// A real SQLite outbox, the production HTTP client, the job_webhook handler
// and a worker driven by the fixture's fake clock.
class WorkerFixture {
 public:
  explicit WorkerFixture(DeliveryWorkerOptions options = test_options())
      : options_(options), tenant_(f_.add_tenant("tnt_a")) {
    build();
  }

  DeliveryFixture& f() { return f_; }
  DeliveryWorker& worker() { return *worker_; }
  TenantWebhookSecrets& secrets() { return *secrets_; }
  const TenantId& tenant() const { return tenant_; }

  // A finished job with a webhook to `url`, enqueued; answers its delivery id.
  DeliveryId enqueue(const std::string& url) {
    const std::string n = std::to_string(++jobs_);
    JobRecord job = f_.add_job(tenant_, "job_" + n, f_.clock().now(), "out " + n + "\n");
    job.webhook_url = url;
    JobWebhookOptions o;
    o.clock = &f_.clock();
    auto id = enqueue_job_webhook(f_.store(), job, o);
    REQUIRE_OK(id);
    REQUIRE(id->has_value());
    return **id;
  }

  DeliveryRecord row(const DeliveryId& id) {
    for (const DeliveryRecord& d : f_.deliveries(tenant_)) {
      if (d.id == id) return d;
    }
    FAIL("no delivery " << id.str());
    return {};
  }

  Result<DeliveryPollStats> poll() { return worker_->poll_once(); }

  // Closes and reopens the database with a new worker on it, as an
  // orchestrator restart does.
  void restart() {
    worker_.reset();
    secrets_.reset();
    f_.reopen();
    build();
  }

 private:
  void build() {
    secrets_ = std::make_unique<TenantWebhookSecrets>(f_.store(), f_.keyring(), f_.clock());
    worker_ = std::make_unique<DeliveryWorker>(f_.store(), f_.clock(), options_);
    worker_->register_kind(std::string(kJobWebhookKind),
                           make_job_webhook_handler(*http_, *secrets_, f_.clock()));
  }

  DeliveryWorkerOptions options_;
  DeliveryFixture f_;
  TenantId tenant_;
  int jobs_ = 0;
  std::unique_ptr<HttpClient> http_ = make_http_client(testing::loopback_client_options());
  std::unique_ptr<TenantWebhookSecrets> secrets_;
  std::unique_ptr<DeliveryWorker> worker_;
};

// Waits (in real time, up to 10 s) for `condition`, which other threads make
// true: waiting for an event, not for time to pass.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

DeliveryPollStats polled(Result<DeliveryPollStats> r) {
  REQUIRE_OK(r);
  return *r;
}

// A delivery of `kind` for a handler-only test (no HTTP), due now.
DeliveryId enqueue_raw(DeliveryFixture& f, const TenantId& tenant, const std::string& kind,
                       const std::string& payload = "{}") {
  DeliveryRecord d;
  d.id = DeliveryId(new_id("dlv"));
  d.kind = kind;
  d.payload = payload;
  d.next_attempt_at = f.clock().now();
  d.created_at = f.clock().now();
  REQUIRE_OK(f.store().enqueue_delivery(tenant, d));
  return d.id;
}

TEST_CASE("delivery worker: a 2xx delivers once, signed, and is recorded as succeeded") {
  WorkerFixture w;
  LoopbackReceiver receiver;
  const DeliveryId id = w.enqueue(receiver.url("/hooks/scriptmesh"));

  const DeliveryPollStats stats = polled(w.poll());
  CHECK(stats.claimed == 1);
  CHECK(stats.succeeded == 1);
  REQUIRE(receiver.request_count() == 1);
  const ReceivedRequest got = receiver.requests().front();
  CHECK(got.method == "POST");
  CHECK(got.target == "/hooks/scriptmesh");
  CHECK(got.header("Content-Type") == "application/json");
  CHECK(got.header("X-ScriptMesh-Event") == "job.finished");
  CHECK(got.header("X-ScriptMesh-Delivery") == id.str());

  const DeliveryRecord d = w.row(id);
  CHECK(d.status == DeliveryStatus::kSucceeded);
  CHECK(d.attempts == 1);
  CHECK(d.last_status_code == 200);
  CHECK(d.last_error.empty());
  const auto payload = boost::json::parse(d.payload).as_object();
  CHECK(got.body == payload.at("body").as_string());
  CHECK(boost::json::parse(got.body).at("job_id") == "job_1");

  auto secret = w.secrets().secret_for(w.tenant());
  REQUIRE_OK(secret);
  const std::string signature = got.header("X-ScriptMesh-Signature");
  CHECK(signature == webhook_signature_header(*secret, w.f().clock().now(), got.body));
  CHECK_OK(verify_webhook_signature(*secret, signature, got.body, w.f().clock().now()));

  // Nothing is sent twice.
  w.f().clock().advance(std::chrono::hours(1));
  CHECK(polled(w.poll()).claimed == 0);
  CHECK(receiver.request_count() == 1);
}

TEST_CASE("delivery worker: a 500 is retried after a jittered backoff, then delivered") {
  WorkerFixture w;
  LoopbackReceiver receiver;
  receiver.respond_next({500, "{}", "application/json", {}, false});
  const DeliveryId id = w.enqueue(receiver.url("/hook"));
  const WallTime first_at = w.f().clock().now();

  CHECK(polled(w.poll()).retried == 1);
  DeliveryRecord d = w.row(id);
  CHECK(d.status == DeliveryStatus::kPending);
  CHECK(d.attempts == 1);
  CHECK(d.last_status_code == 500);
  CHECK(d.last_error == "http_error: the receiver answered HTTP 500");
  // Base 2 s with equal jitter: between 1 and 2 s from now.
  CHECK(d.next_attempt_at >= first_at + seconds(1));
  CHECK(d.next_attempt_at <= first_at + seconds(2));

  // Not due yet: nothing is sent.
  CHECK(polled(w.poll()).claimed == 0);
  w.f().clock().advance(d.next_attempt_at - first_at);
  CHECK(polled(w.poll()).succeeded == 1);
  d = w.row(id);
  CHECK(d.status == DeliveryStatus::kSucceeded);
  CHECK(d.attempts == 2);
  CHECK(d.last_status_code == 200);
  CHECK(d.last_error.empty());

  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  // The same delivery and body, signed afresh at the time of each attempt.
  CHECK(requests[0].header("X-ScriptMesh-Delivery") == requests[1].header("X-ScriptMesh-Delivery"));
  CHECK(requests[0].body == requests[1].body);
  auto secret = w.secrets().secret_for(w.tenant());
  REQUIRE_OK(secret);
  CHECK(requests[0].header("X-ScriptMesh-Signature") ==
        webhook_signature_header(*secret, first_at, requests[0].body));
  CHECK(requests[1].header("X-ScriptMesh-Signature") ==
        webhook_signature_header(*secret, w.f().clock().now(), requests[1].body));
}

TEST_CASE("delivery worker: 429 and 503 with Retry-After wait exactly that long") {
  DeliveryWorkerOptions options = test_options();
  options.max_retry_after = seconds(600);
  WorkerFixture w(options);
  LoopbackReceiver receiver;
  receiver.respond_next({429, "{}", "application/json", {{"Retry-After", "120"}}, false});
  const DeliveryId id = w.enqueue(receiver.url("/hook"));
  const WallTime start = w.f().clock().now();

  CHECK(polled(w.poll()).retried == 1);
  DeliveryRecord d = w.row(id);
  CHECK(d.last_status_code == 429);
  CHECK(d.next_attempt_at == start + seconds(120));
  w.f().clock().advance(seconds(119));
  CHECK(polled(w.poll()).claimed == 0);
  w.f().clock().advance(seconds(1));
  CHECK(polled(w.poll()).succeeded == 1);
  CHECK(receiver.request_count() == 2);

  // A Retry-After beyond max_retry_after is cut to it.
  receiver.respond_next({503, "{}", "application/json", {{"Retry-After", "86400"}}, false});
  const DeliveryId capped = w.enqueue(receiver.url("/hook"));
  const WallTime now = w.f().clock().now();
  CHECK(polled(w.poll()).retried == 1);
  CHECK(w.row(capped).next_attempt_at == now + seconds(600));
}

TEST_CASE("delivery worker: a 4xx other than 429 fails at once and is never retried") {
  WorkerFixture w;
  LoopbackReceiver receiver;
  receiver.respond_next({400, R"({"error":"bad"})", "application/json", {}, false});
  receiver.respond_next({410, "{}", "application/json", {}, false});
  const DeliveryId bad = w.enqueue(receiver.url("/hook"));

  CHECK(polled(w.poll()).failed == 1);
  DeliveryRecord d = w.row(bad);
  CHECK(d.status == DeliveryStatus::kFailed);
  CHECK(d.attempts == 1);
  CHECK(d.last_status_code == 400);
  CHECK(d.last_error == "http_error: the receiver answered HTTP 400");

  const DeliveryId gone = w.enqueue(receiver.url("/hook"));
  CHECK(polled(w.poll()).failed == 1);
  CHECK(w.row(gone).last_status_code == 410);

  w.f().clock().advance(std::chrono::hours(24));
  CHECK(polled(w.poll()).claimed == 0);
  CHECK(receiver.request_count() == 2);
}

TEST_CASE("delivery worker: a delivery that keeps failing is dead after max_attempts") {
  DeliveryWorkerOptions options = test_options();
  options.max_attempts = 3;
  WorkerFixture w(options);
  LoopbackReceiver receiver({.default_response = {502, "{}", "application/json", {}, false}});
  const DeliveryId id = w.enqueue(receiver.url("/hook"));

  for (int attempt = 1; attempt <= 2; ++attempt) {
    CHECK(polled(w.poll()).retried == 1);
    const DeliveryRecord d = w.row(id);
    CHECK(d.status == DeliveryStatus::kPending);
    CHECK(d.attempts == attempt);
    w.f().clock().advance(d.next_attempt_at - w.f().clock().now());
  }
  CHECK(polled(w.poll()).failed == 1);
  const DeliveryRecord dead = w.row(id);
  CHECK(dead.status == DeliveryStatus::kFailed);
  CHECK(dead.attempts == 3);
  CHECK(dead.last_status_code == 502);
  CHECK(dead.last_error ==
        "max_attempts_reached: gave up after 3 attempts; last: http_error: the receiver answered "
        "HTTP 502");
  w.f().clock().advance(std::chrono::hours(24));
  CHECK(polled(w.poll()).claimed == 0);
  CHECK(receiver.request_count() == 3);
}

TEST_CASE("delivery worker: backoff doubles from the base up to the cap, with jitter") {
  DeliveryWorkerOptions options = test_options();
  options.max_attempts = 12;
  options.backoff_base = milliseconds(2'000);
  options.backoff_cap = milliseconds(600'000);
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  DeliveryWorker worker(f.store(), f.clock(), options);
  worker.register_kind("flaky", [](const DeliveryRecord&, milliseconds) {
    return DeliveryOutcome::retry("io_error: connection reset");
  });
  const DeliveryId id = enqueue_raw(f, t, "flaky");

  milliseconds nominal = options.backoff_base;
  for (int attempt = 1; attempt < options.max_attempts; ++attempt) {
    INFO("attempt " << attempt);
    const WallTime now = f.clock().now();
    CHECK(polled(worker.poll_once()).retried == 1);
    const DeliveryRecord d = f.only_delivery(t);
    REQUIRE(d.id == id);
    const auto delay = std::chrono::duration_cast<milliseconds>(d.next_attempt_at - now);
    CHECK(delay >= nominal / 2);
    CHECK(delay <= nominal);
    CHECK(d.last_error == "io_error: connection reset");
    CHECK_FALSE(d.last_status_code.has_value());
    nominal = std::min(nominal * 2, options.backoff_cap);
    f.clock().advance(delay);
  }
  CHECK(polled(worker.poll_once()).failed == 1);
  CHECK(f.only_delivery(t).attempts == 12);
  CHECK(f.only_delivery(t).status == DeliveryStatus::kFailed);
}

TEST_CASE("delivery worker: a receiver that is down is retried until it answers") {
  WorkerFixture w;
  std::string url;
  {
    LoopbackReceiver gone;
    url = gone.url("/hook");
  }  // the port is closed now
  const DeliveryId id = w.enqueue(url);
  CHECK(polled(w.poll()).retried == 1);
  const DeliveryRecord d = w.row(id);
  CHECK(d.status == DeliveryStatus::kPending);
  CHECK(d.last_error.starts_with("connect_failed: "));
  CHECK_FALSE(d.last_status_code.has_value());

  // Down for a while (503s from a proxy in front of it), then back.
  LoopbackReceiver receiver;
  receiver.respond_next({503, "{}", "application/json", {}, false}, 3);
  const DeliveryId later = w.enqueue(receiver.url("/hook"));
  int attempts = 0;
  while (w.row(later).status == DeliveryStatus::kPending && attempts < 10) {
    ++attempts;
    REQUIRE_OK(w.poll());
    w.f().clock().advance(std::chrono::minutes(10));
  }
  CHECK(w.row(later).status == DeliveryStatus::kSucceeded);
  CHECK(w.row(later).attempts == 4);
  CHECK(receiver.request_count() == 4);
}

TEST_CASE("delivery worker: a restart resumes pending and interrupted deliveries") {
  WorkerFixture w;
  LoopbackReceiver receiver;
  const DeliveryId interrupted = w.enqueue(receiver.url("/interrupted"));
  // A worker claimed it, then the process died before anything was recorded.
  const WallTime now = w.f().clock().now();
  auto claimed = w.f().store().claim_due_deliveries(now, now + seconds(30), 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 1);
  const DeliveryId pending = w.enqueue(receiver.url("/pending"));

  w.restart();
  CHECK(w.row(interrupted).status == DeliveryStatus::kInFlight);
  CHECK(w.row(pending).status == DeliveryStatus::kPending);
  CHECK(polled(w.poll()).claimed == 1);  // the pending one; the other is still leased
  CHECK(w.row(pending).status == DeliveryStatus::kSucceeded);
  CHECK(receiver.request_count() == 1);

  w.f().clock().advance(seconds(30));  // the dead worker's lease runs out
  CHECK(polled(w.poll()).succeeded == 1);
  const DeliveryRecord resumed = w.row(interrupted);
  CHECK(resumed.status == DeliveryStatus::kSucceeded);
  CHECK(resumed.attempts == 2);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/pending");
  CHECK(requests[1].target == "/interrupted");
}

TEST_CASE("delivery worker: unknown kinds and unreadable payloads fail for good") {
  WorkerFixture w;
  const DeliveryId pigeon = enqueue_raw(w.f(), w.tenant(), "carrier_pigeon");
  const DeliveryId broken = enqueue_raw(w.f(), w.tenant(), "job_webhook", R"({"url":42})");
  const DeliveryPollStats stats = polled(w.poll());
  CHECK(stats.claimed == 2);
  CHECK(stats.failed == 2);
  CHECK(w.row(pigeon).last_error ==
        "unknown_delivery_kind: no handler for kind \"carrier_pigeon\"");
  CHECK(w.row(broken).last_error.starts_with("invalid_payload: "));
}

TEST_CASE("delivery worker: an unreadable signing secret is retried, never sent unsigned") {
  WorkerFixture w;
  LoopbackReceiver receiver;
  const DeliveryId id = w.enqueue(receiver.url("/hook"));
  const FernetKeyring other({FernetKey::generate()});
  REQUIRE_OK(w.f().store().set_tenant_webhook_secret(
      w.tenant(), other.encrypt("whsec_from_another_keyring", w.f().clock().now())));
  CHECK(polled(w.poll()).retried == 1);
  CHECK(w.row(id).last_error.starts_with("webhook_secret_unreadable: "));
  CHECK(receiver.request_count() == 0);
}

TEST_CASE("delivery worker: poll_once sends at most max_concurrency at once, in parallel") {
  DeliveryWorkerOptions options = test_options();
  options.max_concurrency = 4;
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  DeliveryWorker worker(f.store(), f.clock(), options);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  int peak = 0;
  // Each handler waits until all four are inside at once: run one after the
  // other, the first would give up after 10 s and the test would fail.
  worker.register_kind("slow", [&](const DeliveryRecord&, milliseconds) {
    std::unique_lock lock(mu);
    peak = std::max(peak, ++inside);
    cv.notify_all();
    const bool all = cv.wait_for(lock, seconds(10), [&] { return peak >= 4; });
    --inside;
    return all ? DeliveryOutcome::succeeded(204) : DeliveryOutcome::retry("timeout: alone");
  });
  for (int i = 0; i < 10; ++i)
    enqueue_raw(f, t, "slow");
  const DeliveryPollStats stats = polled(worker.poll_once());
  CHECK(stats.claimed == 4);
  CHECK(stats.succeeded == 4);
  CHECK(peak == 4);
  CHECK(polled(worker.poll_once()).claimed == 4);
  CHECK(polled(worker.poll_once()).claimed == 2);
  CHECK(peak == 4);
}

TEST_CASE(
    "delivery worker: a claim failure sends nothing; a lost result is retried after the lease") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  FailingStore failing(f.store());
  DeliveryWorker worker(failing, f.clock(), test_options());
  std::atomic<int> sent{0};
  worker.register_kind("count", [&](const DeliveryRecord&, milliseconds) {
    ++sent;
    return DeliveryOutcome::succeeded(200);
  });
  const DeliveryId id = enqueue_raw(f, t, "count");

  failing.fail_on_call(1);  // the claim
  CHECK_ERROR_CODE(worker.poll_once(), "injected_failure");
  CHECK(sent == 0);
  CHECK(f.only_delivery(t).status == DeliveryStatus::kPending);

  failing.fail_on_call(2);  // recording the result
  CHECK(polled(worker.poll_once()).succeeded == 1);
  CHECK(sent == 1);
  CHECK(f.only_delivery(t).status == DeliveryStatus::kInFlight);
  failing.fail_on_call(0);
  CHECK(polled(worker.poll_once()).claimed == 0);
  f.clock().advance(test_options().lease);
  CHECK(polled(worker.poll_once()).succeeded == 1);
  CHECK(sent == 2);
  const DeliveryRecord d = f.only_delivery(t);
  CHECK(d.id == id);
  CHECK(d.status == DeliveryStatus::kSucceeded);
  CHECK(d.attempts == 2);
}

TEST_CASE("delivery worker: the background thread delivers on notify and retries on its own") {
  DeliveryWorkerOptions options = test_options();
  options.poll_interval = milliseconds(3'600'000);  // only notify() can wake it in time
  WorkerFixture w(options);
  LoopbackReceiver receiver;
  // The first poll happens at start(): a probe shows it is over, so the
  // dispatcher is asleep for the hour when the real delivery is queued.
  const DeliveryId probe = w.enqueue(receiver.url("/probe"));
  w.worker().start();
  w.worker().start();  // a second start is a no-op
  REQUIRE(receiver.wait_for_requests(1, seconds(10)));
  REQUIRE(eventually([&] { return w.row(probe).status == DeliveryStatus::kSucceeded; }));

  const DeliveryId id = w.enqueue(receiver.url("/hook"));
  CHECK_FALSE(receiver.wait_for_requests(2, milliseconds(300)));  // nobody woke it
  w.worker().notify();
  CHECK(receiver.wait_for_requests(2, seconds(10)));
  w.worker().stop();  // returns once the attempt is recorded
  CHECK(w.row(id).status == DeliveryStatus::kSucceeded);
  w.worker().stop();  // idempotent
}

TEST_CASE("delivery worker: the background thread picks up retries as the clock moves") {
  DeliveryWorkerOptions options = test_options();
  options.poll_interval = milliseconds(5);
  WorkerFixture w(options);
  LoopbackReceiver receiver;
  receiver.respond_next({500, "{}", "application/json", {}, false});
  const DeliveryId id = w.enqueue(receiver.url("/hook"));
  w.worker().start();
  REQUIRE(receiver.wait_for_requests(1, seconds(10)));
  // Advancing before the failure is recorded would push the retry out too.
  REQUIRE(eventually([&] { return w.row(id).status == DeliveryStatus::kPending; }));
  // The retry is due within 2 s of fake time; real time alone never gets there.
  CHECK_FALSE(receiver.wait_for_requests(2, milliseconds(200)));
  w.f().clock().advance(seconds(2));
  CHECK(receiver.wait_for_requests(2, seconds(10)));
  w.worker().stop();
  CHECK(w.row(id).status == DeliveryStatus::kSucceeded);
  CHECK(w.row(id).attempts == 2);
}

TEST_CASE("delivery worker: many deliveries in the background all arrive once") {
  DeliveryWorkerOptions options = test_options();
  options.max_concurrency = 3;
  WorkerFixture w(options);
  LoopbackReceiver receiver;
  w.worker().start();
  std::vector<DeliveryId> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(w.enqueue(receiver.url("/hook")));
    w.worker().notify();
  }
  CHECK(receiver.wait_for_requests(20, seconds(30)));
  w.worker().stop();
  std::set<std::string> seen;
  for (const ReceivedRequest& r : receiver.requests())
    seen.insert(r.header("X-ScriptMesh-Delivery"));
  CHECK(seen.size() == 20);
  CHECK(receiver.request_count() == 20);
  for (const DeliveryId& id : ids)
    CHECK(w.row(id).status == DeliveryStatus::kSucceeded);
}

TEST_CASE("delivery worker: HTTP answers and errors map to outcomes") {
  auto response = [](int status, std::string retry_after = {}) {
    HttpClientResponse r;
    r.status = status;
    if (!retry_after.empty()) r.headers.emplace_back("retry-after", retry_after);
    return Result<HttpClientResponse>(r);
  };
  using Kind = DeliveryOutcome::Kind;
  struct Case {
    Result<HttpClientResponse> response;
    Kind kind;
    std::optional<int> status;
  };
  const Case cases[] = {
      {response(200), Kind::kSucceeded, 200},
      {response(204), Kind::kSucceeded, 204},
      {response(299), Kind::kSucceeded, 299},
      {response(101), Kind::kFailed, 101},
      {response(301), Kind::kFailed, 301},
      {response(400), Kind::kFailed, 400},
      {response(401), Kind::kFailed, 401},
      {response(404), Kind::kFailed, 404},
      {response(429), Kind::kRetry, 429},
      {response(500), Kind::kRetry, 500},
      {response(503), Kind::kRetry, 503},
      {response(599), Kind::kRetry, 599},
      {Error::unavailable("connect_failed", "no"), Kind::kRetry, std::nullopt},
      {Error::unavailable("timeout", "slow"), Kind::kRetry, std::nullopt},
      {Error::unavailable("tls_failed", "cert"), Kind::kRetry, std::nullopt},
      {Error::invalid_argument("invalid_url", "bad"), Kind::kFailed, std::nullopt},
      {Error::resource_exhausted("response_too_large", "big"), Kind::kFailed, std::nullopt},
  };
  for (const Case& c : cases) {
    const DeliveryOutcome o = delivery_outcome_of(c.response);
    INFO((c.response.ok() ? std::to_string(c.response->status) : c.response.error().code()));
    CHECK(o.kind == c.kind);
    CHECK(o.status_code == c.status);
    CHECK(o.error.empty() == (c.kind == Kind::kSucceeded));
  }
  CHECK(delivery_outcome_of(Error::unavailable("timeout", "request to x timed out")).error ==
        "timeout: request to x timed out");
  CHECK(delivery_outcome_of(response(429, "30")).retry_after == seconds(30));
  CHECK(delivery_outcome_of(response(503, " 0 ")).retry_after == seconds(0));
  CHECK_FALSE(delivery_outcome_of(response(503, "Wed, 21 Oct 2026 07:28:00 GMT")).retry_after);
  CHECK_FALSE(delivery_outcome_of(response(400, "30")).retry_after);
}

TEST_CASE("delivery worker: Retry-After is whole non-negative seconds or nothing") {
  CHECK(parse_retry_after_seconds("120") == seconds(120));
  CHECK(parse_retry_after_seconds("\t7 ") == seconds(7));
  CHECK(parse_retry_after_seconds("0") == seconds(0));
  for (const char* bad :
       {"", " ", "-1", "1.5", "1e3", "abc", "12s", "9999999999", "Wed, 21 Oct 2026 07:28:00 GMT"}) {
    INFO(bad);
    CHECK_FALSE(parse_retry_after_seconds(bad).has_value());
  }
}

TEST_CASE("delivery worker: options out of range are refused at construction") {
  DeliveryFixture f;
  auto refused = [&](auto change) {
    DeliveryWorkerOptions o = test_options();
    change(o);
    CHECK_THROWS_AS(DeliveryWorker(f.store(), f.clock(), o), std::invalid_argument);
  };
  refused([](DeliveryWorkerOptions& o) { o.max_concurrency = 0; });
  refused([](DeliveryWorkerOptions& o) { o.max_attempts = 0; });
  refused([](DeliveryWorkerOptions& o) { o.attempt_timeout = milliseconds(0); });
  refused([](DeliveryWorkerOptions& o) { o.lease = o.attempt_timeout; });
  refused([](DeliveryWorkerOptions& o) { o.backoff_base = milliseconds(0); });
  refused([](DeliveryWorkerOptions& o) { o.backoff_cap = o.backoff_base / 2; });
  refused([](DeliveryWorkerOptions& o) { o.poll_interval = milliseconds(0); });
  CHECK_NOTHROW(DeliveryWorker(f.store(), f.clock(), DeliveryWorkerOptions{}));
}

}  // namespace
}  // namespace scriptmesh::testing
