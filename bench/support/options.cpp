#include "support/options.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace scriptmesh::bench {

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--orchestrator", options.orchestrator_bin, "scriptmesh-orchestrator binary")
      ->capture_default_str();
  app.add_option("--agent", options.agent_bin, "scriptmesh-agent binary")->capture_default_str();
  app.add_option("--sqlite-synchronous", options.sqlite_synchronous,
                 "the orchestrator's sqlite_synchronous setting (full or normal)")
      ->capture_default_str();
  app.add_flag("--keep-temp", options.keep_temp,
               "keep the temp directory (data dir, logs) after the run");
}

ClusterOptions cluster_options(const CommonOptions& options, const std::string& name) {
  ClusterOptions out;
  out.name = name;
  out.orchestrator_bin = options.orchestrator_bin;
  out.agent_bin = options.agent_bin;
  out.settings["sqlite_synchronous"] = options.sqlite_synchronous;
  out.keep_temp = options.keep_temp;
  return out;
}

long raise_fd_limit(long wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < static_cast<rlim_t>(wanted)) {
    limit.rlim_cur = std::min(static_cast<rlim_t>(wanted), limit.rlim_max);
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
    (void)::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<long>(limit.rlim_cur);
}

}  // namespace scriptmesh::bench
