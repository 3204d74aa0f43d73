#include "scriptmesh/clock.hpp"

#include <optional>
#include <sstream>

#include <date/date.h>

namespace scriptmesh {
namespace {

class SystemClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic_now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

std::int64_t to_unix_seconds(WallTime t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

WallTime from_unix_seconds(std::int64_t seconds) noexcept {
  return WallTime(std::chrono::seconds(seconds));
}

std::string format_rfc3339(WallTime t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

Result<WallTime> parse_rfc3339(std::string_view text) {
  // date::parse's %Ez accepts "+hh:mm"; 'Z' is tried first as the common case.
  // Parsed at microsecond precision, whose range is vast, then checked to
  // fit WallTime's 64-bit nanoseconds (1970 to April 2262 here) before the
  // cast, which would otherwise overflow.
  using Micros = date::sys_time<std::chrono::microseconds>;
  constexpr Micros kLatest{
      std::chrono::duration_cast<std::chrono::microseconds>(WallTime::max().time_since_epoch())};
  auto try_format = [&](const char* fmt) -> std::optional<Micros> {
    std::istringstream in{std::string(text)};
    Micros tp;
    in >> date::parse(fmt, tp);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return tp;
  };
  const auto invalid = [] {
    return Error::invalid_argument(
        "invalid_time", "expected an RFC 3339 time from 1970 on, such as 2026-11-26T10:00:00Z");
  };
  if (text.size() < 20 || text.size() > 40) return invalid();
  for (const char* fmt : {"%FT%TZ", "%FT%T%Ez", "%Ft%Tz", "%FT%Tz"}) {
    std::optional<Micros> t = try_format(fmt);
    if (!t) continue;
    if (t->time_since_epoch().count() < 0 || *t > kLatest) return invalid();
    return std::chrono::time_point_cast<WallTime::duration>(*t);
  }
  return invalid();
}

}  // namespace scriptmesh
