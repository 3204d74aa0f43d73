#include "core/agent/host_metrics.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::agent {
namespace {

using testing::TempDir;

// A fake /proc with the three files HostMetrics reads.
class FakeProc {
 public:
  FakeProc() {
    set_stat("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\nintr 1 2 3\n");
    set_meminfo("MemTotal:        1000 kB\nMemFree:          100 kB\nMemAvailable:     250 kB\n");
    set_uptime("12345.67 100.00\n");
  }
  void set_stat(const std::string& text) { write("stat", text); }
  void set_meminfo(const std::string& text) { write("meminfo", text); }
  void set_uptime(const std::string& text) { write("uptime", text); }
  HostMetricsOptions options() const { return {dir_.path().string(), dir_.path().string()}; }

 private:
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::trunc) << text;
  }
  TempDir dir_;
};

TEST_CASE("host metrics: the first CPU figure is since boot, later ones are deltas") {
  FakeProc proc;
  HostMetrics metrics(proc.options());
  auto first = metrics.sample();
  REQUIRE_OK(first);
  CHECK(first->cpu_percent == doctest::Approx(20.0));  // 200 busy of 1000 ticks

  // +100 user, +100 iowait (idle), +50 steal, +250 idle: 150 busy of 500.
  proc.set_stat("cpu  200 0 100 1050 100 0 0 50 7 7\n");
  auto second = metrics.sample();
  REQUIRE_OK(second);
  CHECK(second->cpu_percent == doctest::Approx(30.0));

  // No tick passed: the previous figure stands.
  auto third = metrics.sample();
  REQUIRE_OK(third);
  CHECK(third->cpu_percent == doctest::Approx(30.0));

  // Counters that went backwards restart from boot figures.
  proc.set_stat("cpu  50 0 0 50 0 0 0 0 0 0\n");
  auto fourth = metrics.sample();
  REQUIRE_OK(fourth);
  CHECK(fourth->cpu_percent == doctest::Approx(50.0));
}

TEST_CASE("host metrics: memory is (MemTotal - MemAvailable) / MemTotal, uptime whole seconds") {
  FakeProc proc;
  HostMetrics metrics(proc.options());
  auto m = metrics.sample();
  REQUIRE_OK(m);
  CHECK(m->mem_percent == doctest::Approx(75.0));
  CHECK(m->uptime_sec == 12345);
  CHECK(m->disk_percent >= 0.0);
  CHECK(m->disk_percent <= 100.0);
}

TEST_CASE("host metrics: malformed and missing files are errors naming the file") {
  FakeProc proc;
  HostMetrics metrics(proc.options());
  proc.set_meminfo("MemTotal: 1000 kB\n");
  auto no_available = metrics.sample();
  CHECK_ERROR_CODE(no_available, "metrics_malformed");
  CHECK(no_available.error().message().find("meminfo") != std::string::npos);

  proc.set_meminfo("MemTotal: 1000 kB\nMemAvailable: 10 kB\n");
  proc.set_uptime("soon\n");
  CHECK_ERROR_CODE(metrics.sample(), "metrics_malformed");
  proc.set_uptime("1.5 0\n");
  proc.set_stat("intr 1 2\n");
  CHECK_ERROR_CODE(metrics.read_cpu_times(), "metrics_malformed");
  proc.set_stat("cpu  1 2\n");
  CHECK_ERROR_CODE(metrics.read_cpu_times(), "metrics_malformed");

  HostMetrics nowhere({"/nonexistent/proc", "/"});
  CHECK_ERROR_CODE(nowhere.sample(), "metrics_unreadable");
  HostMetrics no_disk({proc.options().proc_root, "/nonexistent/disk"});
  auto disk = no_disk.read_disk_percent();
  CHECK_ERROR_CODE(disk, "metrics_unreadable");
  CHECK(disk.error().message().find("/nonexistent/disk") != std::string::npos);
}

TEST_CASE("host metrics: the real /proc gives plausible figures") {
  HostMetrics metrics;
  auto first = metrics.sample();
  REQUIRE_OK(first);
  auto second = metrics.sample();
  REQUIRE_OK(second);
  for (const AgentMetrics& m : {*first, *second}) {
    CHECK(m.cpu_percent >= 0.0);
    CHECK(m.cpu_percent <= 100.0);
    CHECK(m.mem_percent > 0.0);
    CHECK(m.mem_percent < 100.0);
    CHECK(m.disk_percent > 0.0);
    CHECK(m.disk_percent <= 100.0);
    CHECK(m.uptime_sec > 0);
  }
  CHECK(second->uptime_sec >= first->uptime_sec);
}

}  // namespace
}  // namespace scriptmesh::agent
