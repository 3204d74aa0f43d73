#include "scriptmesh/schedules.hpp"

#include <utility>

#include "core/schedule/schedule_rules.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/plans.hpp"

namespace scriptmesh {
namespace {

Result<void> may_read(const Principal& caller) {
  return authorize(caller, UserRole::kMember, kScopeSchedulesRead);
}
Result<void> may_write(const Principal& caller) {
  return authorize(caller, UserRole::kAdmin, kScopeSchedulesWrite);
}

ScheduleRecord record_of(const ScheduleSpec& spec, const TenantId& tenant, WallTime now) {
  ScheduleRecord r;
  r.id = ScheduleId(new_id("sch"));
  r.tenant_id = tenant;
  r.name = spec.name;
  r.cron = spec.cron;
  r.timezone = spec.timezone;
  r.script = spec.script;
  r.agent_id = spec.agent_id;
  if (spec.tags) r.tags = *spec.tags;
  r.params = spec.params;
  r.catch_up = spec.catch_up;
  r.misfire_grace_sec = spec.misfire_grace_sec;
  r.overlap = spec.overlap;
  r.timeout_sec = spec.timeout_sec;
  r.webhook_url = spec.webhook_url;
  r.enabled = spec.enabled;
  r.created_at = now;
  r.updated_at = now;
  return r;
}

// Applies `c` to `r`; says whether the due times and the target may have
// changed.
struct Applied {
  bool timing = false;
  bool target = false;
};

template <typename T>
bool assign(T& field, const std::optional<T>& value) {
  if (!value || field == *value) return false;
  field = *value;
  return true;
}

Applied apply(ScheduleRecord& r, const ScheduleChange& c) {
  Applied a;
  assign(r.name, c.name);
  a.timing |= assign(r.cron, c.cron);
  a.timing |= assign(r.timezone, c.timezone);
  a.timing |= assign(r.enabled, c.enabled);
  a.target |= assign(r.script, c.script);
  if (c.agent_id) {
    a.target = true;
    r.agent_id = c.agent_id;
    r.tags.clear();
  }
  if (c.tags) {
    a.target = true;
    r.tags = *c.tags;
    if (!c.agent_id) r.agent_id.reset();
  }
  a.target |= assign(r.params, c.params);
  a.target |= assign(r.timeout_sec, c.timeout_sec);
  a.target |= assign(r.webhook_url, c.webhook_url);
  assign(r.catch_up, c.catch_up);
  assign(r.misfire_grace_sec, c.misfire_grace_sec);
  assign(r.overlap, c.overlap);
  return a;
}

}  // namespace

ScheduleService::ScheduleService(Store& store, Clock& clock, JobService& jobs,
                                 ScheduleEngine* engine)
    : store_(store), clock_(clock), jobs_(jobs), engine_(engine) {}

Result<ScheduleRecord> ScheduleService::create(const Principal& caller, const ScheduleSpec& spec) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  if (spec.agent_id.has_value() == spec.tags.has_value()) {
    return Error::invalid_argument("invalid_target", "give exactly one of agent_id and tags");
  }
  ScheduleRecord record = record_of(spec, caller.tenant_id, clock_.now());
  SCRIPTMESH_RETURN_IF_ERROR(check_and_time(record, true));
  SCRIPTMESH_RETURN_IF_ERROR(check_plan(caller.tenant_id, true));
  SCRIPTMESH_RETURN_IF_ERROR(store_.insert_schedule(caller.tenant_id, record));
  wake();
  return record;
}

Result<std::vector<ScheduleRecord>> ScheduleService::list(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.list_schedules(caller.tenant_id);
}

Result<ScheduleRecord> ScheduleService::get(const Principal& caller, const ScheduleId& schedule) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.get_schedule(caller.tenant_id, schedule);
}

Result<ScheduleRecord> ScheduleService::update(const Principal& caller, const ScheduleId& schedule,
                                               const ScheduleChange& change) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  if (change.agent_id && change.tags) {
    return Error::invalid_argument("invalid_target", "give exactly one of agent_id and tags");
  }
  Result<ScheduleRecord> record = store_.get_schedule(caller.tenant_id, schedule);
  if (!record.ok()) return record;
  const bool was_enabled = record->enabled;
  const Applied applied = apply(*record, change);
  record->updated_at = clock_.now();
  SCRIPTMESH_RETURN_IF_ERROR(check_and_time(*record, applied.target));
  if (record->enabled && !was_enabled)
    SCRIPTMESH_RETURN_IF_ERROR(check_plan(caller.tenant_id, false));
  SCRIPTMESH_RETURN_IF_ERROR(store_.update_schedule(caller.tenant_id, *record, applied.timing));
  if (applied.timing) wake();
  // Re-read: without a reschedule the stored next_run_at is the engine's.
  return store_.get_schedule(caller.tenant_id, schedule);
}

Result<void> ScheduleService::remove(const Principal& caller, const ScheduleId& schedule) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  return store_.delete_schedule(caller.tenant_id, schedule);
}

Result<std::vector<ScheduleEventRecord>> ScheduleService::events(const Principal& caller,
                                                                 const ScheduleId& schedule,
                                                                 int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.list_schedule_events(caller.tenant_id, schedule, limit);
}

Result<void> ScheduleService::check_and_time(ScheduleRecord& record, bool check_target) {
  SCRIPTMESH_RETURN_IF_ERROR(schedules::check_fields(record));
  if (check_target) {
    SCRIPTMESH_RETURN_IF_ERROR(jobs_.check_webhook_destination(record.webhook_url));
    Result<TriggerResult> trial =
        jobs_.prepare_system_trigger(record.tenant_id, schedules::trigger_request(record));
    if (!trial.ok()) {
      const Error& e = trial.error();
      // An agent of another tenant must look exactly like a missing one,
      // and both are a property of the request (422), not a missing URL.
      if (e.code() == "agent_not_found") {
        return Error::invalid_argument("agent_not_found", "agent_id names no agent");
      }
      // A schedule may be created before the agents it is meant for.
      if (e.code() != "no_matching_agents") return std::move(trial).error();
    }
  }
  record.next_run_at.reset();
  if (record.enabled) {
    Result<CronSchedule> cron = schedules::compile(record);
    if (!cron.ok()) return std::move(cron).error();
    record.next_run_at = cron->next_after(clock_.now());
  }
  return ok_result();
}

Result<void> ScheduleService::check_plan(const TenantId& tenant, bool adding) {
  // Creating counts every schedule; enabling one counts the enabled ones,
  // which is what a downgrade trims.
  Result<std::int64_t> current = store_.count_schedules(tenant, !adding);
  if (!current.ok()) return std::move(current).error();
  PlanLimiter limiter(store_);
  return limiter.check_can_add_schedule(tenant, *current);
}

void ScheduleService::wake() {
  if (engine_ != nullptr) engine_->wake();
}

}  // namespace scriptmesh
