// The recent heartbeats of each agent, for the dashboard's CPU / memory /
// disk sparklines (GET /v1/agents/{id}/metrics).
//
// Bounded: the last `capacity` samples per agent (60 by default, an hour at
// the default heartbeat interval), and agents are forgotten when deleted.
// Kept in memory only: the figures are for display, so after a restart the
// history starts again from the next heartbeat, while the latest figures
// stay in the store with the agent (AgentView::metrics).
//
// Keys are (tenant, agent), so a reader that names another tenant's agent
// gets nothing; AgentService checks the agent exists in the caller's tenant
// before asking.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

struct HeartbeatSample {
  WallTime at;           // when the orchestrator received it
  AgentMetrics metrics;  // the agent's figures
};

class HeartbeatHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = 60;

  explicit HeartbeatHistory(std::size_t capacity = kDefaultCapacity);

  // Appends a sample, dropping the oldest beyond the capacity.
  void record(const TenantId& tenant, const AgentId& agent, HeartbeatSample sample);
  // The agent's samples, oldest first; empty when none were recorded.
  std::vector<HeartbeatSample> samples(const TenantId& tenant, const AgentId& agent) const;
  // Drops the agent's samples (it was deleted).
  void forget(const TenantId& tenant, const AgentId& agent);

  std::size_t capacity() const noexcept { return capacity_; }

 private:
  using Key = std::pair<std::string, std::string>;  // (tenant, agent)

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::map<Key, std::deque<HeartbeatSample>> samples_;  // guarded by mu_
};

}  // namespace scriptmesh
