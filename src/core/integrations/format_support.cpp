// Shared pieces of the integration formats (see format_support.hpp).
#include "core/integrations/format_support.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

std::string test_prefix(const IntegrationEvent& event) {
  return is_test(event) ? "[Test] " : "";
}

bool timed_out(const IntegrationEvent& event) {
  return data_string(event.data, "status", "") == "timed_out";
}

std::string job_summary(const IntegrationEvent& event) {
  const json::object& d = event.data;
  const std::string head = "Job " + data_string(d, "script") + " ";
  const std::string where = " on " + agent_label(event);
  const std::optional<std::int64_t> duration = data_int(d, "duration_ms");
  if (event.type == kEventJobSucceeded) {
    return head + "succeeded" + where + (duration ? " in " + format_duration_ms(*duration) : "");
  }
  if (event.type == kEventJobCancelled) return head + "was cancelled" + where;
  if (timed_out(event)) {
    return head + "timed out" + where + (duration ? " after " + format_duration_ms(*duration) : "");
  }
  std::vector<std::string> why;
  if (auto code = data_int(d, "exit_code")) why.push_back("exit code " + std::to_string(*code));
  if (auto signal = data_text(d, "signal")) why.push_back("signal " + *signal);
  if (auto error = data_text(d, "error")) why.push_back(*error);
  std::string out = head + "failed" + where;
  for (std::size_t i = 0; i < why.size(); ++i)
    out += (i == 0 ? " (" : ", ") + why[i];
  if (!why.empty()) out += ")";
  return out;
}

std::vector<Fact> job_facts(const IntegrationEvent& event) {
  const json::object& d = event.data;
  std::vector<Fact> facts = {{"Status", data_string(d, "status")},
                             {"Script", data_string(d, "script")},
                             {"Agent", agent_label(event)}};
  const std::optional<std::int64_t> code = data_int(d, "exit_code");
  facts.push_back({"Exit code", code ? std::to_string(*code) : "none"});
  const std::optional<std::int64_t> duration = data_int(d, "duration_ms");
  facts.push_back({"Duration", duration ? format_duration_ms(*duration) : "unknown"});
  if (auto signal = data_text(d, "signal")) facts.push_back({"Signal", *signal});
  if (auto error = data_text(d, "error")) facts.push_back({"Error", *error});
  if (auto schedule = data_text(d, "schedule_name")) {
    facts.push_back({"Schedule", *schedule});
  } else if (auto schedule_id = data_text(d, "schedule_id")) {
    facts.push_back({"Schedule", *schedule_id});
  }
  facts.push_back({"Job", data_string(d, "job_id")});
  return facts;
}

}  // namespace

std::string data_string(const json::object& data, std::string_view key, std::string_view fallback) {
  const json::value* value = data.if_contains(key);
  if (value == nullptr || !value->is_string() || value->get_string().empty()) {
    return std::string(fallback);
  }
  return std::string(value->get_string());
}

std::optional<std::int64_t> data_int(const json::object& data, std::string_view key) {
  const json::value* value = data.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->get_uint64());
  }
  return std::nullopt;
}

std::optional<std::string> data_text(const json::object& data, std::string_view key) {
  if (auto number = data_int(data, key)) return std::to_string(*number);
  std::string text = data_string(data, key, "");
  if (text.empty()) return std::nullopt;
  return text;
}

bool is_job_event(std::string_view type) {
  return type == kEventJobSucceeded || type == kEventJobFailed || type == kEventJobCancelled;
}

bool is_known_event(std::string_view type) {
  return is_job_event(type) || type == kEventAgentOnline || type == kEventAgentOffline ||
         type == kEventScheduleMissed;
}

bool is_test(const IntegrationEvent& event) {
  const json::value* test = event.data.if_contains("test");
  return test != nullptr && test->is_bool() && test->get_bool();
}

std::string agent_label(const IntegrationEvent& event) {
  const std::string name = data_string(event.data, "agent_name", "");
  if (!name.empty()) return name;
  // Agent events carry the agent's name under "name".
  if (!is_job_event(event.type)) {
    const std::string own = data_string(event.data, "name", "");
    if (!own.empty()) return own;
  }
  return data_string(event.data, "agent_id");
}

Tone event_tone(const IntegrationEvent& event) {
  if (event.type == kEventJobSucceeded || event.type == kEventAgentOnline) return Tone::kGood;
  if (event.type == kEventJobFailed) return timed_out(event) ? Tone::kWarning : Tone::kBad;
  if (event.type == kEventAgentOffline || event.type == kEventScheduleMissed) {
    return Tone::kWarning;
  }
  return Tone::kNeutral;
}

std::string event_title(const IntegrationEvent& event) {
  const std::string p = test_prefix(event);
  const json::object& d = event.data;
  if (event.type == kEventJobSucceeded) return p + "Job succeeded: " + data_string(d, "script");
  if (event.type == kEventJobFailed) {
    return p + (timed_out(event) ? "Job timed out: " : "Job failed: ") + data_string(d, "script");
  }
  if (event.type == kEventJobCancelled) return p + "Job cancelled: " + data_string(d, "script");
  if (event.type == kEventAgentOnline) return p + "Agent online: " + agent_label(event);
  if (event.type == kEventAgentOffline) return p + "Agent offline: " + agent_label(event);
  if (event.type == kEventScheduleMissed) return p + "Schedule missed: " + data_string(d, "name");
  return p + "ScriptMesh event: " + event.type;
}

std::string event_summary(const IntegrationEvent& event) {
  const std::string p = test_prefix(event);
  const json::object& d = event.data;
  if (is_job_event(event.type)) return p + job_summary(event);
  if (event.type == kEventAgentOnline) return p + "Agent " + agent_label(event) + " is online";
  if (event.type == kEventAgentOffline) {
    const std::optional<std::string> reason = data_text(d, "reason");
    return p + "Agent " + agent_label(event) + " went offline" +
           (reason ? " (" + *reason + ")" : "");
  }
  if (event.type == kEventScheduleMissed) {
    return p + "Schedule " + data_string(d, "name") + " missed its run due at " +
           data_string(d, "due_at");
  }
  return p + "ScriptMesh event " + event.type;
}

std::vector<Fact> event_facts(const IntegrationEvent& event) {
  const json::object& d = event.data;
  if (is_job_event(event.type)) return job_facts(event);
  if (event.type == kEventAgentOnline || event.type == kEventAgentOffline) {
    std::vector<Fact> facts = {{"Agent", agent_label(event)},
                               {"Agent ID", data_string(d, "agent_id")}};
    if (event.type == kEventAgentOffline) facts.push_back({"Reason", data_string(d, "reason")});
    return facts;
  }
  if (event.type == kEventScheduleMissed) {
    return {{"Schedule", data_string(d, "name")},
            {"Script", data_string(d, "script")},
            {"Due at", data_string(d, "due_at")},
            {"Catch-up", data_text(d, "catch_up").value_or("unknown")}};
  }
  return {{"Event", event.type}};
}

std::string public_base(const FormatContext& ctx) {
  std::string_view base = ctx.public_base_url;
  while (base.ends_with('/'))
    base.remove_suffix(1);
  return std::string(base);
}

std::string job_link(const IntegrationEvent& event, const FormatContext& ctx) {
  const std::string base = public_base(ctx);
  const std::string job_id = data_string(event.data, "job_id", "");
  if (base.empty() || job_id.empty() || !is_job_event(event.type)) return "";
  return base + "/jobs/" + job_id;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms < 0) return "unknown";
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60'000) {
    const std::int64_t tenths = ms / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
  }
  const std::int64_t s = ms / 1000;
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  if (max_bytes < kEllipsis.size()) return "";
  std::size_t cut = max_bytes - kEllipsis.size();
  while (cut > 0 && is_continuation(text[cut]))
    --cut;
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

Result<std::string> config_string(const json::object& config, std::string_view key) {
  const json::value* value = config.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return Error::invalid_argument("invalid_config",
                                   "config." + std::string(key) + ": is required");
  }
  if (!value->is_string() || value->get_string().empty()) {
    return Error::invalid_argument("invalid_config",
                                   "config." + std::string(key) + ": must be a non-empty string");
  }
  return std::string(value->get_string());
}

std::string optional_config_string(const json::object& config, std::string_view key) {
  const json::value* value = config.if_contains(key);
  if (value == nullptr || !value->is_string()) return "";
  return std::string(value->get_string());
}

HttpClientRequest json_post(std::string url, const json::value& body) {
  return json_post(std::move(url), json::serialize(body));
}

HttpClientRequest json_post(std::string url, std::string body) {
  HttpClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  return request;
}

}  // namespace scriptmesh::integration_formats
