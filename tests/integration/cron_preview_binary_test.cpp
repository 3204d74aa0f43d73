// scriptmesh-orchestrator cron preview, run as an operator would: one RFC
// 3339 UTC time per line, and the API's message with a non-zero exit for an
// invalid expression.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "scriptmesh/cron.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

Run cron_preview(const std::vector<std::string>& args) {
  testing::TempDir dir;
  std::vector<std::string> argv = {SCRIPTMESH_ORCHESTRATOR_BIN, "cron", "preview"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, {}, dir.path(), "cron");
  auto status = child.wait_exit(30s);
  REQUIRE(status);
  return Run{*status, child.stdout_text(), child.stderr_text()};
}

TEST_CASE("cron preview binary: prints the next runs one per line") {
  struct Case {
    std::vector<std::string> args;
    std::string out;
  };
  const Case cases[] = {
      // New York springs forward: 02:30 does not exist, one run at the jump.
      {{"--expr", "30 2 * * *", "--tz", "America/New_York", "--from", "2026-03-07T12:00:00Z",
        "--count", "3"},
       "2026-03-08T07:00:00Z\n2026-03-09T06:30:00Z\n2026-03-10T06:30:00Z\n"},
      // Falls back: a wildcard schedule runs in both passes of 01:xx.
      {{"--expr", "*/30 1 * * *", "--tz", "America/New_York", "--from", "2026-11-01T04:00:00Z",
        "--count", "4"},
       "2026-11-01T05:00:00Z\n2026-11-01T05:30:00Z\n2026-11-01T06:00:00Z\n"
       "2026-11-01T06:30:00Z\n"},
      // Sao Paulo 2018: local midnight of 4 November does not exist.
      {{"--expr", "@daily", "--tz", "America/Sao_Paulo", "--from", "2018-11-03T12:00:00Z",
        "--count", "2"},
       "2018-11-04T03:00:00Z\n2018-11-05T02:00:00Z\n"},
      // Default count is 5; leap days.
      {{"--expr", "0 0 29 FEB *", "--tz", "UTC", "--from", "2026-01-01T00:00:00Z"},
       "2028-02-29T00:00:00Z\n2032-02-29T00:00:00Z\n2036-02-29T00:00:00Z\n"
       "2040-02-29T00:00:00Z\n2044-02-29T00:00:00Z\n"},
  };
  for (const Case& c : cases) {
    INFO(c.args[1]);
    const Run run = cron_preview(c.args);
    INFO(run.err);
    CHECK(run.status == 0);
    CHECK(run.out == c.out);
  }
}

TEST_CASE("cron preview binary: without --from it starts now") {
  const Run run = cron_preview({"--expr", "* * * * *", "--tz", "Europe/Berlin", "--count", "2"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  REQUIRE(run.out.size() == 2 * std::string("2026-03-08T07:00:00Z\n").size());
  CHECK(run.out.substr(16, 4) == ":00Z");
}

TEST_CASE("cron preview binary: an invalid expression exits non-zero with the API's message") {
  const Run run = cron_preview({"--expr", "0 0 30 2 *", "--tz", "UTC"});
  CHECK(run.status != 0);
  CHECK(run.out.empty());
  auto parsed = parse_cron("0 0 30 2 *");
  REQUIRE_FALSE(parsed.ok());
  CHECK(run.err == "error: invalid_cron: " + parsed.error().message() + "\n");
  CHECK(run.err.find("day-of-month: ") != std::string::npos);
}

TEST_CASE("cron preview binary: bad zone, time and count are refused") {
  struct Case {
    std::vector<std::string> args;
    std::string fragment;
  };
  const Case cases[] = {
      {{"--expr", "* * * * *", "--tz", "Mars/Olympus_Mons"}, "invalid_timezone"},
      {{"--expr", "* * * * *", "--tz", "UTC", "--from", "tomorrow"}, "invalid_time"},
      {{"--expr", "* * * * *", "--tz", "UTC", "--from", "9999-01-01T00:00:00Z"}, "invalid_time"},
      {{"--expr", "* * * * *", "--tz", "UTC", "--count", "0"}, "invalid_count"},
      {{"--expr", "@reboot", "--tz", "UTC"}, "@reboot is not supported"},
      {{"--tz", "UTC"}, "--expr"},
  };
  for (const Case& c : cases) {
    const Run run = cron_preview(c.args);
    INFO(run.err);
    CHECK(run.status != 0);
    CHECK(run.out.empty());
    CHECK(run.err.find(c.fragment) != std::string::npos);
  }
}

}  // namespace
}  // namespace scriptmesh
