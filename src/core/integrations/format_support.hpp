// What the per-service formatters (*_format.cpp) share: one entry point per
// service, tolerant readers of event data, the human wording of an event
// (title, one-line summary, facts) and small request helpers. Internal to
// src/core/integrations; format_integration_request is the public door.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/integrations/integration_formats.hpp"

namespace scriptmesh::integration_formats {

using FormatResult = Result<std::optional<HttpClientRequest>>;

// One per service; the contract is format_integration_request's.
FormatResult format_slack(const boost::json::object& config, const IntegrationEvent& event,
                          const FormatContext& ctx);
FormatResult format_discord(const boost::json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx);
FormatResult format_teams(const boost::json::object& config, const IntegrationEvent& event,
                          const FormatContext& ctx);
FormatResult format_pagerduty(const boost::json::object& config, const IntegrationEvent& event,
                              const FormatContext& ctx);
FormatResult format_datadog(const boost::json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx);
FormatResult format_splunk(const boost::json::object& config, const IntegrationEvent& event,
                           const FormatContext& ctx);
FormatResult format_webhook(const boost::json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx);

// "Nothing to send".
inline FormatResult nothing() {
  return std::optional<HttpClientRequest>();
}

// --- Reading event data that may lack a key or hold another type ---------

// data[key] when it is a non-empty string, else `fallback`.
std::string data_string(const boost::json::object& data, std::string_view key,
                        std::string_view fallback = "unknown");
// data[key] when it is an integer that fits int64, else nullopt.
std::optional<std::int64_t> data_int(const boost::json::object& data, std::string_view key);
// data[key] as text when it is a non-empty string or an integer, else nullopt.
std::optional<std::string> data_text(const boost::json::object& data, std::string_view key);

bool is_job_event(std::string_view type);
// One of the types listed in integration_event.hpp.
bool is_known_event(std::string_view type);
// data.test is true (the event of POST /v1/integrations/{id}/test).
bool is_test(const IntegrationEvent& event);
// The agent as people know it: agent_name, else agent_id, else "unknown".
std::string agent_label(const IntegrationEvent& event);

// --- Wording ---------------------------------------------------------------

// How an event feels; each service maps it to a color.
enum class Tone { kGood, kBad, kWarning, kNeutral };
Tone event_tone(const IntegrationEvent& event);

struct Fact {
  std::string title;
  std::string value;  // never empty
};

// "Job failed: backup.sh"; "[Test] " first for the test event.
std::string event_title(const IntegrationEvent& event);
// One line: "Job backup.sh failed on web-1 (exit code 1)".
std::string event_summary(const IntegrationEvent& event);
// Label/value pairs for the event's card: at most 10 (Slack's cap per section).
std::vector<Fact> event_facts(const IntegrationEvent& event);
// ctx.public_base_url without trailing slashes.
std::string public_base(const FormatContext& ctx);
// <base>/jobs/<job_id> (the dashboard's job page), or "" when there is no base URL or no job id.
std::string job_link(const IntegrationEvent& event, const FormatContext& ctx);

// "850 ms", "5.3 s", "2 min 3 s", "1 h 2 min".
std::string format_duration_ms(std::int64_t ms);
// `text` cut to at most `max_bytes` bytes on a UTF-8 character boundary,
// ending in "…" when cut. Byte limits are used for the services' character
// limits: a character is at least one byte, so the result always fits.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// --- Config and request ------------------------------------------------------

// config[key] as a non-empty string. Errors: invalid_argument
// "invalid_config" "config.<key>: is required" / "...: must be a string".
[[nodiscard]] Result<std::string> config_string(const boost::json::object& config,
                                                std::string_view key);
// config[key] when it is a non-empty string, else "".
std::string optional_config_string(const boost::json::object& config, std::string_view key);

// A POST of `body` (serialized compactly) to `url` with Content-Type: application/json.
HttpClientRequest json_post(std::string url, const boost::json::value& body);
// Same, for a body already serialized.
HttpClientRequest json_post(std::string url, std::string body);

}  // namespace scriptmesh::integration_formats
