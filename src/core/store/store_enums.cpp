// Names of the store's enumerations: the same text is stored in the database
// (CHECK constraints in schema_migrations.cpp) and used on the wire.
#include <array>
#include <string>
#include <utility>

#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Plan, 2> kPlanNames = {{{Plan::kStarter, "starter"}, {Plan::kPro, "pro"}}};
constexpr NameTable<UserRole, 3> kRoleNames = {
    {{UserRole::kOwner, "owner"}, {UserRole::kAdmin, "admin"}, {UserRole::kMember, "member"}}};
constexpr NameTable<AgentStatus, 2> kAgentStatusNames = {
    {{AgentStatus::kOnline, "online"}, {AgentStatus::kOffline, "offline"}}};
constexpr NameTable<JobStatus, 7> kJobStatusNames = {{
    {JobStatus::kPending, "pending"},
    {JobStatus::kDispatched, "dispatched"},
    {JobStatus::kRunning, "running"},
    {JobStatus::kSucceeded, "succeeded"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kTimedOut, "timed_out"},
    {JobStatus::kCancelled, "cancelled"},
}};
constexpr NameTable<OutputStream, 2> kStreamNames = {
    {{OutputStream::kStdout, "stdout"}, {OutputStream::kStderr, "stderr"}}};
constexpr NameTable<DeliveryStatus, 4> kDeliveryStatusNames = {{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kInFlight, "in_flight"},
    {DeliveryStatus::kSucceeded, "succeeded"},
    {DeliveryStatus::kFailed, "failed"},
}};

constexpr NameTable<CatchUpPolicy, 3> kCatchUpNames = {{
    {CatchUpPolicy::kSkip, "skip"},
    {CatchUpPolicy::kOnce, "once"},
    {CatchUpPolicy::kAll, "all"},
}};
constexpr NameTable<OverlapPolicy, 4> kOverlapNames = {{
    {OverlapPolicy::kSkip, "skip"},
    {OverlapPolicy::kBufferOne, "buffer_one"},
    {OverlapPolicy::kCancelOther, "cancel_other"},
    {OverlapPolicy::kAllow, "allow"},
}};
constexpr NameTable<ScheduleEventType, 4> kScheduleEventNames = {{
    {ScheduleEventType::kFired, "fired"},
    {ScheduleEventType::kMissed, "missed"},
    {ScheduleEventType::kCaughtUp, "caught_up"},
    {ScheduleEventType::kSkipped, "skipped"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) noexcept {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
Result<E> parse_name(const NameTable<E, N>& table, std::string_view text, const char* code,
                     const char* what) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  std::string expected;
  for (const auto& [e, name] : table) {
    if (!expected.empty()) expected += ", ";
    expected += name;
  }
  return Error::invalid_argument(code,
                                 std::string("unknown ") + what + "; expected one of " + expected);
}

}  // namespace

std::string_view to_string(Plan plan) noexcept {
  return name_of(kPlanNames, plan);
}
std::string_view to_string(UserRole role) noexcept {
  return name_of(kRoleNames, role);
}
std::string_view to_string(AgentStatus status) noexcept {
  return name_of(kAgentStatusNames, status);
}
std::string_view to_string(JobStatus status) noexcept {
  return name_of(kJobStatusNames, status);
}
std::string_view to_string(OutputStream stream) noexcept {
  return name_of(kStreamNames, stream);
}
std::string_view to_string(DeliveryStatus status) noexcept {
  return name_of(kDeliveryStatusNames, status);
}
std::string_view to_string(CatchUpPolicy policy) noexcept {
  return name_of(kCatchUpNames, policy);
}
std::string_view to_string(OverlapPolicy policy) noexcept {
  return name_of(kOverlapNames, policy);
}
std::string_view to_string(ScheduleEventType type) noexcept {
  return name_of(kScheduleEventNames, type);
}

Result<Plan> parse_plan(std::string_view text) {
  return parse_name(kPlanNames, text, "invalid_plan", "plan");
}
Result<UserRole> parse_user_role(std::string_view text) {
  return parse_name(kRoleNames, text, "invalid_role", "role");
}
Result<AgentStatus> parse_agent_status(std::string_view text) {
  return parse_name(kAgentStatusNames, text, "invalid_agent_status", "agent status");
}
Result<JobStatus> parse_job_status(std::string_view text) {
  return parse_name(kJobStatusNames, text, "invalid_job_status", "job status");
}
Result<OutputStream> parse_output_stream(std::string_view text) {
  return parse_name(kStreamNames, text, "invalid_stream", "output stream");
}
Result<DeliveryStatus> parse_delivery_status(std::string_view text) {
  return parse_name(kDeliveryStatusNames, text, "invalid_delivery_status", "delivery status");
}
Result<CatchUpPolicy> parse_catch_up_policy(std::string_view text) {
  return parse_name(kCatchUpNames, text, "invalid_catch_up", "catch-up policy");
}
Result<OverlapPolicy> parse_overlap_policy(std::string_view text) {
  return parse_name(kOverlapNames, text, "invalid_overlap", "overlap policy");
}
Result<ScheduleEventType> parse_schedule_event_type(std::string_view text) {
  return parse_name(kScheduleEventNames, text, "invalid_schedule_event_type",
                    "schedule event type");
}

bool is_final(JobStatus status) noexcept {
  switch (status) {
    case JobStatus::kSucceeded:
    case JobStatus::kFailed:
    case JobStatus::kTimedOut:
    case JobStatus::kCancelled:
      return true;
    case JobStatus::kPending:
    case JobStatus::kDispatched:
    case JobStatus::kRunning:
      return false;
  }
  return false;
}

}  // namespace scriptmesh
