// Agents.
#include <optional>
#include <string>

#include "core/store/json_columns.hpp"
#include "core/store/rows.hpp"
#include "core/store/sql_helpers.hpp"
#include "core/store/sqlite_store_impl.hpp"

namespace scriptmesh::store {
namespace {

Error agent_not_found() {
  return Error::not_found("agent_not_found", "no such agent");
}

template <typename T, typename Fn>
std::optional<std::string> encode_if(const std::optional<T>& value, Fn encode) {
  if (!value) return std::nullopt;
  return encode(*value);
}

}  // namespace

Result<void> SqliteStore::insert_agent(const TenantId& tenant, const AgentRecord& agent) {
  SCRIPTMESH_RETURN_IF_ERROR(check_tenant(tenant, agent.tenant_id));
  return write<void>([&](Connection& c) -> Result<void> {
    Result<bool> known = exists(c, "SELECT 1 FROM tenants WHERE id = ?", tenant);
    if (!known.ok()) return std::move(known).error();
    if (!*known) return Error::not_found("tenant_not_found", "no such tenant");
    Result<bool> taken = exists(c, "SELECT 1 FROM agents WHERE id = ?", agent.id);
    if (!taken.ok()) return std::move(taken).error();
    if (*taken) return Error::conflict("agent_exists", "an agent with this id already exists");
    Result<std::int64_t> inserted = execute(
        c,
        "INSERT INTO agents (" SM_AGENT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        agent.id, tenant, agent.name, encode_string_list(agent.tags), agent.key_ciphertext,
        agent.key_lookup_hash, to_string(agent.status), agent.last_heartbeat_at,
        encode_if(agent.metrics, encode_metrics), encode_string_list(agent.manifest),
        agent.created_at, agent.manifest_summary, static_cast<std::int64_t>(agent.max_concurrent));
    if (!inserted.ok()) return std::move(inserted).error();
    return ok_result();
  });
}

Result<AgentRecord> SqliteStore::get_agent(const TenantId& tenant, const AgentId& agent) {
  return read<AgentRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_AGENT_COLUMNS " FROM agents WHERE tenant_id = ? AND id = ?",
                     &read_agent, agent_not_found(), tenant, agent);
  });
}

Result<std::vector<AgentRecord>> SqliteStore::list_agents(const TenantId& tenant) {
  return read<std::vector<AgentRecord>>([&](Connection& c) {
    return query_all(
        c, "SELECT " SM_AGENT_COLUMNS " FROM agents WHERE tenant_id = ? ORDER BY created_at, id",
        &read_agent, tenant);
  });
}

Result<void> SqliteStore::update_agent(const TenantId& tenant, const AgentId& agent,
                                       const AgentUpdate& update) {
  return write<void>([&](Connection& c) {
    // NULL parameters leave the column as it is (COALESCE).
    return require_changed(
        execute(c,
                "UPDATE agents SET name = COALESCE(?, name), tags = COALESCE(?, tags) "
                "WHERE tenant_id = ? AND id = ?",
                update.name, encode_if(update.tags, encode_string_list), tenant, agent),
        agent_not_found());
  });
}

Result<void> SqliteStore::delete_agent(const TenantId& tenant, const AgentId& agent) {
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c, "DELETE FROM agents WHERE tenant_id = ? AND id = ?", tenant, agent),
        agent_not_found());
  });
}

Result<AgentRecord> SqliteStore::find_agent_by_key_lookup(std::string_view key_lookup_hash) {
  return read<AgentRecord>([&](Connection& c) {
    return query_one(c, "SELECT " SM_AGENT_COLUMNS " FROM agents WHERE key_lookup_hash = ?",
                     &read_agent, agent_not_found(), key_lookup_hash);
  });
}

Result<void> SqliteStore::update_agent_key(const TenantId& tenant, const AgentId& agent,
                                           const std::string& key_ciphertext,
                                           const std::string& key_lookup_hash) {
  return write<void>([&](Connection& c) {
    return require_changed(execute(c,
                                   "UPDATE agents SET key_ciphertext = ?, key_lookup_hash = ? "
                                   "WHERE tenant_id = ? AND id = ?",
                                   key_ciphertext, key_lookup_hash, tenant, agent),
                           agent_not_found());
  });
}

Result<void> SqliteStore::update_agent_state(const TenantId& tenant, const AgentId& agent,
                                             const AgentStateUpdate& update) {
  std::optional<std::string_view> status;
  if (update.status) status = to_string(*update.status);
  std::optional<std::int64_t> max_concurrent;
  if (update.max_concurrent) max_concurrent = *update.max_concurrent;
  return write<void>([&](Connection& c) {
    return require_changed(
        execute(c,
                "UPDATE agents SET status = COALESCE(?, status), "
                "last_heartbeat_at = COALESCE(?, last_heartbeat_at), "
                "metrics = COALESCE(?, metrics), manifest = COALESCE(?, manifest), "
                "manifest_summary = COALESCE(?, manifest_summary), "
                "max_concurrent = COALESCE(?, max_concurrent) "
                "WHERE tenant_id = ? AND id = ?",
                status, update.last_heartbeat_at, encode_if(update.metrics, encode_metrics),
                encode_if(update.manifest, encode_string_list), update.manifest_summary,
                max_concurrent, tenant, agent),
        agent_not_found());
  });
}

Result<std::int64_t> SqliteStore::count_agents(const TenantId& tenant) {
  return read<std::int64_t>([&](Connection& c) {
    return query_int64(c, "SELECT count(*) FROM agents WHERE tenant_id = ?", tenant);
  });
}

Result<std::int64_t> SqliteStore::mark_all_agents_offline() {
  return write<std::int64_t>([&](Connection& c) {
    // System-wide by design: at start-up no agent of any tenant is connected.
    return execute(c, "UPDATE agents SET status = 'offline' WHERE status <> 'offline'");
  });
}

}  // namespace scriptmesh::store
