#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

std::vector<std::pair<IntegrationType, json::object>> all_configs() {
  return {
      {IntegrationType::kSlack, normalized(IntegrationType::kSlack, {{"webhook_url", kSlackUrl}})},
      {IntegrationType::kDiscord,
       normalized(IntegrationType::kDiscord, {{"webhook_url", kDiscordUrl}})},
      {IntegrationType::kTeams, normalized(IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}})},
      {IntegrationType::kPagerDuty,
       normalized(IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}})},
      {IntegrationType::kDatadog,
       normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey}})},
      {IntegrationType::kSplunk,
       normalized(IntegrationType::kSplunk,
                  {{"hec_url", "https://s.example.com"}, {"token", kSplunkToken}})},
      {IntegrationType::kWebhook,
       normalized(IntegrationType::kWebhook,
                  {{"url", "https://ci.example.com/h"}, {"signing_secret", kSigningSecret}})}};
}

std::vector<std::string_view> known_types() {
  return {kEventJobSucceeded, kEventJobFailed,    kEventJobCancelled,
          kEventAgentOnline,  kEventAgentOffline, kEventScheduleMissed};
}

TEST_SUITE("integration formats") {
  TEST_CASE("integration formats: empty or mistyped event data never fails a format") {
    const json::object mistyped = {
        {"job_id", 5},         {"agent_id", nullptr},      {"agent_name", json::array{}},
        {"script", 3.5},       {"status", false},          {"exit_code", "two"},
        {"duration_ms", 1.25}, {"signal", json::object{}}, {"error", 7},
        {"schedule_id", 9},    {"name", nullptr},          {"reason", 1},
        {"due_at", 0},         {"catch_up", nullptr},      {"test", "yes"}};
    for (const auto& [type, config] : all_configs()) {
      for (std::string_view event_type : known_types()) {
        for (const json::object& data : {json::object{}, mistyped}) {
          INFO(to_string(type) << " " << event_type << " " << json::serialize(data));
          Result<std::optional<HttpClientRequest>> out = format_integration_request(
              type, config, make_event(event_type, data), format_context());
          REQUIRE_OK(out);
          if (out->has_value()) body_of(**out);
        }
      }
    }
  }

  TEST_CASE("integration formats: missing data reads as unknown") {
    const json::object config = all_configs()[0].second;
    const HttpClientRequest request = format_ok(IntegrationType::kSlack, config,
                                                make_event(kEventJobFailed, {{"exit_code", "x"}}));
    CHECK(body_of(request).at("text") == "Job unknown failed on unknown");
    // Without a job id there is no link to make.
    CHECK(body_of(request).at("blocks").as_array().size() == 2);
  }

  TEST_CASE(
      "integration formats: an unknown event type is dropped by the services that interpret "
      "events") {
    const IntegrationEvent event = make_event("job.paused", {{"job_id", "job_1"}});
    for (const auto& [type, config] : all_configs()) {
      INFO(to_string(type));
      Result<std::optional<HttpClientRequest>> out =
          format_integration_request(type, config, event, format_context());
      REQUIRE_OK(out);
      const bool forwards = type == IntegrationType::kSplunk || type == IntegrationType::kWebhook;
      CHECK(out->has_value() == forwards);
    }
  }

  TEST_CASE("integration formats: without a public URL nothing links to the job") {
    FormatContext ctx = format_context();
    ctx.public_base_url.clear();
    for (const auto& [type, config] : all_configs()) {
      INFO(to_string(type));
      const HttpClientRequest request = format_ok(type, config, failed_job(), ctx);
      CHECK(request.body.find("/jobs/") == std::string::npos);
    }
    const HttpClientRequest slack =
        format_ok(IntegrationType::kSlack, all_configs()[0].second, failed_job(), ctx);
    CHECK(body_of(slack).at("blocks").as_array().size() == 2);
  }

  TEST_CASE("integration formats: a config lacking what the format needs is refused by name") {
    const std::vector<std::pair<IntegrationType, std::string>> needs = {
        {IntegrationType::kSlack, "webhook_url"}, {IntegrationType::kDiscord, "webhook_url"},
        {IntegrationType::kTeams, "webhook_url"}, {IntegrationType::kPagerDuty, "routing_key"},
        {IntegrationType::kDatadog, "api_key"},   {IntegrationType::kSplunk, "hec_url"},
        {IntegrationType::kWebhook, "url"}};
    for (const auto& [type, key] : needs) {
      INFO(to_string(type));
      Result<std::optional<HttpClientRequest>> out =
          format_integration_request(type, json::object{}, failed_job(), format_context());
      REQUIRE_FALSE(out.ok());
      CHECK(out.error().category() == ErrorCategory::kInvalidArgument);
      CHECK(out.error().code() == "invalid_config");
      CHECK(out.error().message() == "config." + key + ": is required");
    }
    Result<std::optional<HttpClientRequest>> wrong = format_integration_request(
        IntegrationType::kSlack, json::object{{"webhook_url", 5}}, failed_job(), format_context());
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message() == "config.webhook_url: must be a non-empty string");
  }

  TEST_CASE("integration formats: the test event says it is one") {
    const IntegrationEvent event = sample_event("tnt_01acme", event_time());
    const HttpClientRequest slack =
        format_ok(IntegrationType::kSlack, all_configs()[0].second, event);
    CHECK(body_of(slack).at("text") ==
          "[Test] Job backup.sh failed on example-agent (exit code 1)");
    CHECK(body_of(slack).at("blocks").at(0).at("text").at("text") ==
          "[Test] Job failed: backup.sh");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
