// OrchestratorMetrics: the metric set the orchestrator serves on /metrics.
//
// Families (all prefixed scriptmesh_, plus the process_* ones):
//
//   scriptmesh_jobs_finished_total{status}                counter
//   scriptmesh_job_duration_seconds{status}               histogram, 0.005 s .. 3600 s
//   scriptmesh_jobs{status}                               gauge, read at scrape time
//   scriptmesh_agents{status}                             gauge, read at scrape time
//   scriptmesh_schedule_fires_total                       counter
//   scriptmesh_schedule_misses_total                      counter
//   scriptmesh_deliveries_total{kind,result}              counter
//   scriptmesh_http_requests_total{route,method,status}   counter
//   scriptmesh_http_request_duration_seconds{route,method} histogram, 0.0005 s .. 10 s
//   scriptmesh_build_info{version}                        gauge, always 1
//
// jobs_finished_total starts with a 0 child for each final job status
// (succeeded, failed, timed_out, cancelled), so rate() works before the
// first job of a kind ends.
//
// Label cardinality: every family is capped (FamilyOptions, default 1000
// children; beyond that label values become "other", see metrics.hpp). The
// HTTP families stay small only if callers pass a name of the matched route
// (the orchestrator passes the route table's name, "jobs.get"), never the
// raw request path, and kUnmatchedRoute for a request no route matched (404
// probes would otherwise fill the cap with junk).
//
// Thread safety: every method may be called from any thread. The recording
// methods do not allocate once their label values have been seen. The
// sources set with set_job_counts_source / set_agent_counts_source are
// called from render() on the scraping thread, with no lock of this object
// held; they must be quick and must not throw (return an empty list when
// the store cannot be read).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/metrics.hpp"

namespace scriptmesh {

// The route label of a request that matched no route.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

// Delivery results for delivery_finished().
inline constexpr std::string_view kDeliverySucceeded = "succeeded";
inline constexpr std::string_view kDeliveryRetry = "retry";
inline constexpr std::string_view kDeliveryFailed = "failed";
inline constexpr std::string_view kDeliveryDead = "dead";

struct OrchestratorMetricsOptions {
  // The version label of scriptmesh_build_info; empty renders "unknown".
  std::string version;
  // Render the process_* families (read from /proc/self).
  bool process_metrics = true;
  // Where /proc is; tests point it at a fixture directory.
  std::string proc_root = "/proc";
  // Cap on children per family (see metrics.hpp).
  std::size_t max_children = kDefaultMaxChildren;
};

class OrchestratorMetrics {
 public:
  // (status, count) pairs, e.g. {{"pending", 3}, {"running", 1}}.
  using StatusCounts = std::vector<std::pair<std::string, double>>;
  using StatusCountsSource = std::function<StatusCounts()>;

  explicit OrchestratorMetrics(OrchestratorMetricsOptions options = {});
  OrchestratorMetrics(const OrchestratorMetrics&) = delete;
  OrchestratorMetrics& operator=(const OrchestratorMetrics&) = delete;

  // A job reached final `status` ("succeeded", "failed", "timed_out",
  // "cancelled"). `duration_ms`, when known, is observed in the duration
  // histogram (negative values count as 0).
  void job_finished(std::string_view status, std::optional<std::int64_t> duration_ms);

  // Where scriptmesh_jobs{status} comes from: expected to give the
  // pending, dispatched and running counts. Replaces any earlier source;
  // without one the family renders no samples.
  void set_job_counts_source(StatusCountsSource source);
  // Where scriptmesh_agents{status} comes from: online and offline counts.
  void set_agent_counts_source(StatusCountsSource source);

  // Schedules started `count` jobs.
  void schedule_fired(std::uint64_t count = 1);
  // `count` fire times of schedules were missed (e.g. while down).
  void schedule_missed(std::uint64_t count);

  // An outbox delivery attempt of `kind` ("job_webhook", "email", ...)
  // ended with `result`: one of the kDelivery* constants.
  void delivery_finished(std::string_view kind, std::string_view result);

  // One HTTP request was answered. `route` names the matched route, or is
  // kUnmatchedRoute (see above); `seconds` is the time to the response.
  void http_request(std::string_view route, std::string_view method, int status, double seconds);

  // The whole exposition text; serve it with kPrometheusContentType.
  std::string render() const { return registry_.render(); }

  // For families a host adds of its own.
  MetricsRegistry& registry() noexcept { return registry_; }

 private:
  MetricsRegistry registry_;
  CounterFamily& jobs_finished_;
  HistogramFamily& job_duration_;
  CallbackGaugeFamily& jobs_;
  CallbackGaugeFamily& agents_;
  Counter& schedule_fires_;
  Counter& schedule_misses_;
  CounterFamily& deliveries_;
  CounterFamily& http_requests_;
  HistogramFamily& http_duration_;
};

}  // namespace scriptmesh
