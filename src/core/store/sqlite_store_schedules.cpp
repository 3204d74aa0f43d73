// Schedules, their events, and the engine's compare-and-set fire.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/store/json_columns.hpp"
#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

constexpr int kMaxListSize = 1000;

Error schedule_not_found() {
  return Error::not_found("schedule_not_found", "no such schedule");
}

Result<void> check_limit(int limit) {
  if (limit < 1 || limit > kMaxListSize) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000");
  }
  return ok_result();
}

std::optional<std::string> agent_column(const std::optional<AgentId>& agent) {
  if (!agent) return std::nullopt;
  return agent->str();
}

Result<void> require_tenant(Connection& c, const TenantId& tenant) {
  Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
  if (!known.ok()) return std::move(known).error();
  if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
  return ok_result();
}

Result<void> require_schedule(Connection& c, const TenantId& tenant, const ScheduleId& schedule) {
  Result<bool> known =
      exists(c, "SELECT 1 FROM schedules WHERE tenant_id = ? AND id = ?", tenant, schedule);
  if (!known.ok()) return std::move(known).error();
  if (!*known) return schedule_not_found();
  return ok_result();
}

Result<void> insert_schedule_event(Connection& c, const TenantId& tenant,
                                   const ScheduleEventRecord& e) {
  std::optional<std::string> job;
  if (e.job_id) job = e.job_id->str();
  Result<std::int64_t> inserted = execute(c,
                                          "INSERT INTO schedule_events (" SM_SCHEDULE_EVENT_COLUMNS
                                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                          e.id, tenant, e.schedule_id, to_string(e.type), e.due_at,
                                          e.at, job, agent_column(e.agent_id), e.detail);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

Result<void> check_fire_tenants(const TenantId& tenant, const ScheduleFire& fire) {
  for (const JobRecord& job : fire.jobs)
    SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, job.tenant_id));
  for (const ScheduleEventRecord& e : fire.events)
    SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, e.tenant_id));
  for (const EventRecord& e : fire.tenant_events)
    SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, e.tenant_id));
  return ok_result();
}

}  // namespace

Result<void> SqliteStore::insert_schedule(const TenantId& tenant, const ScheduleRecord& s) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, s.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(require_tenant(c, tenant));
    Result<bool> taken = exists(c, "SELECT 1 FROM schedules WHERE id = ?", s.id);
    if (!taken.ok()) return std::move(taken).error();
    if (*taken) return Error::conflict("schedule_exists", "a schedule with this id already exists");
    Result<std::int64_t> inserted =
        execute(c,
                "INSERT INTO schedules (" SM_SCHEDULE_COLUMNS
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                s.id, tenant, s.name, s.cron, s.timezone, s.script, agent_column(s.agent_id),
                encode_string_list(s.tags), encode_string_map(s.params), to_string(s.catch_up),
                s.misfire_grace_sec, to_string(s.overlap), s.timeout_sec, nullable(s.webhook_url),
                s.enabled, s.next_run_at, s.last_run_at, encode_buffered(s.buffered), s.created_at,
                s.updated_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<ScheduleRecord> SqliteStore::get_schedule(const TenantId& tenant,
                                                 const ScheduleId& schedule) {
  return read<ScheduleRecord>([&](Connection& c) {
    return query_one(c,
                     "SELECT " SM_SCHEDULE_COLUMNS " FROM schedules WHERE tenant_id = ? AND id = ?",
                     &read_schedule, schedule_not_found(), tenant, schedule);
  });
}

Result<std::vector<ScheduleRecord>> SqliteStore::list_schedules(const TenantId& tenant) {
  return read<std::vector<ScheduleRecord>>([&](Connection& c) {
    return query_all(c,
                     "SELECT " SM_SCHEDULE_COLUMNS
                     " FROM schedules WHERE tenant_id = ? ORDER BY created_at, id",
                     &read_schedule, tenant);
  });
}

Result<std::int64_t> SqliteStore::count_schedules(const TenantId& tenant, bool enabled_only) {
  return read<std::int64_t>([&](Connection& c) {
    return query_int64(c,
                       enabled_only
                           ? "SELECT COUNT(*) FROM schedules WHERE tenant_id = ? AND enabled = 1"
                           : "SELECT COUNT(*) FROM schedules WHERE tenant_id = ?",
                       tenant);
  });
}

Result<void> SqliteStore::update_schedule(const TenantId& tenant, const ScheduleRecord& s,
                                          bool reschedule) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, s.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    // `reschedule` = 0 keeps next_run_at: the engine may have advanced it
    // since the caller read the row, and writing the old value back would
    // make that due time fire twice.
    return require_changed(
        execute(c,
                "UPDATE schedules SET name = ?, cron = ?, timezone = ?, script = ?, agent_id = ?, "
                "tags = ?, params = ?, catch_up = ?, misfire_grace_sec = ?, overlap = ?, "
                "timeout_sec = ?, webhook_url = ?, enabled = ?, updated_at = ?, "
                "next_run_at = CASE WHEN ? THEN ? ELSE next_run_at END, "
                "buffered = CASE WHEN ? THEN buffered ELSE '{}' END "
                "WHERE tenant_id = ? AND id = ?",
                s.name, s.cron, s.timezone, s.script, agent_column(s.agent_id),
                encode_string_list(s.tags), encode_string_map(s.params), to_string(s.catch_up),
                s.misfire_grace_sec, to_string(s.overlap), s.timeout_sec, nullable(s.webhook_url),
                s.enabled, s.updated_at, reschedule, s.next_run_at, s.enabled, tenant, s.id),
        schedule_not_found());
  });
}

Result<void> SqliteStore::delete_schedule(const TenantId& tenant, const ScheduleId& schedule) {
  return write<void>([&](Connection& c) -> Result<void> {
    // schedule_events go with it (ON DELETE CASCADE); jobs keep its id.
    return require_changed(
        execute(c, "DELETE FROM schedules WHERE tenant_id = ? AND id = ?", tenant, schedule),
        schedule_not_found());
  });
}

Result<std::vector<ScheduleId>> SqliteStore::disable_schedules_beyond(const TenantId& tenant,
                                                                      std::int64_t keep,
                                                                      WallTime at) {
  struct Disabled {
    ScheduleId id;
    std::int64_t created_ms = 0;
  };
  auto read_disabled = [](const Statement& s) -> Result<Disabled> {
    return Disabled{ScheduleId(s.text(0)), s.int64(1)};
  };
  Result<std::vector<Disabled>> disabled = write<std::vector<Disabled>>([&](Connection& c) {
    Result<Statement> stmt = c.prepare(
        "UPDATE schedules SET enabled = 0, next_run_at = NULL, buffered = '{}', updated_at = ? "
        "WHERE tenant_id = ? AND id IN (SELECT id FROM schedules WHERE tenant_id = ? AND "
        "enabled = 1 ORDER BY created_at, id LIMIT -1 OFFSET ?) RETURNING id, created_at");
    if (!stmt.ok()) return Result<std::vector<Disabled>>(std::move(stmt).error());
    stmt->bind(at, tenant, tenant, std::max<std::int64_t>(keep, 0));
    return collect<Disabled>(*stmt, +read_disabled);
  });
  if (!disabled.ok()) return std::move(disabled).error();
  // RETURNING gives no order; newest first, as documented.
  std::sort(disabled->begin(), disabled->end(), [](const Disabled& a, const Disabled& b) {
    return a.created_ms != b.created_ms ? a.created_ms > b.created_ms : b.id < a.id;
  });
  std::vector<ScheduleId> out;
  for (Disabled& d : *disabled)
    out.push_back(std::move(d.id));
  return out;
}

Result<std::vector<ScheduleEventRecord>> SqliteStore::list_schedule_events(
    const TenantId& tenant, const ScheduleId& schedule, int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(check_limit(limit));
  return read<std::vector<ScheduleEventRecord>>(
      [&](Connection& c) -> Result<std::vector<ScheduleEventRecord>> {
        SCRIPTMESH_RETURN_IF_ERROR(require_schedule(c, tenant, schedule));
        // rowid breaks ties between events of one pass in insertion order.
        return query_all(c,
                         "SELECT " SM_SCHEDULE_EVENT_COLUMNS
                         " FROM schedule_events WHERE tenant_id = ? AND schedule_id = ? "
                         "ORDER BY occurred_at DESC, rowid DESC LIMIT ?",
                         &read_schedule_event, tenant, schedule, static_cast<std::int64_t>(limit));
      });
}

Result<std::vector<ScheduleRecord>> SqliteStore::list_due_schedules(WallTime due_by, int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(check_limit(limit));
  return read<std::vector<ScheduleRecord>>([&](Connection& c) {
    // System-wide by design: one engine serves every tenant. The partial
    // index schedules_due makes this a range seek however many exist.
    return query_all(c,
                     "SELECT " SM_SCHEDULE_COLUMNS
                     " FROM schedules WHERE enabled = 1 AND next_run_at <= ? "
                     "ORDER BY next_run_at, id LIMIT ?",
                     &read_schedule, due_by, static_cast<std::int64_t>(limit));
  });
}

Result<std::optional<WallTime>> SqliteStore::next_schedule_due() {
  return read<std::optional<WallTime>>([&](Connection& c) -> Result<std::optional<WallTime>> {
    Result<Statement> stmt = c.prepare("SELECT MIN(next_run_at) FROM schedules WHERE enabled = 1");
    if (!stmt.ok()) return std::move(stmt).error();
    Result<bool> row = stmt->step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return std::optional<WallTime>();
    return stmt->optional_time(0);
  });
}

Result<void> SqliteStore::commit_schedule_fire(const TenantId& tenant, const ScheduleFire& fire) {
  SCRIPTMESH_RETURN_IF_ERROR(check_fire_tenants(tenant, fire));
  return write<void>([&](Connection& c) -> Result<void> {
    // The compare-and-set first: when it fails nothing else is written, so
    // a due time is fired by exactly one pass.
    Result<std::int64_t> changed = execute(
        c,
        "UPDATE schedules SET next_run_at = ?, buffered = ?, "
        "last_run_at = COALESCE(?, last_run_at) "
        "WHERE tenant_id = ? AND id = ? AND enabled = 1 AND next_run_at IS ? AND buffered = ?",
        fire.next_run_at, encode_buffered(fire.buffered), fire.last_run_at, tenant,
        fire.schedule_id, fire.expected_next_run_at, encode_buffered(fire.expected_buffered));
    if (!changed.ok()) return std::move(changed).error();
    if (*changed == 0) {
      SCRIPTMESH_RETURN_IF_ERROR(require_schedule(c, tenant, fire.schedule_id));
      return Error::conflict("schedule_changed", "the schedule was changed meanwhile");
    }
    for (const JobRecord& job : fire.jobs)
      SCRIPTMESH_RETURN_IF_ERROR(insert_job_row(c, tenant, job));
    for (const ScheduleEventRecord& e : fire.events)
      SCRIPTMESH_RETURN_IF_ERROR(insert_schedule_event(c, tenant, e));
    for (const EventRecord& e : fire.tenant_events)
      SCRIPTMESH_RETURN_IF_ERROR(insert_event_row(c, tenant, e));
    return ok_result();
  });
}

}  // namespace scriptmesh::store
