// Splunk HTTP Event Collector events (POST .../services/collector/event).
//
// From Splunk's "Format events for HTTP Event Collector": the token goes in
// "Authorization: Splunk <token>"; the JSON event protocol takes "time"
// (epoch seconds, "<sec>.<ms>"), "host", "source", "sourcetype", "index"
// (only when set; otherwise the token's default index) and "event".
#include <cstdio>

#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"
#include "core/integrations/integration_config.hpp"

namespace scriptmesh::integration_formats {
namespace {

namespace json = boost::json;

// "1795687200.123": epoch seconds with milliseconds, in plain decimal.
std::string epoch_with_millis(WallTime t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const auto seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%03lld", static_cast<long long>(seconds),
                static_cast<long long>(ms - seconds * 1000));
  return buffer;
}

}  // namespace

FormatResult format_splunk(const json::object& config, const IntegrationEvent& event,
                           const FormatContext& ctx) {
  Result<std::string> url = config_string(config, "hec_url");
  if (!url.ok()) return std::move(url).error();
  Result<std::string> token = config_string(config, "token");
  if (!token.ok()) return std::move(token).error();
  std::string sourcetype = optional_config_string(config, "sourcetype");
  if (sourcetype.empty()) sourcetype = std::string(kDefaultSplunkSourcetype);

  json::object fields;
  if (!ctx.host.empty()) fields["host"] = ctx.host;
  fields["source"] = "scriptmesh";
  fields["sourcetype"] = sourcetype;
  const std::string index = optional_config_string(config, "index");
  if (!index.empty()) fields["index"] = index;
  fields["event"] = envelope_object(event);
  // Boost.JSON writes a double such as 1795687200.123 in exponent form
  // (1.795687200123E9); the time is spliced in as plain decimal text instead,
  // the form Splunk documents. `fields` is never empty, so its text starts "{\"".
  std::string body =
      "{\"time\":" + epoch_with_millis(event.created_at) + "," + json::serialize(fields).substr(1);

  HttpClientRequest request = json_post(std::move(url).value(), std::move(body));
  request.headers.emplace_back("Authorization", "Splunk " + std::move(token).value());
  return std::optional<HttpClientRequest>(std::move(request));
}

}  // namespace scriptmesh::integration_formats
