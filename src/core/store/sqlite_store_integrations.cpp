// Integrations, and the fan-out of each stored event to the deliveries it
// owes them.
#include <algorithm>
#include <string>
#include <vector>

#include "core/store/json_columns.hpp"
#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

constexpr int kMaxListSize = 1000;

Error integration_not_found() {
  return Error::not_found("integration_not_found", "no such integration");
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Integration filters (IntegrationFilters) against one event; `agent_tags`
// are the tags of the event's agent, empty when it has none or no agent.
bool filters_match(const IntegrationFilters& f, const EventRecord& e,
                   const std::vector<std::string>& agent_tags) {
  const bool agent_event = e.type.starts_with("agent.");
  if (!agent_event && !f.scripts.empty() && !contains(f.scripts, e.script)) return false;
  if (!agent_event && !f.schedule_ids.empty()) {
    if (!e.schedule_id) return false;
    if (std::find(f.schedule_ids.begin(), f.schedule_ids.end(), *e.schedule_id) ==
        f.schedule_ids.end()) {
      return false;
    }
  }
  return std::all_of(f.agent_tags.begin(), f.agent_tags.end(),
                     [&](const std::string& tag) { return contains(agent_tags, tag); });
}

Result<std::vector<std::string>> agent_tags_of(Connection& c, const TenantId& tenant,
                                               const EventRecord& e) {
  if (!e.agent_id) return std::vector<std::string>{};
  Result<Statement> stmt = c.prepare("SELECT tags FROM agents WHERE tenant_id = ? AND id = ?");
  if (!stmt.ok()) return std::move(stmt).error();
  bind_values(*stmt, {tenant.str(), e.agent_id->str()});
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return std::vector<std::string>{};  // a deleted agent holds no tags
  return decode_string_list(stmt->text(0));
}

Result<void> enqueue_for_integration(Connection& c, const TenantId& tenant,
                                     const IntegrationRecord& integration,
                                     const EventRecord& event) {
  Result<std::int64_t> inserted =
      execute(c,
              "INSERT INTO deliveries (" SM_DELIVERY_COLUMNS
              ") VALUES (?, ?, ?, ?, ?, ?, 0, ?, NULL, "
              "NULL, ?)",
              new_id("dlv"), tenant, integration.id, kIntegrationDeliveryKind, event.id.str(),
              to_string(DeliveryStatus::kPending), event.created_at, event.created_at);
  if (!inserted.ok()) return std::move(inserted).error();
  return ok_result();
}

// What fan_out needs of an integration: its id, event types and filters
// (not the sealed config, which this path of every event never reads).
Result<IntegrationRecord> read_routing(const Statement& s) {
  IntegrationRecord r;
  r.id = IntegrationId(s.text(0));
  Result<std::vector<std::string>> events = decode_string_list(s.text(1));
  if (!events.ok()) return std::move(events).error();
  r.events = std::move(*events);
  Result<IntegrationFilters> filters = decode_filters(s.text(2));
  if (!filters.ok()) return std::move(filters).error();
  r.filters = std::move(*filters);
  return r;
}

Result<void> fan_out(Connection& c, const TenantId& tenant, const EventRecord& event) {
  Result<std::vector<IntegrationRecord>> integrations =
      query_all(c,
                "SELECT id, events, filters FROM integrations WHERE tenant_id = ? AND enabled = 1 "
                "ORDER BY created_at, id",
                &read_routing, tenant);
  if (!integrations.ok()) return std::move(integrations).error();
  std::optional<std::vector<std::string>> tags;  // read once, when a filter needs them
  for (const IntegrationRecord& integration : *integrations) {
    if (!contains(integration.events, event.type)) continue;
    if (!integration.filters.agent_tags.empty() && !tags) {
      Result<std::vector<std::string>> read = agent_tags_of(c, tenant, event);
      if (!read.ok()) return std::move(read).error();
      tags = std::move(*read);
    }
    if (!filters_match(integration.filters, event, tags.value_or(std::vector<std::string>{}))) {
      continue;
    }
    SCRIPTMESH_RETURN_IF_ERROR(enqueue_for_integration(c, tenant, integration, event));
  }
  return ok_result();
}

}  // namespace

Result<void> insert_event_row(Connection& c, const TenantId& tenant, const EventRecord& e) {
  Result<std::int64_t> inserted =
      execute(c, "INSERT INTO events (" SM_EVENT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)", e.id,
              tenant, e.type, e.subject_id, e.data_json.empty() ? "{}" : e.data_json, e.created_at);
  if (!inserted.ok()) return std::move(inserted).error();
  return fan_out(c, tenant, e);
}

Result<EventRecord> SqliteStore::get_event(const TenantId& tenant, const EventId& event) {
  return read<EventRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_EVENT_COLUMNS " FROM events WHERE tenant_id = ? AND id = ?",
                     &read_event, Error::not_found("event_not_found", "no such event"), tenant,
                     event);
  });
}

Result<void> SqliteStore::insert_integration(const TenantId& tenant, const IntegrationRecord& r) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, r.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    Result<bool> taken = exists(c, "SELECT 1 FROM integrations WHERE id = ?", r.id);
    if (!taken.ok()) return std::move(taken).error();
    if (*taken) return Error::conflict("integration_exists", "this integration id is taken");
    Result<std::int64_t> inserted =
        execute(c,
                "INSERT INTO integrations (" SM_INTEGRATION_COLUMNS
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                r.id, tenant, r.type, r.name, r.config_ciphertext, encode_string_list(r.events),
                encode_filters(r.filters), static_cast<std::int64_t>(r.enabled ? 1 : 0),
                r.created_at, r.updated_at);
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<IntegrationRecord> SqliteStore::get_integration(const TenantId& tenant,
                                                       const IntegrationId& integration) {
  return read<IntegrationRecord>([&](Connection& c) {
    return query_one(
        c, "SELECT " SM_INTEGRATION_COLUMNS " FROM integrations WHERE tenant_id = ? AND id = ?",
        &read_integration, integration_not_found(), tenant, integration);
  });
}

Result<std::vector<IntegrationRecord>> SqliteStore::list_integrations(const TenantId& tenant) {
  return read<std::vector<IntegrationRecord>>([&](Connection& c) {
    return query_all(c,
                     "SELECT " SM_INTEGRATION_COLUMNS
                     " FROM integrations WHERE tenant_id = ? ORDER BY created_at, id",
                     &read_integration, tenant);
  });
}

Result<void> SqliteStore::update_integration(const TenantId& tenant, const IntegrationRecord& r) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c,
                "UPDATE integrations SET name = ?, config_ciphertext = ?, events = ?, "
                "filters = ?, enabled = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
                r.name, r.config_ciphertext, encode_string_list(r.events),
                encode_filters(r.filters), static_cast<std::int64_t>(r.enabled ? 1 : 0),
                r.updated_at, tenant, r.id),
        integration_not_found());
  });
}

Result<void> SqliteStore::delete_integration(const TenantId& tenant,
                                             const IntegrationId& integration) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c, "DELETE FROM integrations WHERE tenant_id = ? AND id = ?", tenant, integration),
        integration_not_found());
  });
}

Result<std::vector<DeliveryAttemptRecord>> SqliteStore::list_delivery_attempts(
    const TenantId& tenant, const DeliveryId& delivery, int limit) {
  if (limit < 1 || limit > kMaxListSize) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 1000");
  }
  using Attempts = std::vector<DeliveryAttemptRecord>;
  return read<Attempts>([&](Connection& c) -> Result<Attempts> {
    Result<bool> known =
        exists(c, "SELECT 1 FROM deliveries WHERE tenant_id = ? AND id = ?", tenant, delivery);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("delivery_not_found", "no such delivery");
    return query_all(c,
                     "SELECT " SM_DELIVERY_ATTEMPT_COLUMNS
                     " FROM delivery_attempts WHERE tenant_id = ? AND delivery_id = ? "
                     "ORDER BY attempt DESC LIMIT ?",
                     &read_delivery_attempt, tenant, delivery, limit);
  });
}

Result<StatusCounts> SqliteStore::count_by_status() {
  using Counts = std::vector<std::pair<std::string, std::int64_t>>;
  auto count_rows = [](Connection& c, std::string_view sql) -> Result<Counts> {
    Result<Statement> stmt = c.prepare(sql);
    if (!stmt.ok()) return std::move(stmt).error();
    Counts counts;
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row.ok()) return std::move(row).error();
      if (!*row) return counts;
      counts.emplace_back(stmt->text(0), stmt->int64(1));
    }
  };
  return read<StatusCounts>([&](Connection& c) -> Result<StatusCounts> {
    // System-wide by design: /metrics reports the whole orchestrator. The
    // partial indexes jobs_pending and jobs_in_flight keep both counts off
    // the finished jobs.
    Result<Counts> jobs = count_rows(c,
                                     "SELECT 'pending', COUNT(*) FROM jobs WHERE status = "
                                     "'pending' UNION ALL SELECT status, COUNT(*) FROM jobs "
                                     "WHERE status IN ('dispatched', 'running') GROUP BY status");
    if (!jobs.ok()) return std::move(jobs).error();
    Result<Counts> agents = count_rows(c, "SELECT status, COUNT(*) FROM agents GROUP BY status");
    if (!agents.ok()) return std::move(agents).error();
    return StatusCounts{std::move(*jobs), std::move(*agents)};
  });
}

}  // namespace scriptmesh::store
