// Job webhooks: a job's webhook_url is POSTed the job's result once it ends.
//
// When a job that has a webhook_url reaches a final state, the job service
// calls enqueue_job_webhook(), which builds the request body from the job
// and its stored output and commits it to the outbox as a delivery of kind
// "job_webhook". The DeliveryWorker later sends it with the handler from
// make_job_webhook_handler(), signing it with the tenant's secret at send
// time (so the signature's timestamp is fresh on every retry).
//
// The request:
//
//   POST <webhook_url>
//   Content-Type: application/json
//   X-ScriptMesh-Event: job.finished
//   X-ScriptMesh-Delivery: dlv_...       (the same on every retry: de-duplicate on it)
//   X-ScriptMesh-Signature: t=...,v1=... (scriptmesh/webhook_signing.hpp)
//
//   {"event":"job.finished", "job_id", "status", "agent_id", "script",
//    "exit_code", "signal", "error", "duration_ms", "created_at",
//    "started_at", "finished_at", "stdout", "stderr", "stdout_base64",
//    "stderr_base64", "stdout_bytes", "stderr_bytes", "stdout_truncated",
//    "stderr_truncated", "output_url", "schedule_id", "group_id"}
//
// Every key is always present; a value that does not apply is null (no exit
// code after a signal, no schedule, an empty error). Times are RFC 3339 UTC.
//
// Output. The first `inline_output_bytes` of each stream are inlined.
// When they are valid UTF-8, they are the string `stdout` and
// `stdout_base64` is null; otherwise (binary output) `stdout` is null and
// `stdout_base64` holds them in standard base64, so no byte is ever altered
// or replaced. A cut that would split a UTF-8 character ends before it.
// `stdout_truncated` is true when the stream has more bytes than were
// inlined; `stdout_bytes` is the stream's whole size, and `output_url`
// (<public_base_url>/v1/jobs/<id>/output, add ?stream=stderr for stderr)
// serves every byte to a caller with jobs:read. The same holds for stderr.
//
// The outbox row's payload is {"url": <webhook_url>, "body": <the body as
// one JSON string>}: the body is built once and sent byte for byte the same
// on every attempt.
//
// Thread safety: the functions may be called from any thread; the handler
// is thread-safe as DeliveryWorker requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/delivery_worker.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class HttpClient;
class TenantWebhookSecrets;

// The delivery kind and the event name of job webhooks.
inline constexpr std::string_view kJobWebhookKind = "job_webhook";
inline constexpr std::string_view kJobFinishedEvent = "job.finished";
// Longest webhook_url accepted.
inline constexpr std::size_t kMaxWebhookUrlBytes = 2048;

struct JobWebhookOptions {
  // The orchestrator's public URL, for output_url; a trailing '/' is dropped.
  std::string public_base_url = "http://127.0.0.1:8080";
  // Bytes of each stream inlined in the body (0 = none, only the URL).
  std::int64_t inline_output_bytes = 64 * 1024;
  // Supplies the delivery's created_at and first due time; nullptr = the
  // system clock.
  Clock* clock = nullptr;
};

// Checks a webhook_url before a job or schedule is created with it: an
// absolute http:// or https:// URL with a host, at most kMaxWebhookUrlBytes,
// without user info, spaces or control characters. Unless
// `allow_private_destinations` (the orchestrator setting of that name), it
// must also be https:// and its host must not be localhost or a loopback,
// private or link-local IP literal (destinations.hpp); names that resolve
// to such addresses are refused when the delivery connects.
// Error: invalid_argument "invalid_webhook_url".
[[nodiscard]] Result<void> check_webhook_url(std::string_view url, bool allow_private_destinations);

// The request body for `job` (see above), reading its output from `store`.
// Errors: invalid_argument "job_not_final" when the job has not ended;
// the store's read errors (not_found "job_not_found").
[[nodiscard]] Result<std::string> job_webhook_body(Store& store, const JobRecord& job,
                                                   const JobWebhookOptions& options);

// Commits the webhook of `final_job` to the outbox, due at once, and answers
// its delivery id; answers an empty optional (and does nothing) when the job
// has no webhook_url. Call it once, when the job's final transition has been
// committed, then DeliveryWorker::notify().
// Errors: invalid_argument "job_not_final", "invalid_webhook_url"; the
// store's errors (not_found "job_not_found", "tenant_not_found").
[[nodiscard]] Result<std::optional<DeliveryId>> enqueue_job_webhook(
    Store& store, const JobRecord& final_job, const JobWebhookOptions& options = {});

// The DeliveryWorker handler for kind "job_webhook": POSTs the stored body to
// the stored URL with the headers above, the signature made with the
// tenant's secret at `clock`'s time. The outcome is delivery_outcome_of()'s,
// except that an unreadable payload fails for good ("invalid_payload") and a
// tenant that no longer exists fails for good ("tenant_not_found"); a secret
// that cannot be read now is retried. All three are borrowed and must
// outlive the handler.
DeliveryHandler make_job_webhook_handler(HttpClient& http, TenantWebhookSecrets& secrets,
                                         Clock& clock);

}  // namespace scriptmesh
