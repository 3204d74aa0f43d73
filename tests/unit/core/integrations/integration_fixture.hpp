// Shared inputs for the integration tests: one event of each kind the
// orchestrator produces, a format context, normalized configs, and helpers to
// run a format and read back what it built.
#pragma once

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/integrations/integration_config.hpp"
#include "core/integrations/integration_event.hpp"
#include "core/integrations/integration_formats.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::testing {

namespace json = boost::json;

// 2026-11-26T10:00:00Z, the FakeClock's start.
inline WallTime event_time() {
  return from_unix_seconds(1795687200);
}

inline IntegrationEvent make_event(std::string_view type, json::object data) {
  IntegrationEvent event;
  event.id = "evt_01test";
  event.type = std::string(type);
  event.tenant_id = "tnt_01acme";
  event.created_at = event_time();
  event.data = std::move(data);
  return event;
}

// An unscheduled job that exited 2 on agent web-1.
inline IntegrationEvent failed_job() {
  return make_event(kEventJobFailed, {{"job_id", "job_01failed"},
                                      {"agent_id", "agt_01web"},
                                      {"agent_name", "web-1"},
                                      {"script", "backup.sh"},
                                      {"status", "failed"},
                                      {"exit_code", 2},
                                      {"duration_ms", 5300}});
}

// The same script failing as a run of schedule sch_01nightly.
inline IntegrationEvent failed_scheduled_job() {
  IntegrationEvent event = failed_job();
  event.data["schedule_id"] = "sch_01nightly";
  event.data["schedule_name"] = "nightly-backup";
  return event;
}

// A later run of that schedule that succeeded.
inline IntegrationEvent succeeded_scheduled_job() {
  return make_event(kEventJobSucceeded, {{"job_id", "job_01ok"},
                                         {"agent_id", "agt_01web"},
                                         {"agent_name", "web-1"},
                                         {"script", "backup.sh"},
                                         {"status", "succeeded"},
                                         {"exit_code", 0},
                                         {"duration_ms", 2174},
                                         {"schedule_id", "sch_01nightly"},
                                         {"schedule_name", "nightly-backup"}});
}

inline IntegrationEvent succeeded_unscheduled_job() {
  return make_event(kEventJobSucceeded, {{"job_id", "job_01adhoc"},
                                         {"agent_id", "agt_01web"},
                                         {"script", "report.py"},
                                         {"status", "succeeded"},
                                         {"exit_code", 0},
                                         {"duration_ms", 120}});
}

inline IntegrationEvent timed_out_job() {
  return make_event(kEventJobFailed, {{"job_id", "job_01slow"},
                                      {"agent_id", "agt_01web"},
                                      {"script", "sync.sh"},
                                      {"status", "timed_out"},
                                      {"exit_code", nullptr},
                                      {"duration_ms", 300000},
                                      {"signal", 9}});
}

inline IntegrationEvent cancelled_job() {
  return make_event(kEventJobCancelled, {{"job_id", "job_01stop"},
                                         {"agent_id", "agt_01web"},
                                         {"script", "backup.sh"},
                                         {"status", "cancelled"},
                                         {"exit_code", nullptr},
                                         {"duration_ms", nullptr}});
}

inline IntegrationEvent agent_offline() {
  return make_event(
      kEventAgentOffline,
      {{"agent_id", "agt_01web"}, {"name", "web-1"}, {"reason", "heartbeat_timeout"}});
}

inline IntegrationEvent agent_online() {
  return make_event(kEventAgentOnline, {{"agent_id", "agt_01web"}, {"name", "web-1"}});
}

inline IntegrationEvent schedule_missed() {
  return make_event(kEventScheduleMissed, {{"schedule_id", "sch_01nightly"},
                                           {"name", "nightly-backup"},
                                           {"due_at", "2026-11-26T09:00:00Z"},
                                           {"catch_up", "skip"},
                                           {"script", "backup.sh"}});
}

inline FormatContext format_context() {
  FormatContext ctx;
  ctx.public_base_url = "https://sm.example.com/";
  ctx.host = "orch-1.example.com";
  ctx.delivery_id = "dlv_01test";
  ctx.now = event_time() + std::chrono::seconds(2);
  return ctx;
}

inline constexpr std::string_view kJobLink = "https://sm.example.com/jobs/job_01failed";

inline json::object normalized(IntegrationType type, json::object config) {
  Result<json::object> out = normalize_integration_config(type, config);
  REQUIRE_OK(out);
  return *out;
}

inline constexpr std::string_view kSlackUrl =
    "https://hooks.slack.com/services/T0SECRET1/B0SECRET2/SlackSecretToken123";
inline constexpr std::string_view kDiscordUrl =
    "https://discord.com/api/webhooks/112233445566/QzSecretToken_abcXYZ";
inline constexpr std::string_view kTeamsUrl =
    "https://acme.webhook.office.com/webhookb2/TeamsSecretGuid@tenant/IncomingWebhook/"
    "TeamsSecret99";
inline constexpr std::string_view kRoutingKey = "R0UT1NGKEYabcdef0123456789abcdef";
inline constexpr std::string_view kDatadogKey = "DDAPIKEY0123456789abcdef01234567";
inline constexpr std::string_view kSplunkToken = "SPLUNK-TOKEN-0000-1111-2222-333344445555";
inline constexpr std::string_view kSigningSecret =
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZr8h1uUe7Ao";

// Runs a format that must produce a request.
inline HttpClientRequest format_ok(IntegrationType type, const json::object& config,
                                   const IntegrationEvent& event,
                                   const FormatContext& ctx = format_context()) {
  Result<std::optional<HttpClientRequest>> out =
      format_integration_request(type, config, event, ctx);
  REQUIRE_OK(out);
  REQUIRE(out->has_value());
  return **out;
}

// Runs a format that must have nothing to say.
inline void check_nothing(IntegrationType type, const json::object& config,
                          const IntegrationEvent& event) {
  Result<std::optional<HttpClientRequest>> out =
      format_integration_request(type, config, event, format_context());
  REQUIRE_OK(out);
  CHECK_FALSE(out->has_value());
}

// The first header named `name` (case-insensitive); nullopt when absent.
inline std::optional<std::string> header_of(const HttpClientRequest& request,
                                            std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  };
  for (const auto& [key, value] : request.headers) {
    if (lower(key) == lower(name)) return value;
  }
  return std::nullopt;
}

// The body as a JSON object, after checking what every request shares:
// POST, Content-Type application/json, a compact JSON object body.
inline json::object body_of(const HttpClientRequest& request) {
  CHECK(request.method == "POST");
  CHECK(header_of(request, "Content-Type") == std::optional<std::string>("application/json"));
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(body.is_object());
  CHECK(request.body.find('\n') == std::string::npos);  // compact
  return body.as_object();
}

}  // namespace scriptmesh::testing
