#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object splunk_config(json::object extra = {}) {
  extra["hec_url"] = "https://splunk.example.com:8088";
  extra["token"] = kSplunkToken;
  return normalized(IntegrationType::kSplunk, std::move(extra));
}

HttpClientRequest splunk_request(const IntegrationEvent& event,
                                 const json::object& config = splunk_config()) {
  const HttpClientRequest request = format_ok(IntegrationType::kSplunk, config, event);
  CHECK(request.url == "https://splunk.example.com:8088/services/collector/event");
  CHECK(header_of(request, "Authorization") == "Splunk " + std::string(kSplunkToken));
  return request;
}

TEST_SUITE("integration formats") {
  TEST_CASE("splunk format: a failing job is one event carrying the envelope") {
    const HttpClientRequest request = splunk_request(failed_job());
    // Epoch seconds as plain decimal with milliseconds, first in the body.
    CHECK(request.body.starts_with(R"j({"time":1795687200.000,"host":"orch-1.example.com",)j"));
    const json::object body = body_of(request);
    CHECK(body.at("time").to_number<double>() == doctest::Approx(1795687200.0));
    CHECK(body.at("host") == "orch-1.example.com");
    CHECK(body.at("source") == "scriptmesh");
    CHECK(body.at("sourcetype") == "_json");
    CHECK_FALSE(body.contains("index"));
    CHECK(body.at("event") == envelope_object(failed_job()));
    CHECK(body.size() == 5);
  }

  TEST_CASE("splunk format: milliseconds, index and sourcetype") {
    IntegrationEvent event = schedule_missed();
    event.created_at += std::chrono::milliseconds(123);
    const HttpClientRequest request = splunk_request(
        event, splunk_config({{"index", "ops"}, {"sourcetype", "scriptmesh:event"}}));
    CHECK(request.body.starts_with(R"j({"time":1795687200.123,)j"));
    const json::object body = body_of(request);
    CHECK(body.at("index") == "ops");
    CHECK(body.at("sourcetype") == "scriptmesh:event");
    CHECK(body.at("event").at("type") == "schedule.missed");
  }

  TEST_CASE("splunk format: every event is forwarded, known or not") {
    for (const IntegrationEvent& event :
         {succeeded_scheduled_job(), succeeded_unscheduled_job(), cancelled_job(), agent_offline(),
          agent_online(), schedule_missed(),
          make_event("agent.renamed", {{"agent_id", "agt_1"}})}) {
      INFO(event.type);
      CHECK(body_of(splunk_request(event)).at("event") == envelope_object(event));
    }
  }

  TEST_CASE("splunk format: a config without a token is refused") {
    Result<std::optional<HttpClientRequest>> out = format_integration_request(
        IntegrationType::kSplunk,
        json::object{{"hec_url", "https://s.example.com/services/collector/event"}}, failed_job(),
        format_context());
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message() == "config.token: is required");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
