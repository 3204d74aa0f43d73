// The schedules REST API against the real orchestrator binary: create with
// next_run_at, refusals named by code and field, roles, pause and resume,
// events, delete, another tenant's schedules, the plan limit (402) and a
// downgrade that disables rather than deletes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "rest_test_helpers.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;

json::object nightly(const std::string& agent_id, const std::string& name = "nightly") {
  return {{"name", name},
          {"cron", "30 2 * * *"},
          {"timezone", "America/New_York"},
          {"script", "backup"},
          {"agent_id", agent_id}};
}

TEST_CASE("schedules over REST: create, read, pause, resume, events, delete") {
  Cluster c;
  auto agent = create_agent(c.api, c.token, "db-1");
  json::object body = nightly(agent.id);
  body["params"] = json::object{{"MODE", "full"}};
  body["catch_up"] = "once";
  body["overlap"] = "buffer_one";
  body["webhook_url"] = "https://hooks.example.test/x";
  auto created = c.api.post("/v1/schedules", body, c.token);
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string id = created.str("id");
  CHECK(created.str("next_run_at").size() == 20);
  CHECK(created.str("catch_up") == "once");
  CHECK(created.str("overlap") == "buffer_one");
  CHECK(created.json.at("misfire_grace_sec").as_int64() == 60);
  CHECK(created.json.at("enabled").as_bool());

  auto list = c.api.get("/v1/schedules", c.token);
  REQUIRE(list.status == 200);
  REQUIRE(list.json.at("schedules").as_array().size() == 1);

  auto paused = c.api.patch("/v1/schedules/" + id, {{"enabled", false}}, c.token);
  INFO(paused.body);
  REQUIRE(paused.status == 200);
  CHECK(paused.json.at("next_run_at").is_null());
  CHECK(paused.str("cron") == "30 2 * * *");
  CHECK(paused.str("webhook_url") == "https://hooks.example.test/x");
  auto resumed = c.api.patch("/v1/schedules/" + id, {{"enabled", true}}, c.token);
  REQUIRE(resumed.status == 200);
  CHECK(resumed.str("next_run_at") == created.str("next_run_at"));

  auto events = c.api.get("/v1/schedules/" + id + "/events?limit=10", c.token);
  REQUIRE(events.status == 200);
  CHECK(events.json.at("events").as_array().empty());
  CHECK(c.api.get("/v1/schedules/" + id + "/events?limit=0", c.token).error_code() ==
        "invalid_field");

  // Another tenant sees none of it.
  ApiClient other_api(c.server.port());
  auto other = sign_up(c.server, other_api, "other@example.com", "Other");
  CHECK(c.api.get("/v1/schedules/" + id, other.access_token).status == 404);
  CHECK(c.api.patch("/v1/schedules/" + id, {{"enabled", false}}, other.access_token).status == 404);
  auto theirs = c.api.post("/v1/schedules", nightly(agent.id), other.access_token);
  CHECK(theirs.status == 422);
  CHECK(theirs.error_code() == "agent_not_found");

  CHECK(c.api.del("/v1/schedules/" + id, c.token).status == 204);
  CHECK(c.api.get("/v1/schedules/" + id, c.token).status == 404);
}

TEST_CASE("schedules over REST: refusals name their code and field") {
  Cluster c;
  auto agent = create_agent(c.api, c.token, "db-1");
  struct Case {
    const char* field;
    json::value value;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"cron", "61 * * * *", "invalid_cron"},
      {"cron", "@reboot", "invalid_cron"},
      {"timezone", "Not/AZone", "invalid_timezone"},
      {"catch_up", "sometimes", "invalid_field"},
      {"overlap", "queue", "invalid_field"},
      {"misfire_grace_sec", 0, "invalid_field"},
      {"name", "", "invalid_field"},
      {"agent_id", "agt_nope", "agent_not_found"},
      {"webhook_url", "ftp://x.test/", "invalid_webhook_url"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.field);
    json::object body = nightly(agent.id);
    body[k.field] = k.value;
    auto r = c.api.post("/v1/schedules", body, c.token);
    INFO(r.body);
    CHECK(r.status == 422);
    CHECK(r.error_code() == k.code);
  }
  auto bad_cron = c.api.post(
      "/v1/schedules",
      [&] {
        json::object b = nightly(agent.id);
        b["cron"] = "61 * * * *";
        return b;
      }(),
      c.token);
  CHECK(bad_cron.body.find("minute") != std::string::npos);
  json::object missing = nightly(agent.id);
  missing.erase("cron");
  auto r = c.api.post("/v1/schedules", missing, c.token);
  CHECK(r.status == 422);
  CHECK(r.body.find("cron") != std::string::npos);
  CHECK(c.api.get("/v1/schedules", c.token).json.at("schedules").as_array().empty());

  // Members read, only admins write.
  const std::string member = member_token(c.server, c.api, c.account, "mia@example.com");
  CHECK(c.api.post("/v1/schedules", nightly(agent.id), member).status == 403);
  CHECK(c.api.get("/v1/schedules", member).status == 200);
  auto preview = c.api.get(
      "/v1/cron/preview?expr=30%202%20*%20*%20*&tz=America/New_York"
      "&from=2026-03-07T12:00:00Z&count=2",
      member);
  INFO(preview.body);
  REQUIRE(preview.status == 200);
  CHECK(json::serialize(preview.json.at("runs")) ==
        R"(["2026-03-08T07:00:00Z","2026-03-09T06:30:00Z"])");
}

TEST_CASE("schedules over REST: starter holds five, a downgrade disables the newest") {
  Cluster c;
  auto agent = create_agent(c.api, c.token, "db-1");
  for (int i = 0; i < 5; ++i) {
    auto r = c.api.post("/v1/schedules", nightly(agent.id, "s" + std::to_string(i)), c.token);
    REQUIRE(r.status == 201);
  }
  auto sixth = c.api.post("/v1/schedules", nightly(agent.id, "s5"), c.token);
  CHECK(sixth.status == 402);
  CHECK(sixth.error_code() == "plan_limit_reached");

  REQUIRE(c.api.put("/v1/tenant/plan", {{"plan", "pro"}}, c.token).status == 200);
  std::vector<std::string> extra;
  for (int i = 5; i < 7; ++i) {
    auto r = c.api.post("/v1/schedules", nightly(agent.id, "s" + std::to_string(i)), c.token);
    REQUIRE(r.status == 201);
    extra.push_back(r.str("id"));
  }
  auto down = c.api.put("/v1/tenant/plan", {{"plan", "starter"}}, c.token);
  INFO(down.body);
  REQUIRE(down.status == 200);
  CHECK(down.str("plan") == "starter");
  CHECK(json::serialize(down.json.at("disabled_schedules")) ==
        json::serialize(json::array{json::value(extra[1]), json::value(extra[0])}));
  auto list = c.api.get("/v1/schedules", c.token);
  CHECK(list.json.at("schedules").as_array().size() == 7);
  auto newest = c.api.get("/v1/schedules/" + extra[1], c.token);
  CHECK_FALSE(newest.json.at("enabled").as_bool());
  auto enable = c.api.patch("/v1/schedules/" + extra[1], {{"enabled", true}}, c.token);
  CHECK(enable.status == 402);
}

}  // namespace
}  // namespace scriptmesh::testing
