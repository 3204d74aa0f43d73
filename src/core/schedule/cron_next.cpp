// CronSchedule::next_after(): the next fire time of a cron expression in an
// IANA zone, under classic cron's daylight saving rule (scriptmesh/cron.hpp).
//
// The search walks the zone's periods of constant UTC offset (date's
// sys_info) forward from `from`. Inside one period local time is UTC plus a
// fixed offset, so the next matching local minute is found on a plain
// calendar, jumping over months, days and hours that cannot match. The
// daylight saving rule then lives only at the boundaries between periods:
//   - a wildcard schedule needs nothing: skipped local minutes belong to no
//     period, and a repeated local interval belongs to two, so both passes
//     fire, each at its own UTC time and in UTC order;
//   - a fixed-time schedule fires at the first instant of a period whose
//     start skipped a matching local minute (spring forward), and ignores
//     local minutes a period repeats from the one before (fall back).
#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include "scriptmesh/cron.hpp"

namespace scriptmesh {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalSeconds = date::local_seconds;
using SysSeconds = date::sys_seconds;

// Zone names are short; a long one is refused before the database is asked.
constexpr std::size_t kMaxZoneNameBytes = 64;

// WallTime counts nanoseconds in 64 bits and ends in April 2262.
const SysSeconds kLastSearchable = date::sys_days(date::year(2262) / 1 / 1);

Result<const date::time_zone*> find_zone(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneNameBytes) {
    return Error::invalid_argument("invalid_timezone",
                                   "timezone: expected an IANA zone name such as Europe/Berlin");
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Error::invalid_argument("invalid_timezone",
                                   fmt::format("timezone: unknown time zone '{}' (expected an IANA "
                                               "zone name such as Europe/Berlin)",
                                               name));
  }
}

// The first allowed value >= `from` of a 0..`limit`-1 field, or -1.
template <typename Allowed>
int next_allowed(int from, int limit, Allowed allowed) {
  for (int v = from; v < limit; ++v) {
    if (allowed(v)) return v;
  }
  return -1;
}

// The first local minute in [lo, hi) the expression matches, ignoring time
// zones. Skips whole months, days and hours that cannot match, so a search
// over years costs at most one step per day.
std::optional<LocalSeconds> next_local_match(const CronExpr& e, LocalSeconds lo, LocalSeconds hi) {
  LocalSeconds t = date::ceil<minutes>(lo);
  while (t < hi) {
    const date::local_days day = date::floor<days>(t);
    const date::year_month_day ymd{day};
    if (!e.matches_month(static_cast<int>(static_cast<unsigned>(ymd.month())))) {
      t = date::local_days{(ymd.year() / ymd.month() / 1) + date::months{1}};
      continue;
    }
    const int weekday = static_cast<int>(date::weekday{day}.c_encoding());
    if (!e.matches_day(static_cast<int>(static_cast<unsigned>(ymd.day())), weekday)) {
      t = day + days{1};
      continue;
    }
    const auto since_midnight = date::floor<minutes>(t - day);
    const int hour = static_cast<int>(date::floor<hours>(since_midnight).count());
    const int next_hour = next_allowed(hour, 24, [&](int h) { return e.matches_hour(h); });
    if (next_hour < 0) {
      t = day + days{1};
      continue;
    }
    if (next_hour > hour) {
      t = day + hours{next_hour};
      continue;
    }
    const int minute = static_cast<int>((since_midnight - hours{hour}).count());
    const int next_minute = next_allowed(minute, 60, [&](int m) { return e.matches_minute(m); });
    if (next_minute < 0) {
      t = day + hours{hour + 1};
      continue;
    }
    const LocalSeconds found = day + hours{hour} + minutes{next_minute};
    if (found >= hi) return std::nullopt;
    return found;
  }
  return std::nullopt;
}

// Local wall time of UTC `u` under a period's offset.
LocalSeconds to_local(SysSeconds u, seconds offset) {
  return LocalSeconds{u.time_since_epoch() + offset};
}

SysSeconds to_sys(LocalSeconds l, seconds offset) {
  return SysSeconds{l.time_since_epoch() - offset};
}

// The next fire time >= `lo` and < `horizon` (whole seconds, UTC).
std::optional<SysSeconds> next_at_or_after(const CronExpr& e, const date::time_zone& zone,
                                           SysSeconds lo, SysSeconds horizon) {
  SysSeconds u = lo;
  while (u < horizon) {
    const date::sys_info period = zone.get_info(u);
    LocalSeconds local_lo = to_local(u, period.offset);
    // Offsets never differ by two days, so an older period start cannot
    // matter (and the zone's first period may begin at a sentinel time).
    if (!e.wildcard() && period.begin > u - days{2}) {
      const date::sys_info before = zone.get_info(period.begin - seconds{1});
      const LocalSeconds old_end = to_local(period.begin, before.offset);
      const LocalSeconds new_start = to_local(period.begin, period.offset);
      // Spring forward: one run at the jump for any skipped match.
      if (period.begin >= lo && new_start > old_end &&
          next_local_match(e, old_end, new_start).has_value()) {
        return period.begin;
      }
      // Fall back: local minutes before old_end already had their run.
      local_lo = std::max(local_lo, old_end);
    }
    const SysSeconds period_end = std::min(period.end, horizon);
    if (auto found = next_local_match(e, local_lo, to_local(period_end, period.offset))) {
      return to_sys(*found, period.offset);
    }
    u = period_end;
  }
  return std::nullopt;
}

}  // namespace

Result<void> check_time_zone(std::string_view time_zone) {
  auto zone = find_zone(time_zone);
  SCRIPTMESH_RETURN_IF_ERROR(zone);
  return ok_result();
}

Result<CronSchedule> CronSchedule::create(CronExpr expr, std::string_view time_zone) {
  SCRIPTMESH_RETURN_IF_ERROR(check_time_zone(time_zone));
  return CronSchedule(std::move(expr), std::string(time_zone));
}

std::optional<WallTime> CronSchedule::next_after(WallTime from) const {
  auto zone = find_zone(time_zone_);
  if (!zone.ok()) return std::nullopt;  // create() checked it; the database does not shrink
  // Fire times are whole seconds, so "strictly after from" is ">= the next
  // whole second".
  const SysSeconds lo = date::floor<seconds>(from) + seconds{1};
  if (lo >= kLastSearchable) return std::nullopt;
  const SysSeconds horizon = std::min(
      kLastSearchable,
      SysSeconds{date::floor<seconds>(lo.time_since_epoch() + date::years{kCronSearchYears})});
  auto found = next_at_or_after(expr_, **zone, lo, horizon);
  if (!found) return std::nullopt;
  return WallTime{std::chrono::duration_cast<WallTime::duration>(found->time_since_epoch())};
}

Result<std::vector<WallTime>> next_runs(const CronExpr& expr, std::string_view time_zone,
                                        WallTime from, int count) {
  if (count < 1 || count > kMaxCronRuns) {
    return Error::invalid_argument("invalid_count",
                                   fmt::format("count: must be 1 to {}", kMaxCronRuns));
  }
  auto schedule = CronSchedule::create(expr, time_zone);
  SCRIPTMESH_RETURN_IF_ERROR(schedule);
  std::vector<WallTime> runs;
  runs.reserve(static_cast<std::size_t>(count));
  WallTime at = from;
  while (static_cast<int>(runs.size()) < count) {
    auto next = schedule->next_after(at);
    if (!next) break;
    runs.push_back(*next);
    at = *next;
  }
  return runs;
}

}  // namespace scriptmesh
