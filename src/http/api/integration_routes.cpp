// The integration routes (integration_routes.hpp).
#include "http/api/integration_routes.hpp"

#include <charconv>
#include <string>
#include <utility>

#include <boost/json.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/integrations.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxTypeBytes = 32;
constexpr std::size_t kMaxEventTypes = 16;
constexpr std::size_t kMaxEventTypeBytes = 64;
constexpr std::size_t kMaxFilterValueBytes = 256;
constexpr int kDefaultDeliveriesPage = 50;
constexpr int kMaxDeliveriesPage = 100;

boost::json::array string_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const std::string& v : values)
    out.emplace_back(v);
  return out;
}

boost::json::object filters_json(const IntegrationFilters& f) {
  boost::json::array schedules;
  for (const ScheduleId& id : f.schedule_ids)
    schedules.emplace_back(id.str());
  return {{"scripts", string_array(f.scripts)},
          {"agent_tags", string_array(f.agent_tags)},
          {"schedule_ids", std::move(schedules)}};
}

boost::json::object integration_json(const IntegrationView& v) {
  boost::json::object out{{"id", v.id.str()},
                          {"type", v.type},
                          {"name", v.name},
                          {"config", boost::json::parse(v.config_json)},
                          {"events", string_array(v.events)},
                          {"filters", filters_json(v.filters)},
                          {"enabled", v.enabled},
                          {"created_at", format_rfc3339(v.created_at)},
                          {"updated_at", format_rfc3339(v.updated_at)}};
  if (v.signing_secret) out["signing_secret"] = *v.signing_secret;
  return out;
}

boost::json::value code_or_null(const std::optional<int>& code) {
  if (!code) return nullptr;
  return *code;
}

boost::json::object delivery_json(const IntegrationDelivery& item) {
  const DeliveryRecord& d = item.delivery;
  boost::json::array history;
  for (const DeliveryAttemptRecord& a : item.attempts) {
    history.emplace_back(boost::json::object{{"attempt", a.attempt},
                                             {"status", to_string(a.status)},
                                             {"status_code", code_or_null(a.status_code)},
                                             {"error", a.error},
                                             {"at", format_rfc3339(a.at)}});
  }
  const bool waiting = d.status == DeliveryStatus::kPending;
  return {{"id", d.id.str()},
          {"event_id", d.payload},
          {"event_type", item.event_type},
          {"status", to_string(d.status)},
          {"attempts", d.attempts},
          {"last_status_code", code_or_null(d.last_status_code)},
          {"last_error", d.last_error},
          {"next_attempt_at", waiting ? boost::json::value(format_rfc3339(d.next_attempt_at))
                                      : boost::json::value(nullptr)},
          {"created_at", format_rfc3339(d.created_at)},
          {"attempt_history", std::move(history)}};
}

Result<IntegrationId> integration_id(const Request& request) {
  auto id = path_id(request, "id", "integration_not_found");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  return IntegrationId(std::move(*id));
}

Result<std::optional<IntegrationFilters>> read_filters(const boost::json::object& body) {
  auto it = body.find("filters");
  if (it == body.end() || it->value().is_null()) return std::optional<IntegrationFilters>();
  if (!it->value().is_object()) return field_error("filters", "must be an object");
  const boost::json::object& f = it->value().as_object();
  for (const auto& [key, value] : f) {
    if (key != "scripts" && key != "agent_tags" && key != "schedule_ids") {
      return field_error("filters", "knows only scripts, agent_tags and schedule_ids");
    }
  }
  IntegrationFilters out;
  auto list = [&](std::string_view key, std::vector<std::string>& into) -> Result<void> {
    auto values = optional_string_array(f, key, kMaxIntegrationFilterValues, kMaxFilterValueBytes);
    if (!values.ok()) return field_error("filters." + std::string(key), values.error().message());
    if (*values) into = std::move(**values);
    return ok_result();
  };
  SCRIPTMESH_RETURN_IF_ERROR(list("scripts", out.scripts));
  SCRIPTMESH_RETURN_IF_ERROR(list("agent_tags", out.agent_tags));
  std::vector<std::string> schedules;
  SCRIPTMESH_RETURN_IF_ERROR(list("schedule_ids", schedules));
  for (std::string& id : schedules)
    out.schedule_ids.emplace_back(std::move(id));
  return std::optional<IntegrationFilters>(std::move(out));
}

// The config object as JSON text; its own size is bounded by the request
// body limit and checked per type by the service.
Result<std::optional<std::string>> read_config(const boost::json::object& body) {
  auto it = body.find("config");
  if (it == body.end()) return std::optional<std::string>();
  if (!it->value().is_object()) return field_error("config", "must be an object");
  return std::optional<std::string>(boost::json::serialize(it->value()));
}

Result<IntegrationChange> read_change(const boost::json::object& body) {
  IntegrationChange c;
  auto name = optional_string(body, "name", kMaxIntegrationNameBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  c.name = std::move(*name);
  auto config = read_config(body);
  SCRIPTMESH_RETURN_IF_ERROR(config);
  c.config_json = std::move(*config);
  auto events = optional_string_array(body, "events", kMaxEventTypes, kMaxEventTypeBytes);
  SCRIPTMESH_RETURN_IF_ERROR(events);
  c.events = std::move(*events);
  auto filters = read_filters(body);
  SCRIPTMESH_RETURN_IF_ERROR(filters);
  c.filters = std::move(*filters);
  auto enabled = optional_bool(body, "enabled");
  SCRIPTMESH_RETURN_IF_ERROR(enabled);
  c.enabled = *enabled;
  return c;
}

Result<IntegrationSpec> read_spec(const boost::json::object& body) {
  auto type = required_string(body, "type", kMaxTypeBytes);
  SCRIPTMESH_RETURN_IF_ERROR(type);
  for (std::string_view field : {"name", "config", "events"}) {
    auto it = body.find(field);
    if (it == body.end() || it->value().is_null()) return field_error(field, "is required");
  }
  auto c = read_change(body);
  SCRIPTMESH_RETURN_IF_ERROR(c);
  IntegrationSpec s;
  s.type = std::move(*type);
  s.name = std::move(*c->name);
  s.config_json = std::move(*c->config_json);
  s.events = std::move(*c->events);
  if (c->filters) s.filters = std::move(*c->filters);
  if (c->enabled) s.enabled = *c->enabled;
  return s;
}

Result<int> deliveries_limit(const Request& request) {
  auto text = request.query_param("limit");
  if (!text) return kDefaultDeliveriesPage;
  int v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 1 || v > kMaxDeliveriesPage) {
    return field_error("limit", "must be an integer between 1 and 100");
  }
  return v;
}

// A create answer carries the signing secret: keep it out of caches.
Response no_store(Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace

Response create_integration(IntegrationService& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto spec = read_spec(*body);
    SCRIPTMESH_RETURN_IF_ERROR(spec);
    auto created = s.create(*who, *spec);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    return no_store(json_response(201, integration_json(*created)));
  }());
}

Response list_integrations(IntegrationService& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto list = s.list(*who);
    SCRIPTMESH_RETURN_IF_ERROR(list);
    boost::json::array out;
    for (const IntegrationView& v : *list)
      out.emplace_back(integration_json(v));
    return json_response(200, boost::json::object{{"integrations", std::move(out)}});
  }());
}

Response get_integration(IntegrationService& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = integration_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto view = s.get(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(view);
    return json_response(200, integration_json(*view));
  }());
}

Response update_integration(IntegrationService& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = integration_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    if (body->contains("type")) return field_error("type", "cannot be changed");
    auto change = read_change(*body);
    SCRIPTMESH_RETURN_IF_ERROR(change);
    auto view = s.update(*who, *id, *change);
    SCRIPTMESH_RETURN_IF_ERROR(view);
    return json_response(200, integration_json(*view));
  }());
}

Response delete_integration(IntegrationService& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = integration_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    SCRIPTMESH_RETURN_IF_ERROR(s.remove(*who, *id));
    return empty_response(204);
  }());
}

void test_integration(IntegrationService& s, const Request& request, RequestContext& ctx,
                      Responder answer) {
  auto who = caller(ctx);
  if (!who.ok()) return answer(error_response(who.error()));
  auto id = integration_id(request);
  if (!id.ok()) return answer(error_response(id.error()));
  s.send_test_async(*who, *id, [answer](Result<IntegrationTestResult> result) {
    if (!result.ok()) return answer(error_response(result.error()));
    answer(
        json_response(200, boost::json::object{{"delivered", result->delivered},
                                               {"status_code", code_or_null(result->status_code)},
                                               {"error", result->error}}));
  });
}

Response list_integration_deliveries(IntegrationService& s, const Request& request,
                                     RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = integration_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto limit = deliveries_limit(request);
    SCRIPTMESH_RETURN_IF_ERROR(limit);
    auto list = s.deliveries(*who, *id, *limit);
    SCRIPTMESH_RETURN_IF_ERROR(list);
    boost::json::array out;
    for (const IntegrationDelivery& item : *list)
      out.emplace_back(delivery_json(item));
    return json_response(200, boost::json::object{{"deliveries", std::move(out)}});
  }());
}

}  // namespace scriptmesh::http::api
