#include "scriptmesh/orchestrator_metrics.hpp"

#include <algorithm>
#include <charconv>

#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace {

// Scripts run from milliseconds (a health probe) to an hour (a backup).
const std::vector<double> kJobDurationBounds = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
// API calls answer in well under a millisecond (a cached read) up to long
// polls of a few seconds.
const std::vector<double> kHttpDurationBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};

constexpr double kMillisecondsPerSecond = 1000.0;

FamilyOptions capped(const OrchestratorMetricsOptions& o) {
  return FamilyOptions{o.max_children};
}

MetricsRegistry::Options registry_options(const OrchestratorMetricsOptions& o) {
  return MetricsRegistry::Options{o.process_metrics, o.proc_root};
}

GaugeCallback as_gauge_callback(OrchestratorMetrics::StatusCountsSource source) {
  if (!source) return {};
  return [source = std::move(source)] {
    std::vector<GaugeSample> samples;
    for (auto& [status, count] : source())
      samples.push_back({{std::move(status)}, count});
    return samples;
  };
}

}  // namespace

OrchestratorMetrics::OrchestratorMetrics(OrchestratorMetricsOptions options)
    : registry_(registry_options(options)),
      jobs_finished_(registry_.counter("scriptmesh_jobs_finished_total",
                                       "Jobs that reached a final status, by that status.",
                                       {"status"}, capped(options))),
      job_duration_(registry_.histogram(
          "scriptmesh_job_duration_seconds",
          "Run time of finished jobs as reported by their agent, by final status.", {"status"},
          kJobDurationBounds, capped(options))),
      jobs_(registry_.gauge_callback("scriptmesh_jobs",
                                     "Jobs not yet finished, by status, read at scrape time.",
                                     {"status"}, {}, capped(options))),
      agents_(registry_.gauge_callback("scriptmesh_agents",
                                       "Registered agents, online or offline, read at scrape time.",
                                       {"status"}, {}, capped(options))),
      schedule_fires_(
          registry_
              .counter("scriptmesh_schedule_fires_total", "Schedule fire times that created a job.")
              .labels({})),
      schedule_misses_(registry_
                           .counter("scriptmesh_schedule_misses_total",
                                    "Schedule fire times skipped because they were missed.")
                           .labels({})),
      deliveries_(registry_.counter("scriptmesh_deliveries_total",
                                    "Outbox delivery attempts, by kind and result "
                                    "(succeeded, retry, failed, dead).",
                                    {"kind", "result"}, capped(options))),
      http_requests_(
          registry_.counter("scriptmesh_http_requests_total",
                            "HTTP requests answered, by route pattern, method and status code.",
                            {"route", "method", "status"}, capped(options))),
      http_duration_(
          registry_.histogram("scriptmesh_http_request_duration_seconds",
                              "Time to answer HTTP requests, by route pattern and method.",
                              {"route", "method"}, kHttpDurationBounds, capped(options))) {
  registry_
      .gauge("scriptmesh_build_info", "Always 1; the version label names this build.", {"version"})
      .labels({options.version.empty() ? std::string_view("unknown") : options.version})
      .set(1);
  for (JobStatus s :
       {JobStatus::kSucceeded, JobStatus::kFailed, JobStatus::kTimedOut, JobStatus::kCancelled}) {
    jobs_finished_.labels({to_string(s)});
  }
}

void OrchestratorMetrics::job_finished(std::string_view status,
                                       std::optional<std::int64_t> duration_ms) {
  jobs_finished_.labels({status}).inc();
  if (duration_ms) {
    const auto ms = std::max<std::int64_t>(*duration_ms, 0);
    job_duration_.labels({status}).observe(static_cast<double>(ms) / kMillisecondsPerSecond);
  }
}

void OrchestratorMetrics::set_job_counts_source(StatusCountsSource source) {
  jobs_.set_callback(as_gauge_callback(std::move(source)));
}

void OrchestratorMetrics::set_agent_counts_source(StatusCountsSource source) {
  agents_.set_callback(as_gauge_callback(std::move(source)));
}

void OrchestratorMetrics::schedule_fired(std::uint64_t count) {
  schedule_fires_.inc(static_cast<double>(count));
}

void OrchestratorMetrics::schedule_missed(std::uint64_t count) {
  schedule_misses_.inc(static_cast<double>(count));
}

void OrchestratorMetrics::delivery_finished(std::string_view kind, std::string_view result) {
  deliveries_.labels({kind, result}).inc();
}

void OrchestratorMetrics::http_request(std::string_view route, std::string_view method, int status,
                                       double seconds) {
  // The status text lives on the stack so a known child costs no allocation.
  char status_text[16];
  const auto end = std::to_chars(status_text, status_text + sizeof status_text, status).ptr;
  http_requests_.labels({route, method, std::string_view(status_text, end)}).inc();
  http_duration_.labels({route, method}).observe(seconds);
}

}  // namespace scriptmesh
