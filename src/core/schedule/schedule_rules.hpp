// What the schedule service and the engine share: the field rules of a
// schedule, its compiled cron, and the trigger its runs go through.
#pragma once

#include <optional>

#include "scriptmesh/cron.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::schedules {

// The rules of schedules.hpp that need no agent: name, cron, timezone,
// misfire_grace_sec. Errors: invalid_argument "invalid_field",
// "invalid_cron", "invalid_timezone".
[[nodiscard]] Result<void> check_fields(const ScheduleRecord& schedule);

// The schedule's cron expression in its zone. Errors: "invalid_cron",
// "invalid_timezone".
[[nodiscard]] Result<CronSchedule> compile(const ScheduleRecord& schedule);

// The trigger one run of the schedule makes (schedule_id set).
TriggerRequest trigger_request(const ScheduleRecord& schedule);

}  // namespace scriptmesh::schedules
