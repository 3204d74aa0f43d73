#include "core/metrics/process_metrics.hpp"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/metrics/exposition.hpp"

namespace scriptmesh::metrics_detail {
namespace {

constexpr std::array<std::string_view, 6> kNames = {"process_cpu_seconds_total",
                                                    "process_resident_memory_bytes",
                                                    "process_virtual_memory_bytes",
                                                    "process_start_time_seconds",
                                                    "process_open_fds",
                                                    "process_max_fds"};

// Fields of /proc/<pid>/stat, counted from 1 as in proc(5).
constexpr std::size_t kUtimeField = 14;
constexpr std::size_t kStimeField = 15;
constexpr std::size_t kStartTimeField = 22;
constexpr std::size_t kVsizeField = 23;
constexpr std::size_t kRssField = 24;
// Field 3 (state) is the first after the ")" that ends the command name.
constexpr std::size_t kFirstFieldAfterComm = 3;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<double> to_number(const std::string& text) {
  std::size_t used = 0;
  try {
    double value = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Fields 3.. of /proc/self/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and ")", so the split starts after
// the last ")".
std::vector<std::string> stat_fields(const std::string& text) {
  std::vector<std::string> fields;
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream in(text.substr(close + 1));
  for (std::string f; in >> f;)
    fields.push_back(std::move(f));
  return fields;
}

std::optional<double> stat_field(const std::vector<std::string>& fields, std::size_t number) {
  const std::size_t i = number - kFirstFieldAfterComm;
  if (i >= fields.size()) return std::nullopt;
  return to_number(fields[i]);
}

// Boot time in Unix seconds: the "btime" line of /proc/stat.
std::optional<double> boot_time(const std::string& proc_root) {
  auto text = read_file(proc_root + "/stat");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("btime ")) return to_number(line.substr(6));
  }
  return std::nullopt;
}

// The soft limit on the "Max open files" line of /proc/self/limits;
// "unlimited" has no number to report.
std::optional<double> max_open_files(const std::string& proc_root) {
  constexpr std::string_view kPrefix = "Max open files";
  auto text = read_file(proc_root + "/self/limits");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(kPrefix)) continue;
    std::istringstream fields(line.substr(kPrefix.size()));
    std::string soft;
    fields >> soft;
    return to_number(soft);
  }
  return std::nullopt;
}

std::optional<double> open_fds(const std::string& proc_root) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc_root + "/self/fd", ec);
  if (ec) return std::nullopt;
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++count;
  }
  return count;
}

void append_one(std::string& out, std::string_view name, std::string_view help, MetricType type,
                const std::optional<double>& value) {
  if (!value) return;
  append_header(out, name, help, type);
  append_sample(out, name, {}, {}, nullptr, *value);
}

}  // namespace

ProcessStats read_process_stats(const std::string& proc_root) {
  ProcessStats stats;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (auto text = read_file(proc_root + "/self/stat"); text && ticks_per_second > 0) {
    const auto fields = stat_fields(*text);
    const auto utime = stat_field(fields, kUtimeField);
    const auto stime = stat_field(fields, kStimeField);
    if (utime && stime)
      stats.cpu_seconds = (*utime + *stime) / static_cast<double>(ticks_per_second);
    stats.virtual_bytes = stat_field(fields, kVsizeField);
    if (auto rss = stat_field(fields, kRssField); rss && page_size > 0) {
      stats.resident_bytes = *rss * static_cast<double>(page_size);
    }
    const auto start_ticks = stat_field(fields, kStartTimeField);
    const auto boot = boot_time(proc_root);
    if (start_ticks && boot) {
      stats.start_time_seconds = *boot + *start_ticks / static_cast<double>(ticks_per_second);
    }
  }
  stats.open_fds = open_fds(proc_root);
  stats.max_fds = max_open_files(proc_root);
  return stats;
}

void append_process_metrics(std::string& out, const ProcessStats& stats) {
  append_one(out, kNames[0], "Total user and system CPU time spent, in seconds.",
             MetricType::kCounter, stats.cpu_seconds);
  append_one(out, kNames[1], "Resident memory size, in bytes.", MetricType::kGauge,
             stats.resident_bytes);
  append_one(out, kNames[2], "Virtual memory size, in bytes.", MetricType::kGauge,
             stats.virtual_bytes);
  append_one(out, kNames[3], "Start time of the process since the Unix epoch, in seconds.",
             MetricType::kGauge, stats.start_time_seconds);
  append_one(out, kNames[4], "Number of open file descriptors.", MetricType::kGauge,
             stats.open_fds);
  append_one(out, kNames[5], "Maximum number of open file descriptors.", MetricType::kGauge,
             stats.max_fds);
}

std::span<const std::string_view> process_metric_names() {
  return kNames;
}

}  // namespace scriptmesh::metrics_detail
