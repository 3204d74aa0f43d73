#include "support/report.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <numeric>

#include <sched.h>

#include <fmt/core.h>

namespace scriptmesh::bench {
namespace {

std::string utc_now() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

const char* verdict_text(Verdict v) {
  switch (v) {
    case Verdict::kMet:
      return "met";
    case Verdict::kMissed:
      return "MISSED";
    case Verdict::kInfo:
      break;
  }
  return "-";
}

double rank(const std::vector<double>& sorted, double p) {
  // Nearest rank: the smallest value with at least p of the sample at or below it.
  auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(index, 1, sorted.size()) - 1];
}

}  // namespace

Report::Report(std::string name)
    : name_(std::move(name)), started_(utc_now()), load_at_start_(load_average()) {}

void Report::setup(std::string key, std::string value) {
  setup_.emplace_back(std::move(key), std::move(value));
}

void Report::row(Row row) {
  rows_.push_back(std::move(row));
}

void Report::note(std::string text) {
  notes_.push_back(std::move(text));
}

int Report::missed() const {
  return static_cast<int>(std::count_if(
      rows_.begin(), rows_.end(), [](const Row& r) { return r.verdict == Verdict::kMissed; }));
}

void Report::print() const {
  fmt::print("\n=== {} ===\n", name_);
  fmt::print("{:<10} {}\n", "date", started_);
  fmt::print("{:<10} {}\n", "machine", machine_description());
  fmt::print("{:<10} {} (start), {} (end)\n", "load avg", load_at_start_, load_average());
  for (const auto& [key, value] : setup_)
    fmt::print("{:<10} {}\n", key, value);
  std::size_t w[4] = {6, 8, 8, 6};
  for (const Row& r : rows_) {
    w[0] = std::max(w[0], r.figure.size());
    w[1] = std::max(w[1], r.measured.size());
    w[2] = std::max(w[2], r.baseline.size());
    w[3] = std::max(w[3], r.target.size());
  }
  fmt::print("\n{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", "figure", w[0], "measured", w[1], "baseline",
             w[2], "target", w[3], "result");
  for (const Row& r : rows_) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r.figure, w[0], r.measured, w[1], r.baseline,
               w[2], r.target, w[3], verdict_text(r.verdict));
  }
  for (const std::string& note : notes_)
    fmt::print("note: {}\n", note);
  const auto targets = std::count_if(rows_.begin(), rows_.end(),
                                     [](const Row& r) { return r.verdict != Verdict::kInfo; });
  fmt::print("{}: {} of {} targets met\n", name_, targets - missed(), targets);
  std::fflush(stdout);
}

Verdict at_least(double value, double target) {
  return value >= target ? Verdict::kMet : Verdict::kMissed;
}

Verdict below(double value, double target) {
  return value < target ? Verdict::kMet : Verdict::kMissed;
}

Summary summarize(std::vector<double> values) {
  Summary s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.p50 = rank(values, 0.50);
  s.p90 = rank(values, 0.90);
  s.p99 = rank(values, 0.99);
  s.max = values.back();
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return s;
}

std::string fmt_num(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 100) return fmt::format("{:.1f}", value);
  if (magnitude >= 10) return fmt::format("{:.2f}", value);
  return fmt::format("{:.3f}", value);
}

std::string fmt_ms(double seconds) {
  return fmt_num(seconds * 1000.0) + " ms";
}

std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::string model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
      break;
    }
  }
  // The CPUs this process may run on, as nproc(1) counts them.
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  return fmt::format("{} CPUs (nproc), {}", cpus, model);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace scriptmesh::bench
