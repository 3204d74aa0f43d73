// Events and the delivery outbox.
#include <string>
#include <vector>

#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

constexpr int kMaxListSize = 1000;

Result<void> check_limit(int limit) {
  if (limit < 1 || limit > kMaxListSize) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000");
  }
  return ok_result();
}

}  // namespace

Result<void> SqliteStore::append_event(const TenantId& tenant, const EventRecord& event) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, event.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    return insert_event_row(c, tenant, event);
  });
}

Result<std::vector<EventRecord>> SqliteStore::list_events(const TenantId& tenant,
                                                          const EventFilter& filter) {
  SCRIPTMESH_RETURN_IF_ERROR(check_limit(filter.limit));
  std::string sql = "SELECT " SM_EVENT_COLUMNS " FROM events WHERE tenant_id = ?";
  std::vector<SqlValue> args{tenant.str()};
  if (filter.type) {
    sql += " AND type = ?";
    args.emplace_back(*filter.type);
  }
  if (filter.subject_id) {
    sql += " AND subject_id = ?";
    args.emplace_back(*filter.subject_id);
  }
  if (filter.since) {
    sql += " AND created_at >= ?";
    args.emplace_back(to_unix_ms(*filter.since));
  }
  // rowid breaks ties between events of the same millisecond in insert order.
  sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?";
  args.emplace_back(static_cast<std::int64_t>(filter.limit));
  return read<std::vector<EventRecord>>([&](Connection& c) -> Result<std::vector<EventRecord>> {
    Result<Statement> stmt = c.prepare(sql);
    if (!stmt.ok()) return std::move(stmt).error();
    bind_values(*stmt, args);
    return collect(*stmt, &read_event);
  });
}

Result<void> SqliteStore::enqueue_delivery(const TenantId& tenant, const DeliveryRecord& delivery) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, delivery.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    if (delivery.integration_id) {
      Result<bool> integration =
          exists(c, "SELECT 1 FROM integrations WHERE tenant_id = ? AND id = ?", tenant,
                 *delivery.integration_id);
      if (!integration.ok()) return std::move(integration).error();
      if (!*integration) return Error::not_found("integration_not_found", "no such integration");
    }
    Result<std::int64_t> inserted = execute(
        c,
        "INSERT INTO deliveries (" SM_DELIVERY_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        delivery.id, tenant, delivery.integration_id, delivery.kind, delivery.payload,
        to_string(delivery.status), delivery.attempts, delivery.next_attempt_at,
        delivery.last_status_code, nullable(delivery.last_error), delivery.created_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<std::vector<DeliveryRecord>> SqliteStore::claim_due_deliveries(WallTime now,
                                                                      WallTime lease_until,
                                                                      int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(check_limit(limit));
  using Deliveries = std::vector<DeliveryRecord>;
  return write<Deliveries>([&](Connection& c) -> Result<Deliveries> {
    // System-wide by design: one worker serves every tenant. Select and
    // update run in one write transaction, so no two claims overlap.
    Result<Deliveries> due =
        query_all(c,
                  "SELECT " SM_DELIVERY_COLUMNS
                  " FROM deliveries "
                  "WHERE status IN ('pending', 'in_flight') AND next_attempt_at <= ? "
                  "ORDER BY next_attempt_at, created_at LIMIT ?",
                  &read_delivery, now, limit);
    if (!due.ok()) return due;
    for (DeliveryRecord& d : *due) {
      Result<std::int64_t> claimed =
          execute(c,
                  "UPDATE deliveries SET status = 'in_flight', attempts = attempts + 1, "
                  "next_attempt_at = ? WHERE id = ?",
                  lease_until, d.id);
      if (!claimed.ok()) return std::move(claimed).error();
      d.status = DeliveryStatus::kInFlight;
      d.attempts += 1;
      d.next_attempt_at = from_unix_ms(to_unix_ms(lease_until));
    }
    return due;
  });
}

Result<void> SqliteStore::record_delivery_result(const TenantId& tenant, const DeliveryId& delivery,
                                                 const DeliveryResult& result) {
  return write<void>([&](Connection& c) -> Result<void> {
    SCRIPTMESH_RETURN_IF_ERROR(require_changed(
        execute(c,
                "UPDATE deliveries SET status = ?, last_status_code = ?, last_error = ?, "
                "next_attempt_at = ? WHERE tenant_id = ? AND id = ?",
                to_string(result.status), result.status_code, nullable(result.error),
                result.next_attempt_at, tenant, delivery),
        Error::not_found("delivery_not_found", "no such delivery")));
    // The attempt number is the one the claim counted. A late result of an
    // attempt whose lease ran out replaces the row of the same number.
    Result<std::int64_t> logged = execute(
        c,
        "INSERT OR REPLACE INTO delivery_attempts (delivery_id, tenant_id, attempt, status, "
        "status_code, error, at) SELECT id, tenant_id, attempts, ?, ?, ?, ? FROM deliveries "
        "WHERE tenant_id = ? AND id = ?",
        to_string(result.status), result.status_code, result.error, result.attempted_at, tenant,
        delivery);
    if (!logged.ok()) return std::move(logged).error();
    return ok_result();
  });
}

Result<std::vector<DeliveryRecord>> SqliteStore::list_deliveries(
    const TenantId& tenant, const std::optional<IntegrationId>& integration, int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(check_limit(limit));
  return read<std::vector<DeliveryRecord>>([&](Connection& c) {
    if (integration) {
      return query_all(c,
                       "SELECT " SM_DELIVERY_COLUMNS
                       " FROM deliveries "
                       "WHERE tenant_id = ? AND integration_id = ? "
                       "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                       &read_delivery, tenant, *integration, limit);
    }
    return query_all(c,
                     "SELECT " SM_DELIVERY_COLUMNS
                     " FROM deliveries WHERE tenant_id = ? "
                     "ORDER BY created_at DESC, rowid DESC LIMIT ?",
                     &read_delivery, tenant, limit);
  });
}

}  // namespace scriptmesh::store
