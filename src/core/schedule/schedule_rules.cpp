#include "core/schedule/schedule_rules.hpp"

#include <string>

#include "scriptmesh/schedules.hpp"

namespace scriptmesh::schedules {
namespace {

// The wording of the HTTP layer's field errors, so a service-level refusal
// reads like a malformed body would.
Error field_error(const char* field, const std::string& problem) {
  return Error::invalid_argument("invalid_field",
                                 std::string("field \"") + field + "\" " + problem);
}

}  // namespace

Result<void> check_fields(const ScheduleRecord& s) {
  if (s.name.empty() || s.name.size() > kMaxScheduleNameBytes) {
    return field_error("name",
                       "must be 1 to " + std::to_string(kMaxScheduleNameBytes) + " bytes long");
  }
  if (s.misfire_grace_sec < 1 || s.misfire_grace_sec > kMaxMisfireGraceSec) {
    return field_error("misfire_grace_sec",
                       "must be between 1 and " + std::to_string(kMaxMisfireGraceSec));
  }
  Result<CronSchedule> cron = compile(s);
  if (!cron.ok()) return std::move(cron).error();
  return ok_result();
}

Result<CronSchedule> compile(const ScheduleRecord& s) {
  Result<CronExpr> expr = parse_cron(s.cron);
  if (!expr.ok()) return std::move(expr).error();
  return CronSchedule::create(std::move(expr).value(), s.timezone);
}

TriggerRequest trigger_request(const ScheduleRecord& s) {
  TriggerRequest r;
  r.script = s.script;
  if (s.agent_id) {
    r.agent_id = s.agent_id;
  } else {
    r.tags = s.tags;
  }
  r.params = s.params;
  r.timeout_sec = s.timeout_sec;
  r.webhook_url = s.webhook_url;
  r.schedule_id = s.id;
  return r;
}

}  // namespace scriptmesh::schedules
