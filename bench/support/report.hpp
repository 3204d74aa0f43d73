// What every benchmark prints: a header (what ran, on what machine, under
// what load), one table row per figure with the baseline measured in the
// same run, the target and whether it was met, and free-form notes.
//
//   Report report("job_throughput");
//   report.setup("jobs", "5000");
//   report.row({"end-to-end jobs/s", fmt_num(rate), fmt_num(base) + " (spawn loop)",
//               ">= " + fmt_num(base / 2), at_least(rate, base / 2)});
//   report.print();
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace scriptmesh::bench {

enum class Verdict { kMet, kMissed, kInfo };

struct Row {
  std::string figure;
  std::string measured;
  std::string baseline;  // "-" when the figure has none
  std::string target;    // "-" for figures reported for information
  Verdict verdict = Verdict::kInfo;
};

class Report {
 public:
  // Notes the start time and the load average.
  explicit Report(std::string name);

  void setup(std::string key, std::string value);
  void row(Row row);
  void note(std::string text);
  // Prints everything to stdout, with the load average at the end of the run.
  void print() const;

  int missed() const;

 private:
  std::string name_;
  std::string started_;  // UTC, ISO 8601
  std::string load_at_start_;
  std::vector<std::pair<std::string, std::string>> setup_;
  std::vector<Row> rows_;
  std::vector<std::string> notes_;
};

// value >= target ("at least"), value < target ("under").
Verdict at_least(double value, double target);
Verdict below(double value, double target);

// Summary of a sample of durations or sizes (nearest-rank percentiles).
struct Summary {
  std::size_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
  double mean = 0;
};
Summary summarize(std::vector<double> values);

// "1234.5", "12.35", "0.123": three significant digits at least.
std::string fmt_num(double value);
// Seconds as milliseconds: "1.234 ms".
std::string fmt_ms(double seconds);

// "2 CPUs, Intel(R) Xeon(R) ..." and "0.52 0.41 0.30" (/proc/loadavg).
std::string machine_description();
std::string load_average();

}  // namespace scriptmesh::bench
