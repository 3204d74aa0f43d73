// One pass of the engine over one schedule: which due times have come, which
// of them were missed, what runs (catch-up, overlap, owed runs), and the
// one compare-and-set commit of all of it.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/schedule/schedule_engine_impl.hpp"
#include "core/schedule/schedule_rules.hpp"

namespace scriptmesh {
namespace {

// The due times of a schedule up to `now`.
struct Walk {
  std::vector<WallTime> on_time;  // late by at most the grace: they run
  std::vector<WallTime> missed;   // later; the oldest kMaxMissedEvents
  std::optional<WallTime> next;   // the first due time after now
};

Walk walk(const CronSchedule& cron, const ScheduleRecord& s, WallTime now) {
  Walk w;
  const auto grace = std::chrono::seconds(s.misfire_grace_sec);
  std::optional<WallTime> t = s.next_run_at;
  for (int steps = 0; t && *t <= now && steps < kMaxMissedWalk; ++steps) {
    if (now - *t <= grace) {
      w.on_time.push_back(*t);
    } else if (w.missed.size() < static_cast<std::size_t>(kMaxMissedEvents)) {
      w.missed.push_back(*t);
    }
    t = cron.next_after(*t);
  }
  // A walk cut short (years down with a every-minute schedule) resumes at now.
  if (t && *t <= now) t = cron.next_after(now);
  w.next = t;
  return w;
}

// One run to start: a due time, the event it is recorded as, and for a run
// owed under buffer_one the one agent it is for.
struct Run {
  WallTime due;
  ScheduleEventType type = ScheduleEventType::kFired;
  std::optional<AgentId> agent;
};

std::vector<Run> catch_up_runs(const ScheduleRecord& s, const Walk& w) {
  std::vector<Run> runs;
  if (w.missed.empty()) return runs;
  switch (s.catch_up) {
    case CatchUpPolicy::kSkip:
      break;
    case CatchUpPolicy::kOnce:
      runs.push_back({w.missed.back(), ScheduleEventType::kCaughtUp, std::nullopt});
      break;
    case CatchUpPolicy::kAll: {
      const std::size_t n = std::min(w.missed.size(), static_cast<std::size_t>(kMaxCatchUpRuns));
      for (std::size_t i = 0; i < n; ++i)
        runs.push_back({w.missed[i], ScheduleEventType::kCaughtUp, std::nullopt});
      break;
    }
  }
  return runs;
}

// The schedule's runs that have not ended, by agent.
using Unfinished = std::map<AgentId, std::vector<JobRecord>>;

Result<Unfinished> unfinished_runs(Store& store, const ScheduleRecord& s) {
  Unfinished out;
  for (JobStatus status : {JobStatus::kPending, JobStatus::kDispatched, JobStatus::kRunning}) {
    JobFilter filter;
    filter.schedule_id = s.id;
    filter.status = status;
    filter.limit = 1000;
    do {
      Result<JobPage> page = store.list_jobs(s.tenant_id, filter);
      if (!page.ok()) return std::move(page).error();
      for (JobRecord& job : page->jobs)
        out[job.agent_id].push_back(std::move(job));
      filter.cursor = page->next_cursor;
    } while (!filter.cursor.empty());
  }
  return out;
}

ScheduleEventRecord event_of(const ScheduleRecord& s, ScheduleEventType type, WallTime due,
                             WallTime now) {
  ScheduleEventRecord e;
  e.id = new_id("sev");
  e.tenant_id = s.tenant_id;
  e.schedule_id = s.id;
  e.type = type;
  e.due_at = due;
  e.at = now;
  return e;
}

EventRecord missed_event(const ScheduleRecord& s, WallTime due, WallTime now) {
  EventRecord e;
  e.id = EventId(new_id("evt"));
  e.tenant_id = s.tenant_id;
  e.type = std::string(kEventScheduleMissed);
  e.subject_id = s.id.str();
  e.data_json = boost::json::serialize(boost::json::object{
      {"schedule_id", s.id.str()},
      {"name", s.name},
      {"due_at", format_rfc3339(due)},
      {"catch_up", to_string(s.catch_up)},
      {"script", s.script},
  });
  e.created_at = now;
  e.script = s.script;
  e.schedule_id = s.id;
  e.agent_id = s.agent_id;
  return e;
}

// True for a trigger refused for what the schedule or its agents are now
// (agent deleted, script no longer in the manifest, no agent with the tags):
// recorded as a skipped run. Anything else is trouble reaching the store.
bool refuses_run(const Error& e) {
  switch (e.category()) {
    case ErrorCategory::kInvalidArgument:
    case ErrorCategory::kNotFound:
    case ErrorCategory::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

// Everything one pass decides, before it is committed.
struct PassPlan {
  ScheduleFire fire;
  std::vector<JobRecord> cancel;  // cancel_other: unfinished runs to stop first
  int skipped = 0;
};

}  // namespace

void ScheduleEngine::Impl::pass(const ScheduleRecord& s, WallTime now, ScheduleRunStats& stats) {
  PassPlan plan;
  plan.fire.schedule_id = s.id;
  plan.fire.expected_next_run_at = s.next_run_at;
  plan.fire.expected_buffered = s.buffered;
  plan.fire.buffered = s.buffered;

  Result<CronSchedule> cron = schedules::compile(s);
  Walk w;
  if (cron.ok()) {
    w = walk(*cron, s, now);
  } else {
    // Saved valid, so the zone left the tz database: stop the schedule
    // rather than fail on it at every pass.
    logger_.error("schedule cannot be evaluated; it stops",
                  {{"schedule_id", s.id.str()}, {"error", cron.error().to_string()}});
  }
  plan.fire.next_run_at = w.next;
  for (WallTime due : w.missed) {
    plan.fire.events.push_back(event_of(s, ScheduleEventType::kMissed, due, now));
    plan.fire.tenant_events.push_back(missed_event(s, due, now));
  }
  std::vector<Run> runs = catch_up_runs(s, w);
  for (WallTime due : w.on_time)
    runs.push_back({due, ScheduleEventType::kFired, std::nullopt});

  Unfinished busy;
  const bool overlap_matters = s.overlap != OverlapPolicy::kAllow && !runs.empty();
  if (overlap_matters || !s.buffered.empty()) {
    Result<Unfinished> unfinished = unfinished_runs(store_, s);
    if (!unfinished.ok()) {
      logger_.error("cannot read a schedule's unfinished runs",
                    {{"schedule_id", s.id.str()}, {"error", unfinished.error().to_string()}});
      ++stats.errors;
      return;
    }
    busy = std::move(unfinished).value();
  }
  // Runs owed under buffer_one whose agent is free now.
  for (const auto& [agent, due] : s.buffered) {
    if (busy.count(agent) != 0) continue;
    runs.push_back({due, ScheduleEventType::kFired, agent});
    plan.fire.buffered.erase(agent);
  }
  std::stable_sort(runs.begin(), runs.end(),
                   [](const Run& a, const Run& b) { return a.due < b.due; });

  for (const Run& run : runs) {
    TriggerRequest request = schedules::trigger_request(s);
    if (run.agent) {
      request.agent_id = run.agent;
      request.tags.reset();
    }
    Result<TriggerResult> prepared = jobs_.prepare_system_trigger(s.tenant_id, request);
    if (!prepared.ok() && !refuses_run(prepared.error())) {
      // The store could not answer: nothing is decided, the next pass retries.
      logger_.error("cannot prepare a scheduled run",
                    {{"schedule_id", s.id.str()}, {"error", prepared.error().to_string()}});
      ++stats.errors;
      return;
    }
    if (!prepared.ok()) {
      ScheduleEventRecord e = event_of(s, ScheduleEventType::kSkipped, run.due, now);
      e.detail = prepared.error().to_string();
      plan.fire.events.push_back(std::move(e));
      ++plan.skipped;
      continue;
    }
    for (JobRecord& job : prepared->jobs) {
      ScheduleEventRecord e = event_of(s, run.type, run.due, now);
      e.agent_id = job.agent_id;
      auto running = busy.find(job.agent_id);
      if (running != busy.end() && s.overlap != OverlapPolicy::kAllow) {
        if (s.overlap == OverlapPolicy::kCancelOther) {
          plan.cancel.insert(plan.cancel.end(), running->second.begin(), running->second.end());
          busy.erase(running);
        } else if (s.overlap == OverlapPolicy::kBufferOne &&
                   plan.fire.buffered.count(job.agent_id) == 0) {
          // Owed, not skipped: its "fired" event comes when it starts.
          plan.fire.buffered.emplace(job.agent_id, run.due);
          continue;
        } else {
          e.type = ScheduleEventType::kSkipped;
          e.detail = "overlap";
          plan.fire.events.push_back(std::move(e));
          ++plan.skipped;
          continue;
        }
      }
      e.job_id = job.id;
      plan.fire.events.push_back(std::move(e));
      plan.fire.jobs.push_back(std::move(job));
    }
  }
  if (!plan.fire.jobs.empty()) plan.fire.last_run_at = now;

  const bool nothing = plan.fire.events.empty() && plan.fire.next_run_at == s.next_run_at &&
                       plan.fire.buffered == s.buffered;
  if (nothing) return;
  Result<void> committed = store_.commit_schedule_fire(s.tenant_id, plan.fire);
  if (!committed.ok()) {
    if (committed.error().code() == "schedule_changed") {
      ++stats.conflicts;  // edited meanwhile: the next pass reads it afresh
    } else {
      logger_.error("cannot commit a schedule's fire",
                    {{"schedule_id", s.id.str()}, {"error", committed.error().to_string()}});
      ++stats.errors;
    }
    return;
  }
  ++stats.schedules;
  stats.jobs += static_cast<int>(plan.fire.jobs.size());
  stats.missed += static_cast<int>(w.missed.size());
  stats.skipped += plan.skipped;
  // Cancel first, so the new run takes the slot the old one frees.
  for (const JobRecord& old : plan.cancel) {
    Result<JobRecord> cancelled = jobs_.cancel_system(old);
    if (!cancelled.ok() && cancelled.error().code() != "job_already_final") {
      logger_.warn("cannot cancel an overlapping run",
                   {{"job_id", old.id.str()}, {"error", cancelled.error().to_string()}});
    }
  }
  if (!plan.fire.jobs.empty()) jobs_.dispatch_committed(plan.fire.jobs);
  for (const EventRecord& e : plan.fire.tenant_events)
    events_.publish(e);
}

}  // namespace scriptmesh
