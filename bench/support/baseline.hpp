// The baselines the figures are printed beside: the same script run directly
// by the benchmark process with posix_spawn, without any ScriptMesh in the
// way. stdin is /dev/null; the environment is as small as the agent's.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace scriptmesh::bench {

// posix_spawn + waitpid of `script` in a tight loop, stdout and stderr to
// /dev/null, `count` times; answers each run's duration in seconds. Throws
// BenchError when a run does not exit 0.
std::vector<double> spawn_loop(const std::filesystem::path& script, int count);

struct PipeRun {
  std::int64_t bytes = 0;
  double seconds = 0;
};

// Spawns `script` with stdout into a pipe that this process reads and
// discards (as `script | cat >/dev/null` would), until it exits.
PipeRun spawn_to_pipe(const std::filesystem::path& script);

// Seconds since `start` on the monotonic clock.
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace scriptmesh::bench
