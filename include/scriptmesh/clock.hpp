// Clock: the one seam through which ScriptMesh reads time.
//
// Two kinds of time, never mixed:
//   - wall time (system_clock) for cron, expiry, RFC 3339 stamps in the API;
//   - monotonic time (steady_clock) for timeouts, backoff and rate windows,
//     which must not jump when an operator or NTP moves the wall clock.
//
// Production code takes a `Clock&`; tests pass a FakeClock
// (tests/support/fake_clock.hpp) and advance it instead of sleeping.
//
// Thread safety: implementations must be safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;

  // Current wall-clock time (UTC).
  virtual WallTime now() const = 0;
  // Current monotonic time; only differences between two readings mean anything.
  virtual MonoTime monotonic_now() const = 0;
};

// The real clocks of this machine. The returned reference lives forever.
Clock& system_clock();

// Whole seconds since the Unix epoch of a wall time (floor).
std::int64_t to_unix_seconds(WallTime t) noexcept;
// Wall time of whole Unix seconds.
WallTime from_unix_seconds(std::int64_t seconds) noexcept;

// RFC 3339 UTC text of a wall time, whole seconds: "2026-11-26T10:00:00Z".
std::string format_rfc3339(WallTime t);
// Parses RFC 3339 ("2026-11-26T10:00:00Z"; fractional seconds and numeric
// offsets such as "+01:00" accepted). Times before 1970 or beyond what
// WallTime holds (April 2262) are refused. Errors: invalid_argument/invalid_time.
[[nodiscard]] Result<WallTime> parse_rfc3339(std::string_view text);

}  // namespace scriptmesh
