// Flags every benchmark takes: where the binaries are, how durable SQLite
// is, whether to keep the temp directory. The binaries default to the ones
// built next to the benchmark.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "support/cluster.hpp"

namespace scriptmesh::bench {

struct CommonOptions {
  std::string orchestrator_bin = SCRIPTMESH_BENCH_ORCHESTRATOR_BIN;
  std::string agent_bin = SCRIPTMESH_BENCH_AGENT_BIN;
  // The product default; "normal" shows what fsync-per-commit costs.
  std::string sqlite_synchronous = "full";
  bool keep_temp = false;
};

void add_common_options(CLI::App& app, CommonOptions& options);

// ClusterOptions for a run named `name` from the common flags.
ClusterOptions cluster_options(const CommonOptions& options, const std::string& name);

// Raises RLIMIT_NOFILE's soft limit to at least `wanted` (up to the hard
// limit); answers the soft limit now in force. Children inherit it.
long raise_fd_limit(long wanted);

}  // namespace scriptmesh::bench
