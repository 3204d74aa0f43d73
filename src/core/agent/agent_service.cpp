#include "scriptmesh/agents.hpp"

#include <algorithm>
#include <utility>

#include "core/agent/agent_input.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/hash.hpp"
#include "scriptmesh/plans.hpp"
#include "scriptmesh/random.hpp"

namespace scriptmesh {
namespace {

// 32 random bytes in unpadded base64url.
constexpr std::size_t kKeySecretChars = 43;

Error invalid_agent_key() {
  return Error::unauthenticated("invalid_agent_key", "the agent key is not valid");
}

bool is_base64url_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Result<void> may_read(const Principal& caller) {
  return authorize(caller, UserRole::kMember, kScopeAgentsRead);
}
Result<void> may_write(const Principal& caller) {
  return authorize(caller, UserRole::kAdmin, kScopeAgentsWrite);
}

std::string new_agent_key() {
  return std::string(kAgentKeyPrefix) + random_token(32);
}

}  // namespace

AgentView to_agent_view(const AgentRecord& record) {
  AgentView v;
  v.id = record.id;
  v.name = record.name;
  v.tags = record.tags;
  v.status = record.status;
  v.last_heartbeat_at = record.last_heartbeat_at;
  v.metrics = record.metrics;
  v.manifest = record.manifest;
  v.manifest_summary = record.manifest_summary;
  v.max_concurrent = record.max_concurrent;
  v.created_at = record.created_at;
  return v;
}

bool looks_like_agent_key(std::string_view key) noexcept {
  if (!key.starts_with(kAgentKeyPrefix)) return false;
  const std::string_view secret = key.substr(kAgentKeyPrefix.size());
  return secret.size() == kKeySecretChars &&
         std::all_of(secret.begin(), secret.end(), is_base64url_char);
}

Result<AgentRecord> authenticate_agent_key(Store& store, std::string_view key) {
  if (!looks_like_agent_key(key)) return invalid_agent_key();
  const std::string hash = sha256_hex(key);
  Result<AgentRecord> agent = store.find_agent_by_key_lookup(hash);
  if (!agent.ok()) {
    if (agent.error().category() == ErrorCategory::kNotFound) return invalid_agent_key();
    return std::move(agent).error();
  }
  // The lookup already matched on the hash; comparing again in constant time
  // guards against a store whose index compares loosely (collation, case).
  if (!constant_time_equal(agent->key_lookup_hash, hash)) return invalid_agent_key();
  return agent;
}

AgentService::AgentService(Store& store, Clock& clock, const FernetKeyring& keyring, AgentHub* hub)
    : store_(store), clock_(clock), keyring_(keyring), hub_(hub) {}

Result<CreatedAgent> AgentService::create(const Principal& caller,
                                          const AgentCreateRequest& request) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  Result<std::string> name = agents::validate_agent_name(request.name);
  if (!name.ok()) return std::move(name).error();
  Result<std::vector<std::string>> tags = agents::validate_tags(request.tags);
  if (!tags.ok()) return std::move(tags).error();
  SCRIPTMESH_RETURN_IF_ERROR(PlanLimiter(store_).check_can_add_agent(caller.tenant_id));

  CreatedAgent created;
  created.key = new_agent_key();
  const WallTime now = clock_.now();
  AgentRecord record;
  record.id = AgentId(new_id("agt"));
  record.tenant_id = caller.tenant_id;
  record.name = std::move(name).value();
  record.tags = std::move(tags).value();
  record.key_ciphertext = keyring_.encrypt(created.key, now);
  record.key_lookup_hash = sha256_hex(created.key);
  record.status = AgentStatus::kOffline;
  record.created_at = now;
  SCRIPTMESH_RETURN_IF_ERROR(store_.insert_agent(caller.tenant_id, record));
  created.agent = to_agent_view(record);
  return created;
}

Result<std::vector<AgentView>> AgentService::list(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  Result<std::vector<AgentRecord>> records = store_.list_agents(caller.tenant_id);
  if (!records.ok()) return std::move(records).error();
  std::vector<AgentView> out;
  out.reserve(records->size());
  for (const AgentRecord& r : *records)
    out.push_back(to_agent_view(r));
  return out;
}

Result<AgentView> AgentService::get(const Principal& caller, const AgentId& agent) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  Result<AgentRecord> record = store_.get_agent(caller.tenant_id, agent);
  if (!record.ok()) return std::move(record).error();
  return to_agent_view(*record);
}

Result<std::vector<HeartbeatSample>> AgentService::heartbeat_history(const Principal& caller,
                                                                     const AgentId& agent) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  Result<AgentRecord> record = store_.get_agent(caller.tenant_id, agent);
  if (!record.ok()) return std::move(record).error();
  if (hub_ == nullptr) return std::vector<HeartbeatSample>{};
  return hub_->heartbeat_history().samples(caller.tenant_id, agent);
}

Result<AgentView> AgentService::update(const Principal& caller, const AgentId& agent,
                                       const AgentUpdate& update) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  AgentUpdate checked;
  if (update.name) {
    Result<std::string> name = agents::validate_agent_name(*update.name);
    if (!name.ok()) return std::move(name).error();
    checked.name = std::move(name).value();
  }
  if (update.tags) {
    Result<std::vector<std::string>> tags = agents::validate_tags(*update.tags);
    if (!tags.ok()) return std::move(tags).error();
    checked.tags = std::move(tags).value();
  }
  SCRIPTMESH_RETURN_IF_ERROR(store_.update_agent(caller.tenant_id, agent, checked));
  return get(caller, agent);
}

Result<void> AgentService::remove(const Principal& caller, const AgentId& agent) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  SCRIPTMESH_RETURN_IF_ERROR(store_.delete_agent(caller.tenant_id, agent));
  if (hub_ != nullptr) {
    hub_->disconnect_agent(caller.tenant_id, agent);
    hub_->heartbeat_history().forget(caller.tenant_id, agent);
  }
  return ok_result();
}

Result<std::string> AgentService::rotate_key(const Principal& caller, const AgentId& agent) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  std::string key = new_agent_key();
  SCRIPTMESH_RETURN_IF_ERROR(store_.update_agent_key(
      caller.tenant_id, agent, keyring_.encrypt(key, clock_.now()), sha256_hex(key)));
  // After the store: a reconnect racing with this close already needs the new key.
  if (hub_ != nullptr) hub_->disconnect_agent(caller.tenant_id, agent);
  return key;
}

Result<AgentRecord> AgentService::authenticate(std::string_view key) {
  Result<AgentRecord> agent = authenticate_agent_key(store_, key);
  if (!agent.ok()) return agent;
  Result<std::string> stored = keyring_.decrypt(agent->key_ciphertext, clock_.now());
  if (!stored.ok() || !constant_time_equal(*stored, key)) return invalid_agent_key();
  return agent;
}

}  // namespace scriptmesh
