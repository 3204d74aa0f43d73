#include "scriptmesh/heartbeat_history.hpp"

#include <algorithm>

namespace scriptmesh {

HeartbeatHistory::HeartbeatHistory(std::size_t capacity)
    : capacity_(std::max<std::size_t>(1, capacity)) {}

void HeartbeatHistory::record(const TenantId& tenant, const AgentId& agent,
                              HeartbeatSample sample) {
  std::lock_guard lock(mu_);
  auto& samples = samples_[Key(tenant.str(), agent.str())];
  samples.push_back(sample);
  while (samples.size() > capacity_)
    samples.pop_front();
}

std::vector<HeartbeatSample> HeartbeatHistory::samples(const TenantId& tenant,
                                                       const AgentId& agent) const {
  std::lock_guard lock(mu_);
  auto it = samples_.find(Key(tenant.str(), agent.str()));
  if (it == samples_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void HeartbeatHistory::forget(const TenantId& tenant, const AgentId& agent) {
  std::lock_guard lock(mu_);
  samples_.erase(Key(tenant.str(), agent.str()));
}

}  // namespace scriptmesh
