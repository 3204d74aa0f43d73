#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "support/result_checks.hpp"

namespace scriptmesh {
namespace {

template <typename E, typename Parse>
void check_round_trip(std::initializer_list<E> values, Parse parse) {
  for (E v : values) {
    auto parsed = parse(to_string(v));
    REQUIRE_OK(parsed);
    CHECK(*parsed == v);
  }
}

TEST_CASE("store: enum names round-trip and unknown names are refused") {
  check_round_trip({Plan::kStarter, Plan::kPro}, parse_plan);
  check_round_trip({UserRole::kOwner, UserRole::kAdmin, UserRole::kMember}, parse_user_role);
  check_round_trip({AgentStatus::kOnline, AgentStatus::kOffline}, parse_agent_status);
  check_round_trip(
      {JobStatus::kPending, JobStatus::kDispatched, JobStatus::kRunning, JobStatus::kSucceeded,
       JobStatus::kFailed, JobStatus::kTimedOut, JobStatus::kCancelled},
      parse_job_status);
  check_round_trip({OutputStream::kStdout, OutputStream::kStderr}, parse_output_stream);
  check_round_trip({DeliveryStatus::kPending, DeliveryStatus::kInFlight, DeliveryStatus::kSucceeded,
                    DeliveryStatus::kFailed},
                   parse_delivery_status);

  CHECK(to_string(JobStatus::kTimedOut) == "timed_out");
  CHECK(to_string(Plan::kPro) == "pro");
  CHECK_ERROR_CODE(parse_plan("enterprise"), "invalid_plan");
  CHECK_ERROR_CODE(parse_user_role("Owner"), "invalid_role");
  CHECK_ERROR_CODE(parse_job_status(""), "invalid_job_status");
  CHECK_ERROR_CODE(parse_output_stream("stdin"), "invalid_stream");
  CHECK(parse_agent_status("busy").error().category() == ErrorCategory::kInvalidArgument);
  CHECK_ERROR_CODE(parse_delivery_status("done"), "invalid_delivery_status");

  CHECK(is_final(JobStatus::kCancelled));
  CHECK(is_final(JobStatus::kTimedOut));
  CHECK_FALSE(is_final(JobStatus::kRunning));
  CHECK_FALSE(is_final(JobStatus::kPending));
}

}  // namespace
}  // namespace scriptmesh
