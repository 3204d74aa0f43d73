// The cron table: tests/data/cron/next_runs.tsv holds expressions, zones,
// start times and the fire times that follow, computed apart from this code
// by tests/data/cron/reference_next_runs.py (a brute-force minute walk over
// Python's zoneinfo). Every row must match exactly.
#include "scriptmesh/cron.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

struct Row {
  int line = 0;
  std::string expr;
  std::string tz;
  std::string from;
  std::vector<std::string> runs;
  std::string note;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

std::vector<Row> load_table() {
  std::ifstream in(std::string(SCRIPTMESH_TEST_DATA_DIR) + "/cron/next_runs.tsv");
  REQUIRE(in.good());
  std::vector<Row> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string> cols = split(line, '\t');
    INFO("line ", number, ": ", line);
    REQUIRE(cols.size() == 5);
    rows.push_back(Row{number, cols[0], cols[1], cols[2], split(cols[3], ','), cols[4]});
  }
  return rows;
}

TEST_CASE("cron table: next runs match the independently computed table") {
  const std::vector<Row> rows = load_table();
  CHECK(rows.size() >= 120);
  std::set<std::string> zones;
  for (const Row& row : rows) {
    INFO("next_runs.tsv line ", row.line, ": '", row.expr, "' in ", row.tz, " from ", row.from,
         " (", row.note, ")");
    zones.insert(row.tz);
    auto expr = parse_cron(row.expr);
    REQUIRE_OK(expr);
    auto from = parse_rfc3339(row.from);
    REQUIRE_OK(from);
    auto runs = next_runs(*expr, row.tz, *from, static_cast<int>(row.runs.size()));
    REQUIRE_OK(runs);
    std::vector<std::string> got;
    for (WallTime t : *runs)
      got.push_back(format_rfc3339(t));
    CHECK(got == row.runs);
  }
  // UTC, no-DST zones and at least five zones that change their clocks.
  for (const char* zone : {"UTC", "Asia/Kolkata", "America/New_York", "Europe/Berlin",
                           "Australia/Lord_Howe", "America/Sao_Paulo", "Australia/Sydney"}) {
    CHECK(zones.count(zone) == 1);
  }
}

}  // namespace
}  // namespace scriptmesh
