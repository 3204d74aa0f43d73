// PagerDuty Events API v2: trigger and resolve alert events.
//
// From PagerDuty's "Send an Alert Event" reference: routing_key and
// event_action ("trigger", "acknowledge", "resolve") are required; dedup_key
// correlates a resolve with its trigger and is at most 255 characters; a
// trigger's payload needs summary (at most 1024 characters), source and
// severity ("critical", "error", "warning", "info"), and may carry timestamp,
// component, group, class and custom_details; links [{href, text}] and
// client / client_url sit beside it. A resolve needs only routing_key,
// event_action and dedup_key. The rules for which event does what are in
// integration_formats.hpp.
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"
#include "core/integrations/integration_config.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDedupKey = 255;
constexpr std::size_t kMaxSummary = 1024;

// What to send for an event; an empty action means nothing.
struct Plan {
  std::string action;  // "trigger" or "resolve"
  std::string severity;
  std::string dedup_key;
};

// "<schedule_id>:<script>", or "" for an unscheduled job.
std::string schedule_key(const IntegrationEvent& event) {
  const std::string schedule = data_string(event.data, "schedule_id", "");
  if (schedule.empty()) return "";
  return schedule + ":" + data_string(event.data, "script");
}

Plan plan_for(const IntegrationEvent& event) {
  const json::object& d = event.data;
  if (event.type == kEventJobFailed) {
    const std::string key = schedule_key(event);
    return {"trigger", "error", key.empty() ? data_string(d, "job_id") : key};
  }
  if (event.type == kEventJobSucceeded) {
    const std::string key = schedule_key(event);
    if (key.empty()) return {};
    return {"resolve", "", key};
  }
  if (event.type == kEventAgentOffline) return {"trigger", "warning", data_string(d, "agent_id")};
  if (event.type == kEventAgentOnline) return {"resolve", "", data_string(d, "agent_id")};
  if (event.type == kEventScheduleMissed) {
    return {"trigger", "warning",
            data_string(d, "schedule_id") + ":missed:" + data_string(d, "due_at")};
  }
  return {};
}

// Where it happened: the agent when there is one, else the orchestrator.
std::string source_of(const IntegrationEvent& event, const FormatContext& ctx) {
  const bool has_agent = is_job_event(event.type) || event.type == kEventAgentOnline ||
                         event.type == kEventAgentOffline;
  if (has_agent) {
    const std::string agent = agent_label(event);
    if (agent != "unknown") return agent;
  }
  return ctx.host.empty() ? "scriptmesh" : ctx.host;
}

json::object trigger_payload(const IntegrationEvent& event, const FormatContext& ctx,
                             const std::string& severity) {
  json::object details = event.data;
  details["event_id"] = event.id;
  details["tenant_id"] = event.tenant_id;
  json::object payload = {{"summary", truncate_utf8(event_summary(event), kMaxSummary)},
                          {"source", source_of(event, ctx)},
                          {"severity", severity},
                          {"timestamp", format_rfc3339(event.created_at)}};
  if (is_job_event(event.type) || event.type == kEventScheduleMissed) {
    payload["component"] = data_string(event.data, "script");
  }
  if (auto schedule = data_text(event.data, "schedule_name")) {
    payload["group"] = *schedule;
  } else if (auto schedule_id = data_text(event.data, "schedule_id")) {
    payload["group"] = *schedule_id;
  }
  payload["class"] = event.type;
  payload["custom_details"] = std::move(details);
  return payload;
}

}  // namespace

FormatResult format_pagerduty(const json::object& config, const IntegrationEvent& event,
                              const FormatContext& ctx) {
  const Plan plan = plan_for(event);
  if (plan.action.empty()) return nothing();
  Result<std::string> routing_key = config_string(config, "routing_key");
  if (!routing_key.ok()) return std::move(routing_key).error();
  std::string url = optional_config_string(config, "api_url");
  if (url.empty()) url = std::string(kDefaultPagerDutyApiUrl);

  json::object body = {{"routing_key", std::move(routing_key).value()},
                       {"event_action", plan.action},
                       {"dedup_key", truncate_utf8(plan.dedup_key, kMaxDedupKey)}};
  if (plan.action == "trigger") {
    body["payload"] = trigger_payload(event, ctx, plan.severity);
    body["client"] = "ScriptMesh";
    const std::string link = job_link(event, ctx);
    if (const std::string base = public_base(ctx); !base.empty()) body["client_url"] = base;
    if (!link.empty()) {
      json::array links;
      links.push_back({{"href", link}, {"text", "View job in ScriptMesh"}});
      body["links"] = std::move(links);
    }
  }
  return std::optional<HttpClientRequest>(json_post(std::move(url), body));
}

}  // namespace scriptmesh::integration_formats
