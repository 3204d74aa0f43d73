// Schedules: a whitelisted script run on a cron expression, and the engine
// that fires them.
//
// A schedule names a script, a target (one agent, or every agent holding all
// of some tags), a cron expression evaluated in an IANA time zone
// (cron.hpp) and what to do about late fires and overlapping runs. Every
// run it starts is an ordinary job (jobs.hpp) carrying the schedule's id
// and webhook_url, so job webhooks fire for it as for any job.
//
// ScheduleService is the CRUD behind /v1/schedules:
//   - create, update, remove: admin role, an API key needs
//     "schedules:write"; get, list, events: any role, "schedules:read".
//   - Another tenant's schedule answers not_found "schedule_not_found".
//   - Field rules (invalid_argument, HTTP 422; nothing is changed):
//       name 1..kMaxScheduleNameBytes bytes ("invalid_field");
//       cron: parse_cron() ("invalid_cron", its message);
//       timezone: a tz database zone ("invalid_timezone");
//       misfire_grace_sec 1..kMaxMisfireGraceSec ("invalid_field");
//       script, target, params, timeout_sec, webhook_url: the trigger rules
//       of jobs.hpp, with their codes; the target agent must be the
//       tenant's (else invalid_argument "agent_not_found": 422, exactly as
//       for an id that does not exist) and, when its manifest is known,
//       declare the script ("script_not_allowed") and accept the params.
//       Tags matching no agent yet are accepted: each fire then records a
//       "skipped" event until one exists.
//   - Plan limits (plans.hpp): creating a schedule beyond the plan's count,
//     or enabling one while the enabled ones already fill it (a tenant
//     downgraded with more), answers resource_exhausted "plan_limit_reached"
//     (HTTP 402). TenantService::set_plan disables the newest enabled
//     schedules beyond the new plan's limit; nothing is deleted.
//   - next_run_at is the first due time after now while enabled, unset
//     while disabled. Pausing (enabled=false) keeps the configuration and
//     the history; enabling again, or changing cron or timezone, computes
//     the next due time from now: the paused period counts as skipped, not
//     missed.
//
// ScheduleEngine fires due schedules. next_run_at of every enabled schedule
// is persisted; the engine reads the due ones by index (no timer or thread
// per schedule) and, for each, walks its due times up to now:
//   - a due time late by at most misfire_grace_sec runs ("fired" events);
//   - a later one is missed: a "missed" event each (with its due time), a
//     "schedule.missed" tenant event each (stored and published on the
//     EventBus), then catch_up decides: skip runs nothing, once runs one
//     job now for all of them, all runs one job per missed due time, oldest
//     first, at most kMaxCatchUpRuns ("caught_up" events);
//   - then next_run_at becomes the first due time after now.
// Missed fires are found wherever they come from: the orchestrator was down
// (the first pass after start-up) or the wall clock jumped forward (the next
// pass). A walk covers at most kMaxMissedWalk due times and records at most
// kMaxMissedEvents missed ones (the oldest); beyond that the schedule skips
// ahead to now.
//
// Overlap: when a run is due on an agent where an earlier run of the same
// schedule has not ended (pending, dispatched or running): skip records a
// "skipped" event (detail "overlap"); buffer_one keeps one run owed and
// starts it when that agent's runs of the schedule have ended (further
// fires meanwhile are skipped); cancel_other cancels the unfinished runs,
// then starts; allow starts side by side. Runs started by one pass (several
// catch-up runs) do not count as overlapping each other: they queue on the
// agent.
//
// Exactly once. A pass commits its jobs, its events and the schedule's new
// next_run_at in one transaction that is a compare-and-set on the
// next_run_at (and owed runs) it read (Store::commit_schedule_fire); a pass
// that loses to a concurrent edit commits nothing. Only after the commit
// are the jobs handed to the agent hub. A run whose trigger fails (the
// agent was deleted, the script left its manifest) is recorded as a
// "skipped" event whose detail holds the error; an agent that is merely
// offline gets a pending job as usual.
//
// Time: due times are wall times from the Clock. The background thread
// waits on one condition variable until the earliest next_run_at, at most
// max_sleep of real time (so a wall clock that jumps is noticed), or until
// wake(). Tests call run_due() with a FakeClock instead.
//
// Thread safety: every method of both classes may be called from any
// thread; run_due() calls are serialised.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class EventBus;
class JobService;
class Logger;
class ScheduleEngine;

// The tenant event published for each missed fire; subject_id = schedule
// id; data {"schedule_id","name","due_at","catch_up"}.
inline constexpr std::string_view kEventScheduleMissed = "schedule.missed";

inline constexpr std::size_t kMaxScheduleNameBytes = 100;
inline constexpr int kDefaultMisfireGraceSec = 60;
inline constexpr int kMaxMisfireGraceSec = 7 * 24 * 3600;
inline constexpr int kMaxCatchUpRuns = 100;
inline constexpr int kMaxMissedEvents = 1000;
inline constexpr int kMaxMissedWalk = 100000;
// GET /v1/schedules/{id}/events answers at most this many, newest first.
inline constexpr int kMaxScheduleEventsPage = 1000;

// A new schedule, as a caller describes it.
struct ScheduleSpec {
  std::string name;
  std::string cron;
  std::string timezone = "UTC";
  std::string script;
  std::optional<AgentId> agent_id;               // one agent ...
  std::optional<std::vector<std::string>> tags;  // ... or every agent with all these tags
  std::map<std::string, std::string> params;
  CatchUpPolicy catch_up = CatchUpPolicy::kSkip;
  int misfire_grace_sec = kDefaultMisfireGraceSec;
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  std::optional<int> timeout_sec;  // unset: the manifest's
  std::string webhook_url;         // empty: none
  bool enabled = true;
};

// A change to a schedule; unset fields stay as they are. Setting agent_id
// drops the tags and setting tags drops the agent (give one of them).
struct ScheduleChange {
  std::optional<std::string> name;
  std::optional<std::string> cron;
  std::optional<std::string> timezone;
  std::optional<std::string> script;
  std::optional<AgentId> agent_id;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::map<std::string, std::string>> params;  // replaces them all
  std::optional<CatchUpPolicy> catch_up;
  std::optional<int> misfire_grace_sec;
  std::optional<OverlapPolicy> overlap;
  std::optional<std::optional<int>> timeout_sec;  // set to nullopt: the manifest's again
  std::optional<std::string> webhook_url;         // "" removes it
  std::optional<bool> enabled;
};

class ScheduleService {
 public:
  // Borrows everything; all must outlive the service. `engine`, when set,
  // is woken after every change so a new due time is not slept past.
  ScheduleService(Store& store, Clock& clock, JobService& jobs, ScheduleEngine* engine = nullptr);

  // Errors: the field rules above; resource_exhausted "plan_limit_reached";
  //   invalid_argument "invalid_target" for both or neither of agent_id and
  //   tags; permission_denied "insufficient_role", "insufficient_scope".
  [[nodiscard]] Result<ScheduleRecord> create(const Principal& caller, const ScheduleSpec& spec);
  // Oldest first.
  [[nodiscard]] Result<std::vector<ScheduleRecord>> list(const Principal& caller);
  // Errors: not_found "schedule_not_found".
  [[nodiscard]] Result<ScheduleRecord> get(const Principal& caller, const ScheduleId& schedule);
  // Applies `change`, checks the result as create() would (the target and
  // script only when one of them, or params, changed) and answers the
  // schedule as it now is. Errors: as create(); not_found "schedule_not_found".
  [[nodiscard]] Result<ScheduleRecord> update(const Principal& caller, const ScheduleId& schedule,
                                              const ScheduleChange& change);
  // Deletes the schedule and its events; the jobs it started stay.
  // Errors: not_found "schedule_not_found".
  [[nodiscard]] Result<void> remove(const Principal& caller, const ScheduleId& schedule);
  // Newest first, at most `limit` (1..kMaxScheduleEventsPage).
  // Errors: not_found "schedule_not_found"; invalid_argument "invalid_limit".
  [[nodiscard]] Result<std::vector<ScheduleEventRecord>> events(const Principal& caller,
                                                                const ScheduleId& schedule,
                                                                int limit);

 private:
  // The checks of a complete record (field rules, target) and its
  // next_run_at from now.
  [[nodiscard]] Result<void> check_and_time(ScheduleRecord& record, bool check_target);
  [[nodiscard]] Result<void> check_plan(const TenantId& tenant, bool adding);
  void wake();

  Store& store_;
  Clock& clock_;
  JobService& jobs_;
  ScheduleEngine* engine_;
};

// What one run_due() did, for tests, logs and /metrics.
struct ScheduleRunStats {
  int schedules = 0;  // schedules whose pass was committed
  int jobs = 0;       // jobs started
  int missed = 0;     // missed due times recorded
  int skipped = 0;    // "skipped" events recorded
  int conflicts = 0;  // passes dropped because the schedule changed meanwhile
  int errors = 0;     // passes that failed (logged)
};

struct ScheduleEngineOptions {
  // Longest real time the background thread sleeps between passes, so a
  // wall clock moved forward is noticed within it.
  std::chrono::milliseconds max_sleep{1000};
  // Shortest wait when a schedule is still due after a pass (its commit
  // failed), so a failing store is not retried in a busy loop.
  std::chrono::milliseconds retry_sleep{200};
  // Due schedules read per store query; 1..1000.
  int batch = 100;
  // Where failures are logged; nullptr means null_logger().
  Logger* logger = nullptr;
  // Told what every run_due() did (for /metrics); must be quick. Optional.
  std::function<void(const ScheduleRunStats&)> on_run;
};

class ScheduleEngine {
 public:
  // Borrows everything; all must outlive the engine.
  ScheduleEngine(Store& store, Clock& clock, JobService& jobs, EventBus& events,
                 ScheduleEngineOptions options = {});
  // Stops the thread if it runs.
  ~ScheduleEngine();
  ScheduleEngine(const ScheduleEngine&) = delete;
  ScheduleEngine& operator=(const ScheduleEngine&) = delete;

  // One pass at wall time `now`: first the schedules whose runs ended since
  // the last pass (buffer_one), then every schedule due at `now`.
  ScheduleRunStats run_due(WallTime now);

  // A job reached a final state (AgentHub::set_on_job_final): a run it
  // held back (buffer_one) may start now. Only notes the job and wakes the
  // thread; the next run_due() acts on it. Never blocks on the engine.
  void on_job_final(const JobRecord& job);

  // A schedule was created or changed: re-read the earliest due time.
  void wake();

  // Starts the background thread (first pass at once: missed fires from
  // while the orchestrator was down are found now). Idempotent.
  void start();
  // Stops and joins it; idempotent. A pass in progress completes.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh
