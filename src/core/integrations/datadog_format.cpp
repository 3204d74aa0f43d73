// Datadog metrics API v2 (POST /api/v2/series, header DD-API-KEY).
//
// From Datadog's "Submit metrics" reference: the body is {"series": [...]},
// each series {metric, type, points: [{timestamp, value}], tags, resources};
// type is an integer: 0 unspecified, 1 count, 2 rate, 3 gauge; timestamps
// are Unix seconds no more than 10 minutes ahead or 1 hour behind. The API
// host is api.<site> (api.datadoghq.com, api.us3.datadoghq.com,
// api.datadoghq.eu ...). From Datadog's tagging rules: a tag starts with a
// letter, may hold letters, digits, _ - : . / (anything else becomes '_'),
// is at most 200 characters, must not end with ':' and is lowercased.
// Which metrics each event gives is listed in integration_formats.hpp.
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"
#include "core/integrations/integration_config.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

constexpr int kCount = 1;
constexpr int kGauge = 3;
constexpr std::size_t kMaxTagBytes = 200;
// Inside the API's window of [now - 1 h, now + 10 min], with a margin for
// the time the request spends in flight and the sender's clock error.
constexpr std::chrono::minutes kMaxPointAge{50};
constexpr std::chrono::minutes kMaxPointLead{5};

char tag_char(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                     c == ':' || c == '.' || c == '/';
  // Bytes of multi-byte UTF-8 characters are kept: Datadog tags are Unicode.
  return plain || static_cast<unsigned char>(c) >= 0x80 ? c : '_';
}

// "<key>:<value>" by Datadog's rules; `key` is one of ours (lowercase, starts
// with a letter), so only the value needs cleaning.
std::string tag(std::string_view key, std::string_view value) {
  std::string out(key);
  out += ':';
  if (value.empty()) value = "unknown";
  for (char c : value)
    out += tag_char(c);
  return truncate_utf8(out, kMaxTagBytes);
}

std::int64_t point_time(const IntegrationEvent& event, const FormatContext& ctx) {
  if (event.created_at < ctx.now - kMaxPointAge || event.created_at > ctx.now + kMaxPointLead) {
    return to_unix_seconds(ctx.now);
  }
  return to_unix_seconds(event.created_at);
}

struct Metrics {
  json::array series;
  json::array tags;
  std::int64_t timestamp = 0;
  json::array resources;

  void add(std::string_view name, int type, std::int64_t value) {
    json::array points;
    points.push_back({{"timestamp", timestamp}, {"value", value}});
    json::object metric = {
        {"metric", name}, {"type", type}, {"points", std::move(points)}, {"tags", tags}};
    if (!resources.empty()) metric["resources"] = resources;
    series.push_back(std::move(metric));
  }
};

void add_event_metrics(Metrics& m, const IntegrationEvent& event) {
  const json::object& d = event.data;
  if (is_job_event(event.type)) {
    m.tags.push_back(json::string(tag("status", data_string(d, "status"))));
    m.tags.push_back(json::string(tag("script", data_string(d, "script"))));
    m.tags.push_back(json::string(tag("agent", data_string(d, "agent_id"))));
    if (auto schedule = data_text(d, "schedule_id")) {
      m.tags.push_back(json::string(tag("schedule", *schedule)));
    }
    m.add("scriptmesh.job.count", kCount, 1);
    if (auto duration = data_int(d, "duration_ms")) {
      m.add("scriptmesh.job.duration_ms", kGauge, *duration);
    }
  } else if (event.type == kEventAgentOnline || event.type == kEventAgentOffline) {
    m.tags.push_back(json::string(tag("agent", data_string(d, "agent_id"))));
    m.add("scriptmesh.agent.online", kGauge, event.type == kEventAgentOnline ? 1 : 0);
  } else {
    m.tags.push_back(json::string(tag("schedule", data_string(d, "schedule_id"))));
    m.tags.push_back(json::string(tag("script", data_string(d, "script"))));
    m.add("scriptmesh.schedule.missed", kCount, 1);
  }
}

}  // namespace

FormatResult format_datadog(const json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx) {
  if (!is_known_event(event.type)) return nothing();
  Result<std::string> api_key = config_string(config, "api_key");
  if (!api_key.ok()) return std::move(api_key).error();
  std::string url = optional_config_string(config, "api_url");
  if (url.empty()) {
    std::string site = optional_config_string(config, "site");
    if (site.empty()) site = std::string(kDefaultDatadogSite);
    url = "https://api." + site + "/api/v2/series";
  }

  Metrics metrics;
  metrics.timestamp = point_time(event, ctx);
  metrics.tags.push_back(json::string(tag("tenant", event.tenant_id)));
  if (is_test(event)) metrics.tags.push_back(json::string(tag("test", "true")));
  if (!ctx.host.empty()) metrics.resources.push_back({{"name", ctx.host}, {"type", "host"}});
  add_event_metrics(metrics, event);

  HttpClientRequest request =
      json_post(std::move(url), json::object{{"series", std::move(metrics.series)}});
  request.headers.emplace_back("DD-API-KEY", std::move(api_key).value());
  return std::optional<HttpClientRequest>(std::move(request));
}

}  // namespace scriptmesh::integration_formats
