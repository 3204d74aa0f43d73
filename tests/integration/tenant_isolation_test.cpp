// Tenant isolation, route by route, against the real binary: two tenants, and
// every route that takes an id answers 404 (never 403) for the other tenant's
// ids and changes nothing; lists never show the other tenant's rows.
//
// Users, API keys, agents, jobs and schedules are covered. Adding a resource
// (integrations next): create one in tenant A in make_tenant_a_resources(),
// add its id routes to id_routes(), and its list route to list_routes().
#include <doctest/doctest.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "support/orchestrator_fixture.hpp"

namespace scriptmesh {
namespace {

using testing::ApiClient;
using testing::ApiResponse;
using testing::TestOrchestrator;
namespace json = boost::json;

// Ids of things tenant A owns.
struct Resources {
  std::string user_id;     // an invited member
  std::string api_key_id;  // an admin-scoped key
  std::string api_key;     // its secret
  std::string agent_id;    // an agent that never connected
  std::string job_id;      // a job for it, pending
  std::string schedule_id;
};

Resources make_tenant_a_resources(ApiClient& api, const testing::TestAccount& a) {
  Resources r;
  auto user = api.post("/v1/users", {{"email", "member-a@example.com"}}, a.access_token);
  REQUIRE(user.status == 201);
  r.user_id = user.str("user_id");
  auto key = api.post("/v1/api-keys", {{"name", "a-key"}, {"scopes", json::array{"admin"}}},
                      a.access_token);
  REQUIRE(key.status == 201);
  r.api_key_id = key.str("id");
  r.api_key = key.str("key");
  auto agent =
      api.post("/v1/agents", {{"name", "a-agent"}, {"tags", json::array{"a-tag"}}}, a.access_token);
  REQUIRE(agent.status == 201);
  r.agent_id = agent.str("id");
  auto job = api.post("/v1/jobs", {{"agent_id", r.agent_id}, {"script", "noop"}}, a.access_token);
  INFO(job.body);
  REQUIRE(job.status == 202);
  r.job_id = job.str("job_id");
  auto schedule = api.post(
      "/v1/schedules",
      {{"name", "a-nightly"}, {"cron", "0 3 * * *"}, {"script", "noop"}, {"agent_id", r.agent_id}},
      a.access_token);
  INFO(schedule.body);
  REQUIRE(schedule.status == 201);
  r.schedule_id = schedule.str("id");
  return r;
}

struct IdRoute {
  const char* method;
  std::string path;
  std::string body;
};

// Every route that names one of A's resources by id.
std::vector<IdRoute> id_routes(const Resources& r) {
  return {
      {"GET", "/v1/users/" + r.user_id, ""},
      {"PATCH", "/v1/users/" + r.user_id, R"({"role":"owner"})"},
      {"DELETE", "/v1/users/" + r.user_id, ""},
      {"DELETE", "/v1/api-keys/" + r.api_key_id, ""},
      {"GET", "/v1/agents/" + r.agent_id, ""},
      {"GET", "/v1/agents/" + r.agent_id + "/metrics", ""},
      {"PATCH", "/v1/agents/" + r.agent_id, R"({"name":"stolen"})"},
      {"DELETE", "/v1/agents/" + r.agent_id, ""},
      {"POST", "/v1/agents/" + r.agent_id + "/rotate-key", ""},
      {"POST", "/v1/jobs", R"({"agent_id":")" + r.agent_id + R"(","script":"noop"})"},
      {"GET", "/v1/jobs/" + r.job_id, ""},
      {"GET", "/v1/jobs/" + r.job_id + "?wait=1", ""},
      {"GET", "/v1/jobs/" + r.job_id + "/output", ""},
      {"POST", "/v1/jobs/" + r.job_id + "/cancel", ""},
      {"GET", "/v1/schedules/" + r.schedule_id, ""},
      {"PATCH", "/v1/schedules/" + r.schedule_id, R"({"enabled":false})"},
      {"DELETE", "/v1/schedules/" + r.schedule_id, ""},
      {"GET", "/v1/schedules/" + r.schedule_id + "/events", ""},
  };
}

// Every list route, with the ids of A's that must not appear in it.
std::vector<std::pair<std::string, std::string>> list_routes(const Resources& r) {
  return {
      {"/v1/users", r.user_id},
      {"/v1/api-keys", r.api_key_id},
      {"/v1/agents", r.agent_id},
      {"/v1/jobs", r.job_id},
      {"/v1/jobs?agent_id=" + r.agent_id, r.job_id},
      {"/v1/schedules", r.schedule_id},
  };
}

// What tenant A can observe about its resources, to prove nothing changed.
std::string snapshot(ApiClient& api, const testing::TestAccount& a) {
  std::string all;
  for (const char* path :
       {"/v1/users", "/v1/api-keys", "/v1/tenant", "/v1/agents", "/v1/jobs", "/v1/schedules"}) {
    all += json::serialize(api.get(path, a.access_token).json);
  }
  return all;
}

TEST_CASE("isolation: tenant B cannot read, change or delete tenant A's things") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto a = testing::sign_up(server, api, "owner-a@example.com", "Tenant A");
  auto b = testing::sign_up(server, api, "owner-b@example.com", "Tenant B");
  REQUIRE(a.tenant_id != b.tenant_id);
  Resources res = make_tenant_a_resources(api, a);

  auto b_key = api.post("/v1/api-keys", {{"name", "b-key"}, {"scopes", json::array{"admin"}}},
                        b.access_token);
  REQUIRE(b_key.status == 201);
  const std::string before = snapshot(api, a);

  // B as a session and as an admin-scoped API key: the same answers.
  for (const std::string& credential : {b.access_token, b_key.str("key")}) {
    for (const IdRoute& route : id_routes(res)) {
      INFO(route.method << " " << route.path);
      ApiResponse r = api.call(route.method, route.path, route.body, credential);
      CHECK(r.status == 404);
      CHECK(r.body.find(a.tenant_id) == std::string::npos);
    }
    for (const auto& [path, foreign_id] : list_routes(res)) {
      INFO(path);
      ApiResponse r = api.get(path, credential);
      CHECK(r.status == 200);
      CHECK(r.body.find(foreign_id) == std::string::npos);
      CHECK(r.body.find(a.tenant_id) == std::string::npos);
    }
    ApiResponse me = api.get("/v1/me", credential);
    CHECK(me.str("tenant_id") == b.tenant_id);
    ApiResponse tenant = api.get("/v1/tenant", credential);
    CHECK(tenant.str("tenant_id") == b.tenant_id);
  }

  // B changed its own plan only.
  REQUIRE(api.put("/v1/tenant/plan", {{"plan", "pro"}}, b.access_token).status == 200);
  CHECK(api.get("/v1/tenant", a.access_token).str("plan") == "starter");

  CHECK(snapshot(api, a) == before);
  // A's resources still work for A.
  CHECK(api.get("/v1/users/" + res.user_id, a.access_token).status == 200);
  CHECK(api.get("/v1/me", res.api_key).str("tenant_id") == a.tenant_id);
  CHECK(api.get("/v1/jobs/" + res.job_id, a.access_token).str("status") == "pending");
  CHECK(api.get("/v1/schedules/" + res.schedule_id, a.access_token).status == 200);

  // A tag trigger or a schedule of B never reaches A's agent.
  auto by_tag =
      api.post("/v1/jobs", {{"tags", json::array{"a-tag"}}, {"script", "noop"}}, b.access_token);
  CHECK(by_tag.status != 202);
  CHECK(by_tag.body.find(res.agent_id) == std::string::npos);
  auto schedule = api.post(
      "/v1/schedules",
      {{"name", "b-steal"}, {"cron", "0 3 * * *"}, {"script", "noop"}, {"agent_id", res.agent_id}},
      b.access_token);
  CHECK(schedule.status == 422);
  CHECK(schedule.body.find(a.tenant_id) == std::string::npos);
}

TEST_CASE("isolation: a credential of one tenant never acts in another") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto a = testing::sign_up(server, api, "one@example.com", "One");
  auto b = testing::sign_up(server, api, "two@example.com", "Two");

  // B invites an address; A cannot see or remove that user, and A's invite of
  // the same address is refused as taken without revealing the tenant.
  auto invited = api.post("/v1/users", {{"email", "shared@example.com"}}, b.access_token);
  REQUIRE(invited.status == 201);
  auto dup = api.post("/v1/users", {{"email", "shared@example.com"}}, a.access_token);
  CHECK(dup.status == 409);
  CHECK(dup.body.find(b.tenant_id) == std::string::npos);
  CHECK(api.del("/v1/users/" + invited.str("user_id"), a.access_token).status == 404);
  CHECK(api.get("/v1/users/" + invited.str("user_id"), b.access_token).status == 200);

  // Deleting B's owner id from A: 404, and B's owner still works.
  CHECK(api.del("/v1/users/" + b.user_id, a.access_token).status == 404);
  CHECK(api.get("/v1/me", b.access_token).status == 200);
}

}  // namespace
}  // namespace scriptmesh
