// JobService: triggering scripts on agents and reading back what they did.
//
// A trigger names a script and either one agent or a set of tags. It creates
// one job per target agent, commits them all in one transaction and only
// then answers; the agent hub then dispatches each job as soon as its agent
// is connected and has a free slot (FIFO per agent). A job whose agent does
// not take it within the hub's dispatch timeout fails with "agent_offline".
//
// Job states (store.hpp): pending -> dispatched -> running -> succeeded |
// failed | timed_out | cancelled. `error` names why a job failed when no exit
// code says it: "agent_offline", "agent_lost", "orchestrator_restarted", or
// the code an agent gave when it refused a dispatch (e.g. "spawn_failed").
//
// Trigger rules (each violation is invalid_argument, HTTP 422, and creates
// nothing):
//   - script: a valid script name ("invalid_script");
//   - exactly one of agent_id and tags ("invalid_target"); tags: 1..32
//     non-empty tags ("invalid_tags");
//   - params: each name matches ^[A-Z_][A-Z0-9_]*$ (at most 128 characters),
//     is not reserved (PATH, HOME, LD_*, SM_*), each value has at most
//     kMaxParamValueBytes bytes and no NUL byte ("invalid_param", the message
//     names the parameter and never echoes its value); at most 256 params;
//   - timeout_sec: 1..86400 ("invalid_timeout");
//   - webhook_url: empty, or an absolute http:// or https:// URL of at most
//     2048 characters without spaces or control characters ("invalid_webhook_url");
//   - idempotency_key: at most 255 printable ASCII characters
//     ("invalid_idempotency_key");
//   - the target agent, when it has sent its manifest (it has connected at
//     least once), must declare the script ("script_not_allowed") and accept
//     the params (validate_params: declared, required present, pattern
//     matched; "invalid_param"). An agent that never connected has no
//     manifest yet: only the generic rules apply and the agent checks again
//     before running anything (it refuses with a "rejected" message).
//   - agent_id names no agent of the caller's tenant: not_found
//     "agent_not_found"; no agent of the tenant has all the tags:
//     invalid_argument "no_matching_agents".
// For a tag trigger every matching agent must accept the script and params,
// or no job is created at all.
//
// Idempotency: a trigger with a non-empty idempotency_key that the tenant
// has used before returns the jobs created by the first trigger (with
// `replayed` set) instead of creating new ones, whatever the rest of the
// request says. The key is stored on the first job of the trigger; for a tag
// trigger the other jobs are found through its group.
//
// Who may do what: trigger, cancel - any role, an API key needs "jobs:write";
// get, list, read_output, wait - any role, an API key needs "jobs:read".
// Another tenant's job is not_found "job_not_found".
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class AgentHub;
class Clock;

inline constexpr int kMaxJobTimeoutSec = 86400;
inline constexpr std::size_t kMaxWebhookUrlChars = 2048;
inline constexpr std::size_t kMaxIdempotencyKeyChars = 255;
inline constexpr std::size_t kMaxTriggerParams = 256;
inline constexpr std::size_t kMaxTriggerTags = 32;
// The longest wait() a caller may ask for; longer requests are cut to this.
inline constexpr std::chrono::seconds kMaxJobWait{300};

// The event of a job that has just become final ("job.succeeded",
// "job.failed" for failed and timed_out, "job.cancelled"; see event_bus.hpp
// for its data). A pure function of the final record with an id derived from
// the job's (one final event per job), so the copy stored with the
// transition and the one published afterwards are the same event.
EventRecord job_final_event(const JobRecord& job);

struct TriggerRequest {
  std::string script;
  std::optional<AgentId> agent_id;               // one agent ...
  std::optional<std::vector<std::string>> tags;  // ... or every agent with all these tags
  std::map<std::string, std::string> params;     // become the script's environment
  std::optional<int> timeout_sec;                // unset: the manifest's timeout
  std::string webhook_url;                       // empty: none
  std::string idempotency_key;                   // empty: none (Idempotency-Key header)
  std::optional<ScheduleId> schedule_id;         // set by the scheduler
};

struct TriggerResult {
  // Set for a tag trigger (even when one agent matched), unset for agent_id.
  std::optional<GroupId> group_id;
  // The jobs as committed, one per agent, ordered by job id (the same order
  // for a replay). For an agent_id trigger exactly one.
  std::vector<JobRecord> jobs;
  // True when an earlier trigger with the same idempotency key made these.
  bool replayed = false;
};

struct JobServiceOptions {
  // Lets webhook_url be http:// or name a loopback, private or link-local
  // host (check_webhook_url in job_webhooks.hpp); the orchestrator setting
  // of the same name.
  bool allow_private_destinations = false;
};

class JobService {
 public:
  // Borrows everything; all must outlive the service.
  JobService(Store& store, Clock& clock, AgentHub& hub, JobServiceOptions options = {});
  ~JobService();
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Creates the jobs (see the rules above), commits them, hands them to the
  // hub for dispatch and returns them.
  // Errors: the invalid_argument codes above; not_found "agent_not_found";
  //   permission_denied "insufficient_scope"; the store's errors.
  [[nodiscard]] Result<TriggerResult> trigger(const Principal& caller,
                                              const TriggerRequest& request);

  // The scheduler's trigger path (schedules.hpp): the rules and manifest
  // checks of trigger() for `tenant`'s agents, without a caller (a schedule
  // is authorized when it is saved) and without idempotency keys. It builds
  // the jobs, each carrying request.schedule_id and webhook_url, but
  // commits nothing: the scheduler commits them in the transaction that
  // advances the schedule (Store::commit_schedule_fire) and then hands them
  // to dispatch_committed(). Also used to check a schedule's target when it
  // is saved. Errors: those of trigger() except the permission ones;
  // invalid_argument "invalid_idempotency_key" when a key is given.
  [[nodiscard]] Result<TriggerResult> prepare_system_trigger(const TenantId& tenant,
                                                             const TriggerRequest& request);

  // Hands jobs committed outside trigger() (prepare_system_trigger) to the
  // hub, which dispatches each as trigger() would.
  void dispatch_committed(const std::vector<JobRecord>& jobs);

  // Cancels `job` (a record read just before) for the scheduler (overlap
  // cancel_other), as cancel() does without a caller.
  // Errors: conflict "job_already_final"; not_found "job_not_found".
  [[nodiscard]] Result<JobRecord> cancel_system(const JobRecord& job);

  // Errors: not_found "job_not_found"; permission_denied "insufficient_scope".
  [[nodiscard]] Result<JobRecord> get(const Principal& caller, const JobId& job);

  // Newest first unless filter.oldest_first; paging by filter.cursor.
  // Errors: invalid_argument "invalid_limit" (1..1000), "invalid_cursor";
  //   permission_denied "insufficient_scope".
  [[nodiscard]] Result<JobPage> list(const Principal& caller, const JobFilter& filter);

  // Up to `limit` bytes (all when unset) of a stream from byte `offset`;
  // empty past the end. Works while the job runs (live tail).
  // Errors: not_found "job_not_found"; invalid_argument "invalid_range";
  //   permission_denied "insufficient_scope".
  [[nodiscard]] Result<std::string> read_output(const Principal& caller, const JobId& job,
                                                OutputStream stream, std::int64_t offset,
                                                std::optional<std::int64_t> limit);

  // Cancels a job: a pending one becomes cancelled at once; for a dispatched
  // or running one the agent is told to kill it and the job becomes
  // cancelled when the agent reports the end (if the agent is offline, when
  // it comes back; if it never does, the job fails with "agent_lost").
  // Returns the job as it is after the call.
  // Errors: conflict "job_already_final"; not_found "job_not_found";
  //   permission_denied "insufficient_scope".
  [[nodiscard]] Result<JobRecord> cancel(const Principal& caller, const JobId& job);

  // Long poll. Calls `done` exactly once: with the job's record as soon as
  // it is final (at once if it already is), or with its current record when
  // `max` has passed (measured on the Clock's monotonic time; driven by
  // AgentHub::tick, so it fires up to one tick late). `max` is clamped to
  // 0..kMaxJobWait; 0 answers at once. Never blocks the caller: `done` may
  // run on the calling thread (job already final, or an error) or later on
  // whichever thread finishes the job or ticks the hub. `done` must not
  // throw and should be quick (post the answer to the request's strand).
  // Errors passed to `done`: not_found "job_not_found"; permission_denied
  //   "insufficient_scope"; resource_exhausted "too_many_waiters"; the
  //   store's errors.
  void wait(const Principal& caller, const JobId& job, std::chrono::seconds max,
            std::function<void(Result<JobRecord>)> done);

  // The webhook_url rule for what a user saves (a schedule's webhook): the
  // form and, unless allowed, the destination policy.
  // Error: invalid_argument "invalid_webhook_url".
  [[nodiscard]] Result<void> check_webhook_destination(std::string_view url) const;

 private:
  // Parsed manifest summaries per agent, so a trigger does not re-parse
  // each one each time (src/core/jobs/manifest_cache.hpp).
  class ManifestCache;

  // One job per target agent of a request that passed validate_trigger(),
  // checked against the manifests, sorted by id, not committed.
  [[nodiscard]] Result<TriggerResult> build_jobs(const TenantId& tenant,
                                                 const TriggerRequest& request);
  // The target agents of a valid request. Errors: not_found
  // "agent_not_found"; invalid_argument "no_matching_agents".
  [[nodiscard]] Result<std::vector<AgentRecord>> resolve_targets(const TenantId& tenant,
                                                                 const TriggerRequest& request);
  // Checks the script and params against the agent's manifest when known;
  // returns the job's timeout_sec (the request's, else the manifest's, else 0).
  [[nodiscard]] Result<int> check_against_manifest(const AgentRecord& agent,
                                                   const TriggerRequest& request);

  Store& store_;
  Clock& clock_;
  AgentHub& hub_;
  const JobServiceOptions options_;
  std::unique_ptr<ManifestCache> manifests_;  // has its own lock
};

}  // namespace scriptmesh
