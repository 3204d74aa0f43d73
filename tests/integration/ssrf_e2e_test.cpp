// Server-side request forgery, replayed against the real binary: webhook and
// integration URLs aimed at the orchestrator's own network.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "support/loopback_receiver.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

json::object webhook_job(const std::string& agent_id, const std::string& url) {
  return {{"agent_id", agent_id}, {"script", "job"}, {"webhook_url", url}};
}

ApiResponse create_webhook_integration(Cluster& c, const std::string& url) {
  return c.api.post(
      "/v1/integrations",
      {{"type", "webhook"}, {"name", "w"}, {"config", {{"url", url}}}, {"events", {"job.failed"}}},
      c.token);
}

TEST_CASE("webhook and integration URLs cannot reach the orchestrator's own network") {
  Cluster c(std::map<std::string, std::string>{{"allow_private_destinations", "false"}});
  LoopbackReceiver receiver;
  const std::string port = std::to_string(receiver.port());
  const CreatedAgent agent = create_agent(c.api, c.token, "web-1");

  // Literal internal hosts, and plain http, are refused when saved.
  for (const std::string& url : std::vector<std::string>{
           "http://127.0.0.1:" + port + "/hook", "https://127.0.0.1:" + port + "/hook",
           "https://localhost:" + port + "/", "https://[::1]:" + port + "/",
           "https://[::ffff:127.0.0.1]:" + port + "/", "http://example.com/hook"}) {
    CAPTURE(url);
    auto job = c.api.post("/v1/jobs", webhook_job(agent.id, url), c.token);
    CHECK(job.status == 422);
    CHECK(job.error_code() == "invalid_webhook_url");
    auto schedule = c.api.post("/v1/schedules",
                               {{"name", "s"},
                                {"cron", "0 * * * *"},
                                {"timezone", "UTC"},
                                {"agent_id", agent.id},
                                {"script", "job"},
                                {"webhook_url", url}},
                               c.token);
    CHECK(schedule.status == 422);
    CHECK(schedule.error_code() == "invalid_webhook_url");
    auto integration = create_webhook_integration(c, url);
    CHECK(integration.status == 422);
    CHECK(integration.error_code() == "invalid_config");
  }

  // Names and shorthand numbers that only resolve to loopback pass the form
  // check; the connection is refused when the address is known.
  for (const std::string& host :
       std::vector<std::string>{"127.1", "2130706433", "0x7f000001", "localhost.localdomain"}) {
    const std::string url = "https://" + host + ":" + port + "/hook";
    CAPTURE(url);
    auto created = create_webhook_integration(c, url);
    INFO(created.body);
    if (created.status != 201) {
      CHECK(created.status == 422);  // localhost.localdomain may not resolve at all here
      continue;
    }
    const std::string id = created.str("id");
    auto tested = c.api.post("/v1/integrations/" + id + "/test", json::object{}, c.token);
    INFO(tested.body);
    REQUIRE(tested.status == 200);
    CHECK_FALSE(tested.json.at("delivered").as_bool());
    CHECK(tested.json.at("status_code").is_null());
    const std::string error(tested.json.at("error").as_string());
    CHECK((error.starts_with("destination_not_allowed:") || error.starts_with("unreachable:")));
    CHECK(c.api.del("/v1/integrations/" + id, c.token).status == 204);
  }
  CHECK(receiver.request_count() == 0);
}

TEST_CASE("an integration's test send does not tell a closed port from a silent one") {
  Cluster c;  // loopback allowed, as for a self-hosted private network
  LoopbackReceiver silent;
  silent.respond_next(CannedResponse::never(), 1);
  std::uint16_t closed = 0;
  {
    LoopbackReceiver gone;
    closed = gone.port();
  }
  std::vector<std::string> errors;
  for (const std::string& url : std::vector<std::string>{
           silent.url("/slow"), "http://127.0.0.1:" + std::to_string(closed) + "/x"}) {
    auto created = create_webhook_integration(c, url);
    REQUIRE(created.status == 201);
    auto tested =
        c.api.post("/v1/integrations/" + created.str("id") + "/test", json::object{}, c.token);
    REQUIRE(tested.status == 200);
    CHECK_FALSE(tested.json.at("delivered").as_bool());
    errors.emplace_back(tested.json.at("error").as_string());
  }
  CHECK(errors.at(0) == "unreachable: the receiver could not be reached");
  CHECK(errors.at(1) == errors.at(0));
}

}  // namespace
}  // namespace scriptmesh::testing
