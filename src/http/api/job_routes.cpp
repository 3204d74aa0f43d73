// Jobs: trigger (202 once committed), list with filters and cursor paging,
// read one (optionally long-polling for its end), read its output as raw
// bytes, cancel. The trigger rules are JobService's (jobs.hpp); this file
// only bounds the JSON and the query parameters it reads.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "http/api/handlers.hpp"
#include "http/json_body.hpp"
#include "scriptmesh/jobs.hpp"

namespace scriptmesh::http::api {
namespace {

constexpr std::size_t kMaxScriptBytes = 256;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTagBytes = 256;
constexpr std::size_t kMaxCursorBytes = 512;

Result<JobService*> jobs_of(ApiServices& s) {
  if (s.jobs == nullptr) return Error::unavailable("unavailable", "jobs are not served here");
  return s.jobs;
}

boost::json::value optional_int_json(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

template <typename Id>
boost::json::value id_or_null(const std::optional<Id>& id) {
  if (!id) return nullptr;
  return boost::json::value(id->str());
}

boost::json::object job_json(const JobRecord& j) {
  boost::json::object params;
  for (const auto& [name, value] : j.params)
    params[name] = value;
  auto small = [](const std::optional<int>& v) {
    return optional_int_json(v ? std::optional<std::int64_t>(*v) : std::nullopt);
  };
  return {{"job_id", j.id.str()},
          {"status", to_string(j.status)},
          {"agent_id", j.agent_id.str()},
          {"script", j.script},
          {"params", std::move(params)},
          {"exit_code", small(j.exit_code)},
          {"signal", small(j.signal)},
          {"duration_ms", optional_int_json(j.duration_ms)},
          {"timeout_sec", j.timeout_sec > 0 ? boost::json::value(j.timeout_sec) : nullptr},
          {"created_at", format_rfc3339(j.created_at)},
          {"dispatched_at", time_or_null(j.dispatched_at)},
          {"started_at", time_or_null(j.started_at)},
          {"finished_at", time_or_null(j.finished_at)},
          {"stdout_bytes", j.stdout_bytes},
          {"stderr_bytes", j.stderr_bytes},
          {"schedule_id", id_or_null(j.schedule_id)},
          {"group_id", id_or_null(j.group_id)},
          {"error", j.error.empty() ? boost::json::value(nullptr) : boost::json::value(j.error)}};
}

Result<JobId> job_id(const Request& request) {
  auto id = path_id(request, "id", "job_not_found");
  SCRIPTMESH_RETURN_IF_ERROR(id);
  return JobId(std::move(*id));
}

// A query parameter as an integer in [min, max]; nullopt when absent.
Result<std::optional<std::int64_t>> query_int(const Request& request, std::string_view name,
                                              std::int64_t min, std::int64_t max) {
  auto text = request.query_param(name);
  if (!text) return std::optional<std::int64_t>();
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    return field_error(name, fmt::format("must be an integer between {} and {}", min, max));
  }
  return std::optional<std::int64_t>(v);
}

// A query parameter as text of at most `max` bytes; nullopt when absent.
Result<std::optional<std::string>> query_text(const Request& request, std::string_view name,
                                              std::size_t max) {
  auto text = request.query_param(name);
  if (!text) return std::optional<std::string>();
  if (text->empty() || text->size() > max) {
    return field_error(name, fmt::format("must be 1 to {} bytes long", max));
  }
  return std::optional<std::string>(std::string(*text));
}

Result<std::optional<WallTime>> query_time(const Request& request, std::string_view name) {
  auto text = request.query_param(name);
  if (!text) return std::optional<WallTime>();
  auto at = parse_rfc3339(*text);
  if (!at.ok()) return field_error(name, "must be an RFC 3339 time, years 1970..2261");
  return std::optional<WallTime>(*at);
}

Result<std::map<std::string, std::string>> read_params(const boost::json::object& body) {
  std::map<std::string, std::string> out;
  auto it = body.find("params");
  if (it == body.end() || it->value().is_null()) return out;
  if (!it->value().is_object()) return field_error("params", "must be an object of strings");
  const auto& params = it->value().as_object();
  if (params.size() > kMaxTriggerParams) {
    return field_error("params", fmt::format("may hold at most {} entries", kMaxTriggerParams));
  }
  for (const auto& [name, value] : params) {
    if (!value.is_string()) {
      return field_error(fmt::format("params.{}", std::string_view(name).substr(0, 128)),
                         "must be a string");
    }
    out.emplace(std::string(name), std::string(value.as_string()));
  }
  return out;
}

// The target and the script; JobService checks the rest.
Result<TriggerRequest> read_trigger(const boost::json::object& body) {
  TriggerRequest out;
  auto script = required_string(body, "script", kMaxScriptBytes);
  SCRIPTMESH_RETURN_IF_ERROR(script);
  out.script = std::move(*script);
  auto agent = optional_string(body, "agent_id", kMaxIdBytes, 1);
  SCRIPTMESH_RETURN_IF_ERROR(agent);
  if (*agent) out.agent_id = AgentId(std::move(**agent));
  auto tags = optional_string_array(body, "tags", kMaxTriggerTags, kMaxTagBytes);
  SCRIPTMESH_RETURN_IF_ERROR(tags);
  out.tags = std::move(*tags);
  auto params = read_params(body);
  SCRIPTMESH_RETURN_IF_ERROR(params);
  out.params = std::move(*params);
  auto timeout = optional_int(body, "timeout_sec", 1, kMaxJobTimeoutSec);
  SCRIPTMESH_RETURN_IF_ERROR(timeout);
  if (*timeout) out.timeout_sec = static_cast<int>(**timeout);
  auto webhook = optional_string(body, "webhook_url", kMaxWebhookUrlChars);
  SCRIPTMESH_RETURN_IF_ERROR(webhook);
  if (*webhook) out.webhook_url = std::move(**webhook);
  return out;
}

Response trigger_answer(const TriggerResult& result) {
  if (!result.group_id) {
    const JobRecord& job = result.jobs.front();
    return json_response(202, boost::json::object{{"job_id", job.id.str()},
                                                  {"status", to_string(job.status)},
                                                  {"replayed", result.replayed}});
  }
  boost::json::array jobs;
  for (const JobRecord& job : result.jobs) {
    jobs.emplace_back(
        boost::json::object{{"agent_id", job.agent_id.str()}, {"job_id", job.id.str()}});
  }
  return json_response(202, boost::json::object{{"group_id", result.group_id->str()},
                                                {"jobs", std::move(jobs)},
                                                {"replayed", result.replayed}});
}

Result<JobFilter> read_filter(const Request& request) {
  JobFilter filter;
  auto agent = query_text(request, "agent_id", kMaxIdBytes);
  SCRIPTMESH_RETURN_IF_ERROR(agent);
  if (*agent) filter.agent_id = AgentId(std::move(**agent));
  auto script = query_text(request, "script", kMaxScriptBytes);
  SCRIPTMESH_RETURN_IF_ERROR(script);
  filter.script = std::move(*script);
  if (auto status = request.query_param("status")) {
    auto parsed = parse_job_status(*status);
    if (!parsed.ok()) {
      return field_error("status",
                         "must be pending, dispatched, running, succeeded, failed, timed_out or "
                         "cancelled");
    }
    filter.status = *parsed;
  }
  auto since = query_time(request, "since");
  SCRIPTMESH_RETURN_IF_ERROR(since);
  filter.since = *since;
  auto until = query_time(request, "until");
  SCRIPTMESH_RETURN_IF_ERROR(until);
  filter.until = *until;
  auto schedule = query_text(request, "schedule_id", kMaxIdBytes);
  SCRIPTMESH_RETURN_IF_ERROR(schedule);
  if (*schedule) filter.schedule_id = ScheduleId(std::move(**schedule));
  auto group = query_text(request, "group_id", kMaxIdBytes);
  SCRIPTMESH_RETURN_IF_ERROR(group);
  if (*group) filter.group_id = GroupId(std::move(**group));
  auto limit = query_int(request, "limit", 1, 1000);
  SCRIPTMESH_RETURN_IF_ERROR(limit);
  if (*limit) filter.limit = static_cast<int>(**limit);
  auto cursor = query_text(request, "cursor", kMaxCursorBytes);
  SCRIPTMESH_RETURN_IF_ERROR(cursor);
  if (*cursor) filter.cursor = std::move(**cursor);
  return filter;
}

Result<OutputStream> read_stream(const Request& request) {
  auto text = request.query_param("stream");
  if (!text) return OutputStream::kStdout;
  auto stream = parse_output_stream(*text);
  if (!stream.ok()) return field_error("stream", "must be stdout or stderr");
  return *stream;
}

Response job_or_error(const Result<JobRecord>& job) {
  if (!job.ok()) return error_response(job.error());
  return json_response(200, job_json(*job));
}

}  // namespace

Response trigger_job(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto jobs = jobs_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(jobs);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto body = json_body(request);
    SCRIPTMESH_RETURN_IF_ERROR(body);
    auto trigger = read_trigger(*body);
    SCRIPTMESH_RETURN_IF_ERROR(trigger);
    if (auto key = request.header("Idempotency-Key")) trigger->idempotency_key = std::string(*key);
    auto result = (*jobs)->trigger(*who, *trigger);
    SCRIPTMESH_RETURN_IF_ERROR(result);
    return trigger_answer(*result);
  }());
}

Response list_jobs(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto jobs = jobs_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(jobs);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto filter = read_filter(request);
    SCRIPTMESH_RETURN_IF_ERROR(filter);
    auto page = (*jobs)->list(*who, *filter);
    SCRIPTMESH_RETURN_IF_ERROR(page);
    boost::json::array items;
    for (const JobRecord& j : page->jobs)
      items.emplace_back(job_json(j));
    boost::json::value next = nullptr;
    if (!page->next_cursor.empty()) next = boost::json::value(page->next_cursor);
    return json_response(
        200, boost::json::object{{"jobs", std::move(items)}, {"next_cursor", std::move(next)}});
  }());
}

void get_job(ApiServices& s, const Request& request, RequestContext& ctx, Responder answer) {
  auto started = [&]() -> Result<void> {
    auto jobs = jobs_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(jobs);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = job_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto wait = query_int(request, "wait", 0, kMaxJobWaitSec);
    SCRIPTMESH_RETURN_IF_ERROR(wait);
    if (!*wait) {
      answer(job_or_error((*jobs)->get(*who, *id)));
      return ok_result();
    }
    // The answer comes from whichever thread ends the job or ticks the hub.
    (*jobs)->wait(*who, *id, std::chrono::seconds(**wait),
                  [answer](Result<JobRecord> job) { answer(job_or_error(job)); });
    return ok_result();
  }();
  if (!started.ok()) answer(error_response(started.error()));
}

Response read_job_output(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto jobs = jobs_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(jobs);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = job_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto stream = read_stream(request);
    SCRIPTMESH_RETURN_IF_ERROR(stream);
    auto offset = query_int(request, "offset", 0, std::numeric_limits<std::int64_t>::max());
    SCRIPTMESH_RETURN_IF_ERROR(offset);
    auto limit = query_int(request, "limit", 1, std::numeric_limits<std::int64_t>::max());
    SCRIPTMESH_RETURN_IF_ERROR(limit);
    const std::int64_t from = offset->value_or(0);
    const std::int64_t most = std::min(limit->value_or(kMaxOutputResponseBytes),
                                       static_cast<std::int64_t>(kMaxOutputResponseBytes));
    auto job = (*jobs)->get(*who, *id);  // first, so the size it gives is a lower bound
    SCRIPTMESH_RETURN_IF_ERROR(job);
    auto bytes = (*jobs)->read_output(*who, *id, *stream, from, most);
    SCRIPTMESH_RETURN_IF_ERROR(bytes);
    const std::int64_t next = from + static_cast<std::int64_t>(bytes->size());
    const std::int64_t stored =
        *stream == OutputStream::kStdout ? job->stdout_bytes : job->stderr_bytes;
    Response r = text_response(200, std::move(*bytes), "application/octet-stream");
    r.headers.set("X-Output-Size", std::to_string(std::max(stored, next)));
    r.headers.set("X-Output-Next-Offset", std::to_string(next));
    return r;
  }());
}

Response cancel_job(ApiServices& s, const Request& request, RequestContext& ctx) {
  return respond([&]() -> Result<Response> {
    auto jobs = jobs_of(s);
    SCRIPTMESH_RETURN_IF_ERROR(jobs);
    auto who = caller(ctx);
    SCRIPTMESH_RETURN_IF_ERROR(who);
    auto id = job_id(request);
    SCRIPTMESH_RETURN_IF_ERROR(id);
    auto job = (*jobs)->cancel(*who, *id);
    SCRIPTMESH_RETURN_IF_ERROR(job);
    return json_response(202, job_json(*job));
  }());
}

}  // namespace scriptmesh::http::api
