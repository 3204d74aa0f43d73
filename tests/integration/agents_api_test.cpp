// The agents REST API against the real orchestrator binary: the key is shown
// once and works on the agent socket until it is rotated or the agent
// deleted; rename/retag; bad input named; another tenant's agents are 404;
// members may look but not manage; the plan's agent limit.
#include <doctest/doctest.h>

#include <string>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "rest_test_helpers.hpp"
#include "support/http_test_client.hpp"
#include "support/orchestrator_fixture.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;

ApiResponse create(ApiClient& api, const std::string& token, const std::string& name,
                   json::array tags = {}) {
  return api.post("/v1/agents", {{"name", name}, {"tags", std::move(tags)}}, token);
}

TEST_CASE("agents API: create shows the key once, read, rename, retag, rotate, delete") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");

  auto created = create(api, owner.access_token, "web-1", {"linux", "eu"});
  INFO(created.body);
  REQUIRE(created.status == 201);
  const std::string id = created.str("id");
  const std::string key = created.str("key");
  CHECK(key.rfind("sm_agent_", 0) == 0);
  CHECK(created.str("name") == "web-1");
  CHECK(created.str("status") == "offline");
  CHECK(created.json.at("tags") == json::array{"linux", "eu"});
  CHECK(created.json.at("manifest") == json::array{});
  CHECK(created.json.at("metrics").is_null());
  CHECK(created.json.at("last_heartbeat_at").is_null());
  CHECK(created.json.at("scripts") == json::object{});  // until it connects
  auto history = api.get("/v1/agents/" + id + "/metrics", owner.access_token);
  REQUIRE(history.status == 200);
  CHECK(history.str("agent_id") == id);
  CHECK(history.json.at("capacity") == 60);
  CHECK(history.json.at("samples") == json::array{});

  auto list = api.get("/v1/agents", owner.access_token);
  REQUIRE(list.status == 200);
  REQUIRE(list.json.at("agents").as_array().size() == 1);
  CHECK(list.json.at("agents").at(0).at("id").as_string() == id);
  CHECK(list.body.find(key) == std::string::npos);  // never again
  CHECK_FALSE(list.json.at("agents").at(0).as_object().contains("key"));
  auto one = api.get("/v1/agents/" + id, owner.access_token);
  REQUIRE(one.status == 200);
  CHECK(one.str("name") == "web-1");
  CHECK(one.body.find(key) == std::string::npos);

  auto renamed = api.patch("/v1/agents/" + id, {{"name", "web-2"}}, owner.access_token);
  REQUIRE(renamed.status == 200);
  CHECK(renamed.str("name") == "web-2");
  CHECK(renamed.json.at("tags") == json::array{"linux", "eu"});
  auto retagged = api.patch("/v1/agents/" + id, {{"tags", json::array{"db"}}}, owner.access_token);
  REQUIRE(retagged.status == 200);
  CHECK(retagged.json.at("tags") == json::array{"db"});
  CHECK(api.get("/v1/agents/" + id, owner.access_token).str("name") == "web-2");

  // The key opens the agent socket; after rotation only the new one does.
  CHECK(ProtocolAgent(server.port(), key).connected());
  auto rotated = api.post("/v1/agents/" + id + "/rotate-key", {}, owner.access_token);
  REQUIRE(rotated.status == 200);
  const std::string new_key = rotated.str("key");
  CHECK(new_key.rfind("sm_agent_", 0) == 0);
  CHECK(new_key != key);
  ProtocolAgent old_key(server.port(), key);
  CHECK_FALSE(old_key.connected());
  CHECK(old_key.handshake_status() == 401);
  CHECK(ProtocolAgent(server.port(), new_key).connected());

  CHECK(api.del("/v1/agents/" + id, owner.access_token).status == 204);
  CHECK(api.get("/v1/agents/" + id, owner.access_token).status == 404);
  CHECK(api.del("/v1/agents/" + id, owner.access_token).status == 404);
  CHECK(api.get("/v1/agents", owner.access_token).json.at("agents").as_array().empty());
  CHECK(ProtocolAgent(server.port(), new_key).handshake_status() == 401);
}

TEST_CASE("agents API: bad input is refused naming the field, the plan limit is 402") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");

  auto not_json = api.call("POST", "/v1/agents", "{nope", owner.access_token);
  CHECK(not_json.status == 400);
  CHECK(not_json.error_code() == "invalid_json");
  auto no_name = api.post("/v1/agents", {{"tags", json::array{}}}, owner.access_token);
  CHECK(no_name.status == 422);
  CHECK(no_name.body.find("name") != std::string::npos);
  auto tags_not_array =
      api.post("/v1/agents", {{"name", "x"}, {"tags", "linux"}}, owner.access_token);
  CHECK(tags_not_array.status == 422);
  CHECK(tags_not_array.body.find("tags") != std::string::npos);
  auto bad_tag = create(api, owner.access_token, "x", {"has space"});
  CHECK(bad_tag.status == 422);
  CHECK(bad_tag.error_code() == "invalid_tags");

  auto a = create(api, owner.access_token, "a");
  REQUIRE(a.status == 201);
  auto empty_patch = api.patch("/v1/agents/" + a.str("id"), {}, owner.access_token);
  CHECK(empty_patch.status == 422);
  CHECK(empty_patch.body.find("name") != std::string::npos);
  auto blank_name = api.patch("/v1/agents/" + a.str("id"), {{"name", ""}}, owner.access_token);
  CHECK(blank_name.status == 422);
  CHECK(api.get("/v1/agents/agt_does_not_exist", owner.access_token).status == 404);

  // Starter plan: 3 agents.
  REQUIRE(create(api, owner.access_token, "b").status == 201);
  REQUIRE(create(api, owner.access_token, "c").status == 201);
  auto fourth = create(api, owner.access_token, "d");
  CHECK(fourth.status == 402);
  CHECK(fourth.error_code() == "plan_limit_reached");
}

TEST_CASE("agents API: another tenant's agent is 404 for every route and never listed") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto a = sign_up(server, api, "a@example.com", "A");
  auto b = sign_up(server, api, "b@example.com", "B");
  auto created = create(api, a.access_token, "a-agent", {"x"});
  REQUIRE(created.status == 201);
  const std::string id = created.str("id");

  CHECK(api.get("/v1/agents/" + id, b.access_token).status == 404);
  CHECK(api.patch("/v1/agents/" + id, {{"name", "mine"}}, b.access_token).status == 404);
  CHECK(api.post("/v1/agents/" + id + "/rotate-key", {}, b.access_token).status == 404);
  CHECK(api.del("/v1/agents/" + id, b.access_token).status == 404);
  auto b_list = api.get("/v1/agents", b.access_token);
  REQUIRE(b_list.status == 200);
  CHECK(b_list.json.at("agents").as_array().empty());

  auto still = api.get("/v1/agents/" + id, a.access_token);
  REQUIRE(still.status == 200);
  CHECK(still.str("name") == "a-agent");
  CHECK(ProtocolAgent(server.port(), created.str("key")).connected());  // key not rotated
}

TEST_CASE("agents API: members and narrow API keys may look but not manage") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto created = create(api, owner.access_token, "web");
  REQUIRE(created.status == 201);
  const std::string id = created.str("id");
  const std::string member = member_token(server, api, owner, "member@example.com");

  CHECK(api.get("/v1/agents", member).status == 200);
  CHECK(api.get("/v1/agents/" + id, member).status == 200);
  auto denied = create(api, member, "nope");
  CHECK(denied.status == 403);
  CHECK(denied.error_code() == "insufficient_role");
  CHECK(api.patch("/v1/agents/" + id, {{"name", "x"}}, member).status == 403);
  CHECK(api.post("/v1/agents/" + id + "/rotate-key", {}, member).status == 403);
  CHECK(api.del("/v1/agents/" + id, member).status == 403);

  auto read_key = api.post("/v1/api-keys", {{"name", "ro"}, {"scopes", json::array{"agents:read"}}},
                           owner.access_token);
  REQUIRE(read_key.status == 201);
  const std::string ro = read_key.str("key");
  CHECK(api.get("/v1/agents", ro).status == 200);
  auto scoped = create(api, ro, "nope");
  CHECK(scoped.status == 403);
  CHECK(scoped.error_code() == "insufficient_scope");
  CHECK(api.get("/v1/agents/" + id, owner.access_token).str("name") == "web");
}

TEST_CASE("agents API: the agent socket refuses a wrong key and plain requests") {
  TestOrchestrator server;
  ProtocolAgent wrong(server.port(), "sm_agent_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  CHECK(wrong.handshake_status() == 401);
  HttpTestClient plain(server.port());
  auto r = plain.request("GET", "/v1/agent/connect");
  REQUIRE(r.ok());
  CHECK(r->status == 426);
}

}  // namespace
}  // namespace scriptmesh::testing
