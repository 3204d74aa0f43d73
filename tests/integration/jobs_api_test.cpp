// The jobs REST API against the real orchestrator binary: triggers for
// agents that never connected stay pending and can be cancelled; an empty
// job's output; filters and cursor paging; ?wait answers at its deadline;
// idempotent triggers; bad input named; another tenant's jobs are 404; and
// one job run through the agent protocol by a protocol-level agent (a Beast
// WebSocket client), read back over REST byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "rest_test_helpers.hpp"
#include "scriptmesh/manifest.hpp"
#include "support/http_test_client.hpp"
#include "support/orchestrator_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace proto = agent_protocol;

struct Agent {
  std::string id;
  std::string key;
};

Agent create_agent(ApiClient& api, const std::string& token, const std::string& name,
                   json::array tags = {}) {
  auto r = api.post("/v1/agents", {{"name", name}, {"tags", std::move(tags)}}, token);
  INFO(r.body);
  REQUIRE(r.status == 201);
  return {r.str("id"), r.str("key")};
}

std::string trigger(ApiClient& api, const std::string& token, const std::string& agent_id,
                    const std::string& script) {
  auto r = api.post("/v1/jobs", {{"script", script}, {"agent_id", agent_id}}, token);
  INFO(r.body);
  REQUIRE(r.status == 202);
  return r.str("job_id");
}

// Every job id of a listing, following next_cursor page by page.
std::vector<std::string> all_pages(ApiClient& api, const std::string& token,
                                   const std::string& query, int* pages) {
  std::vector<std::string> ids;
  std::string cursor;
  *pages = 0;
  for (int i = 0; i < 50; ++i) {
    std::string target = "/v1/jobs?" + query + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto page = api.get(target, token);
    INFO(page.body);
    REQUIRE(page.status == 200);
    ++*pages;
    for (const auto& job : page.json.at("jobs").as_array())
      ids.emplace_back(job.at("job_id").as_string());
    if (page.json.at("next_cursor").is_null()) return ids;
    cursor = std::string(page.json.at("next_cursor").as_string());
  }
  FAIL("paging did not end");
  return ids;
}

TEST_CASE("jobs API: a job for an agent that never connected stays pending, cancel, output") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto agent = create_agent(api, owner.access_token, "never-connects");

  auto triggered = api.post("/v1/jobs",
                            {{"script", "hello"},
                             {"agent_id", agent.id},
                             {"params", json::object{{"NAME", "world"}}},
                             {"timeout_sec", 30}},
                            owner.access_token);
  INFO(triggered.body);
  REQUIRE(triggered.status == 202);
  const std::string id = triggered.str("job_id");
  CHECK_FALSE(id.empty());

  auto job = api.get("/v1/jobs/" + id, owner.access_token);
  REQUIRE(job.status == 200);
  for (const char* field :
       {"job_id", "status", "agent_id", "script", "params", "exit_code", "duration_ms",
        "created_at", "started_at", "finished_at", "stdout_bytes", "stderr_bytes", "schedule_id",
        "group_id", "error", "signal", "timeout_sec"}) {
    INFO(field);
    CHECK(job.json.as_object().contains(field));
  }
  CHECK(job.str("status") == "pending");
  CHECK(job.str("agent_id") == agent.id);
  CHECK(job.str("script") == "hello");
  CHECK(job.json.at("params") == json::object{{"NAME", "world"}});
  CHECK(job.json.at("timeout_sec") == 30);
  CHECK(job.json.at("exit_code").is_null());
  CHECK(job.json.at("stdout_bytes") == 0);

  // ?wait answers at its deadline with the job as it is then.
  auto began = std::chrono::steady_clock::now();
  auto waited = api.get("/v1/jobs/" + id + "?wait=1", owner.access_token);
  auto took = std::chrono::steady_clock::now() - began;
  REQUIRE(waited.status == 200);
  CHECK(waited.str("status") == "pending");
  CHECK(took >= 900ms);
  CHECK(took < 4s);

  // An empty job's output: no bytes, both streams.
  auto out = api.get("/v1/jobs/" + id + "/output", owner.access_token);
  REQUIRE(out.status == 200);
  CHECK(out.body.empty());
  CHECK(out.header("X-Output-Size") == "0");
  CHECK(out.header("X-Output-Next-Offset") == "0");
  CHECK(api.get("/v1/jobs/" + id + "/output?stream=stderr&offset=0&limit=10", owner.access_token)
            .status == 200);
  auto bad_stream = api.get("/v1/jobs/" + id + "/output?stream=stdin", owner.access_token);
  CHECK(bad_stream.status == 422);
  CHECK(bad_stream.body.find("stream") != std::string::npos);
  CHECK(api.get("/v1/jobs/" + id + "/output?offset=-1", owner.access_token).status == 422);
  CHECK(api.get("/v1/jobs/" + id + "/output?limit=0", owner.access_token).status == 422);

  auto cancelled = api.post("/v1/jobs/" + id + "/cancel", {}, owner.access_token);
  REQUIRE(cancelled.status == 202);
  CHECK(cancelled.str("status") == "cancelled");
  auto again = api.post("/v1/jobs/" + id + "/cancel", {}, owner.access_token);
  CHECK(again.status == 409);
  CHECK(again.error_code() == "job_already_final");
  auto final_job = api.get("/v1/jobs/" + id + "?wait=5", owner.access_token);  // final: at once
  CHECK(final_job.str("status") == "cancelled");
  CHECK_FALSE(final_job.json.at("finished_at").is_null());
}

TEST_CASE("jobs API: filters, newest first, and cursor paging") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto one = create_agent(api, owner.access_token, "one", {"web"});
  auto two = create_agent(api, owner.access_token, "two", {"web", "db"});

  std::vector<std::string> on_one;
  for (int i = 0; i < 5; ++i)
    on_one.push_back(trigger(api, owner.access_token, one.id, "a"));
  std::vector<std::string> on_two;
  for (int i = 0; i < 2; ++i)
    on_two.push_back(trigger(api, owner.access_token, two.id, "b"));
  auto group =
      api.post("/v1/jobs", {{"script", "c"}, {"tags", json::array{"web"}}}, owner.access_token);
  INFO(group.body);
  REQUIRE(group.status == 202);
  const std::string group_id = group.str("group_id");
  REQUIRE(group.json.at("jobs").as_array().size() == 2);
  std::set<std::string> group_agents;
  for (const auto& j : group.json.at("jobs").as_array())
    group_agents.insert(std::string(j.at("agent_id").as_string()));
  CHECK(group_agents == std::set<std::string>{one.id, two.id});

  int pages = 0;
  auto everything = all_pages(api, owner.access_token, "limit=3", &pages);
  CHECK(everything.size() == 9);
  CHECK(pages == 3);
  CHECK(std::set<std::string>(everything.begin(), everything.end()).size() == 9);
  // Newest first: the last trigger made on agent two comes before the first on one.
  auto pos = [&](const std::string& id) {
    return std::find(everything.begin(), everything.end(), id) - everything.begin();
  };
  CHECK(pos(on_two.back()) < pos(on_one.front()));
  CHECK(pos(on_one.back()) < pos(on_one.front()));

  CHECK(all_pages(api, owner.access_token, "agent_id=" + two.id, &pages).size() == 3);
  CHECK(all_pages(api, owner.access_token, "script=a", &pages).size() == 5);
  CHECK(all_pages(api, owner.access_token, "group_id=" + group_id, &pages).size() == 2);
  CHECK(all_pages(api, owner.access_token, "status=pending", &pages).size() == 9);
  CHECK(all_pages(api, owner.access_token, "status=succeeded", &pages).empty());
  CHECK(all_pages(api, owner.access_token, "since=2200-01-01T00:00:00Z", &pages).empty());
  CHECK(all_pages(api, owner.access_token, "until=2000-01-01T00:00:00Z", &pages).empty());
  CHECK(all_pages(api, owner.access_token, "schedule_id=sch_none", &pages).empty());

  for (const char* bad : {"status=done", "limit=0", "limit=1001", "since=yesterday", "until=1",
                          "limit=x", "since=2999-01-01T00:00:00Z", "until=0099-01-01T00:00:00Z"}) {
    INFO(bad);
    auto r = api.get(std::string("/v1/jobs?") + bad, owner.access_token);
    CHECK(r.status == 422);
  }
  CHECK(api.get("/v1/jobs?cursor=garbage", owner.access_token).status == 422);
}

TEST_CASE("jobs API: bad triggers are refused naming the field, and create nothing") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto agent = create_agent(api, owner.access_token, "web", {"web"});
  const std::string& t = owner.access_token;

  auto no_script = api.post("/v1/jobs", {{"agent_id", agent.id}}, t);
  CHECK(no_script.status == 422);
  CHECK(no_script.body.find("script") != std::string::npos);
  auto number_param = api.post(
      "/v1/jobs", {{"script", "s"}, {"agent_id", agent.id}, {"params", json::object{{"N", 1}}}}, t);
  CHECK(number_param.status == 422);
  CHECK(number_param.body.find("params.N") != std::string::npos);
  auto bad_name = api.post(
      "/v1/jobs",
      {{"script", "s"}, {"agent_id", agent.id}, {"params", json::object{{"lower", "x"}}}}, t);
  CHECK(bad_name.status == 422);
  CHECK(bad_name.error_code() == "invalid_param");
  auto zero_timeout =
      api.post("/v1/jobs", {{"script", "s"}, {"agent_id", agent.id}, {"timeout_sec", 0}}, t);
  CHECK(zero_timeout.status == 422);
  CHECK(zero_timeout.body.find("timeout_sec") != std::string::npos);
  auto both = api.post("/v1/jobs",
                       {{"script", "s"}, {"agent_id", agent.id}, {"tags", json::array{"web"}}}, t);
  CHECK(both.status == 422);
  CHECK(both.error_code() == "invalid_target");
  auto none = api.post("/v1/jobs", {{"script", "s"}}, t);
  CHECK(none.status == 422);
  auto no_match = api.post("/v1/jobs", {{"script", "s"}, {"tags", json::array{"gpu"}}}, t);
  CHECK(no_match.status == 422);
  CHECK(no_match.error_code() == "no_matching_agents");
  auto unknown = api.post("/v1/jobs", {{"script", "s"}, {"agent_id", "agt_missing"}}, t);
  CHECK(unknown.status == 404);
  CHECK(api.call("POST", "/v1/jobs", "[1]", t).status == 400);
  CHECK(api.get("/v1/jobs/job_missing", t).status == 404);
  auto long_wait = api.get("/v1/jobs/job_missing?wait=61", t);
  CHECK(long_wait.status == 422);
  CHECK(long_wait.body.find("wait") != std::string::npos);

  auto listed = api.get("/v1/jobs", t);
  REQUIRE(listed.status == 200);
  CHECK(listed.json.at("jobs").as_array().empty());
}

TEST_CASE("jobs API: an Idempotency-Key makes a retried trigger return the same job") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto agent = create_agent(api, owner.access_token, "web");
  HttpTestClient raw(server.port());
  const std::string body =
      json::serialize(json::object{{"script", "deploy"}, {"agent_id", agent.id}});
  HeaderList headers = {{"Authorization", "Bearer " + owner.access_token},
                        {"Content-Type", "application/json"},
                        {"Idempotency-Key", "deploy-2026-11-26"}};
  auto first = raw.request("POST", "/v1/jobs", body, headers);
  auto second = raw.request("POST", "/v1/jobs", body, headers);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(first->status == 202);
  REQUIRE(second->status == 202);
  auto a = json::parse(first->body);
  auto b = json::parse(second->body);
  CHECK(a.at("job_id") == b.at("job_id"));
  CHECK(a.at("replayed") == false);
  CHECK(b.at("replayed") == true);
  CHECK(api.get("/v1/jobs", owner.access_token).json.at("jobs").as_array().size() == 1);
}

TEST_CASE("jobs API: another tenant's jobs are 404, members trigger, scopes are enforced") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto a = sign_up(server, api, "a@example.com", "A");
  auto b = sign_up(server, api, "b@example.com", "B");
  auto agent = create_agent(api, a.access_token, "a-agent");
  const std::string job = trigger(api, a.access_token, agent.id, "hello");

  CHECK(api.get("/v1/jobs/" + job, b.access_token).status == 404);
  CHECK(api.get("/v1/jobs/" + job + "?wait=1", b.access_token).status == 404);
  CHECK(api.get("/v1/jobs/" + job + "/output", b.access_token).status == 404);
  CHECK(api.post("/v1/jobs/" + job + "/cancel", {}, b.access_token).status == 404);
  CHECK(
      api.post("/v1/jobs", {{"script", "hello"}, {"agent_id", agent.id}}, b.access_token).status ==
      404);
  CHECK(api.get("/v1/jobs", b.access_token).json.at("jobs").as_array().empty());
  CHECK(
      api.get("/v1/jobs?agent_id=" + agent.id, b.access_token).json.at("jobs").as_array().empty());
  CHECK(api.get("/v1/jobs/" + job, a.access_token).str("status") == "pending");

  const std::string member = member_token(server, api, a, "member@example.com");
  const std::string by_member = trigger(api, member, agent.id, "hello");
  CHECK(api.get("/v1/jobs/" + by_member, member).status == 200);
  CHECK(api.post("/v1/jobs/" + by_member + "/cancel", {}, member).status == 202);

  auto read_only = api.post("/v1/api-keys", {{"name", "ro"}, {"scopes", json::array{"jobs:read"}}},
                            a.access_token);
  REQUIRE(read_only.status == 201);
  const std::string ro = read_only.str("key");
  CHECK(api.get("/v1/jobs/" + job, ro).status == 200);
  auto refused = api.post("/v1/jobs", {{"script", "hello"}, {"agent_id", agent.id}}, ro);
  CHECK(refused.status == 403);
  CHECK(refused.error_code() == "insufficient_scope");
  CHECK(api.post("/v1/jobs/" + job + "/cancel", {}, ro).status == 403);
}

std::string summary_of(const std::string& manifest_json) {
  ManifestCheckOptions options;
  options.check_files = false;
  auto manifest = parse_manifest(manifest_json, options);
  REQUIRE(manifest.ok());
  return manifest_summary_json(*manifest);
}

TEST_CASE("jobs API: a job run through the agent protocol is read back byte for byte") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto agent = create_agent(api, owner.access_token, "proto");

  ProtocolAgent wire(server.port(), agent.key);
  REQUIRE(wire.connected());
  proto::Hello hello;
  hello.agent_version = "test";
  hello.hostname = "test-host";
  hello.manifest_summary = summary_of(
      R"({"scripts":{"hello":{"command":["/bin/true"],"timeout_sec":60,
          "params":{"NAME":{"required":true,"pattern":"^[a-z]+$"}}}}})");
  wire.send(hello);
  auto welcome = wire.read_until<proto::Welcome>();
  REQUIRE(welcome);
  CHECK(welcome->agent_id == agent.id);

  auto listed = api.get("/v1/agents/" + agent.id, owner.access_token);
  CHECK(listed.str("status") == "online");
  CHECK(listed.json.at("manifest") == json::array{"hello"});

  // Not in the manifest, or a parameter it refuses: 422, nothing created.
  auto refused =
      api.post("/v1/jobs", {{"script", "other"}, {"agent_id", agent.id}}, owner.access_token);
  CHECK(refused.status == 422);
  CHECK(refused.error_code() == "script_not_allowed");
  auto bad_param = api.post(
      "/v1/jobs",
      {{"script", "hello"}, {"agent_id", agent.id}, {"params", json::object{{"NAME", "UP"}}}},
      owner.access_token);
  CHECK(bad_param.status == 422);
  CHECK(bad_param.error_code() == "invalid_param");

  auto triggered = api.post(
      "/v1/jobs",
      {{"script", "hello"}, {"agent_id", agent.id}, {"params", json::object{{"NAME", "ann"}}}},
      owner.access_token);
  REQUIRE(triggered.status == 202);
  const std::string id = triggered.str("job_id");
  auto dispatch = wire.read_until<proto::Dispatch>();
  REQUIRE(dispatch);
  CHECK(dispatch->job_id == id);
  CHECK(dispatch->script == "hello");
  CHECK(dispatch->params == std::map<std::string, std::string>{{"NAME", "ann"}});

  const std::string out("hi\0\xff\xfe there\n", 13);
  const std::string err = "warning\n";
  wire.send(proto::Started{id});
  wire.send(proto::Output{id, OutputStream::kStdout, 0, out.substr(0, 4)});
  wire.send(proto::Output{id, OutputStream::kStdout, 4, out.substr(4)});
  wire.send(proto::Output{id, OutputStream::kStderr, 0, err});
  proto::Finished finished;
  finished.job_id = id;
  finished.exit_code = 3;
  finished.duration_ms = 42;
  finished.stdout_bytes = static_cast<std::int64_t>(out.size());
  finished.stderr_bytes = static_cast<std::int64_t>(err.size());
  wire.send(finished);
  auto acked = wire.read_until<proto::FinishedAck>();
  REQUIRE(acked);
  CHECK(acked->job_id == id);

  auto job = api.get("/v1/jobs/" + id + "?wait=5", owner.access_token);
  REQUIRE(job.status == 200);
  CHECK(job.str("status") == "failed");
  CHECK(job.json.at("exit_code") == 3);
  CHECK(job.json.at("duration_ms") == 42);
  CHECK(job.json.at("stdout_bytes") == static_cast<std::int64_t>(out.size()));
  CHECK(job.json.at("stderr_bytes") == static_cast<std::int64_t>(err.size()));
  CHECK_FALSE(job.json.at("started_at").is_null());
  CHECK_FALSE(job.json.at("finished_at").is_null());

  auto stdout_bytes = api.get("/v1/jobs/" + id + "/output", owner.access_token);
  REQUIRE(stdout_bytes.status == 200);
  CHECK(stdout_bytes.header("Content-Type") == "application/octet-stream");
  CHECK(stdout_bytes.body == out);
  CHECK(api.get("/v1/jobs/" + id + "/output?stream=stderr", owner.access_token).body == err);
  auto middle = api.get("/v1/jobs/" + id + "/output?offset=2&limit=3", owner.access_token);
  CHECK(middle.body == out.substr(2, 3));
  CHECK(middle.header("X-Output-Next-Offset") == "5");
  CHECK(middle.header("X-Output-Size") == std::to_string(out.size()));
  CHECK(api.get("/v1/jobs/" + id + "/output?offset=100", owner.access_token).body.empty());
}

TEST_CASE("jobs API: after a crash, jobs left dispatched fail and agents are offline") {
  TestOrchestrator server;
  ApiClient api(server.port());
  auto owner = sign_up(server, api, "owner@example.com", "Ops");
  auto agent = create_agent(api, owner.access_token, "proto");
  std::string id;
  {
    ProtocolAgent wire(server.port(), agent.key);
    REQUIRE(wire.connected());
    proto::Hello hello;
    hello.agent_version = "test";
    hello.hostname = "test-host";
    hello.manifest_summary = summary_of(R"({"scripts":{"hello":{"command":["/bin/true"]}}})");
    wire.send(hello);
    REQUIRE(wire.read_until<proto::Welcome>());
    id = trigger(api, owner.access_token, agent.id, "hello");
    REQUIRE(wire.read_until<proto::Dispatch>());
    CHECK(api.get("/v1/jobs/" + id, owner.access_token).str("status") == "dispatched");
    server.kill_hard();
  }
  server.restart();
  ApiClient after(server.port());
  auto job = after.get("/v1/jobs/" + id, owner.access_token);
  REQUIRE(job.status == 200);
  CHECK(job.str("status") == "failed");
  CHECK(job.str("error") == "orchestrator_restarted");
  CHECK_FALSE(job.json.at("finished_at").is_null());
  CHECK(after.get("/v1/agents/" + agent.id, owner.access_token).str("status") == "offline");
}

}  // namespace
}  // namespace scriptmesh::testing
