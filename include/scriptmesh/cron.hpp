// Cron expressions: parsing, and the next fire times in an IANA time zone.
//
// Syntax and meaning are those of classic (Vixie/ISC, Debian) cron, five
// fields separated by spaces or tabs:
//
//   minute 0-59   hour 0-23   day-of-month 1-31   month 1-12   day-of-week 0-7
//
// Each field is a comma-separated list of items: `*`, a number, a range
// `a-b`, or a stepped `*/n` or `a-b/n`. Months may be written JAN-DEC and
// days of the week SUN-SAT (three letters, any case, also as range ends);
// day-of-week 0 and 7 are both Sunday. A step needs a range or `*` (`5/15`
// is refused) and runs from 1 up to the field's largest value.
//
// Day-of-month and day-of-week combine as classic cron does: a field whose
// text begins with `*` is "unrestricted"; when both are restricted, a day
// matches if EITHER matches ("0 0 1 * MON": the 1st and every Monday);
// otherwise both must match ("0 0 */2 * MON": odd days that are Mondays).
//
// Macros: @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
// @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *",
// @hourly = "0 * * * *". @reboot is refused: a schedule needs times.
//
// Daylight saving, the classic-cron rule (docs/scheduling.md has examples).
// A schedule is *wildcard* when its minute or hour field begins with `*`
// (@hourly too), otherwise *fixed-time*.
//   - Spring forward: a fixed-time schedule due at a local time the jump
//     skips fires once at the instant of the jump (several due times in one
//     gap still give one run); a wildcard schedule follows the new wall clock
//     and has no runs for the skipped minutes.
//   - Fall back: a fixed-time schedule fires only in the first pass of the
//     repeated interval; a wildcard schedule fires in both passes.
//
// Thread safety: CronExpr and CronSchedule are immutable values, safe to
// share between threads. The tz database is loaded once, on first use, from
// the operating system (/usr/share/zoneinfo).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class CronExpr;
[[nodiscard]] Result<CronExpr> parse_cron(std::string_view text);

// A parsed cron expression. Made only by parse_cron(), so every CronExpr can
// fire on some date.
class CronExpr {
 public:
  // The text it was parsed from, without surrounding white space.
  const std::string& text() const noexcept { return text_; }

  // True for a wildcard schedule (minute or hour field begins with `*`),
  // false for a fixed-time one; it decides the daylight saving rule above.
  bool wildcard() const noexcept { return wildcard_; }

  bool matches_minute(int minute) const noexcept;  // 0-59
  bool matches_hour(int hour) const noexcept;      // 0-23
  bool matches_month(int month) const noexcept;    // 1-12
  // Day-of-month 1-31 with its weekday 0-6 (0 = Sunday), under the
  // day-of-month/day-of-week rule above.
  bool matches_day(int day_of_month, int weekday) const noexcept;

 private:
  friend Result<CronExpr> parse_cron(std::string_view text);
  CronExpr() = default;

  std::string text_;
  std::uint64_t minutes_ = 0;        // bit m: minute m
  std::uint32_t hours_ = 0;          // bit h: hour h
  std::uint32_t days_of_month_ = 0;  // bit d: day d (1-31)
  std::uint16_t months_ = 0;         // bit m: month m (1-12)
  std::uint8_t days_of_week_ = 0;    // bit w: weekday w (0-6, 0 = Sunday)
  bool dom_star_ = false;            // day-of-month text begins with `*`
  bool dow_star_ = false;            // day-of-week text begins with `*`
  bool wildcard_ = false;
};

// Parses a five-field expression or a macro. Leading and trailing white
// space is ignored. Errors: invalid_argument "invalid_cron", the message
// beginning with the field ("minute: 60 is out of range 0-59",
// "day-of-month: never fires: no listed day exists in the listed months")
// for a wrong field count, an out-of-range value or step, `*/0`, a reversed
// range, a step on a bare number, an unknown name, an empty list item,
// @reboot or an unknown macro, trailing junk, and an expression that can
// never fire ("0 0 30 2 *").
[[nodiscard]] Result<CronExpr> parse_cron(std::string_view text);

// Checks that `time_zone` names a zone of the tz database ("Europe/Berlin",
// "UTC"). Errors: invalid_argument "invalid_timezone".
[[nodiscard]] Result<void> check_time_zone(std::string_view time_zone);

// A cron expression evaluated in one IANA time zone.
class CronSchedule {
 public:
  // Errors: invalid_argument "invalid_timezone" for an unknown zone.
  [[nodiscard]] static Result<CronSchedule> create(CronExpr expr, std::string_view time_zone);

  const CronExpr& expr() const noexcept { return expr_; }
  const std::string& time_zone() const noexcept { return time_zone_; }

  // The first fire time strictly after `from` (whole seconds, UTC), under
  // the daylight saving rule above. The search covers kCronSearchYears
  // after `from`, enough for every expression parse_cron() accepts
  // (29 February on a given weekday recurs within 40 years), and stops
  // before 2262, where WallTime ends; nullopt when nothing falls in it.
  std::optional<WallTime> next_after(WallTime from) const;

 private:
  CronSchedule(CronExpr expr, std::string time_zone)
      : expr_(std::move(expr)), time_zone_(std::move(time_zone)) {}

  CronExpr expr_;
  std::string time_zone_;
};

// How far next_after() looks ahead.
inline constexpr int kCronSearchYears = 50;
// The most runs next_runs() answers at once.
inline constexpr int kMaxCronRuns = 1000;

// The next `count` fire times strictly after `from`, ascending, evaluated
// in `time_zone`. Fewer only when the search window above runs out.
// Errors: invalid_argument "invalid_timezone"; "invalid_count" when count
// is not 1..kMaxCronRuns.
[[nodiscard]] Result<std::vector<WallTime>> next_runs(const CronExpr& expr,
                                                      std::string_view time_zone, WallTime from,
                                                      int count);

}  // namespace scriptmesh
