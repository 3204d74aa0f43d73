// Job output: byte-exact chunks per stream, read back by byte offset.
//
// Each chunk records the offset of its first byte within its stream, assigned
// at append time from the job's running byte count, so a read of any range
// seeks to the chunk holding its first byte (index from migration 2) and
// copies only the overlapping parts.
#include <algorithm>
#include <limits>
#include <string>

#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

Error job_not_found() {
  return Error::not_found("job_not_found", "no such job");
}

// The byte count column of the stream, named in the SQL text rather than
// bound, so each text is a fixed, cacheable statement.
const char* add_bytes_sql(OutputStream stream) {
  return stream == OutputStream::kStdout
             ? "UPDATE jobs SET stdout_bytes = stdout_bytes + ? WHERE tenant_id = ? AND id = ?"
             : "UPDATE jobs SET stderr_bytes = stderr_bytes + ? WHERE tenant_id = ? AND id = ?";
}

// The stream's byte count and whether the job's output is closed: final,
// with its result recorded. A job failed for a lost agent or a restart has
// no result yet and still takes the output and result the agent resends.
const char* output_state_sql(OutputStream stream) {
  return stream == OutputStream::kStdout
             ? "SELECT stdout_bytes, status IN ('succeeded', 'failed', 'timed_out', 'cancelled') "
               "AND NOT (status = 'failed' AND duration_ms IS NULL "
               "AND error IN ('agent_lost', 'orchestrator_restarted')) "
               "FROM jobs WHERE tenant_id = ? AND id = ?"
             : "SELECT stderr_bytes, status IN ('succeeded', 'failed', 'timed_out', 'cancelled') "
               "AND NOT (status = 'failed' AND duration_ms IS NULL "
               "AND error IN ('agent_lost', 'orchestrator_restarted')) "
               "FROM jobs WHERE tenant_id = ? AND id = ?";
}

struct OutputState {
  std::int64_t bytes = 0;
  bool closed = false;
};

Result<OutputState> output_state(Connection& c, const TenantId& tenant, const JobId& job,
                                 OutputStream stream) {
  Result<Statement> stmt = c.prepare(output_state_sql(stream));
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(tenant, job);
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return job_not_found();
  return OutputState{stmt->int64(0), stmt->int64(1) != 0};
}

}  // namespace

Result<bool> SqliteStore::append_job_output(const TenantId& tenant, const JobId& job,
                                            OutputStream stream, std::int64_t seq,
                                            std::string_view data) {
  const std::string_view stream_name = to_string(stream);
  return write<bool>([&](Connection& c) -> Result<bool> {
    Result<OutputState> state = output_state(c, tenant, job, stream);
    if (!state.ok()) return std::move(state).error();
    const std::int64_t offset = state->bytes;
    Result<bool> seen = exists(c,
                               "SELECT 1 FROM job_output_chunks "
                               "WHERE tenant_id = ? AND job_id = ? AND stream = ? AND seq = ?",
                               tenant, job, stream_name, seq);
    if (!seen.ok()) return std::move(seen).error();
    if (*seen) return false;
    Result<std::int64_t> inserted = execute(c,
                                            "INSERT INTO job_output_chunks "
                                            "(tenant_id, job_id, stream, seq, byte_offset, data) "
                                            "VALUES (?, ?, ?, ?, ?, ?)",
                                            tenant, job, stream_name, seq, offset, Blob{data});
    if (!inserted.ok()) return std::move(inserted).error();
    Result<std::int64_t> counted =
        execute(c, add_bytes_sql(stream), static_cast<std::int64_t>(data.size()), tenant, job);
    if (!counted.ok()) return std::move(counted).error();
    return true;
  });
}

namespace {

Result<std::int64_t> append_output_at_row(Connection& c, const TenantId& tenant, const JobId& job,
                                          OutputStream stream, std::int64_t offset,
                                          std::string_view data) {
  Result<OutputState> state = output_state(c, tenant, job, stream);
  if (!state.ok()) return std::move(state).error();
  // A final job's output and counts never change: whatever arrives after
  // its result is dropped, and the answer says all there is is stored.
  if (state->closed) return state->bytes;
  const std::int64_t stored = state->bytes;
  if (offset > stored) {
    return Error::conflict("output_gap", "output offset " + std::to_string(offset) +
                                             " is beyond the " + std::to_string(stored) +
                                             " bytes stored");
  }
  const auto skip = static_cast<std::size_t>(stored - offset);
  if (skip >= data.size()) return stored;
  const std::string_view tail = data.substr(skip);
  // The tail's offset doubles as its seq: offsets only grow, so it is unique
  // within the stream, like the counters append_job_output is given.
  Result<std::int64_t> inserted =
      execute(c,
              "INSERT INTO job_output_chunks "
              "(tenant_id, job_id, stream, seq, byte_offset, data) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              tenant, job, to_string(stream), stored, stored, Blob{tail});
  if (!inserted.ok()) return std::move(inserted).error();
  Result<std::int64_t> counted =
      execute(c, add_bytes_sql(stream), static_cast<std::int64_t>(tail.size()), tenant, job);
  if (!counted.ok()) return std::move(counted).error();
  return stored + static_cast<std::int64_t>(tail.size());
}

}  // namespace

Result<std::int64_t> SqliteStore::append_job_output_at(const TenantId& tenant, const JobId& job,
                                                       OutputStream stream, std::int64_t offset,
                                                       std::string_view data) {
  if (offset < 0) return Error::invalid_argument("invalid_range", "offset must not be negative");
  return write<std::int64_t>(
      [&](Connection& c) { return append_output_at_row(c, tenant, job, stream, offset, data); });
}

void SqliteStore::append_job_output_at_async(const TenantId& tenant, const JobId& job,
                                             OutputStream stream, std::int64_t offset,
                                             std::string data,
                                             std::function<void(Result<std::int64_t>)> done) {
  if (offset < 0) {
    return done(Error::invalid_argument("invalid_range", "offset must not be negative"));
  }
  // The length is handed from the write to `done` through a shared slot:
  // the writer runs the write, then the completion, on its one thread.
  auto length = std::make_shared<std::int64_t>(0);
  writer_->submit_async(
      [tenant, job, stream, offset, data = std::move(data), length](Connection& c) -> Result<void> {
        Result<std::int64_t> r = append_output_at_row(c, tenant, job, stream, offset, data);
        if (!r.ok()) return std::move(r).error();
        *length = *r;
        return ok_result();
      },
      [length, done = std::move(done)](Result<void> committed) {
        if (!committed.ok()) return done(std::move(committed).error());
        done(*length);
      });
}

Result<std::string> SqliteStore::read_job_output(const TenantId& tenant, const JobId& job,
                                                 OutputStream stream, std::int64_t offset,
                                                 std::optional<std::int64_t> limit) {
  if (offset < 0 || (limit && *limit < 0)) {
    return Error::invalid_argument("invalid_range", "offset and limit must not be negative");
  }
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t end = (limit && *limit < kMax - offset) ? offset + *limit : kMax;
  const std::string_view stream_name = to_string(stream);
  return read<std::string>([&](Connection& c) -> Result<std::string> {
    Result<OutputState> state = output_state(c, tenant, job, stream);
    if (!state.ok()) return std::move(state).error();
    const std::int64_t total = state->bytes;
    std::string out;
    if (offset >= total || offset >= end) return out;
    out.reserve(static_cast<std::size_t>(std::min(total, end) - offset));
    // Chunks from the one containing `offset` up to the one containing end-1.
    Result<Statement> stmt = c.prepare(
        "SELECT byte_offset, data FROM job_output_chunks "
        "WHERE tenant_id = ?1 AND job_id = ?2 AND stream = ?3 AND byte_offset < ?5 "
        "AND byte_offset >= (SELECT COALESCE(max(byte_offset), 0) FROM job_output_chunks "
        "WHERE tenant_id = ?1 AND job_id = ?2 AND stream = ?3 AND byte_offset <= ?4) "
        "ORDER BY byte_offset, seq");
    if (!stmt.ok()) return std::move(stmt).error();
    stmt->bind(tenant, job, stream_name, offset, end);
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return out;
      const std::int64_t chunk_start = stmt->int64(0);
      const std::string_view data = stmt->blob_view(1);
      const std::int64_t from = std::max(offset, chunk_start);
      const std::int64_t to = std::min(end, chunk_start + static_cast<std::int64_t>(data.size()));
      if (from < to) {
        out.append(data.substr(static_cast<std::size_t>(from - chunk_start),
                               static_cast<std::size_t>(to - from)));
      }
    }
  });
}

Result<std::int64_t> SqliteStore::delete_jobs_before(const TenantId& tenant, WallTime cutoff) {
  return write<std::int64_t>([&](Connection& c) -> Result<std::int64_t> {
    // Output chunks go with their jobs (ON DELETE CASCADE).
    Result<std::int64_t> jobs =
        execute(c,
                "DELETE FROM jobs WHERE tenant_id = ? AND created_at < ? "
                "AND status IN ('succeeded', 'failed', 'timed_out', 'cancelled')",
                tenant, cutoff);
    if (!jobs.ok()) return jobs;
    // The history of the same age goes too: events, and deliveries that are
    // done with (their attempts cascade). Pending ones are still owed.
    Result<std::int64_t> events =
        execute(c, "DELETE FROM events WHERE tenant_id = ? AND created_at < ?", tenant, cutoff);
    if (!events.ok()) return std::move(events).error();
    Result<std::int64_t> deliveries =
        execute(c,
                "DELETE FROM deliveries WHERE tenant_id = ? AND created_at < ? "
                "AND status IN ('succeeded', 'failed')",
                tenant, cutoff);
    if (!deliveries.ok()) return std::move(deliveries).error();
    return jobs;
  });
}

}  // namespace scriptmesh::store
