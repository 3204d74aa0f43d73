// IntegrationEvent: one thing that happened in a tenant, as the integrations
// see it, and its JSON envelope (the body of the generic webhook and the
// "event" of a Splunk event).
//
// Envelope:
//   {"id":"evt_...","type":"job.failed","created_at":"2026-11-26T10:00:00Z",
//    "tenant_id":"tnt_...","data":{...}}
// created_at is RFC 3339 UTC in whole seconds, so a sub-second part of
// IntegrationEvent::created_at does not survive a round trip.
//
// Event types and their data, as the orchestrator produces them (consumers
// must tolerate a key that is missing or of another type, and keys added
// later):
//   job.succeeded, job.failed, job.cancelled
//     job_id, agent_id, script, status ("succeeded"; "failed" or "timed_out"
//     for job.failed; "cancelled"), exit_code (integer or null), duration_ms
//     (integer or null); when known: signal, error (e.g. "agent_lost"),
//     group_id, schedule_id, agent_name, schedule_name
//   agent.online   agent_id, name
//   agent.offline  agent_id, name, reason
//   schedule.missed schedule_id, name, due_at (RFC 3339), catch_up, script
// The test event of POST /v1/integrations/{id}/test (sample_event) also has
// "test": true in its data.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/event_bus.hpp"  // the kEvent* names
#include "scriptmesh/result.hpp"
#include "scriptmesh/schedules.hpp"  // kEventScheduleMissed

namespace scriptmesh {

struct IntegrationEvent {
  std::string id;         // "evt_...": the same on every delivery of this event
  std::string type;       // one of the kEvent* names above
  std::string tenant_id;  // "tnt_..."
  WallTime created_at{};  // when it happened
  boost::json::object data;
};

// The envelope as a JSON object (keys in the order shown above).
boost::json::object envelope_object(const IntegrationEvent& event);

// The envelope serialized compactly.
std::string envelope_json(const IntegrationEvent& event);

// Reads an envelope back. id and type must be non-empty strings, tenant_id a
// string, created_at an RFC 3339 string, data an object; other keys are
// ignored. Errors: invalid_argument "invalid_envelope", naming the key.
[[nodiscard]] Result<IntegrationEvent> parse_envelope(std::string_view json);

// A realistic job.failed event for POST /v1/integrations/{id}/test: a
// non-scheduled job of script "backup.sh" that exited 1 after 5.3 s on agent
// "example-agent", with "test": true in its data. Deterministic: the event
// id is "evt_test_<unix seconds of now>" and the job and agent ids are fixed
// ("job_test", "agt_test"), so repeated tests land on one PagerDuty alert
// instead of opening a new incident each time.
IntegrationEvent sample_event(std::string_view tenant_id, WallTime now);

}  // namespace scriptmesh
