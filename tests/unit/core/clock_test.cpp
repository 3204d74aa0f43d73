#include "scriptmesh/clock.hpp"

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

TEST_CASE("rfc3339: format and parse round trip") {
  WallTime t = from_unix_seconds(1795687200);
  CHECK(format_rfc3339(t) == "2026-11-26T10:00:00Z");
  auto back = parse_rfc3339("2026-11-26T10:00:00Z");
  REQUIRE_OK(back);
  CHECK(*back == t);
  CHECK(to_unix_seconds(t) == 1795687200);
}

TEST_CASE("rfc3339: offsets and fractions") {
  auto t = parse_rfc3339("2026-11-26T11:30:00+01:30");
  REQUIRE_OK(t);
  CHECK(format_rfc3339(*t) == "2026-11-26T10:00:00Z");
  auto f = parse_rfc3339("2026-11-26T10:00:00.250Z");
  REQUIRE_OK(f);
  CHECK(*f - from_unix_seconds(1795687200) == std::chrono::milliseconds(250));
}

TEST_CASE("rfc3339: malformed text is an error") {
  for (const char* bad : {"", "2026-11-26", "2026-11-26 10:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-11-26T10:00:00", "2026-11-26T10:00:00Zjunk", "yesterday"}) {
    INFO(bad);
    CHECK_ERROR_CODE(parse_rfc3339(bad), "invalid_time");
  }
}

TEST_CASE("rfc3339: times WallTime cannot hold are refused, not wrapped") {
  for (const char* bad : {"9999-01-01T00:00:00Z", "2262-04-12T00:00:00Z", "1969-12-31T23:59:59Z",
                          "2263-01-01T00:00:00+01:00"}) {
    CAPTURE(bad);
    CHECK_ERROR_CODE(parse_rfc3339(bad), "invalid_time");
  }
  auto last = parse_rfc3339("2262-04-11T00:00:00Z");
  REQUIRE_OK(last);
  CHECK(format_rfc3339(*last) == "2262-04-11T00:00:00Z");
  auto first = parse_rfc3339("1970-01-01T00:00:00Z");
  REQUIRE_OK(first);
  CHECK(first->time_since_epoch().count() == 0);
}

TEST_CASE("fake clock: advance moves both clocks, set_wall only the wall clock") {
  testing::FakeClock clock;
  WallTime w0 = clock.now();
  MonoTime m0 = clock.monotonic_now();
  clock.advance(std::chrono::seconds(90));
  CHECK(clock.now() - w0 == std::chrono::seconds(90));
  CHECK(clock.monotonic_now() - m0 == std::chrono::seconds(90));
  clock.set_wall(w0 + std::chrono::hours(3));
  CHECK(clock.monotonic_now() - m0 == std::chrono::seconds(90));
}

}  // namespace
}  // namespace scriptmesh
