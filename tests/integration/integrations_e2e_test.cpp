// Integrations end to end with the real binaries: a real event (a job that
// fails, an agent process that is killed) goes through the orchestrator to a
// loopback receiver standing in for each service, which checks the exact
// request: method, path, headers and the JSON fields the service reads.
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "integration/rest_test_helpers.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/webhook_signing.hpp"
#include "support/agent_fixture.hpp"
#include "support/loopback_receiver.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

json::object create_integration(Cluster& c, const std::string& type, json::object config,
                                json::array events = {"job.failed"}) {
  auto r = c.api.post("/v1/integrations",
                      {{"type", type},
                       {"name", type + " alerts"},
                       {"config", std::move(config)},
                       {"events", std::move(events)}},
                      c.token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json.as_object();
}

// One agent with a script that fails with exit code 3.
struct FailingJob {
  explicit FailingJob(Cluster& c)
      : script(write_script(c.scripts, "backup.sh", "echo 'disk full' >&2\nexit 3\n")),
        agent(create_agent(c.api, c.token, "db-1", {"prod"})),
        process(c.url(), agent.key, manifest_with("backup", {script.string()})) {
    REQUIRE(process.wait_connected());
  }
  std::string run(Cluster& c) {
    std::string id = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "backup"}});
    auto job = wait_final(c.api, c.token, id);
    REQUIRE(str_field(job, "status") == "failed");
    return id;
  }
  std::filesystem::path script;
  CreatedAgent agent;
  TestAgent process;
};

json::object body_of(const ReceivedRequest& got) {
  INFO(got.body);
  json::value v = json::parse(got.body);
  REQUIRE(v.is_object());
  return v.as_object();
}

ReceivedRequest only_request(LoopbackReceiver& receiver) {
  REQUIRE(receiver.wait_for_requests(1, 20s));
  std::this_thread::sleep_for(200ms);  // nothing more is coming
  REQUIRE(receiver.request_count() == 1);
  ReceivedRequest got = receiver.requests().at(0);
  CHECK(got.method == "POST");
  CHECK(got.header("Content-Type").starts_with("application/json"));
  return got;
}

std::string serialized(const json::value& v) {
  return json::serialize(v);
}

TEST_CASE("slack: a failed job arrives as text plus Block Kit blocks") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  const std::string hook = receiver.url("/services/T000/B000/secretslacktoken");
  auto created = create_integration(c, "slack", {{"webhook_url", hook}});
  // The token in the URL is a secret: never shown again.
  CHECK(serialized(created).find("secretslacktoken") == std::string::npos);
  auto listed = c.api.get("/v1/integrations", c.token);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find("secretslacktoken") == std::string::npos);

  const std::string job_id = job.run(c);
  ReceivedRequest got = only_request(receiver);
  CHECK(got.target == "/services/T000/B000/secretslacktoken");
  json::object body = body_of(got);
  REQUIRE(body.at("text").is_string());
  CHECK(std::string(body.at("text").as_string()).find("backup") != std::string::npos);
  REQUIRE(body.at("blocks").is_array());
  CHECK(!body.at("blocks").as_array().empty());
  const std::string blocks = serialized(body.at("blocks"));
  CHECK(blocks.find("failed") != std::string::npos);
  CHECK(blocks.find("db-1") != std::string::npos);
  // "View job" opens the dashboard's job page, not the API's JSON.
  CHECK(blocks.find("/jobs/" + job_id + "|View job") != std::string::npos);
  CHECK(blocks.find("/v1/jobs/") == std::string::npos);
}

TEST_CASE("discord: a failed job arrives as content plus a red embed") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  create_integration(c, "discord", {{"webhook_url", receiver.url("/api/webhooks/1/tok")}});
  const std::string job_id = job.run(c);
  ReceivedRequest got = only_request(receiver);
  CHECK(got.target == "/api/webhooks/1/tok");
  json::object body = body_of(got);
  CHECK(body.at("content").is_string());
  REQUIRE(body.at("embeds").is_array());
  json::object embed = body.at("embeds").as_array().at(0).as_object();
  REQUIRE(embed.at("color").is_int64());
  const std::int64_t color = embed.at("color").as_int64();
  CHECK((color >> 16) > ((color >> 8) & 0xff));  // red dominates for a failure
  CHECK(serialized(embed).find(job_id) != std::string::npos);
}

TEST_CASE("teams: a failed job arrives as an Adaptive Card attachment") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  create_integration(c, "teams", {{"webhook_url", receiver.url("/webhookb2/abc")}});
  job.run(c);
  json::object body = body_of(only_request(receiver));
  CHECK(body.at("type").as_string() == "message");
  json::object attachment = body.at("attachments").as_array().at(0).as_object();
  CHECK(attachment.at("contentType").as_string() == "application/vnd.microsoft.card.adaptive");
  json::object card = attachment.at("content").as_object();
  CHECK(card.at("type").as_string() == "AdaptiveCard");
  CHECK(card.at("version").is_string());
  CHECK(card.at("body").is_array());
  CHECK(serialized(card).find("backup") != std::string::npos);
}

// The PagerDuty events received so far with this action and dedup_key.
std::vector<json::object> pagerduty_events(LoopbackReceiver& receiver, const std::string& action,
                                           const std::string& dedup_key) {
  std::vector<json::object> out;
  for (const ReceivedRequest& got : receiver.requests()) {
    json::object body = body_of(got);
    if (body.at("event_action").as_string() == action &&
        body.at("dedup_key").as_string() == dedup_key) {
      out.push_back(std::move(body));
    }
  }
  return out;
}

// Waits until `count` such events arrived. Deliveries run concurrently, so
// they are found by what they say, not by their order of arrival.
std::vector<json::object> wait_pagerduty(LoopbackReceiver& receiver, const std::string& action,
                                         const std::string& dedup_key, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    auto events = pagerduty_events(receiver, action, dedup_key);
    if (events.size() >= count || std::chrono::steady_clock::now() > deadline) return events;
    std::this_thread::sleep_for(50ms);
  }
}

TEST_CASE("pagerduty: failed jobs trigger, a killed agent triggers and resolves on return") {
  Cluster c;
  LoopbackReceiver receiver;
  // Created before the agent connects, so its first agent.online (a
  // resolve) comes to this integration every time, not only sometimes.
  create_integration(c, "pagerduty",
                     {{"routing_key", "R0UT1NGKEY0000000000000000000000"},
                      {"api_url", receiver.url("/v2/enqueue")}},
                     {"job.failed", "agent.offline", "agent.online"});
  FailingJob job(c);
  REQUIRE(wait_pagerduty(receiver, "resolve", job.agent.id, 1).size() == 1);
  const std::string job_id = job.run(c);
  auto triggered = wait_pagerduty(receiver, "trigger", job_id, 1);
  REQUIRE(triggered.size() == 1);
  {
    const json::object& body = triggered[0];
    CHECK(body.at("routing_key").as_string() == "R0UT1NGKEY0000000000000000000000");
    json::object payload = body.at("payload").as_object();
    CHECK(payload.at("severity").is_string());
    CHECK(!std::string(payload.at("summary").as_string()).empty());
    CHECK(payload.at("source").is_string());
    CHECK(payload.at("custom_details").is_object());
  }
  for (const ReceivedRequest& got : receiver.requests())
    CHECK(got.target == "/v2/enqueue");

  job.process.kill_hard();  // offline after 3 missed 1 s heartbeats
  CHECK(wait_pagerduty(receiver, "trigger", job.agent.id, 1).size() == 1);
  job.process.restart();
  CHECK(wait_pagerduty(receiver, "resolve", job.agent.id, 2).size() == 2);
  CHECK(receiver.request_count() == 4);
}

TEST_CASE("datadog: a failed job arrives as v2 series with the API key header") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  create_integration(c, "datadog",
                     {{"api_key", "ddkey0123456789"}, {"api_url", receiver.url("/api/v2/series")}});
  job.run(c);
  ReceivedRequest got = only_request(receiver);
  CHECK(got.target == "/api/v2/series");
  CHECK(got.header("DD-API-KEY") == "ddkey0123456789");
  json::object body = body_of(got);
  bool count_seen = false;
  for (const json::value& s : body.at("series").as_array()) {
    const json::object& series = s.as_object();
    REQUIRE(series.at("points").is_array());
    if (series.at("metric").as_string() != "scriptmesh.job.count") continue;
    count_seen = true;
    const std::string tags = serialized(series.at("tags"));
    CHECK(tags.find("status:failed") != std::string::npos);
    CHECK(tags.find("script:backup") != std::string::npos);
  }
  CHECK(count_seen);
}

TEST_CASE("splunk: a failed job arrives at the HEC event endpoint") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  create_integration(c, "splunk",
                     {{"hec_url", receiver.url("")}, {"token", "hec-token-1"}, {"index", "ops"}});
  const std::string job_id = job.run(c);
  ReceivedRequest got = only_request(receiver);
  CHECK(got.target == "/services/collector/event");
  CHECK(got.header("Authorization") == "Splunk hec-token-1");
  json::object body = body_of(got);
  CHECK(body.at("time").is_number());
  CHECK(body.at("host").is_string());
  CHECK(body.at("source").is_string());
  CHECK(body.at("sourcetype").is_string());
  CHECK(body.at("index").as_string() == "ops");
  CHECK(serialized(body.at("event")).find(job_id) != std::string::npos);
}

TEST_CASE("webhook: a signed event envelope, the secret shown once") {
  Cluster c;
  LoopbackReceiver receiver;
  FailingJob job(c);
  auto created = create_integration(c, "webhook", {{"url", receiver.url("/events")}});
  const std::string secret(created.at("signing_secret").as_string());
  CHECK(secret.starts_with("whsec_"));
  auto again = c.api.get("/v1/integrations/" + std::string(created.at("id").as_string()), c.token);
  REQUIRE(again.status == 200);
  CHECK(again.body.find(secret) == std::string::npos);

  const std::string job_id = job.run(c);
  ReceivedRequest got = only_request(receiver);
  CHECK(got.target == "/events");
  CHECK(got.header("X-ScriptMesh-Event") == "job.failed");
  CHECK(got.header("X-ScriptMesh-Delivery").starts_with("dlv_"));
  REQUIRE_OK(verify_webhook_signature(secret, got.header("X-ScriptMesh-Signature"), got.body,
                                      system_clock().now()));
  json::object body = body_of(got);
  CHECK(body.at("id").as_string() == "evt_" + job_id);
  CHECK(body.at("type").as_string() == "job.failed");
  CHECK(body.at("tenant_id").as_string() == c.account.tenant_id);
  CHECK(body.at("created_at").is_string());
  json::object data = body.at("data").as_object();
  CHECK(data.at("job_id").as_string() == job_id);
  CHECK(data.at("exit_code").as_int64() == 3);
}

TEST_CASE("a receiver that is down gets every event once it is back, across a restart") {
  Cluster c(std::map<std::string, std::string>{{"delivery_retry_base_ms", "1500"}});
  LoopbackReceiver receiver;
  receiver.respond_next({503, "{}", "application/json", {}, false}, 2);
  FailingJob job(c);
  auto created = create_integration(c, "webhook", {{"url", receiver.url("/events")}});
  const std::string id(created.at("id").as_string());
  const std::string job_id = job.run(c);
  REQUIRE(receiver.wait_for_requests(1, 20s));
  std::this_thread::sleep_for(300ms);  // the refused attempt is recorded
  c.server.kill_hard();
  c.server.restart();

  REQUIRE(receiver.wait_for_requests(3, 30s));
  const auto got = receiver.requests();
  for (const ReceivedRequest& attempt : got) {
    CHECK(attempt.header("X-ScriptMesh-Delivery") == got[0].header("X-ScriptMesh-Delivery"));
    CHECK(attempt.body == got[0].body);
  }
  std::this_thread::sleep_for(1500ms);
  CHECK(receiver.request_count() == 3);  // a 2xx ends it

  ApiClient api(c.server.port());  // the old connection died with the old process
  auto deliveries = api.get("/v1/integrations/" + id + "/deliveries", c.token);
  INFO(deliveries.body);
  REQUIRE(deliveries.status == 200);
  json::object d = deliveries.json.at("deliveries").as_array().at(0).as_object();
  CHECK(d.at("status").as_string() == "succeeded");
  CHECK(d.at("event_id").as_string() == "evt_" + job_id);
  CHECK(d.at("event_type").as_string() == "job.failed");
  CHECK(d.at("attempts").as_int64() == 3);
  json::array history = d.at("attempt_history").as_array();
  REQUIRE(history.size() == 3);
  CHECK(history.at(0).at("status_code").as_int64() == 200);
  CHECK(history.at(2).at("status_code").as_int64() == 503);
}

TEST_CASE("integrations: validation, roles, the test send and tenant isolation") {
  Cluster c;
  LoopbackReceiver receiver;
  auto bad_url = c.api.post("/v1/integrations",
                            {{"type", "slack"},
                             {"name", "x"},
                             {"config", {{"webhook_url", "http://hooks.example.com/x"}}},
                             {"events", {"job.failed"}}},
                            c.token);
  CHECK(bad_url.status == 422);
  CHECK(bad_url.error_code() == "invalid_config");
  CHECK(bad_url.body.find("webhook_url") != std::string::npos);
  auto missing = c.api.post("/v1/integrations",
                            {{"type", "pagerduty"},
                             {"name", "x"},
                             {"config", json::object{}},
                             {"events", {"job.failed"}}},
                            c.token);
  CHECK(missing.status == 422);
  CHECK(missing.body.find("routing_key") != std::string::npos);
  auto bad_event = c.api.post("/v1/integrations",
                              {{"type", "slack"},
                               {"name", "x"},
                               {"config", {{"webhook_url", receiver.url("/x")}}},
                               {"events", {"job.exploded"}}},
                              c.token);
  CHECK(bad_event.status == 422);
  CHECK(bad_event.error_code() == "invalid_events");
  auto bad_type = c.api.post(
      "/v1/integrations",
      {{"type", "fax"}, {"name", "x"}, {"config", json::object{}}, {"events", {"job.failed"}}},
      c.token);
  CHECK(bad_type.status == 422);

  auto created = create_integration(c, "splunk", {{"hec_url", receiver.url("")}, {"token", "t0k"}});
  const std::string id(created.at("id").as_string());
  CHECK(serialized(created.at("config")).find("t0k") == std::string::npos);

  // PATCH merges config: the token stays when only the index changes.
  auto patched = c.api.patch("/v1/integrations/" + id, {{"config", {{"index", "main"}}}}, c.token);
  INFO(patched.body);
  REQUIRE(patched.status == 200);
  auto tested = c.api.post("/v1/integrations/" + id + "/test", json::object{}, c.token);
  INFO(tested.body);
  REQUIRE(tested.status == 200);
  CHECK(tested.json.at("delivered").as_bool());
  CHECK(tested.json.at("status_code").as_int64() == 200);
  REQUIRE(receiver.wait_for_requests(1, 10s));
  ReceivedRequest sample = receiver.requests().at(0);
  CHECK(sample.header("Authorization") == "Splunk t0k");
  CHECK(body_of(sample).at("index").as_string() == "main");

  receiver.respond_next({404, "{}", "application/json", {}, false}, 1);
  auto refused = c.api.post("/v1/integrations/" + id + "/test", json::object{}, c.token);
  REQUIRE(refused.status == 200);
  CHECK_FALSE(refused.json.at("delivered").as_bool());
  CHECK(refused.json.at("status_code").as_int64() == 404);

  // A member reads but does not write.
  const std::string member = member_token(c.server, c.api, c.account, "member@example.com");
  CHECK(c.api.get("/v1/integrations/" + id, member).status == 200);
  CHECK(c.api.del("/v1/integrations/" + id, member).status == 403);

  // Another tenant cannot see or touch it.
  ApiClient other_api(c.server.port());
  TestAccount other = sign_up(c.server, other_api, "other@example.com", "Other");
  CHECK(other_api.get("/v1/integrations/" + id, other.access_token).status == 404);
  CHECK(other_api.patch("/v1/integrations/" + id, {{"name", "mine"}}, other.access_token).status ==
        404);
  CHECK(other_api.post("/v1/integrations/" + id + "/test", json::object{}, other.access_token)
            .status == 404);
  CHECK(other_api.get("/v1/integrations/" + id + "/deliveries", other.access_token).status == 404);
  CHECK(other_api.del("/v1/integrations/" + id, other.access_token).status == 404);
  auto others = other_api.get("/v1/integrations", other.access_token);
  REQUIRE(others.status == 200);
  CHECK(others.json.at("integrations").as_array().empty());

  CHECK(c.api.del("/v1/integrations/" + id, c.token).status == 204);
  CHECK(c.api.get("/v1/integrations/" + id, c.token).status == 404);
}

TEST_CASE("integrations: test sends to a receiver that never answers hold no server thread") {
  // Two server threads, whatever the machine: two sends held on them would
  // stall every other request.
  Cluster c(std::map<std::string, std::string>{{"http_threads", "2"}});
  LoopbackReceiver receiver;
  receiver.respond_next(CannedResponse::never(), 2);
  auto created = create_integration(c, "webhook", {{"url", receiver.url("/slow")}});
  const std::string id(created.at("id").as_string());
  // Two test sends wait for the receiver (10 s each) on clients of their own.
  std::vector<std::thread> senders;
  std::vector<int> statuses(2, 0);
  std::vector<int> delivered(2, 1);  // not vector<bool>: two threads write
  for (int i = 0; i < 2; ++i) {
    senders.emplace_back([&, i] {
      ApiClient api(c.server.port());
      auto r = api.post("/v1/integrations/" + id + "/test", json::object{}, c.token);
      statuses[i] = r.status;
      delivered[i] = r.status == 200 && r.json.at("delivered").as_bool() ? 1 : 0;
    });
  }
  REQUIRE(receiver.wait_for_requests(2, 10s));
  // Meanwhile the API answers at once, however few server threads there are.
  ApiClient other(c.server.port());
  const auto before = std::chrono::steady_clock::now();
  CHECK(other.get("/v1/integrations/" + id, c.token).status == 200);
  CHECK(other.get("/healthz").status == 200);
  CHECK(std::chrono::steady_clock::now() - before < 2s);
  for (std::thread& t : senders)
    t.join();
  CHECK(statuses == std::vector<int>{200, 200});
  CHECK(delivered == std::vector<int>{0, 0});  // timed out
}

}  // namespace
}  // namespace scriptmesh::testing
