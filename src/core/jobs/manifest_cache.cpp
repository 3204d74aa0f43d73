#include "core/jobs/manifest_cache.hpp"

#include <utility>

namespace scriptmesh {

Result<std::shared_ptr<const JobService::ManifestCache::Scripts>> JobService::ManifestCache::get(
    const AgentRecord& agent) {
  const std::string key = agent.tenant_id.str() + '\n' + agent.id.str();
  {
    std::lock_guard lock(mu_);
    auto it = by_agent_.find(key);
    if (it != by_agent_.end() && it->second.summary == agent.manifest_summary) {
      return it->second.scripts;
    }
  }
  // The hub checked every pattern at hello; validate_params() compiles the few
  // a trigger uses.
  Result<Scripts> parsed =
      parse_manifest_summary(agent.manifest_summary, {.check_patterns = false});
  if (!parsed.ok()) return std::move(parsed).error();
  auto scripts = std::make_shared<const Scripts>(std::move(parsed).value());
  std::lock_guard lock(mu_);
  if (by_agent_.size() >= kMaxEntries) by_agent_.clear();
  by_agent_[key] = Entry{agent.manifest_summary, scripts};
  return scripts;
}

}  // namespace scriptmesh
