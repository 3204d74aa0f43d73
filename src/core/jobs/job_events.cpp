// The event a job's end is told by (jobs.hpp: job_final_event).
#include <boost/json.hpp>
#include <string>

#include "scriptmesh/event_bus.hpp"
#include "scriptmesh/jobs.hpp"

namespace scriptmesh {
namespace {

std::string_view event_type_of(JobStatus status) {
  switch (status) {
    case JobStatus::kSucceeded:
      return kEventJobSucceeded;
    case JobStatus::kCancelled:
      return kEventJobCancelled;
    default:
      return kEventJobFailed;
  }
}

std::string job_event_data(const JobRecord& job) {
  boost::json::object data{{"job_id", job.id.str()},
                           {"agent_id", job.agent_id.str()},
                           {"script", job.script},
                           {"status", std::string(to_string(job.status))}};
  data["exit_code"] = job.exit_code ? boost::json::value(*job.exit_code) : boost::json::value();
  data["duration_ms"] =
      job.duration_ms ? boost::json::value(*job.duration_ms) : boost::json::value();
  if (job.signal) data["signal"] = *job.signal;
  if (!job.error.empty()) data["error"] = job.error;
  if (job.group_id) data["group_id"] = job.group_id->str();
  if (job.schedule_id) data["schedule_id"] = job.schedule_id->str();
  return boost::json::serialize(data);
}

}  // namespace

EventRecord job_final_event(const JobRecord& job) {
  EventRecord event;
  event.id = EventId("evt_" + job.id.str());
  event.tenant_id = job.tenant_id;
  event.type = std::string(event_type_of(job.status));
  event.subject_id = job.id.str();
  event.data_json = job_event_data(job);
  event.created_at = job.finished_at.value_or(WallTime{});
  event.agent_id = job.agent_id;
  event.script = job.script;
  event.schedule_id = job.schedule_id;
  return event;
}

}  // namespace scriptmesh
