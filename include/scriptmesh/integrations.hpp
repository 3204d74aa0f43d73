// Integrations: where a tenant wants its events told (Slack, Discord, Teams,
// PagerDuty, Datadog, Splunk, a signed webhook) and the sending of them.
//
// An integration names a type, a config (per type: docs/integrations.md), the
// event types it wants and optional filters (IntegrationFilters in
// store.hpp). The config is checked per type, defaults filled in, and stored
// only as a Fernet token; every answer shows it with its secret fields
// redacted. A webhook integration gets a signing secret ("whsec_...") that
// is shown once, in the create answer.
//
// Delivery: the store turns every event it records into one delivery per
// matching integration, in the same transaction (Store::append_event). The
// DeliveryWorker sends them through deliver(), registered for
// kIntegrationDeliveryKind: it reads the event and the integration's
// current config, formats the service's own request and maps the answer to
// an outcome (delivery_outcome_of: 2xx done; 429 and 5xx retried with
// backoff, honouring Retry-After; other 4xx failed for good). A delivery
// whose integration is disabled by the time it is sent fails with
// "integration_disabled"; one whose service has nothing to say about the
// event (a PagerDuty resolve of a job that never triggered) succeeds without
// a request and says so in its error field ("skipped: ...").
//
// Roles: reading needs a member or better with scope integrations:read;
// anything else admin or owner with integrations:write.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/delivery_worker.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class FernetKeyring;
class HttpClient;

// Event types an integration may want; schedule.missed is kEventScheduleMissed.
inline constexpr std::string_view kIntegrationEventTypes[] = {
    "job.succeeded", "job.failed", "agent.offline", "agent.online", "schedule.missed"};

// Bounds enforced on every create and update.
inline constexpr std::size_t kMaxIntegrationsPerTenant = 50;
inline constexpr std::size_t kMaxIntegrationNameBytes = 200;
inline constexpr std::size_t kMaxIntegrationFilterValues = 50;
// Test sends (send_test_async) in progress at once, across tenants.
inline constexpr int kMaxConcurrentTests = 4;

struct IntegrationSpec {
  std::string type;
  std::string name;
  std::string config_json;  // a JSON object
  std::vector<std::string> events;
  IntegrationFilters filters;
  bool enabled = true;
};

// A partial update; unset fields keep their value. `config_json` is merged
// key by key over the stored config (a key set to null is removed), so a
// secret need not be sent again to change another key.
struct IntegrationChange {
  std::optional<std::string> name;
  std::optional<std::string> config_json;
  std::optional<std::vector<std::string>> events;
  std::optional<IntegrationFilters> filters;
  std::optional<bool> enabled;
};

struct IntegrationView {
  IntegrationId id;
  std::string type;
  std::string name;
  std::string config_json;  // redacted
  std::vector<std::string> events;
  IntegrationFilters filters;
  bool enabled = true;
  WallTime created_at;
  WallTime updated_at;
  // Only in the answer to create() of a webhook integration.
  std::optional<std::string> signing_secret;
};

// What POST /v1/integrations/{id}/test came to.
struct IntegrationTestResult {
  bool delivered = false;          // the receiver answered 2xx
  std::optional<int> status_code;  // its status, when it answered
  std::string error;               // "code: message" when not delivered
};

struct IntegrationDelivery {
  DeliveryRecord delivery;                      // payload is the event id
  std::string event_type;                       // "" when the event is gone (retention)
  std::vector<DeliveryAttemptRecord> attempts;  // newest first
};

struct IntegrationServiceOptions {
  // Links to jobs in messages: <public_base_url>/v1/jobs/<id>.
  std::string public_base_url;
  // The orchestrator's host name, as Splunk's "host" and Datadog's host.
  std::string host;
  // Lets config URLs name loopback, private and link-local hosts (and
  // loopback ones use http://); the orchestrator setting of that name.
  bool allow_private_destinations = false;
};

class IntegrationService {
 public:
  // Borrows everything; all must outlive the service.
  IntegrationService(Store& store, const FernetKeyring& keyring, Clock& clock, HttpClient& http,
                     IntegrationServiceOptions options);

  // Errors: invalid_argument "invalid_integration_type", "invalid_config"
  // (the message names the field), "invalid_events", "invalid_filters",
  // "invalid_name"; failed_precondition "integration_limit_reached";
  // permission_denied "insufficient_role", "insufficient_scope".
  [[nodiscard]] Result<IntegrationView> create(const Principal& caller,
                                               const IntegrationSpec& spec);
  // Oldest first.
  [[nodiscard]] Result<std::vector<IntegrationView>> list(const Principal& caller);
  // Errors: not_found "integration_not_found".
  [[nodiscard]] Result<IntegrationView> get(const Principal& caller, const IntegrationId& id);
  // Errors: as create(); not_found "integration_not_found".
  [[nodiscard]] Result<IntegrationView> update(const Principal& caller, const IntegrationId& id,
                                               const IntegrationChange& change);
  // Deletes it with its deliveries. Errors: not_found "integration_not_found".
  [[nodiscard]] Result<void> remove(const Principal& caller, const IntegrationId& id);
  // Sends a sample job.failed event now, outside the outbox, and says how
  // the receiver answered. Errors: not_found "integration_not_found".
  [[nodiscard]] Result<IntegrationTestResult> send_test(const Principal& caller,
                                                        const IntegrationId& id);
  // As send_test, but the send runs on a thread of the service's own and
  // `done` is called from it, so a slow receiver holds none of the caller's
  // threads (the HTTP server's). Checks and lookups answer at once, on the
  // calling thread. At most kMaxConcurrentTests sends run at a time; beyond
  // them: resource_exhausted "too_many_tests".
  void send_test_async(const Principal& caller, const IntegrationId& id,
                       std::function<void(Result<IntegrationTestResult>)> done);
  // Newest first, at most `limit` (1..100), each with its attempts.
  // Errors: not_found "integration_not_found"; invalid_argument "invalid_limit".
  [[nodiscard]] Result<std::vector<IntegrationDelivery>> deliveries(const Principal& caller,
                                                                    const IntegrationId& id,
                                                                    int limit);

  // Waits for test sends still running (each bounded by its timeout).
  ~IntegrationService();
  IntegrationService(const IntegrationService&) = delete;
  IntegrationService& operator=(const IntegrationService&) = delete;

  // The DeliveryWorker's handler for kIntegrationDeliveryKind.
  DeliveryOutcome deliver(const DeliveryRecord& delivery, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace scriptmesh
