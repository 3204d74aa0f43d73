// parse_cron(): classic five-field cron text into bit sets, and CronExpr's
// matching. The next-time search is in cron_next.cpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "scriptmesh/cron.hpp"

namespace scriptmesh {
namespace {

// Anything longer is not a cron expression someone typed; bounding it keeps
// error messages (which quote the text) short.
constexpr std::size_t kMaxCronTextBytes = 256;

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};

struct FieldSpec {
  std::string_view name;
  int low;
  int high;
  // Three-letter names for low, low+1, ...; empty when the field has none.
  const std::string_view* names;
  std::size_t name_count;
};

// Day-of-week runs to 7 so that 7 (Sunday again) and `*/n` behave as in
// Vixie cron, where the field's range is 0-7.
constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames.data(), kMonthNames.size()},
    {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size()},
}};

Error cron_error(std::string_view field, std::string_view reason) {
  return Error::invalid_argument("invalid_cron", fmt::format("{}: {}", field, reason));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Reads one item of one field; `pos` walks through `item`.
class ItemParser {
 public:
  ItemParser(const FieldSpec& spec, std::string_view item) : spec_(spec), item_(item) {}

  // Adds the item's values to `bits`.
  Result<void> parse(std::uint64_t& bits);

 private:
  Result<int> value();
  Result<int> number(std::string_view what, int low, int high);
  Result<int> name();
  Result<void> junk_check() const;
  char peek() const { return pos_ < item_.size() ? item_[pos_] : '\0'; }

  const FieldSpec& spec_;
  std::string_view item_;
  std::size_t pos_ = 0;
};

Result<void> ItemParser::parse(std::uint64_t& bits) {
  int first = spec_.low;
  int last = spec_.high;
  bool ranged = true;
  if (peek() == '*') {
    ++pos_;
  } else {
    auto a = value();
    SCRIPTMESH_RETURN_IF_ERROR(a);
    first = last = *a;
    ranged = false;
    if (peek() == '-') {
      ++pos_;
      auto b = value();
      SCRIPTMESH_RETURN_IF_ERROR(b);
      if (*b < first) {
        return cron_error(spec_.name,
                          fmt::format("range {} is reversed (the start is after the end)",
                                      item_.substr(0, pos_)));
      }
      last = *b;
      ranged = true;
    }
  }
  int step = 1;
  if (peek() == '/') {
    if (!ranged) {
      return cron_error(spec_.name,
                        fmt::format("step in '{}' needs a range or '*' before the '/'", item_));
    }
    ++pos_;
    auto n = number("step", 1, spec_.high);
    SCRIPTMESH_RETURN_IF_ERROR(n);
    step = *n;
  }
  SCRIPTMESH_RETURN_IF_ERROR(junk_check());
  for (int v = first; v <= last; v += step)
    bits |= std::uint64_t{1} << v;
  return ok_result();
}

Result<int> ItemParser::value() {
  if (is_digit(peek())) return number("", spec_.low, spec_.high);
  if (is_alpha(peek())) return name();
  if (pos_ >= item_.size()) {
    return cron_error(spec_.name, fmt::format("'{}' ends where a value is expected", item_));
  }
  return cron_error(spec_.name,
                    fmt::format("unexpected character '{}' in '{}'", item_[pos_], item_));
}

// A decimal number in [low, high]; `what` is "step" for a step, else empty.
Result<int> ItemParser::number(std::string_view what, int low, int high) {
  const std::size_t start = pos_;
  while (is_digit(peek()))
    ++pos_;
  const std::string_view digits = item_.substr(start, pos_ - start);
  if (digits.empty()) {
    return cron_error(spec_.name, fmt::format("step missing in '{}'", item_));
  }
  if (what == "step" && digits.find_first_not_of('0') == std::string_view::npos) {
    return cron_error(spec_.name, fmt::format("step 0 in '{}' never advances", item_));
  }
  // More than three digits is out of range for every field; stopping here
  // also keeps the conversion below from overflowing.
  int v = 0;
  bool too_long = digits.size() - std::min(digits.size(), digits.find_first_not_of('0')) > 3;
  if (!too_long) {
    for (char c : digits)
      v = v * 10 + (c - '0');
  }
  if (too_long || v < low || v > high) {
    return cron_error(spec_.name, fmt::format("{}{}{} is out of range {}-{}", what,
                                              what.empty() ? "" : " ", digits, low, high));
  }
  return v;
}

Result<int> ItemParser::name() {
  const std::size_t start = pos_;
  while (is_alpha(peek()))
    ++pos_;
  const std::string_view word = item_.substr(start, pos_ - start);
  if (word.size() == 3) {
    for (std::size_t i = 0; i < spec_.name_count; ++i) {
      const std::string_view known = spec_.names[i];
      if (lower(word[0]) == known[0] && lower(word[1]) == known[1] && lower(word[2]) == known[2]) {
        return spec_.low + static_cast<int>(i);
      }
    }
  }
  if (spec_.name_count == 0) {
    return cron_error(spec_.name,
                      fmt::format("unknown name '{}' (this field takes numbers only)", word));
  }
  return cron_error(spec_.name, fmt::format("unknown name '{}'", word));
}

Result<void> ItemParser::junk_check() const {
  if (pos_ == item_.size()) return ok_result();
  return cron_error(spec_.name, fmt::format("unexpected '{}' after '{}'", item_.substr(pos_),
                                            item_.substr(0, pos_)));
}

// A whole field: a comma-separated list of items.
Result<std::uint64_t> parse_field(const FieldSpec& spec, std::string_view text) {
  std::uint64_t bits = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) return cron_error(spec.name, fmt::format("empty list item in '{}'", text));
    ItemParser parser(spec, item);
    SCRIPTMESH_RETURN_IF_ERROR(parser.parse(bits));
    if (comma == std::string_view::npos) return bits;
    start = comma + 1;
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i]))
      ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// The five fields a macro stands for.
Result<std::string_view> expand_macro(std::string_view text) {
  struct Macro {
    std::string_view name;
    std::string_view fields;
  };
  static constexpr Macro kMacros[] = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  };
  const std::vector<std::string_view> words = split_fields(text);
  for (const Macro& m : kMacros) {
    if (words[0] != m.name) continue;
    if (words.size() > 1) {
      return cron_error("macro", fmt::format("unexpected '{}' after {}", words[1], m.name));
    }
    return m.fields;
  }
  if (words[0] == "@reboot") {
    return cron_error("macro", "@reboot is not supported: a schedule needs times to fire at");
  }
  return cron_error("macro", fmt::format("unknown macro '{}' (known: @yearly @annually @monthly "
                                         "@weekly @daily @midnight @hourly)",
                                         words[0]));
}

// Month lengths with February at 29, as a leap year has it.
constexpr std::array<int, 13> kMaxDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// True when some listed day exists in some listed month. Only matters when
// day-of-week cannot rescue the day (see CronExpr::matches_day): every month
// holds every weekday, and a `*`-prefixed day-of-month always holds the 1st.
bool some_day_exists(std::uint32_t days, std::uint16_t months) {
  for (int m = 1; m <= 12; ++m) {
    if ((months & (1u << m)) == 0) continue;
    for (int d = 1; d <= kMaxDays[static_cast<std::size_t>(m)]; ++d) {
      if ((days & (1u << d)) != 0) return true;
    }
  }
  return false;
}

}  // namespace

Result<CronExpr> parse_cron(std::string_view raw) {
  std::string_view text = trim(raw);
  if (text.size() > kMaxCronTextBytes) {
    return cron_error("expression", fmt::format("longer than {} bytes", kMaxCronTextBytes));
  }
  CronExpr expr;
  expr.text_ = std::string(text);
  if (!text.empty() && text.front() == '@') {
    auto expanded = expand_macro(text);
    SCRIPTMESH_RETURN_IF_ERROR(expanded);
    text = *expanded;
  }
  const std::vector<std::string_view> fields = split_fields(text);
  if (fields.size() != kFields.size()) {
    return cron_error("expression",
                      fmt::format("expected 5 fields (minute hour day-of-month month day-of-week), "
                                  "got {}",
                                  fields.size()));
  }
  std::array<std::uint64_t, 5> bits{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto parsed = parse_field(kFields[i], fields[i]);
    SCRIPTMESH_RETURN_IF_ERROR(parsed);
    bits[i] = *parsed;
  }
  expr.minutes_ = bits[0];
  expr.hours_ = static_cast<std::uint32_t>(bits[1]);
  expr.days_of_month_ = static_cast<std::uint32_t>(bits[2]);
  expr.months_ = static_cast<std::uint16_t>(bits[3]);
  // Bit 7 (Sunday written as 7) folds onto bit 0.
  expr.days_of_week_ = static_cast<std::uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7f);
  expr.dom_star_ = fields[2].front() == '*';
  expr.dow_star_ = fields[4].front() == '*';
  expr.wildcard_ = fields[0].front() == '*' || fields[1].front() == '*';
  if ((expr.dom_star_ || expr.dow_star_) && !some_day_exists(expr.days_of_month_, expr.months_)) {
    return cron_error("day-of-month", "never fires: no listed day exists in the listed months");
  }
  return expr;
}

bool CronExpr::matches_minute(int minute) const noexcept {
  return minute >= 0 && minute < 60 && (minutes_ >> minute & 1) != 0;
}

bool CronExpr::matches_hour(int hour) const noexcept {
  return hour >= 0 && hour < 24 && (hours_ >> hour & 1) != 0;
}

bool CronExpr::matches_month(int month) const noexcept {
  return month >= 1 && month <= 12 && (months_ >> month & 1) != 0;
}

bool CronExpr::matches_day(int day_of_month, int weekday) const noexcept {
  const bool dom = day_of_month >= 1 && day_of_month <= 31 && (days_of_month_ >> day_of_month & 1);
  const bool dow = weekday >= 0 && weekday <= 6 && (days_of_week_ >> weekday & 1);
  // Classic cron: either field beginning with `*` makes both required.
  if (dom_star_ || dow_star_) return dom && dow;
  return dom || dow;
}

}  // namespace scriptmesh
