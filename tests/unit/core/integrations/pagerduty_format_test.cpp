#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object pd_config() {
  return normalized(IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}});
}

json::object pd_body(const IntegrationEvent& event, const json::object& config = pd_config()) {
  const HttpClientRequest request = format_ok(IntegrationType::kPagerDuty, config, event);
  CHECK(request.url == "https://events.pagerduty.com/v2/enqueue");
  CHECK(request.headers.size() == 1);  // Content-Type only: the key travels in the body
  return body_of(request);
}

json::object resolve(std::string_view dedup_key) {
  return {{"routing_key", kRoutingKey}, {"event_action", "resolve"}, {"dedup_key", dedup_key}};
}

TEST_SUITE("integration formats") {
  TEST_CASE("pagerduty format: a failing unscheduled job triggers an error keyed by the job") {
    const json::object body = pd_body(failed_job());
    CHECK(body.at("routing_key").as_string() == kRoutingKey);
    CHECK(body.at("event_action") == "trigger");
    CHECK(body.at("dedup_key") == "job_01failed");
    CHECK(body.at("client") == "ScriptMesh");
    CHECK(body.at("client_url") == "https://sm.example.com");
    CHECK(
        body.at("links") ==
        json::parse(
            R"j([{"href":"https://sm.example.com/jobs/job_01failed","text":"View job in ScriptMesh"}])j"));
    const json::object& payload = body.at("payload").as_object();
    CHECK(payload.at("summary") == "Job backup.sh failed on web-1 (exit code 2)");
    CHECK(payload.at("source") == "web-1");
    CHECK(payload.at("severity") == "error");
    CHECK(payload.at("timestamp") == "2026-11-26T10:00:00Z");
    CHECK(payload.at("component") == "backup.sh");
    CHECK(payload.at("class") == "job.failed");
    CHECK_FALSE(payload.contains("group"));
    const json::object& details = payload.at("custom_details").as_object();
    CHECK(details.at("job_id") == "job_01failed");
    CHECK(details.at("exit_code") == 2);
    CHECK(details.at("event_id") == "evt_01test");
    CHECK(details.at("tenant_id") == "tnt_01acme");
  }

  TEST_CASE("pagerduty format: runs of one schedule share an alert that a success resolves") {
    const json::object failed = pd_body(failed_scheduled_job());
    CHECK(failed.at("event_action") == "trigger");
    CHECK(failed.at("dedup_key") == "sch_01nightly:backup.sh");
    CHECK(failed.at("payload").at("group") == "nightly-backup");
    const json::object ok = pd_body(succeeded_scheduled_job());
    CHECK(ok == resolve("sch_01nightly:backup.sh"));
  }

  TEST_CASE("pagerduty format: nothing for an unscheduled success or a cancel") {
    check_nothing(IntegrationType::kPagerDuty, pd_config(), succeeded_unscheduled_job());
    check_nothing(IntegrationType::kPagerDuty, pd_config(), cancelled_job());
    check_nothing(IntegrationType::kPagerDuty, pd_config(), make_event("job.paused", {}));
  }

  TEST_CASE("pagerduty format: a timeout is a failure") {
    const json::object body = pd_body(timed_out_job());
    CHECK(body.at("event_action") == "trigger");
    CHECK(body.at("dedup_key") == "job_01slow");
    CHECK(body.at("payload").at("severity") == "error");
    CHECK(body.at("payload").at("summary") == "Job sync.sh timed out on agt_01web after 5 min 0 s");
    CHECK(body.at("payload").at("source") == "agt_01web");
  }

  TEST_CASE("pagerduty format: an agent going offline warns, coming back resolves") {
    const json::object offline = pd_body(agent_offline());
    CHECK(offline.at("event_action") == "trigger");
    CHECK(offline.at("dedup_key") == "agt_01web");
    CHECK(offline.at("payload").at("severity") == "warning");
    CHECK(offline.at("payload").at("source") == "web-1");
    CHECK(offline.at("payload").at("summary") == "Agent web-1 went offline (heartbeat_timeout)");
    CHECK_FALSE(offline.at("payload").as_object().contains("component"));
    CHECK_FALSE(offline.contains("links"));
    CHECK(pd_body(agent_online()) == resolve("agt_01web"));
  }

  TEST_CASE("pagerduty format: a missed run warns, keyed by schedule and due time") {
    const json::object body = pd_body(schedule_missed());
    CHECK(body.at("event_action") == "trigger");
    CHECK(body.at("dedup_key") == "sch_01nightly:missed:2026-11-26T09:00:00Z");
    CHECK(body.at("payload").at("severity") == "warning");
    CHECK(body.at("payload").at("source") == "orch-1.example.com");
    CHECK(body.at("payload").at("component") == "backup.sh");
    CHECK(body.at("payload").at("class") == "schedule.missed");
  }

  TEST_CASE("pagerduty format: the configured endpoint is used") {
    const json::object config = normalized(
        IntegrationType::kPagerDuty,
        {{"routing_key", kRoutingKey}, {"api_url", "https://events.eu.pagerduty.com/v2/enqueue"}});
    const HttpClientRequest request = format_ok(IntegrationType::kPagerDuty, config, failed_job());
    CHECK(request.url == "https://events.eu.pagerduty.com/v2/enqueue");
  }

  TEST_CASE("pagerduty format: summary and dedup key stay within PagerDuty's limits") {
    IntegrationEvent failed = failed_scheduled_job();
    failed.data["script"] = std::string(3000, 's');
    IntegrationEvent ok = succeeded_scheduled_job();
    ok.data["script"] = std::string(3000, 's');
    const json::object trigger = pd_body(failed);
    CHECK(trigger.at("payload").at("summary").as_string().size() <= 1024);
    CHECK(trigger.at("dedup_key").as_string().size() <= 255);
    // The resolve cuts the key the same way, so it still finds the alert.
    CHECK(pd_body(ok).at("dedup_key") == trigger.at("dedup_key"));
  }

  TEST_CASE("pagerduty format: a config without a routing key is refused") {
    Result<std::optional<HttpClientRequest>> out = format_integration_request(
        IntegrationType::kPagerDuty, json::object{}, failed_job(), format_context());
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code() == "invalid_config");
    CHECK(out.error().message() == "config.routing_key: is required");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
