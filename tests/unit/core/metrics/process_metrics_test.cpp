#include "core/metrics/process_metrics.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/metrics.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::metrics_detail {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A /proc with one process: the command name holds ") (" to prove the
// split happens after the last ")".
void write_fixture(const testing::TempDir& dir) {
  write_file(dir / "self/stat",
             "4242 (odd ) (name) S 1 4242 4242 0 -1 4194560 500 0 0 0 "
             "250 150 0 0 20 0 4 0 12345 104857600 2560 18446744073709551615\n");
  write_file(dir / "stat", "cpu  1 2 3 4\nintr 5\nbtime 1700000000\nprocesses 9\n");
  write_file(dir / "self/limits",
             "Limit                     Soft Limit           Hard Limit           Units     \n"
             "Max cpu time              unlimited            unlimited            seconds   \n"
             "Max open files            4096                 524288               files     \n");
  for (int fd = 0; fd < 5; ++fd)
    write_file(dir / "self/fd" / std::to_string(fd), "");
}

TEST_SUITE("metrics") {
  TEST_CASE("metrics: process stats are read from a /proc fixture") {
    testing::TempDir dir;
    write_fixture(dir);
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

    ProcessStats s = read_process_stats(dir.path().string());
    REQUIRE(s.cpu_seconds);
    CHECK(*s.cpu_seconds == doctest::Approx(400 / ticks));
    REQUIRE(s.virtual_bytes);
    CHECK(*s.virtual_bytes == 104857600);
    REQUIRE(s.resident_bytes);
    CHECK(*s.resident_bytes == 2560 * page);
    REQUIRE(s.start_time_seconds);
    CHECK(*s.start_time_seconds == doctest::Approx(1700000000 + 12345 / ticks));
    REQUIRE(s.open_fds);
    CHECK(*s.open_fds == 5);
    REQUIRE(s.max_fds);
    CHECK(*s.max_fds == 4096);

    std::string out;
    append_process_metrics(out, s);
    CHECK(out.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ") !=
          std::string::npos);
    CHECK(out.find("# TYPE process_virtual_memory_bytes gauge\n"
                   "process_virtual_memory_bytes 104857600\n") != std::string::npos);
    CHECK(out.find("# TYPE process_open_fds gauge\nprocess_open_fds 5\n") != std::string::npos);
    CHECK(out.find("# TYPE process_max_fds gauge\nprocess_max_fds 4096\n") != std::string::npos);
  }

  TEST_CASE("metrics: unreadable process values are left out, not guessed") {
    testing::TempDir dir;
    write_file(dir / "self/stat", "4242 (truncated) S 1 2 3\n");
    write_file(dir / "self/limits", "Max open files            unlimited            unlimited\n");
    ProcessStats s = read_process_stats(dir.path().string());
    CHECK_FALSE(s.cpu_seconds);
    CHECK_FALSE(s.resident_bytes);
    CHECK_FALSE(s.virtual_bytes);
    CHECK_FALSE(s.start_time_seconds);
    CHECK_FALSE(s.open_fds);
    CHECK_FALSE(s.max_fds);
    std::string out;
    append_process_metrics(out, s);
    CHECK(out.empty());

    ProcessStats none = read_process_stats((dir / "missing").string());
    CHECK_FALSE(none.cpu_seconds);
    CHECK_FALSE(none.open_fds);
  }

  TEST_CASE("metrics: this process's metrics are present and plausible") {
    MetricsRegistry registry({.process_metrics = true});
    const std::string text = registry.render();
    for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                             "process_virtual_memory_bytes", "process_start_time_seconds",
                             "process_open_fds", "process_max_fds"}) {
      CHECK_MESSAGE(text.find(std::string("\n") + name + " ") != std::string::npos, name);
    }

    ProcessStats s = read_process_stats("/proc");
    REQUIRE(s.resident_bytes);
    CHECK(*s.resident_bytes > 0);
    REQUIRE(s.virtual_bytes);
    CHECK(*s.virtual_bytes >= *s.resident_bytes);
    REQUIRE(s.cpu_seconds);
    CHECK(*s.cpu_seconds >= 0);
    REQUIRE(s.open_fds);
    CHECK(*s.open_fds >= 3);  // stdin, stdout, stderr at least
    REQUIRE(s.max_fds);
    CHECK(*s.max_fds >= *s.open_fds);
    REQUIRE(s.start_time_seconds);
    const double now = static_cast<double>(to_unix_seconds(system_clock().now()));
    CHECK(*s.start_time_seconds <= now + 1);
    CHECK(*s.start_time_seconds > now - 6 * 3600);
  }
}

}  // namespace
}  // namespace scriptmesh::metrics_detail
