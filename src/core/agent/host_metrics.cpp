#include "core/agent/host_metrics.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

namespace scriptmesh::agent {
namespace {

// /proc files are a few KiB; a fixture or a broken mount gets no more.
constexpr std::size_t kMaxProcFileBytes = 1024 * 1024;

Error unreadable(const std::string& what, int err) {
  return Error::unavailable("metrics_unreadable", what + ": " + std::strerror(err));
}

Error malformed(const std::string& path, const std::string& what) {
  return Error::internal("metrics_malformed", path + ": " + what);
}

Result<std::string> read_proc_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(path, errno);
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxProcFileBytes) return malformed(path, "too large");
  }
  return text;
}

double percent(double part, double whole) {
  if (!(whole > 0)) return 0;
  double p = part / whole * 100.0;
  return std::clamp(p, 0.0, 100.0);
}

// The value of "Name:   123 kB" in /proc/meminfo, in kB.
std::optional<std::uint64_t> meminfo_value(const std::string& text, std::string_view name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() <= name.size() || line.compare(0, name.size(), name) != 0 ||
        line[name.size()] != ':') {
      continue;
    }
    std::istringstream fields(line.substr(name.size() + 1));
    std::uint64_t value = 0;
    if (fields >> value) return value;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

HostMetrics::HostMetrics(HostMetricsOptions options) : options_(std::move(options)) {}

Result<CpuTimes> HostMetrics::read_cpu_times() const {
  const std::string path = options_.proc_root + "/stat";
  auto text = read_proc_file(path);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  std::istringstream in(*text);
  std::string label;
  in >> label;
  if (label != "cpu") return malformed(path, "does not start with the aggregate cpu line");
  // user nice system idle iowait irq softirq steal; older kernels stop early,
  // guest and guest_nice (already counted in user and nice) are ignored.
  std::uint64_t fields[8] = {};
  int count = 0;
  while (count < 8 && in.peek() != '\n' && in >> fields[count])
    ++count;
  if (count < 4) return malformed(path, "the cpu line has fewer than 4 counters");
  CpuTimes times;
  for (int i = 0; i < count; ++i)
    times.total += fields[i];
  times.idle = fields[3] + fields[4];
  return times;
}

Result<double> HostMetrics::read_mem_percent() const {
  const std::string path = options_.proc_root + "/meminfo";
  auto text = read_proc_file(path);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  auto total = meminfo_value(*text, "MemTotal");
  auto available = meminfo_value(*text, "MemAvailable");
  if (!total || !available) return malformed(path, "lacks MemTotal or MemAvailable");
  if (*total == 0) return malformed(path, "MemTotal is 0");
  double used = *available > *total ? 0.0 : static_cast<double>(*total - *available);
  return percent(used, static_cast<double>(*total));
}

Result<double> HostMetrics::read_disk_percent() const {
  struct statvfs st {};
  if (::statvfs(options_.disk_path.c_str(), &st) != 0) {
    return unreadable("statvfs " + options_.disk_path, errno);
  }
  const double block = static_cast<double>(st.f_frsize);
  const double used = static_cast<double>(st.f_blocks - st.f_bfree) * block;
  const double available = static_cast<double>(st.f_bavail) * block;
  return percent(used, used + available);
}

Result<std::int64_t> HostMetrics::read_uptime_sec() const {
  const std::string path = options_.proc_root + "/uptime";
  auto text = read_proc_file(path);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  std::istringstream in(*text);
  double seconds = 0;
  if (!(in >> seconds) || !(seconds >= 0) || !std::isfinite(seconds)) {
    return malformed(path, "does not start with a number of seconds");
  }
  return static_cast<std::int64_t>(seconds);
}

// Counters that went backwards (a fixture swapped, a counter wrapped) make the
// delta meaningless; fall back to the figure since boot.
double HostMetrics::cpu_percent_since(const CpuTimes& now) {
  CpuTimes base;
  if (previous_cpu_ && previous_cpu_->total <= now.total && previous_cpu_->idle <= now.idle) {
    base = *previous_cpu_;
  }
  previous_cpu_ = now;
  const std::uint64_t total = now.total - base.total;
  if (total == 0) return previous_cpu_percent_;
  const std::uint64_t idle = std::min(now.idle - base.idle, total);
  previous_cpu_percent_ = percent(static_cast<double>(total - idle), static_cast<double>(total));
  return previous_cpu_percent_;
}

Result<AgentMetrics> HostMetrics::sample() {
  AgentMetrics m;
  auto mem = read_mem_percent();
  SCRIPTMESH_RETURN_IF_ERROR(mem);
  m.mem_percent = *mem;
  auto disk = read_disk_percent();
  SCRIPTMESH_RETURN_IF_ERROR(disk);
  m.disk_percent = *disk;
  auto uptime = read_uptime_sec();
  SCRIPTMESH_RETURN_IF_ERROR(uptime);
  m.uptime_sec = *uptime;
  auto cpu = read_cpu_times();
  SCRIPTMESH_RETURN_IF_ERROR(cpu);
  std::lock_guard lock(mu_);
  m.cpu_percent = cpu_percent_since(*cpu);
  return m;
}

}  // namespace scriptmesh::agent
