// Attaching and losing agent connections; leases for the jobs left behind.
#include <boost/json.hpp>
#include <functional>
#include <utility>

#include "core/agent/agent_hub_impl.hpp"
#include "scriptmesh/agents.hpp"

namespace scriptmesh {
namespace {

// Keeps the jobs an agent was running until it returns or the lease runs
// out. mu_ held by the caller.
void lease_jobs(std::unordered_map<std::string, hub::Lease>& leases, const std::string& key,
                hub::LiveAgent& gone, MonoTime expires) {
  if (gone.in_flight.empty()) return;
  hub::Lease& lease = leases[key];
  lease.tenant = gone.tenant;
  lease.agent = gone.agent;
  lease.expires = expires;
  lease.jobs.merge(gone.in_flight);
  for (const std::string& job : gone.cancel_requested) {
    if (lease.jobs.contains(job)) lease.cancel_requested.insert(job);
  }
}

hub::SessionView view_from(const std::string& key, const hub::LiveAgent& live) {
  return {key, live.tenant, live.agent, live.name, live.connection, live.hello_done};
}

}  // namespace

std::mutex& AgentHub::Impl::status_lock(const std::string& key) {
  return status_mu_[std::hash<std::string>{}(key) % status_mu_.size()];
}

Result<AgentSessionId> AgentHub::Impl::attach(std::string_view agent_key,
                                              std::shared_ptr<AgentConnection> connection) {
  Result<AgentRecord> agent = authenticate_agent_key(store_, agent_key);
  if (!agent.ok()) {
    logger_.warn("agent connection refused", {{"code", agent.error().code()}});
    return std::move(agent).error();
  }
  const std::string key = hub::agent_key(agent->tenant_id, agent->id);
  hub::LiveAgent fresh;
  fresh.tenant = agent->tenant_id;
  fresh.agent = agent->id;
  fresh.name = agent->name;
  fresh.connection = std::move(connection);
  fresh.last_seen = clock_.monotonic_now();
  AgentSessionId id = 0;
  std::optional<hub::LiveAgent> replaced;
  {
    std::lock_guard lock(mu_);
    id = next_session_++;
    fresh.session = id;
    auto it = live_.find(key);
    if (it != live_.end()) {
      replaced = std::move(it->second);
      sessions_.erase(replaced->session);
      lease_jobs(leases_, key, *replaced,
                 fresh.last_seen + std::chrono::seconds(options_.lease_timeout_sec));
      live_.erase(it);
    }
    sessions_.emplace(id, key);
    live_.emplace(key, std::move(fresh));
  }
  if (replaced) {
    // The agent reconnected before its old socket was noticed as dead.
    replaced->connection->close("replaced");
    if (replaced->hello_done) mark_offline(view_from(key, *replaced), "replaced");
  }
  logger_.info("agent attached", {{"agent_id", agent->id.str()}, {"session", id}});
  return id;
}

void AgentHub::Impl::detach(AgentSessionId session) {
  drop_session(session, "disconnected", false);
}

void AgentHub::Impl::disconnect_agent(const TenantId& tenant, const AgentId& agent) {
  std::optional<AgentSessionId> session;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(hub::agent_key(tenant, agent));
    if (it != live_.end()) session = it->second.session;
  }
  if (session) drop_session(*session, "agent_key_revoked", true);
}

void AgentHub::Impl::drop_session(AgentSessionId session, std::string_view reason, bool close) {
  std::optional<hub::LiveAgent> gone;
  std::string key;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session);
    if (it == sessions_.end()) return;
    key = it->second;
    sessions_.erase(it);
    auto live = live_.find(key);
    if (live == live_.end()) return;
    gone = std::move(live->second);
    live_.erase(live);
    lease_jobs(leases_, key, *gone,
               clock_.monotonic_now() + std::chrono::seconds(options_.lease_timeout_sec));
  }
  if (close) gone->connection->close(reason);
  logger_.info(
      "agent detached",
      {{"agent_id", gone->agent.str()}, {"session", session}, {"reason", std::string(reason)}});
  if (gone->hello_done) mark_offline(view_from(key, *gone), reason);
}

void AgentHub::Impl::refuse(AgentSessionId session, const hub::SessionView& view,
                            std::string_view reason) {
  logger_.warn("agent message refused; closing the connection",
               {{"agent_id", view.agent.str()}, {"reason", std::string(reason)}});
  drop_session(session, reason, true);
}

std::optional<hub::SessionView> AgentHub::Impl::view_of(AgentSessionId session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return std::nullopt;
  auto live = live_.find(it->second);
  if (live == live_.end()) return std::nullopt;
  live->second.last_seen = clock_.monotonic_now();
  return view_from(it->second, live->second);
}

bool AgentHub::Impl::is_current(AgentSessionId session, const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session);
  return it != sessions_.end() && it->second == key;
}

void AgentHub::Impl::mark_offline(const hub::SessionView& view, std::string_view reason) {
  std::optional<EventRecord> event;
  {
    std::lock_guard status(status_lock(view.key));
    event = mark_offline_locked(view, reason);
  }
  if (event) events_.publish(*event);
}

std::optional<EventRecord> AgentHub::Impl::mark_offline_locked(const hub::SessionView& view,
                                                               std::string_view reason) {
  bool announce = false;
  {
    std::lock_guard lock(mu_);
    auto it = live_.find(view.key);
    if (it != live_.end() && it->second.hello_done) return std::nullopt;  // already back
    announce = announced_online_.erase(view.key) > 0;
  }
  AgentStateUpdate update;
  update.status = AgentStatus::kOffline;
  Result<void> stored = store_.update_agent_state(view.tenant, view.agent, update);
  // A deleted agent has no row to update; its offline event is still history.
  if (!stored.ok() && stored.error().category() != ErrorCategory::kNotFound) {
    logger_.error("agent status not stored; will retry",
                  {{"agent_id", view.agent.str()}, {"error", stored.error().to_string()}});
    std::lock_guard lock(mu_);
    offline_retry_.insert_or_assign(view.key, std::make_pair(view, std::string(reason)));
  }
  if (!announce) return std::nullopt;
  boost::json::object data{
      {"agent_id", view.agent.str()}, {"name", view.name}, {"reason", std::string(reason)}};
  return append_agent_event(view.tenant, kEventAgentOffline, view.agent,
                            boost::json::serialize(data));
}

}  // namespace scriptmesh
