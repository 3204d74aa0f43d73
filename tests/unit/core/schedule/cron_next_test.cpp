// CronSchedule and next_runs(): zones, counts, the hand-checked daylight
// saving examples of docs/scheduling.md, and the edges of the search window.
// The bulk of the fire-time cases is the table in cron_table_test.cpp.
#include "scriptmesh/cron.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

WallTime at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE_OK(t);
  return *t;
}

// The next `count` runs as RFC 3339 text.
std::vector<std::string> runs(const char* expr, const char* tz, const char* from, int count) {
  auto parsed = parse_cron(expr);
  REQUIRE_OK(parsed);
  auto times = next_runs(*parsed, tz, at(from), count);
  REQUIRE_OK(times);
  std::vector<std::string> out;
  for (WallTime t : *times)
    out.push_back(format_rfc3339(t));
  return out;
}

using S = std::vector<std::string>;

TEST_CASE("cron next: the daylight saving examples of the docs, worked by hand") {
  // New York springs forward on 2026-03-08 at 02:00 EST (07:00Z) to 03:00
  // EDT. 02:30 does not exist: a fixed-time schedule runs once at the jump.
  CHECK(runs("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", 2) ==
        S{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"});
  // A wildcard schedule follows the wall clock: 01:30 EST, then 03:00 EDT.
  CHECK(runs("*/30 * * * *", "America/New_York", "2026-03-08T06:00:00Z", 3) ==
        S{"2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"});
  // Falls back on 2026-11-01 at 02:00 EDT (06:00Z) to 01:00 EST: 01:30
  // happens twice; a fixed-time schedule runs in the first pass only.
  CHECK(runs("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2) ==
        S{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"});
  // A wildcard schedule runs in both passes, in UTC order.
  CHECK(runs("*/30 1 * * *", "America/New_York", "2026-11-01T04:00:00Z", 4) ==
        S{"2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z",
          "2026-11-01T06:30:00Z"});
}

TEST_CASE("cron next: unknown zones are refused with invalid_timezone") {
  auto expr = parse_cron("* * * * *");
  REQUIRE_OK(expr);
  for (const std::string& tz :
       {std::string(""), std::string("Mars/Olympus_Mons"), std::string("../../etc/passwd"),
        std::string("utc "), std::string(100, 'A')}) {
    INFO("'", tz, "'");
    auto r = next_runs(*expr, tz, at("2026-01-01T00:00:00Z"), 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == "invalid_timezone");
    CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
    CHECK(r.error().message().starts_with("timezone: "));
    CHECK_ERROR_CODE(check_time_zone(tz), "invalid_timezone");
    CHECK_ERROR_CODE(CronSchedule::create(*expr, tz), "invalid_timezone");
  }
  CHECK_OK(check_time_zone("UTC"));
  CHECK_OK(check_time_zone("Europe/Berlin"));
  CHECK_OK(check_time_zone("Australia/Lord_Howe"));
}

TEST_CASE("cron next: count must be 1 to kMaxCronRuns") {
  auto expr = parse_cron("* * * * *");
  REQUIRE_OK(expr);
  CHECK_ERROR_CODE(next_runs(*expr, "UTC", at("2026-01-01T00:00:00Z"), 0), "invalid_count");
  CHECK_ERROR_CODE(next_runs(*expr, "UTC", at("2026-01-01T00:00:00Z"), -1), "invalid_count");
  CHECK_ERROR_CODE(next_runs(*expr, "UTC", at("2026-01-01T00:00:00Z"), kMaxCronRuns + 1),
                   "invalid_count");
  auto most = next_runs(*expr, "UTC", at("2026-01-01T00:00:00Z"), kMaxCronRuns);
  REQUIRE_OK(most);
  REQUIRE(most->size() == static_cast<std::size_t>(kMaxCronRuns));
  CHECK(format_rfc3339(most->back()) == "2026-01-01T16:40:00Z");
}

TEST_CASE("cron next: a schedule keeps its expression and zone") {
  auto expr = parse_cron("0 9 * * MON-FRI");
  REQUIRE_OK(expr);
  auto schedule = CronSchedule::create(*expr, "Europe/Berlin");
  REQUIRE_OK(schedule);
  CHECK(schedule->expr().text() == "0 9 * * MON-FRI");
  CHECK(schedule->time_zone() == "Europe/Berlin");
  auto next = schedule->next_after(at("2026-07-03T07:00:00Z"));  // a Friday, 09:00 CEST
  REQUIRE(next.has_value());
  CHECK(format_rfc3339(*next) == "2026-07-06T07:00:00Z");
}

TEST_CASE("cron next: rare dates are found decades ahead") {
  // 29 February on a Sunday (`*/7` begins with `*`, so both must match):
  // 2088, then 2128 across the skipped leap day of 2100.
  CHECK(runs("0 0 29 2 */7", "UTC", "2088-03-01T00:00:00Z", 1) == S{"2128-02-29T00:00:00Z"});
  CHECK(runs("0 0 29 2 *", "Europe/Berlin", "2096-03-01T00:00:00Z", 1) ==
        S{"2104-02-28T23:00:00Z"});
}

TEST_CASE("cron next: the search ends before WallTime does") {
  auto expr = parse_cron("0 0 1 1 *");
  REQUIRE_OK(expr);
  auto schedule = CronSchedule::create(*expr, "UTC");
  REQUIRE_OK(schedule);
  auto last = schedule->next_after(at("2260-06-01T00:00:00Z"));
  REQUIRE(last.has_value());
  CHECK(format_rfc3339(*last) == "2261-01-01T00:00:00Z");
  CHECK_FALSE(schedule->next_after(*last).has_value());
  auto few = next_runs(*expr, "UTC", at("2259-06-01T00:00:00Z"), 5);
  REQUIRE_OK(few);
  CHECK(few->size() == 2);  // 2260 and 2261
}

TEST_CASE("cron next: runs are strictly increasing over a year of DST changes") {
  for (const char* tz : {"America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo"}) {
    for (const char* text : {"*/30 * * * *", "*/30 0-3,23 * * *", "0,30 0-3,23 * * *"}) {
      INFO(text, " in ", tz);
      auto expr = parse_cron(text);
      REQUIRE_OK(expr);
      auto schedule = CronSchedule::create(*expr, tz);
      REQUIRE_OK(schedule);
      WallTime t = at("2018-01-01T00:00:00Z");
      const WallTime end = at("2019-03-01T00:00:00Z");
      int count = 0;
      while (t < end) {
        auto next = schedule->next_after(t);
        REQUIRE(next.has_value());
        REQUIRE(*next > t);
        t = *next;
        ++count;
      }
      CHECK(count > 500);
    }
  }
}

}  // namespace
}  // namespace scriptmesh
