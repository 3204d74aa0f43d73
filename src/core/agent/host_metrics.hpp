// HostMetrics: the figures an agent reports in each heartbeat.
//
//   cpu_percent   busy share of all CPUs between this sample and the previous
//                 one, from the aggregate "cpu" line of <proc>/stat (busy =
//                 total - idle - iowait; guest time is already in user). The
//                 first sample has no previous one and reports the average
//                 since boot. When no tick passed between two samples the
//                 previous figure is repeated.
//   mem_percent   (MemTotal - MemAvailable) / MemTotal * 100 from <proc>/meminfo.
//   disk_percent  statvfs of a path: used / (used + available to unprivileged
//                 users) * 100, as df computes Use% (without df's rounding up).
//   uptime_sec    the first figure of <proc>/uptime, whole seconds.
//
// The /proc root is injectable so tests can feed fixture files.
//
// Errors: unavailable "metrics_unreadable" (a file or statvfs cannot be
// read; the message names it) and internal "metrics_malformed" (a file does
// not have the expected shape).
//
// Thread safety: sample() may be called from any thread; calls are serialized.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::agent {

struct HostMetricsOptions {
  // Where procfs is mounted; tests point it at a directory of fixture files.
  std::string proc_root = "/proc";
  // The file system whose use disk_percent reports.
  std::string disk_path = "/";
};

// Cumulative CPU time counters of the aggregate "cpu" line, in ticks.
struct CpuTimes {
  std::uint64_t total = 0;  // user+nice+system+idle+iowait+irq+softirq+steal
  std::uint64_t idle = 0;   // idle+iowait
};

class HostMetrics {
 public:
  explicit HostMetrics(HostMetricsOptions options = {});

  // Reads every figure. Fails on the first that cannot be read; the CPU
  // baseline for the next call is updated only by a successful read of it.
  [[nodiscard]] Result<AgentMetrics> sample();

  // The individual readings, for callers (and tests) that want one figure.
  [[nodiscard]] Result<CpuTimes> read_cpu_times() const;
  [[nodiscard]] Result<double> read_mem_percent() const;
  [[nodiscard]] Result<double> read_disk_percent() const;
  [[nodiscard]] Result<std::int64_t> read_uptime_sec() const;

 private:
  double cpu_percent_since(const CpuTimes& now);  // requires mu_

  const HostMetricsOptions options_;
  std::mutex mu_;
  std::optional<CpuTimes> previous_cpu_;  // guarded by mu_
  double previous_cpu_percent_ = 0;       // guarded by mu_
};

}  // namespace scriptmesh::agent
