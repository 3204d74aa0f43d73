#include "core/integrations/integration_event.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "core/integrations/integration_type.hpp"
#include "support/result_checks.hpp"
#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

void check_invalid(std::string_view text, std::string_view what) {
  Result<IntegrationEvent> out = parse_envelope(text);
  INFO(text);
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == ErrorCategory::kInvalidArgument);
  CHECK(out.error().code() == "invalid_envelope");
  INFO(out.error().message());
  CHECK(out.error().message().find(what) != std::string::npos);
}

TEST_SUITE("integration events") {
  TEST_CASE("integration events: the envelope's exact text") {
    const IntegrationEvent event = agent_offline();
    CHECK(envelope_json(event) ==
          R"j({"id":"evt_01test","type":"agent.offline","created_at":"2026-11-26T10:00:00Z",)j"
          R"j("tenant_id":"tnt_01acme","data":{"agent_id":"agt_01web","name":"web-1",)j"
          R"j("reason":"heartbeat_timeout"}})j");
    CHECK(json::serialize(envelope_object(event)) == envelope_json(event));
  }

  TEST_CASE("integration events: an envelope reads back as the event it came from") {
    for (const IntegrationEvent& event :
         {failed_job(), succeeded_scheduled_job(), timed_out_job(), cancelled_job(),
          agent_offline(), agent_online(), schedule_missed()}) {
      INFO(event.type);
      Result<IntegrationEvent> back = parse_envelope(envelope_json(event));
      REQUIRE_OK(back);
      CHECK(back->id == event.id);
      CHECK(back->type == event.type);
      CHECK(back->tenant_id == event.tenant_id);
      CHECK(back->created_at == event.created_at);
      CHECK(back->data == event.data);
      CHECK(envelope_json(*back) == envelope_json(event));
    }
  }

  TEST_CASE("integration events: created_at travels in whole seconds") {
    IntegrationEvent event = failed_job();
    event.created_at += std::chrono::milliseconds(750);
    Result<IntegrationEvent> back = parse_envelope(envelope_json(event));
    REQUIRE_OK(back);
    CHECK(back->created_at == event_time());
  }

  TEST_CASE("integration events: unknown keys are ignored, offsets are read") {
    Result<IntegrationEvent> out = parse_envelope(
        R"j({"id":"evt_1","type":"job.new_kind","created_at":"2026-11-26T11:00:00+01:00",)j"
        R"j("tenant_id":"tnt_1","data":{},"extra":[1,2]})j");
    REQUIRE_OK(out);
    CHECK(out->type == "job.new_kind");
    CHECK(out->created_at == event_time());
    CHECK(out->data.empty());
  }

  TEST_CASE("integration events: malformed envelopes name what is wrong") {
    check_invalid("", "not valid JSON");
    check_invalid("{\"id\":", "not valid JSON");
    check_invalid("[1,2]", "not a JSON object");
    const std::string good_tail =
        R"j("created_at":"2026-11-26T10:00:00Z","tenant_id":"tnt_1","data":{}})j";
    check_invalid(R"j({"type":"job.failed",)j" + good_tail, "id must be a string");
    check_invalid(R"j({"id":7,"type":"job.failed",)j" + good_tail, "id must be a string");
    check_invalid(R"j({"id":"","type":"job.failed",)j" + good_tail, "id must not be empty");
    check_invalid(R"j({"id":"evt_1","type":"",)j" + good_tail, "type must not be empty");
    check_invalid(
        R"j({"id":"evt_1","type":"job.failed","created_at":"yesterday","tenant_id":"t","data":{}})j",
        "created_at is not an RFC 3339 time");
    check_invalid(
        R"j({"id":"evt_1","type":"job.failed","created_at":"2026-11-26T10:00:00Z","data":{}})j",
        "tenant_id must be a string");
    check_invalid(
        R"j({"id":"evt_1","type":"job.failed","created_at":"2026-11-26T10:00:00Z","tenant_id":"t","data":[]})j",
        "data must be an object");
    check_invalid(
        R"j({"id":"evt_1","type":"job.failed","created_at":"2026-11-26T10:00:00Z","tenant_id":"t"})j",
        "data must be an object");
  }

  TEST_CASE("integration events: the test event is a realistic failed job, marked as a test") {
    const WallTime now = event_time() + std::chrono::seconds(42);
    const IntegrationEvent event = sample_event("tnt_01acme", now);
    CHECK(event.id == "evt_test_1795687242");
    CHECK(event.type == "job.failed");
    CHECK(event.tenant_id == "tnt_01acme");
    CHECK(event.created_at == now);
    CHECK(event.data.at("test") == true);
    CHECK(event.data.at("status") == "failed");
    CHECK(event.data.at("exit_code") == 1);
    CHECK(event.data.at("script") == "backup.sh");
    CHECK_FALSE(event.data.contains("schedule_id"));
    // Every type has something to say about it, so the test button always sends.
    const json::object configs[] = {
        normalized(IntegrationType::kSlack, {{"webhook_url", kSlackUrl}}),
        normalized(IntegrationType::kDiscord, {{"webhook_url", kDiscordUrl}}),
        normalized(IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}}),
        normalized(IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}}),
        normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey}}),
        normalized(IntegrationType::kSplunk,
                   {{"hec_url", "https://s.example.com"}, {"token", kSplunkToken}}),
        normalized(IntegrationType::kWebhook,
                   {{"url", "https://ci.example.com/h"}, {"signing_secret", kSigningSecret}})};
    for (std::size_t i = 0; i < kAllIntegrationTypes.size(); ++i) {
      INFO(to_string(kAllIntegrationTypes[i]));
      const HttpClientRequest request = format_ok(kAllIntegrationTypes[i], configs[i], event);
      CHECK_FALSE(request.body.empty());
    }
  }
}

}  // namespace
}  // namespace scriptmesh::testing
