// The process_* metrics of the standard Prometheus client libraries, read
// from /proc (Linux). Each value is optional: one that cannot be read (no
// /proc, a format surprise) is left out of the output rather than guessed.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace scriptmesh::metrics_detail {

struct ProcessStats {
  std::optional<double> cpu_seconds;         // user + system CPU time
  std::optional<double> resident_bytes;      // resident set size
  std::optional<double> virtual_bytes;       // virtual memory size
  std::optional<double> start_time_seconds;  // process start, Unix seconds
  std::optional<double> open_fds;            // entries in <proc>/self/fd
  std::optional<double> max_fds;             // soft RLIMIT_NOFILE
};

// Reads <proc_root>/self/stat, <proc_root>/stat, <proc_root>/self/limits and
// <proc_root>/self/fd.
ProcessStats read_process_stats(const std::string& proc_root);

// Appends the families of `stats` (HELP, TYPE, one sample) in exposition format.
void append_process_metrics(std::string& out, const ProcessStats& stats);

// The names append_process_metrics() may write, for the registry's name check.
std::span<const std::string_view> process_metric_names();

}  // namespace scriptmesh::metrics_detail
