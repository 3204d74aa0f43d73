// JobService::ManifestCache: the parsed manifest summary of each agent a
// trigger was checked against, reused while the agent's summary text stays
// the same (a hello with a new manifest changes the text, which misses).
//
// Thread safety: one mutex guards the map; parsing happens outside it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "scriptmesh/jobs.hpp"
#include "scriptmesh/manifest.hpp"

namespace scriptmesh {

class JobService::ManifestCache {
 public:
  using Scripts = std::map<std::string, ScriptSpec>;

  // The scripts of `agent`'s manifest_summary (which must not be empty).
  // Errors: invalid_argument "invalid_manifest" for a summary that does not
  // parse (the agent sent it, so it should).
  [[nodiscard]] Result<std::shared_ptr<const Scripts>> get(const AgentRecord& agent);

 private:
  struct Entry {
    std::string summary;
    std::shared_ptr<const Scripts> scripts;
  };
  // Cleared rather than evicted one by one when full: it refills at once.
  static constexpr std::size_t kMaxEntries = 4096;

  std::mutex mu_;
  std::unordered_map<std::string, Entry> by_agent_;  // guarded by mu_
};

}  // namespace scriptmesh
