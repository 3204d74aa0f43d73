// What each integration sends for an event: one HTTP request built from a
// normalized config, an IntegrationEvent and a little context. Pure: nothing
// here sends, reads a clock or touches the store; the delivery worker sends
// the request with its HttpClient and records the outcome.
//
// Every request is a POST with "Content-Type: application/json" and a
// compact JSON body. Per type (docs/integrations.md shows full examples):
//
//   slack    POST webhook_url: {"text": one-line summary (the notification
//            fallback), "blocks": [header, section of fields, section with a
//            link to the job when there is one]}.
//   discord  POST webhook_url: {"content": summary, "allowed_mentions":
//            {"parse": []} (a script name cannot ping @everyone), "embeds":
//            [{title, description, url (the job), color, timestamp, fields,
//            footer}]}. Colors: green success/online, red failure, orange
//            timed_out/offline/missed, grey cancelled.
//   teams    POST webhook_url: {"type":"message","attachments":[{"contentType":
//            "application/vnd.microsoft.card.adaptive","content": an Adaptive
//            Card 1.4 of TextBlock and FactSet elements and an Action.OpenUrl
//            to the job}]}.
//   pagerduty POST api_url: Events API v2 trigger or resolve (rules below).
//   datadog  POST api_url or https://api.<site>/api/v2/series, header
//            DD-API-KEY: {"series":[metrics]} (metrics below).
//   splunk   POST hec_url, header "Authorization: Splunk <token>":
//            {"time": epoch seconds with milliseconds, "host": ctx.host,
//            "source": "scriptmesh", "sourcetype", "index" (only when
//            configured), "event": the envelope object}.
//   webhook  POST url: the envelope (envelope_json) with headers
//            X-ScriptMesh-Signature (webhook_signature_header(signing_secret,
//            ctx.now, body)), X-ScriptMesh-Event: <type> and
//            X-ScriptMesh-Delivery: ctx.delivery_id (left out when empty).
//
// When there is nothing to send (the result holds nullopt):
//   - slack, discord, teams, pagerduty, datadog: an event type not listed in
//     integration_event.hpp (a newer orchestrator's event reaching an older
//     formatter is dropped, not shown as garbage);
//   - pagerduty: job.cancelled (a cancel is a decision, not an incident) and
//     job.succeeded of an unscheduled job (no alert can be open for it).
//   splunk and webhook forward every event, known or not.
//
// PagerDuty rules:
//   job.failed       trigger, severity "error"; dedup_key = the schedule's
//                    "<schedule_id>:<script>" for a scheduled job (so runs of
//                    one schedule share one alert until a run succeeds), else
//                    the job_id
//   job.succeeded    of a scheduled job: resolve "<schedule_id>:<script>"
//   agent.offline    trigger, severity "warning", dedup_key = agent_id.
//                    Warning, not critical: an offline agent is lost capacity;
//                    the jobs it fails raise their own "error" alerts, and
//                    "critical" would rank it above them.
//   agent.online     resolve agent_id
//   schedule.missed  trigger, severity "warning",
//                    dedup_key "<schedule_id>:missed:<due_at>"
//   dedup keys are cut to PagerDuty's 255 characters (the same cut on
//   trigger and resolve). A trigger carries payload {summary (<= 1024
//   characters), source (agent name, else agent id, else ctx.host), severity,
//   timestamp (the event's, RFC 3339), component (the script), group (the
//   schedule), class (the event type), custom_details (the event data plus
//   event_id and tenant_id)}, client "ScriptMesh", client_url and a link to
//   the job; a resolve only routing_key, event_action and dedup_key.
//
// Datadog metrics (type 1 = count, 3 = gauge; timestamp = the event's time in
// Unix seconds, or ctx.now when that is more than 50 minutes old or 5
// minutes ahead, since the API drops points outside [now - 1 h, now + 10 min]):
//   job.*            scriptmesh.job.count (count 1) and, when duration_ms is
//                    known, scriptmesh.job.duration_ms (gauge); tags
//                    status:, script:, agent:, tenant:, schedule: (scheduled)
//   agent.online/offline scriptmesh.agent.online gauge 1 / 0; tags agent:, tenant:
//   schedule.missed  scriptmesh.schedule.missed (count 1); tags schedule:,
//                    script:, tenant:
//   The test event adds the tag test:true. Tag values follow Datadog's rules:
//   lowercased (ids are lowercase already, so none is changed), characters
//   other than letters, digits and _ - : . / replaced by '_', whole tag cut to
//   200 characters. resources: [{"name": ctx.host, "type": "host"}] when
//   ctx.host is set.
//
// Event data that is missing or of the wrong type never fails a format: text
// shows "unknown", optional parts are left out.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "core/integrations/integration_event.hpp"
#include "core/integrations/integration_type.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct FormatContext {
  // The orchestrator's public URL, e.g. "https://sm.example.com" (trailing
  // slashes ignored); a job's link is <base>/jobs/<job_id>, the dashboard's job page. Empty: no
  // links.
  std::string public_base_url;
  // The orchestrator's host name (Splunk "host", Datadog host resource,
  // PagerDuty source of events that have no agent).
  std::string host;
  // The delivery's id, sent as X-ScriptMesh-Delivery by the generic webhook.
  std::string delivery_id;
  // Signing time of the generic webhook, and Datadog's fallback timestamp.
  WallTime now{};
};

// The request that tells `type`'s service about `event`, or nullopt when the
// service has nothing to say about it (see above). `config` is the output of
// normalize_integration_config, secrets in clear. Errors: invalid_argument
// "invalid_config" ("config.<key>: is required" or "...: must be a string")
// when the config lacks what the format needs.
[[nodiscard]] Result<std::optional<HttpClientRequest>> format_integration_request(
    IntegrationType type, const boost::json::object& config, const IntegrationEvent& event,
    const FormatContext& ctx);

}  // namespace scriptmesh
