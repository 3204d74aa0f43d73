// Jobs: insertion, lookup, paged listing and status transitions.
#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/store/json_columns.hpp"
#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

constexpr int kMaxPageSize = 1000;

Error job_not_found() {
  return Error::not_found("job_not_found", "no such job");
}

Result<void> insert_job(Connection& c, const TenantId& tenant, const JobRecord& job) {
  Result<bool> taken = exists(c, "SELECT 1 FROM jobs WHERE id = ?", job.id);
  if (!taken.ok()) return std::move(taken).error();
  if (*taken) return Error::conflict("job_exists", "a job with this id already exists");
  if (!job.idempotency_key.empty()) {
    Result<bool> key_taken =
        exists(c, "SELECT 1 FROM jobs WHERE tenant_id = ? AND idempotency_key = ?", tenant,
               job.idempotency_key);
    if (!key_taken.ok()) return std::move(key_taken).error();
    if (*key_taken) {
      return Error::conflict("idempotency_key_taken",
                             "a job with this idempotency key already exists");
    }
  }
  return insert_job_row(c, tenant, job);
}

// The position after a job in list order: "<created_at ms>:<job id>".
std::string encode_cursor(const JobRecord& job) {
  return std::to_string(to_unix_ms(job.created_at)) + ":" + job.id.str();
}

struct Cursor {
  std::int64_t created_at_ms = 0;
  std::string id;
};

Result<Cursor> decode_cursor(const std::string& text) {
  const std::size_t colon = text.find(':');
  Cursor cursor;
  if (colon != std::string::npos && colon + 1 < text.size()) {
    const char* end = text.data() + colon;
    auto [ptr, ec] = std::from_chars(text.data(), end, cursor.created_at_ms);
    if (ec == std::errc() && ptr == end) {
      cursor.id = text.substr(colon + 1);
      return cursor;
    }
  }
  return Error::invalid_argument("invalid_cursor", "the paging cursor is not valid");
}

// Appends the filter's conditions to `sql` and their values to `args`.
Result<void> add_filter_conditions(const JobFilter& f, std::string& sql,
                                   std::vector<SqlValue>& args) {
  auto add = [&](const char* condition, SqlValue value) {
    sql += condition;
    args.push_back(std::move(value));
  };
  if (f.agent_id) add(" AND agent_id = ?", f.agent_id->str());
  if (f.script) add(" AND script = ?", *f.script);
  // The status is written into the SQL, not bound: the partial indexes on
  // status (jobs_pending, jobs_in_flight) make SQLite recompile a statement
  // on every new value of a bound status, which cost the dispatcher a parse
  // per round. The value comes from the enum, never from a caller's text.
  if (f.status) sql += " AND status = '" + std::string(to_string(*f.status)) + "'";
  if (f.since) add(" AND created_at >= ?", to_unix_ms(*f.since));
  if (f.until) add(" AND created_at < ?", to_unix_ms(*f.until));
  if (f.schedule_id) add(" AND schedule_id = ?", f.schedule_id->str());
  if (f.group_id) add(" AND group_id = ?", f.group_id->str());
  if (!f.cursor.empty()) {
    Result<Cursor> cursor = decode_cursor(f.cursor);
    if (!cursor.ok()) return std::move(cursor).error();
    // Keyset paging: strictly after the last row of the previous page.
    sql += f.oldest_first ? " AND (created_at > ? OR (created_at = ? AND id > ?))"
                          : " AND (created_at < ? OR (created_at = ? AND id < ?))";
    args.push_back(cursor->created_at_ms);
    args.push_back(cursor->created_at_ms);
    args.push_back(cursor->id);
  }
  return ok_result();
}

}  // namespace

Result<void> insert_job_row(Connection& c, const TenantId& tenant, const JobRecord& job) {
  Result<std::int64_t> inserted =
      execute(c,
              "INSERT INTO jobs (" SM_JOB_COLUMNS
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              job.id, tenant, job.agent_id, job.group_id, job.schedule_id, job.script,
              encode_string_map(job.params), to_string(job.status), job.exit_code, job.signal,
              nullable(job.error), job.timeout_sec, nullable(job.webhook_url),
              nullable(job.idempotency_key), job.created_at, job.dispatched_at, job.started_at,
              job.finished_at, job.duration_ms, job.stdout_bytes, job.stderr_bytes);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

Result<void> SqliteStore::insert_jobs(const TenantId& tenant, const std::vector<JobRecord>& jobs) {
  for (const JobRecord& job : jobs)
    SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, job.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    for (const JobRecord& job : jobs)
      SCRIPTMESH_RETURN_IF_ERROR(insert_job(c, tenant, job));
    return ok_result();
  });
}

Result<JobRecord> SqliteStore::get_job(const TenantId& tenant, const JobId& job) {
  return read<JobRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_JOB_COLUMNS " FROM jobs WHERE tenant_id = ? AND id = ?",
                     &read_job, job_not_found(), tenant, job);
  });
}

Result<JobRecord> SqliteStore::find_job_by_idempotency_key(const TenantId& tenant,
                                                           std::string_view idempotency_key) {
  if (idempotency_key.empty()) return job_not_found();
  return read<JobRecord>([&](Connection& c) {
    return query_one(
        c, "SELECT " SM_JOB_COLUMNS " FROM jobs WHERE tenant_id = ? AND idempotency_key = ?",
        &read_job, job_not_found(), tenant, idempotency_key);
  });
}

Result<JobPage> SqliteStore::list_jobs(const TenantId& tenant, const JobFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxPageSize) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000");
  }
  std::string sql = "SELECT " SM_JOB_COLUMNS " FROM jobs WHERE tenant_id = ?";
  std::vector<SqlValue> args{tenant.str()};
  SCRIPTMESH_RETURN_IF_ERROR(add_filter_conditions(filter, sql, args));
  sql += filter.oldest_first ? " ORDER BY created_at, id" : " ORDER BY created_at DESC, id DESC";
  // One extra row tells whether another page follows.
  sql += " LIMIT ?";
  args.push_back(static_cast<std::int64_t>(filter.limit) + 1);

  Result<std::vector<JobRecord>> rows = read<std::vector<JobRecord>>([&](Connection& c) {
    Result<Statement> stmt = c.prepare(sql);
    if (!stmt.ok()) return Result<std::vector<JobRecord>>(std::move(stmt).error());
    bind_values(*stmt, args);
    return collect(*stmt, &read_job);
  });
  if (!rows.ok()) return std::move(rows).error();
  JobPage page;
  page.jobs = std::move(rows).value();
  if (page.jobs.size() > static_cast<std::size_t>(filter.limit)) {
    page.jobs.pop_back();
    page.next_cursor = encode_cursor(page.jobs.back());
  }
  return page;
}

namespace {

Result<void> transition_job_row(Connection& c, const TenantId& tenant, const JobId& job,
                                JobStatus expected, const JobTransition& t) {
  // Compare-and-set on status (and on the stored output, when asked); NULL
  // parameters keep the stored value.
  Result<std::int64_t> changed = execute(
      c,
      "UPDATE jobs SET status = ?, dispatched_at = COALESCE(?, dispatched_at), "
      "started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at), "
      "exit_code = COALESCE(?, exit_code), signal = COALESCE(?, signal), "
      "error = COALESCE(?, error), duration_ms = COALESCE(?, duration_ms) "
      "WHERE tenant_id = ? AND id = ? AND status = ? AND stdout_bytes >= COALESCE(?, 0) "
      "AND stderr_bytes >= COALESCE(?, 0)",
      to_string(t.to), t.dispatched_at, t.started_at, t.finished_at, t.exit_code, t.signal, t.error,
      t.duration_ms, tenant, job, to_string(expected), t.min_stdout_bytes, t.min_stderr_bytes);
  if (!changed.ok()) return std::move(changed).error();
  if (*changed == 1) return t.event ? insert_event_row(c, tenant, *t.event) : ok_result();
  // Why it did not apply: the job's status alone tells a missing job, a
  // status that moved on, and output still short of what was asked for.
  Result<Statement> stmt = c.prepare("SELECT status FROM jobs WHERE tenant_id = ? AND id = ?");
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(tenant, job);
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return job_not_found();
  if (stmt->text(0) == to_string(expected)) {
    return Error::conflict("output_incomplete", "the job's output is not all stored yet");
  }
  return Error::conflict("job_status_conflict",
                         "the job is no longer " + std::string(to_string(expected)));
}

}  // namespace

Result<void> SqliteStore::transition_job(const TenantId& tenant, const JobId& job,
                                         JobStatus expected, const JobTransition& t) {
  if (t.event) SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, t.event->tenant_id));
  return write<void>(
      [&](Connection& c) { return transition_job_row(c, tenant, job, expected, t); });
}

void SqliteStore::transition_job_async(const TenantId& tenant, const JobId& job, JobStatus expected,
                                       JobTransition t, std::function<void(Result<void>)> done) {
  if (t.event) {
    Result<void> same_tenant = check_tenant(tenant, t.event->tenant_id);
    if (!same_tenant.ok()) return done(std::move(same_tenant));
  }
  writer_->submit_async(
      [tenant, job, expected, t = std::move(t)](Connection& c) {
        return transition_job_row(c, tenant, job, expected, t);
      },
      std::move(done));
}

void SqliteStore::claim_pending_jobs_async(
    const TenantId& tenant, const AgentId& agent, int limit, WallTime dispatched_at,
    std::function<void(Result<std::vector<JobRecord>>)> done) {
  if (limit < 1 || limit > kMaxPageSize) {
    return done(Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000"));
  }
  // As for output appends: the rows go from the write to `done` through a
  // shared slot, both run on the writer's one thread.
  auto claimed = std::make_shared<std::vector<JobRecord>>();
  writer_->submit_async(
      [tenant, agent, limit, dispatched_at, claimed](Connection& c) -> Result<void> {
        // RETURNING gives no order: the caller gets them sorted below.
        Result<std::vector<JobRecord>> rows = query_all(
            c,
            "UPDATE jobs SET status = 'dispatched', dispatched_at = ? WHERE id IN "
            "(SELECT id FROM jobs WHERE tenant_id = ? AND agent_id = ? AND status = 'pending' "
            "ORDER BY created_at, id LIMIT ?) RETURNING " SM_JOB_COLUMNS,
            &read_job, dispatched_at, tenant, agent, static_cast<std::int64_t>(limit));
        if (!rows.ok()) return std::move(rows).error();
        *claimed = std::move(rows).value();
        return ok_result();
      },
      [claimed, done = std::move(done)](Result<void> committed) {
        if (!committed.ok()) return done(std::move(committed).error());
        std::sort(claimed->begin(), claimed->end(), [](const JobRecord& a, const JobRecord& b) {
          return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
        });
        done(std::move(*claimed));
      });
}

Result<std::vector<JobRecord>> SqliteStore::list_pending_jobs_before(WallTime created_before,
                                                                     int limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000");
  }
  return read<std::vector<JobRecord>>([&](Connection& c) {
    // System-wide by design: the dispatch-timeout sweep serves every tenant.
    return query_all(c,
                     "SELECT " SM_JOB_COLUMNS
                     " FROM jobs WHERE status = 'pending' "
                     "AND created_at < ? ORDER BY created_at, id LIMIT ?",
                     &read_job, created_before, static_cast<std::int64_t>(limit));
  });
}

Result<std::vector<JobRecord>> SqliteStore::fail_interrupted_jobs(
    WallTime now, std::string_view reason,
    const std::function<EventRecord(const JobRecord&)>& final_event) {
  using Jobs = std::vector<JobRecord>;
  return write<Jobs>([&](Connection& c) -> Result<Jobs> {
    // System-wide by design: run once at start-up, before any agent connects.
    Result<Jobs> failed =
        query_all(c,
                  "UPDATE jobs SET status = 'failed', error = ?, finished_at = ? "
                  "WHERE status IN ('dispatched', 'running') RETURNING " SM_JOB_COLUMNS,
                  &read_job, reason, now);
    if (!failed.ok() || !final_event) return failed;
    for (const JobRecord& job : *failed)
      SCRIPTMESH_RETURN_IF_ERROR(insert_event_row(c, job.tenant_id, final_event(job)));
    return failed;
  });
}

}  // namespace scriptmesh::store
