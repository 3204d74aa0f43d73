// Schedules: create (201 with next_run_at), list, read, change (PATCH,
// also pause/resume), delete, and a schedule's events. The rules are
// ScheduleService's (scriptmesh/schedules.hpp); this file only bounds the
// JSON it reads and writes it back.
#include <charconv>
#include <map>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/schedules.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxCronBytes = 256;
constexpr std::size_t kMaxZoneBytes = 64;
constexpr std::size_t kMaxScriptBytes = 256;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTagBytes = 256;
constexpr std::int64_t kDefaultEventsPage = 100;

Result<ScheduleService*> schedules_of(ApiServices& s) {
  if (s.schedules == nullptr) {
    return Error::unavailable("unavailable", "schedules are not served here");
  }
  return s.schedules;
}

template <typename T>
boost::json::value or_null(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_same_v<T, int>) {
    return boost::json::value(*v);
  } else {
    return boost::json::value(v->str());
  }
}

boost::json::value text_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::value(text);
}

boost::json::object schedule_json(const ScheduleRecord& r) {
  boost::json::object params;
  for (const auto& [name, value] : r.params)
    params[name] = value;
  boost::json::array tags;
  for (const std::string& tag : r.tags)
    tags.emplace_back(tag);
  return {{"id", r.id.str()},
          {"name", r.name},
          {"cron", r.cron},
          {"timezone", r.timezone},
          {"script", r.script},
          {"agent_id", or_null(r.agent_id)},
          {"tags", std::move(tags)},
          {"params", std::move(params)},
          {"catch_up", to_string(r.catch_up)},
          {"misfire_grace_sec", r.misfire_grace_sec},
          {"overlap", to_string(r.overlap)},
          {"timeout_sec", or_null(r.timeout_sec)},
          {"webhook_url", text_or_null(r.webhook_url)},
          {"enabled", r.enabled},
          {"next_run_at", time_or_null(r.next_run_at)},
          {"last_run_at", time_or_null(r.last_run_at)},
          {"created_at", format_rfc3339(r.created_at)},
          {"updated_at", format_rfc3339(r.updated_at)}};
}

boost::json::object event_json(const ScheduleEventRecord& e) {
  return {{"type", to_string(e.type)},       {"due_at", format_rfc3339(e.due_at)},
          {"at", format_rfc3339(e.at)},      {"job_id", or_null(e.job_id)},
          {"agent_id", or_null(e.agent_id)}, {"detail", text_or_null(e.detail)}};
}

Result<ScheduleId> schedule_id(const Request& request) {
  auto id = path_id(request, "id", "schedule_not_found");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  return ScheduleId(std::move(*id));
}

// True when the body names `field` with a null value (PATCH: "clear it").
bool is_null_field(const boost::json::object& body, std::string_view field) {
  auto it = body.find(field);
  return it != body.end() && it->value().is_null();
}

Result<std::optional<std::map<std::string, std::string>>> read_params(
    const boost::json::object& body) {
  auto it = body.find("params");
  if (it == body.end() || it->value().is_null()) {
    return std::optional<std::map<std::string, std::string>>();
  }
  if (!it->value().is_object()) return field_error("params", "must be an object of strings");
  const auto& params = it->value().as_object();
  if (params.size() > kMaxTriggerParams) {
    return field_error("params", fmt::format("may hold at most {} entries", kMaxTriggerParams));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : params) {
    if (!value.is_string()) {
      return field_error(fmt::format("params.{}", std::string_view(name).substr(0, 128)),
                         "must be a string");
    }
    out.emplace(std::string(name), std::string(value.as_string()));
  }
  return std::optional<std::map<std::string, std::string>>(std::move(out));
}

// An optional enum field parsed by `parse`; `names` lists the choices.
template <typename E>
Result<std::optional<E>> read_enum(const boost::json::object& body, std::string_view field,
                                   Result<E> (*parse)(std::string_view), std::string_view names) {
  auto text = optional_string(body, field, 32);
  SCRIPTMESH_RETURN_IF_ERROR(text);
  if (!*text) return std::optional<E>();
  auto value = parse(**text);
  if (!value.ok()) return field_error(field, fmt::format("must be one of {}", names));
  return std::optional<E>(*value);
}

// Every field both POST and PATCH take; absent ones stay unset.
Result<ScheduleChange> read_fields(const boost::json::object& body) {
  ScheduleChange c;
  auto name = optional_string(body, "name", kMaxScheduleNameBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(name);
  c.name = std::move(*name);
  auto cron = optional_string(body, "cron", kMaxCronBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(cron);
  c.cron = std::move(*cron);
  auto zone = optional_string(body, "timezone", kMaxZoneBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(zone);
  c.timezone = std::move(*zone);
  auto script = optional_string(body, "script", kMaxScriptBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(script);
  c.script = std::move(*script);
  auto agent = optional_string(body, "agent_id", kMaxIdBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(agent);
  if (*agent) c.agent_id = AgentId(std::move(**agent));
  auto tags = optional_string_array(body, "tags", kMaxTriggerTags, kMaxTagBytes);
  SCRIPTMESH_RETURN_IF_ERROR(tags);
  c.tags = std::move(*tags);
  auto params = read_params(body);
  SCRIPTMESH_RETURN_IF_ERROR(params);
  c.params = std::move(*params);
  auto catch_up = read_enum(body, "catch_up", &parse_catch_up_policy, "skip, once, all");
  SCRIPTMESH_RETURN_IF_ERROR(catch_up);
  c.catch_up = *catch_up;
  auto overlap =
      read_enum(body, "overlap", &parse_overlap_policy, "skip, buffer_one, cancel_other, allow");
  SCRIPTMESH_RETURN_IF_ERROR(overlap);
  c.overlap = *overlap;
  auto grace = optional_int(body, "misfire_grace_sec", 1, kMaxMisfireGraceSec);
  SCRIPTMESH_RETURN_IF_ERROR(grace);
  if (*grace) c.misfire_grace_sec = static_cast<int>(**grace);
  auto timeout = optional_int(body, "timeout_sec", 1, kMaxJobTimeoutSec);
  SCRIPTMESH_RETURN_IF_ERROR(timeout);
  if (*timeout) c.timeout_sec = std::optional<int>(static_cast<int>(**timeout));
  if (is_null_field(body, "timeout_sec")) c.timeout_sec = std::optional<int>();
  auto webhook = optional_string(body, "webhook_url", kMaxWebhookUrlChars);
  SCRIPTMESH_RETURN_IF_ERROR(webhook);
  c.webhook_url = std::move(*webhook);
  if (is_null_field(body, "webhook_url")) c.webhook_url = std::string();
  auto enabled = optional_bool(body, "enabled");
  SCRIPTMESH_RETURN_IF_ERROR(enabled);
  c.enabled = *enabled;
  return c;
}

Result<ScheduleSpec> read_spec(const boost::json::object& body) {
  for (std::string_view field : {"name", "cron", "script"}) {
    auto it = body.find(field);
    if (it == body.end() || it->value().is_null()) return field_error(field, "is required");
  }
  auto c = read_fields(body);
  SCRIPTMESH_RETURN_IF_ERROR(c);
  ScheduleSpec s;
  s.name = std::move(*c->name);
  s.cron = std::move(*c->cron);
  if (c->timezone) s.timezone = std::move(*c->timezone);
  s.script = std::move(*c->script);
  s.agent_id = std::move(c->agent_id);
  s.tags = std::move(c->tags);
  if (c->params) s.params = std::move(*c->params);
  if (c->catch_up) s.catch_up = *c->catch_up;
  if (c->misfire_grace_sec) s.misfire_grace_sec = *c->misfire_grace_sec;
  if (c->overlap) s.overlap = *c->overlap;
  if (c->timeout_sec) s.timeout_sec = *c->timeout_sec;
  if (c->webhook_url) s.webhook_url = std::move(*c->webhook_url);
  if (c->enabled) s.enabled = *c->enabled;
  return s;
}

Result<int> events_limit(const Request& request) {
  auto text = request.query_param("limit");
  if (!text) return static_cast<int>(kDefaultEventsPage);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 1 ||
      v > kMaxScheduleEventsPage) {
    return field_error("limit",
                       fmt::format("must be an integer between 1 and {}", kMaxScheduleEventsPage));
  }
  return static_cast<int>(v);
}

}  // namespace

Response create_schedule(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto spec = read_spec(*body);
    SCRIPTMESH_RETURN_IF_ERROR(spec);
    auto created = (*service)->create(*who, *spec);
    SCRIPTMESH_RETURN_IF_ERROR(created);
    return json_response(201, schedule_json(*created));
  }());
}

Response list_schedules(ApiServices& s, const Request&, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto list = (*service)->list(*who);
    SCRIPTMESH_RETURN_IF_ERROR(list);
    boost::json::array out;
    for (const ScheduleRecord& r : *list)
      out.emplace_back(schedule_json(r));
    return json_response(200, boost::json::object{{"schedules", std::move(out)}});
  }());
}

Response get_schedule(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = schedule_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto record = (*service)->get(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(record);
    return json_response(200, schedule_json(*record));
  }());
}

Response update_schedule(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = schedule_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto change = read_fields(*body);
    SCRIPTMESH_RETURN_IF_ERROR(change);
    auto record = (*service)->update(*who, *id, *change);
    SCRIPTMESH_RETURN_IF_ERROR(record);
    return json_response(200, schedule_json(*record));
  }());
}

Response delete_schedule(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = schedule_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    SCRIPTMESH_RETURN_IF_ERROR((*service)->remove(*who, *id));
    return empty_response(204);
  }());
}

Response list_schedule_events(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto service = schedules_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(service);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = schedule_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto limit = events_limit(request);
    SCRIPTMESH_RETURN_IF_ERROR(limit);
    auto events = (*service)->events(*who, *id, *limit);
    SCRIPTMESH_RETURN_IF_ERROR(events);
    boost::json::array out;
    for (const ScheduleEventRecord& e : *events)
      out.emplace_back(event_json(e));
    return json_response(200, boost::json::object{{"events", std::move(out)}});
  }());
}

}  // namespace scriptmesh::http::api
