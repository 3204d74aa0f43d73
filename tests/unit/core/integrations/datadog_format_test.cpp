#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object dd_config(json::object extra = {}) {
  extra["api_key"] = kDatadogKey;
  return normalized(IntegrationType::kDatadog, std::move(extra));
}

json::array dd_series(const IntegrationEvent& event, const FormatContext& ctx = format_context()) {
  const HttpClientRequest request = format_ok(IntegrationType::kDatadog, dd_config(), event, ctx);
  CHECK(request.url == "https://api.datadoghq.com/api/v2/series");
  CHECK(header_of(request, "DD-API-KEY") == std::optional<std::string>(kDatadogKey));
  const json::object body = body_of(request);
  CHECK(body.size() == 1);
  return body.at("series").as_array();
}

const json::object& metric(const json::array& series, std::string_view name) {
  for (const auto& m : series) {
    if (m.at("metric").as_string() == name) return m.as_object();
  }
  FAIL("no metric " << name);
  return series.at(0).as_object();
}

json::array tags(std::initializer_list<std::string_view> list) {
  json::array out;
  for (std::string_view t : list)
    out.push_back(json::string(t));
  return out;
}

TEST_SUITE("integration formats") {
  TEST_CASE("datadog format: a failing job counts one run and records its duration") {
    const json::array series = dd_series(failed_job());
    REQUIRE(series.size() == 2);
    const json::array expected_tags =
        tags({"tenant:tnt_01acme", "status:failed", "script:backup.sh", "agent:agt_01web"});
    CHECK(metric(series, "scriptmesh.job.count") ==
          json::object{
              {"metric", "scriptmesh.job.count"},
              {"type", 1},
              {"points", json::parse(R"j([{"timestamp":1795687200,"value":1}])j")},
              {"tags", expected_tags},
              {"resources", json::parse(R"j([{"name":"orch-1.example.com","type":"host"}])j")}});
    const json::object& duration = metric(series, "scriptmesh.job.duration_ms");
    CHECK(duration.at("type") == 3);
    CHECK(duration.at("points") == json::parse(R"j([{"timestamp":1795687200,"value":5300}])j"));
    CHECK(duration.at("tags") == expected_tags);
  }

  TEST_CASE("datadog format: a scheduled job is tagged with its schedule") {
    const json::array series = dd_series(succeeded_scheduled_job());
    CHECK(metric(series, "scriptmesh.job.count").at("tags") ==
          tags({"tenant:tnt_01acme", "status:succeeded", "script:backup.sh", "agent:agt_01web",
                "schedule:sch_01nightly"}));
    CHECK(metric(series, "scriptmesh.job.duration_ms").at("points").at(0).at("value") == 2174);
  }

  TEST_CASE("datadog format: no duration, no duration metric") {
    const json::array series = dd_series(cancelled_job());
    REQUIRE(series.size() == 1);
    CHECK(series[0].at("metric") == "scriptmesh.job.count");
    CHECK(series[0].at("tags").at(1) == "status:cancelled");
  }

  TEST_CASE("datadog format: agents report 1 online, 0 offline") {
    const json::array offline = dd_series(agent_offline());
    REQUIRE(offline.size() == 1);
    CHECK(offline[0].at("metric") == "scriptmesh.agent.online");
    CHECK(offline[0].at("type") == 3);
    CHECK(offline[0].at("points").at(0).at("value") == 0);
    CHECK(offline[0].at("tags") == tags({"tenant:tnt_01acme", "agent:agt_01web"}));
    const json::array online = dd_series(agent_online());
    REQUIRE(online.size() == 1);
    CHECK(online[0].at("points").at(0).at("value") == 1);
  }

  TEST_CASE("datadog format: a missed run is counted") {
    const json::array series = dd_series(schedule_missed());
    REQUIRE(series.size() == 1);
    CHECK(series[0].at("metric") == "scriptmesh.schedule.missed");
    CHECK(series[0].at("type") == 1);
    CHECK(series[0].at("points").at(0).at("value") == 1);
    CHECK(series[0].at("tags") ==
          tags({"tenant:tnt_01acme", "schedule:sch_01nightly", "script:backup.sh"}));
  }

  TEST_CASE("datadog format: the site picks the API host, api_url overrides it") {
    const HttpClientRequest us3 = format_ok(
        IntegrationType::kDatadog, dd_config({{"site", "us3.datadoghq.com"}}), failed_job());
    CHECK(us3.url == "https://api.us3.datadoghq.com/api/v2/series");
    const HttpClientRequest eu = format_ok(IntegrationType::kDatadog,
                                           dd_config({{"site", "app.datadoghq.eu"}}), failed_job());
    CHECK(eu.url == "https://api.datadoghq.eu/api/v2/series");
    const HttpClientRequest proxy =
        format_ok(IntegrationType::kDatadog,
                  dd_config({{"site", "datadoghq.eu"},
                             {"api_url", "https://dd-proxy.example.com/api/v2/series"}}),
                  failed_job());
    CHECK(proxy.url == "https://dd-proxy.example.com/api/v2/series");
  }

  TEST_CASE("datadog format: tag values follow Datadog's rules without breaking ids") {
    IntegrationEvent event = failed_job();
    event.data["script"] = "Nightly Backup (v2).SH";
    event.data["agent_id"] = "agt_01hx9k2m";
    const json::array series = dd_series(event);
    CHECK(metric(series, "scriptmesh.job.count").at("tags") ==
          tags({"tenant:tnt_01acme", "status:failed", "script:nightly_backup__v2_.sh",
                "agent:agt_01hx9k2m"}));
    event.data["script"] = std::string(500, 'z');
    const json::array long_series = dd_series(event);
    for (const auto& tag : metric(long_series, "scriptmesh.job.count").at("tags").as_array())
      CHECK(tag.as_string().size() <= 200);
    // A value never ends in ':' (a tag may not): empty becomes "unknown".
    event.tenant_id = "";
    const json::array no_tenant = dd_series(event);
    CHECK(metric(no_tenant, "scriptmesh.job.count").at("tags").at(0) == "tenant:unknown");
  }

  TEST_CASE("datadog format: the test event is tagged as such") {
    const json::array series = dd_series(sample_event("tnt_01acme", event_time()));
    const json::array& t = metric(series, "scriptmesh.job.count").at("tags").as_array();
    CHECK(std::find(t.begin(), t.end(), json::value("test:true")) != t.end());
  }

  TEST_CASE("datadog format: a point too old or too new for the API is stamped now") {
    FormatContext late = format_context();
    late.now = event_time() + std::chrono::hours(2);
    CHECK(dd_series(failed_job(), late).at(0).at("points").at(0).at("timestamp") ==
          to_unix_seconds(late.now));
    FormatContext early = format_context();
    early.now = event_time() - std::chrono::minutes(30);
    CHECK(dd_series(failed_job(), early).at(0).at("points").at(0).at("timestamp") ==
          to_unix_seconds(early.now));
    FormatContext recent = format_context();
    recent.now = event_time() + std::chrono::minutes(40);
    CHECK(dd_series(failed_job(), recent).at(0).at("points").at(0).at("timestamp") == 1795687200);
  }

  TEST_CASE("datadog format: without a host name there is no host resource") {
    FormatContext ctx = format_context();
    ctx.host.clear();
    CHECK_FALSE(dd_series(failed_job(), ctx).at(0).as_object().contains("resources"));
  }

  TEST_CASE("datadog format: a config without an API key is refused") {
    Result<std::optional<HttpClientRequest>> out = format_integration_request(
        IntegrationType::kDatadog, json::object{{"site", "datadoghq.com"}}, failed_job(),
        format_context());
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message() == "config.api_key: is required");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
