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
  auto try_format = [&](const char* fmt) -> std::optional<WallTime> {
    std::istringstream in{std::string(text)};
    date::sys_time<std::chrono::microseconds> tp;
    in >> date::parse(fmt, tp);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return std::chrono::time_point_cast<WallTime::duration>(tp);
  };
  if (text.size() < 20 || text.size() > 40) {
    return Error::invalid_argument("invalid_time", "expected an RFC 3339 time such as 2026-11-26T10:00:00Z");
  }
  for (const char* fmt : {"%FT%TZ", "%FT%T%Ez", "%Ft%Tz", "%FT%Tz"}) {
    if (auto t = try_format(fmt)) return *t;
  }
  return Error::invalid_argument("invalid_time", "expected an RFC 3339 time such as 2026-11-26T10:00:00Z");
}

}  // namespace scriptmesh
