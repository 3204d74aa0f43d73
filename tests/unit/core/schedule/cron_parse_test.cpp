// parse_cron(): every piece of syntax, the wildcard/fixed-time split and
// every refusal, each refusal naming its field.
#include "scriptmesh/cron.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

CronExpr parsed(const std::string& text) {
  auto expr = parse_cron(text);
  INFO(text);
  REQUIRE_OK(expr);
  return std::move(expr).value();
}

std::vector<int> minutes_of(const CronExpr& e) {
  std::vector<int> out;
  for (int m = 0; m < 60; ++m) {
    if (e.matches_minute(m)) out.push_back(m);
  }
  return out;
}

std::vector<int> hours_of(const CronExpr& e) {
  std::vector<int> out;
  for (int h = 0; h < 24; ++h) {
    if (e.matches_hour(h)) out.push_back(h);
  }
  return out;
}

std::vector<int> months_of(const CronExpr& e) {
  std::vector<int> out;
  for (int m = 1; m <= 12; ++m) {
    if (e.matches_month(m)) out.push_back(m);
  }
  return out;
}

// Weekdays a day-of-month-unrestricted expression allows (via day 1, which
// `*` always holds).
std::vector<int> weekdays_of(const CronExpr& e) {
  std::vector<int> out;
  for (int w = 0; w < 7; ++w) {
    if (e.matches_day(1, w)) out.push_back(w);
  }
  return out;
}

using V = std::vector<int>;

TEST_CASE("cron parse: numbers, ranges, lists and steps") {
  CHECK(minutes_of(parsed("* * * * *")).size() == 60);
  CHECK(minutes_of(parsed("7 * * * *")) == V{7});
  CHECK(minutes_of(parsed("07 * * * *")) == V{7});
  CHECK(minutes_of(parsed("0,15,59 * * * *")) == V{0, 15, 59});
  CHECK(minutes_of(parsed("10-13 * * * *")) == V{10, 11, 12, 13});
  CHECK(minutes_of(parsed("5-5 * * * *")) == V{5});
  CHECK(minutes_of(parsed("*/20 * * * *")) == V{0, 20, 40});
  CHECK(minutes_of(parsed("10-30/10 * * * *")) == V{10, 20, 30});
  CHECK(minutes_of(parsed("1-10/4,50-59/5 * * * *")) == V{1, 5, 9, 50, 55});
  CHECK(minutes_of(parsed("*/59 * * * *")) == V{0, 59});
  CHECK(hours_of(parsed("0 */6 * * *")) == V{0, 6, 12, 18});
  CHECK(hours_of(parsed("0 9-17/4 * * *")) == V{9, 13, 17});
  CHECK(hours_of(parsed("0 23 * * *")) == V{23});
}

TEST_CASE("cron parse: month and day names, any case, also in ranges") {
  CHECK(months_of(parsed("0 0 1 JAN *")) == V{1});
  CHECK(months_of(parsed("0 0 1 jan,Jun,DEC *")) == V{1, 6, 12});
  CHECK(months_of(parsed("0 0 1 mar-MAY *")) == V{3, 4, 5});
  CHECK(months_of(parsed("0 0 1 jan-dec/5 *")) == V{1, 6, 11});
  CHECK(months_of(parsed("0 0 1 */4 *")) == V{1, 5, 9});
  CHECK(months_of(parsed("0 0 1 2-Apr *")) == V{2, 3, 4});
  CHECK(weekdays_of(parsed("0 0 * * SUN")) == V{0});
  CHECK(weekdays_of(parsed("0 0 * * sat,Sun")) == V{0, 6});
  CHECK(weekdays_of(parsed("0 0 * * Mon-fri")) == V{1, 2, 3, 4, 5});
  CHECK(weekdays_of(parsed("0 0 * * mon-5/2")) == V{1, 3, 5});
}

TEST_CASE("cron parse: day-of-week 0 and 7 are both Sunday") {
  CHECK(weekdays_of(parsed("0 0 * * 0")) == V{0});
  CHECK(weekdays_of(parsed("0 0 * * 7")) == V{0});
  CHECK(weekdays_of(parsed("0 0 * * 5-7")) == V{0, 5, 6});
  CHECK(weekdays_of(parsed("0 0 * * 0-7")) == V{0, 1, 2, 3, 4, 5, 6});
  // `*` spans 0-7 as in classic cron, so */7 is 0 and 7: Sunday only.
  CHECK(weekdays_of(parsed("0 0 * * */7")) == V{0});
  CHECK(weekdays_of(parsed("0 0 * * */2")) == V{0, 2, 4, 6});
  CHECK(weekdays_of(parsed("0 0 * * *")) == V{0, 1, 2, 3, 4, 5, 6});
}

TEST_CASE("cron parse: day-of-month and day-of-week, OR when both are restricted") {
  const int kMonday = 1;
  const int kTuesday = 2;
  // Both restricted: either one matches.
  CronExpr both = parsed("0 0 13 * MON");
  CHECK(both.matches_day(13, kTuesday));
  CHECK(both.matches_day(2, kMonday));
  CHECK_FALSE(both.matches_day(2, kTuesday));
  // 1-31 does not begin with `*`: restricted, so OR, so every day.
  CronExpr full_range = parsed("0 0 1-31 * MON");
  CHECK(full_range.matches_day(2, kTuesday));
  // `*/2` begins with `*`: both must match, odd days that are Mondays.
  CronExpr star_step = parsed("0 0 */2 * MON");
  CHECK(star_step.matches_day(3, kMonday));
  CHECK_FALSE(star_step.matches_day(4, kMonday));
  CHECK_FALSE(star_step.matches_day(3, kTuesday));
  // A `*`-prefixed day-of-week makes both required too.
  CronExpr dow_star = parsed("0 0 13 * */1");
  CHECK(dow_star.matches_day(13, kTuesday));
  CHECK_FALSE(dow_star.matches_day(12, kTuesday));
  CronExpr plain = parsed("0 0 * * MON");
  CHECK(plain.matches_day(2, kMonday));
  CHECK_FALSE(plain.matches_day(3, kTuesday));
}

TEST_CASE("cron parse: macros stand for their five fields") {
  struct Case {
    const char* macro;
    const char* fields;
  };
  for (const Case& c :
       {Case{"@yearly", "0 0 1 1 *"}, Case{"@annually", "0 0 1 1 *"}, Case{"@monthly", "0 0 1 * *"},
        Case{"@weekly", "0 0 * * 0"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
        Case{"@hourly", "0 * * * *"}}) {
    INFO(c.macro);
    CronExpr macro = parsed(c.macro);
    CronExpr fields = parsed(c.fields);
    CHECK(macro.text() == c.macro);
    CHECK(minutes_of(macro) == minutes_of(fields));
    CHECK(hours_of(macro) == hours_of(fields));
    CHECK(months_of(macro) == months_of(fields));
    for (int day = 1; day <= 31; ++day) {
      for (int w = 0; w < 7; ++w)
        CHECK(macro.matches_day(day, w) == fields.matches_day(day, w));
    }
    CHECK(macro.wildcard() == fields.wildcard());
  }
}

TEST_CASE("cron parse: wildcard when the minute or hour field begins with *") {
  for (const char* text :
       {"*/15 * * * *", "0 * * * *", "*/30 1-3 * * *", "@hourly", "* 2 * * *", "0 */2 * * *"}) {
    INFO(text);
    CHECK(parsed(text).wildcard());
  }
  for (const char* text : {"30 2 * * *", "0 1-3 * * *", "@daily", "@weekly", "@monthly", "@yearly",
                           "0,30 0-23 * * *", "0-59 0-23 * * *"}) {
    INFO(text);
    CHECK_FALSE(parsed(text).wildcard());
  }
}

TEST_CASE("cron parse: white space around and between fields") {
  CronExpr e = parsed("  \t30\t2  *  *   *\t ");
  CHECK(e.text() == "30\t2  *  *   *");
  CHECK(minutes_of(e) == V{30});
  CHECK(hours_of(e) == V{2});
  CHECK(parsed(" @daily ").text() == "@daily");
}

struct Refusal {
  const char* text;
  const char* field;     // the message begins with "<field>: "
  const char* fragment;  // and contains this
};

TEST_CASE("cron parse: refusals name the field and the reason") {
  const Refusal cases[] = {
      // wrong field count
      {"", "expression", "expected 5 fields"},
      {"   ", "expression", "got 0"},
      {"* * * *", "expression", "got 4"},
      {"* * * * * *", "expression", "got 6"},
      {"0 0 * * * /bin/true", "expression", "got 6"},
      // out of range
      {"60 * * * *", "minute", "60 is out of range 0-59"},
      {"0 24 * * *", "hour", "24 is out of range 0-23"},
      {"0 0 0 * *", "day-of-month", "0 is out of range 1-31"},
      {"0 0 32 * *", "day-of-month", "32 is out of range 1-31"},
      {"0 0 1 0 *", "month", "0 is out of range 1-12"},
      {"0 0 1 13 *", "month", "13 is out of range 1-12"},
      {"0 0 * * 8", "day-of-week", "8 is out of range 0-7"},
      {"0-60 * * * *", "minute", "60 is out of range"},
      {"99999999999 * * * *", "minute", "out of range"},
      {"*/60 * * * *", "minute", "step 60 is out of range 1-59"},
      {"0 */25 * * *", "hour", "step 25 is out of range 1-23"},
      // zero step
      {"*/0 * * * *", "minute", "step 0"},
      {"0 0 1-10/00 * *", "day-of-month", "step 0"},
      // reversed range
      {"30-10 * * * *", "minute", "range 30-10 is reversed"},
      {"0 0 * DEC-JAN *", "month", "reversed"},
      {"0 0 * * SAT-SUN", "day-of-week", "reversed"},
      // step on a bare number
      {"5/15 * * * *", "minute", "needs a range or '*'"},
      {"0 0 * JAN/2 *", "month", "needs a range or '*'"},
      // unknown names
      {"0 0 * foo *", "month", "unknown name 'foo'"},
      {"0 0 * * MONDAY", "day-of-week", "unknown name 'MONDAY'"},
      {"0 0 * * JAN", "day-of-week", "unknown name 'JAN'"},
      {"0 0 * MON *", "month", "unknown name 'MON'"},
      {"0 MON * * *", "hour", "numbers only"},
      {"0 0 * * */MON", "day-of-week", "step missing"},
      // empty list items
      {"1,,2 * * * *", "minute", "empty list item"},
      {"0 0 * * 1,", "day-of-week", "empty list item"},
      {"0 ,3 * * *", "hour", "empty list item"},
      // macros
      {"@reboot", "macro", "@reboot is not supported"},
      {"@every_5m", "macro", "unknown macro '@every_5m'"},
      {"@DAILY", "macro", "unknown macro"},
      {"@daily 5", "macro", "unexpected '5'"},
      // trailing junk and stray characters
      {"5x * * * *", "minute", "unexpected 'x' after '5'"},
      {"*5 * * * *", "minute", "unexpected '5' after '*'"},
      {"0 0 1-5x * *", "day-of-month", "unexpected 'x'"},
      {"0 0 * * 1-", "day-of-week", "ends where a value is expected"},
      {"0 0 * * -1", "day-of-week", "unexpected character '-'"},
      {"0 0 * * 1--2", "day-of-week", "unexpected character '-'"},
      {"*/5/2 * * * *", "minute", "unexpected '/2'"},
      {"0 0 ? * *", "day-of-month", "unexpected character '?'"},
      {"0 0 L * *", "day-of-month", "unknown name 'L'"},
      // never fires
      {"0 0 30 2 *", "day-of-month", "never fires"},
      {"0 0 31 4 *", "day-of-month", "never fires"},
      {"0 0 31 2,4,6,9,11 *", "day-of-month", "never fires"},
      {"0 0 30,31 feb *", "day-of-month", "never fires"},
      {"0 0 31 4 */1", "day-of-month", "never fires"},
  };
  for (const Refusal& r : cases) {
    INFO(r.text);
    auto expr = parse_cron(r.text);
    REQUIRE_FALSE(expr.ok());
    CHECK(expr.error().code() == "invalid_cron");
    CHECK(expr.error().category() == ErrorCategory::kInvalidArgument);
    const std::string& message = expr.error().message();
    INFO(message);
    CHECK(message.starts_with(std::string(r.field) + ": "));
    CHECK(message.find(r.fragment) != std::string::npos);
  }
}

TEST_CASE("cron parse: days that exist only sometimes, or via day-of-week, are accepted") {
  // 29 February exists in leap years.
  CHECK_OK(parse_cron("0 0 29 2 *"));
  CHECK_OK(parse_cron("0 0 29-31 2 *"));
  CHECK_OK(parse_cron("0 0 30 2,3 *"));
  // Both fields restricted: the OR rule fires on Mondays of April.
  CHECK_OK(parse_cron("0 0 31 4 MON"));
  CHECK_OK(parse_cron("0 0 30 2 1-5"));
}

TEST_CASE("cron parse: an overlong expression is refused") {
  const std::string text = "0 0 * * " + std::string(300, '1');
  auto expr = parse_cron(text);
  REQUIRE_FALSE(expr.ok());
  CHECK(expr.error().code() == "invalid_cron");
  CHECK(expr.error().message().starts_with("expression: "));
}

}  // namespace
}  // namespace scriptmesh
