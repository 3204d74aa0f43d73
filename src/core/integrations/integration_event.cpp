// Integration event envelopes (see integration_event.hpp).
#include "core/integrations/integration_event.hpp"

#include <boost/json.hpp>

namespace scriptmesh {
namespace {

namespace json = boost::json;

Error invalid(std::string_view key, std::string_view what) {
  return Error::invalid_argument("invalid_envelope",
                                 "envelope " + std::string(key) + " " + std::string(what));
}

Result<std::string> read_string(const json::object& obj, std::string_view key, bool non_empty) {
  const json::value* value = obj.if_contains(key);
  if (value == nullptr || !value->is_string()) return invalid(key, "must be a string");
  if (non_empty && value->get_string().empty()) return invalid(key, "must not be empty");
  return std::string(value->get_string());
}

}  // namespace

json::object envelope_object(const IntegrationEvent& event) {
  return {{"id", event.id},
          {"type", event.type},
          {"created_at", format_rfc3339(event.created_at)},
          {"tenant_id", event.tenant_id},
          {"data", event.data}};
}

std::string envelope_json(const IntegrationEvent& event) {
  return json::serialize(envelope_object(event));
}

Result<IntegrationEvent> parse_envelope(std::string_view text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec) return Error::invalid_argument("invalid_envelope", "the envelope is not valid JSON");
  if (!parsed.is_object()) {
    return Error::invalid_argument("invalid_envelope", "the envelope is not a JSON object");
  }
  const json::object& obj = parsed.get_object();
  IntegrationEvent event;
  Result<std::string> id = read_string(obj, "id", true);
  if (!id.ok()) return std::move(id).error();
  event.id = std::move(id).value();
  Result<std::string> type = read_string(obj, "type", true);
  if (!type.ok()) return std::move(type).error();
  event.type = std::move(type).value();
  Result<std::string> tenant = read_string(obj, "tenant_id", false);
  if (!tenant.ok()) return std::move(tenant).error();
  event.tenant_id = std::move(tenant).value();
  Result<std::string> created = read_string(obj, "created_at", true);
  if (!created.ok()) return std::move(created).error();
  Result<WallTime> at = parse_rfc3339(*created);
  if (!at.ok()) return invalid("created_at", "is not an RFC 3339 time");
  event.created_at = *at;
  const json::value* data = obj.if_contains("data");
  if (data == nullptr || !data->is_object()) return invalid("data", "must be an object");
  event.data = data->get_object();
  return event;
}

IntegrationEvent sample_event(std::string_view tenant_id, WallTime now) {
  IntegrationEvent event;
  event.id = "evt_test_" + std::to_string(to_unix_seconds(now));
  event.type = std::string(kEventJobFailed);
  event.tenant_id = std::string(tenant_id);
  event.created_at = now;
  event.data = {{"job_id", "job_test"},
                {"agent_id", "agt_test"},
                {"agent_name", "example-agent"},
                {"script", "backup.sh"},
                {"status", "failed"},
                {"exit_code", 1},
                {"duration_ms", 5300},
                {"test", true}};
  return event;
}

}  // namespace scriptmesh
