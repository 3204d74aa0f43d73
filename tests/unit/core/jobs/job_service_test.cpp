#include "scriptmesh/jobs.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

using std::chrono::seconds;

std::int64_t count_jobs(HubFixture& f) {
  JobFilter filter;
  filter.limit = 1000;
  auto page = f.store().list_jobs(f.tenant(), filter);
  REQUIRE_OK(page);
  return static_cast<std::int64_t>(page->jobs.size());
}

TriggerRequest on_agent(const TestAgent& a, std::string script = "noop") {
  TriggerRequest r;
  r.script = std::move(script);
  r.agent_id = a.id;
  return r;
}

TEST_CASE("jobs: each trigger rule refuses with its code and names the parameter") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");      // its manifest is known
  TestAgent fresh = f.create_agent("fresh");  // never connected: no manifest yet
  a.conn->take();
  struct Case {
    std::string name;
    std::function<void(TriggerRequest&)> change;
    std::string code;
    std::string in_message;  // "" = not checked
  };
  const std::string big(kMaxParamValueBytes + 1, 'x');
  const std::vector<Case> cases = {
      {"bad script name", [](TriggerRequest& r) { r.script = "../etc"; }, "invalid_script", ""},
      {"both targets", [&](TriggerRequest& r) { r.tags = std::vector<std::string>{"x"}; },
       "invalid_target", ""},
      {"no target", [](TriggerRequest& r) { r.agent_id.reset(); }, "invalid_target", ""},
      {"empty tags",
       [](TriggerRequest& r) {
         r.agent_id.reset();
         r.tags = std::vector<std::string>{};
       },
       "invalid_tags", ""},
      {"lowercase name", [](TriggerRequest& r) { r.params["name"] = "v"; }, "invalid_param",
       "'name'"},
      {"leading digit", [](TriggerRequest& r) { r.params["1X"] = "v"; }, "invalid_param", "'1X'"},
      {"PATH", [](TriggerRequest& r) { r.params["PATH"] = "/tmp"; }, "invalid_param", "'PATH'"},
      {"HOME", [](TriggerRequest& r) { r.params["HOME"] = "/tmp"; }, "invalid_param", "'HOME'"},
      {"LD_", [](TriggerRequest& r) { r.params["LD_PRELOAD"] = "x"; }, "invalid_param",
       "'LD_PRELOAD'"},
      {"SM_", [](TriggerRequest& r) { r.params["SM_JOB_ID"] = "x"; }, "invalid_param",
       "'SM_JOB_ID'"},
      {"too big", [&](TriggerRequest& r) { r.params["BIG"] = big; }, "invalid_param", "'BIG'"},
      {"NUL", [](TriggerRequest& r) { r.params["NUL"] = std::string("a\0b", 3); }, "invalid_param",
       "'NUL'"},
      {"timeout 0", [](TriggerRequest& r) { r.timeout_sec = 0; }, "invalid_timeout", ""},
      {"timeout too long", [](TriggerRequest& r) { r.timeout_sec = 86401; }, "invalid_timeout", ""},
      {"webhook ftp", [](TriggerRequest& r) { r.webhook_url = "ftp://x.test/"; },
       "invalid_webhook_url", ""},
      {"webhook no host", [](TriggerRequest& r) { r.webhook_url = "https:///path"; },
       "invalid_webhook_url", ""},
      {"webhook space", [](TriggerRequest& r) { r.webhook_url = "https://a.test/a b"; },
       "invalid_webhook_url", ""},
      {"webhook user info",
       [](TriggerRequest& r) { r.webhook_url = "https://user:pass@a.test/hook"; },
       "invalid_webhook_url", ""},
      {"webhook too long",
       [](TriggerRequest& r) { r.webhook_url = "https://a.test/" + std::string(2048, 'p'); },
       "invalid_webhook_url", ""},
      {"idempotency key too long",
       [](TriggerRequest& r) { r.idempotency_key = std::string(256, 'k'); },
       "invalid_idempotency_key", ""},
      {"idempotency key control", [](TriggerRequest& r) { r.idempotency_key = "a\nb"; },
       "invalid_idempotency_key", ""},
  };
  for (const TestAgent* target : {&a, &fresh}) {
    for (const Case& c : cases) {
      CAPTURE(c.name);
      TriggerRequest r = on_agent(*target);
      c.change(r);
      auto result = f.jobs().trigger(f.principal(), r);
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().code() == c.code);
      CHECK(result.error().category() == ErrorCategory::kInvalidArgument);
      if (!c.in_message.empty()) {
        CHECK(result.error().message().find(c.in_message) != std::string::npos);
      }
      CHECK(result.error().message().find(big) == std::string::npos);
    }
  }
  CHECK(count_jobs(f) == 0);
  CHECK(a.conn->take().empty());

  TriggerRequest ok = on_agent(a);
  ok.timeout_sec = 86400;
  ok.webhook_url = "HTTPS://hooks.example.test:8443/x?y=1";
  ok.idempotency_key = std::string(255, 'k');
  CHECK_OK(f.jobs().trigger(f.principal(), ok));
}

TEST_CASE("jobs: the agent's manifest decides the script and its parameters") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  a.conn->take();
  struct Case {
    std::string name;
    std::string script;
    std::map<std::string, std::string> params;
    std::string code;
    std::string in_message;
  };
  const std::vector<Case> cases = {
      {"undeclared script", "rm-rf", {}, "script_not_allowed", "'rm-rf'"},
      {"required missing", "hello", {}, "invalid_param", "'NAME'"},
      {"pattern mismatch", "hello", {{"NAME", "World1"}}, "invalid_param", "'NAME'"},
      {"undeclared param", "hello", {{"NAME", "ok"}, {"EXTRA", "1"}}, "invalid_param", "'EXTRA'"},
      {"param on a script without params", "noop", {{"X", "1"}}, "invalid_param", "'X'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    TriggerRequest r = on_agent(a, c.script);
    r.params = c.params;
    auto result = f.jobs().trigger(f.principal(), r);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code() == c.code);
    CHECK(result.error().message().find(c.in_message) != std::string::npos);
  }
  CHECK(count_jobs(f) == 0);
  CHECK(a.conn->take().empty());

  TriggerRequest good = on_agent(a, "hello");
  good.params = {{"NAME", "world"}, {"GREETING", "anything at all"}};
  auto result = f.jobs().trigger(f.principal(), good);
  REQUIRE_OK(result);
  CHECK(result->jobs[0].timeout_sec == 60);  // the manifest's
  CHECK_FALSE(result->group_id.has_value());
  good.timeout_sec = 5;
  result = f.jobs().trigger(f.principal(), good);
  REQUIRE_OK(result);
  CHECK(result->jobs[0].timeout_sec == 5);
}

TEST_CASE("jobs: an agent that never connected takes any well-formed trigger") {
  HubFixture f;
  TestAgent fresh = f.create_agent("fresh");
  TriggerRequest r = on_agent(fresh, "anything");
  r.params = {{"WHATEVER", "1"}};
  auto result = f.jobs().trigger(f.principal(), r);
  REQUIRE_OK(result);
  CHECK(result->jobs[0].status == JobStatus::kPending);
  CHECK(result->jobs[0].timeout_sec == 0);
}

TEST_CASE("jobs: another tenant's agent or job is not found") {
  HubFixture f;
  const TenantId other = f.seed_tenant("tnt_b", "owner@b.test");
  TestAgent theirs = f.create_agent("theirs", {"linux"}, &other);
  CHECK_ERROR_CODE(f.jobs().trigger(f.principal(), on_agent(theirs)), "agent_not_found");
  TriggerRequest by_tag;
  by_tag.script = "noop";
  by_tag.tags = std::vector<std::string>{"linux"};
  CHECK_ERROR_CODE(f.jobs().trigger(f.principal(), by_tag), "no_matching_agents");

  auto their_job = f.jobs().trigger(f.principal("owner", &other), on_agent(theirs));
  REQUIRE_OK(their_job);
  const JobId id = their_job->jobs[0].id;
  CHECK_ERROR_CODE(f.jobs().get(f.principal(), id), "job_not_found");
  CHECK_ERROR_CODE(f.jobs().cancel(f.principal(), id), "job_not_found");
  CHECK_ERROR_CODE(f.jobs().read_output(f.principal(), id, OutputStream::kStdout, 0, std::nullopt),
                   "job_not_found");
  CHECK(count_jobs(f) == 0);
}

TEST_CASE("jobs: a tag trigger makes one job per agent with all the tags, in one group") {
  HubFixture f;
  f.set_plan(Plan::kPro);
  TestAgent a = f.online_agent("a", 1, {"linux", "eu"});
  TestAgent b = f.create_agent("b", {"eu", "linux", "db"});  // offline: job waits
  TestAgent c = f.online_agent("c", 1, {"linux"});
  a.conn->take();
  c.conn->take();

  TriggerRequest r;
  r.script = "noop";
  r.tags = std::vector<std::string>{"linux", "eu"};
  auto result = f.jobs().trigger(f.principal("member"), r);
  REQUIRE_OK(result);
  REQUIRE(result->group_id.has_value());
  REQUIRE(result->jobs.size() == 2);
  std::vector<AgentId> agents;
  for (const auto& j : result->jobs) {
    CHECK(j.group_id == result->group_id);
    agents.push_back(j.agent_id);
  }
  CHECK(std::count(agents.begin(), agents.end(), a.id) == 1);
  CHECK(std::count(agents.begin(), agents.end(), b.id) == 1);
  CHECK(a.conn->take_of<proto::Dispatch>().size() == 1);
  CHECK(c.conn->take().empty());

  JobFilter group;
  group.group_id = result->group_id;
  auto listed = f.jobs().list(f.principal(), group);
  REQUIRE_OK(listed);
  CHECK(listed->jobs.size() == 2);

  r.tags = std::vector<std::string>{"linux", "mars"};
  CHECK_ERROR_CODE(f.jobs().trigger(f.principal(), r), "no_matching_agents");

  // One matching agent refuses the script: nothing is created for any.
  r.tags = std::vector<std::string>{"linux"};
  r.script = "hello";
  r.params = {{"NAME", "x"}};
  f.connect(b);  // now b's manifest is known too; all three declare "hello"
  const auto before = count_jobs(f);
  TestAgent d = f.online_agent("d", 1, {"linux"});
  proto::Hello narrow;
  narrow.manifest_summary = R"({"scripts":{"noop":{"params":{},"timeout_sec":5}}})";
  f.send(d, narrow);
  auto refused = f.jobs().trigger(f.principal(), r);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == "script_not_allowed");
  CHECK(refused.error().message().find("'d'") != std::string::npos);
  CHECK(count_jobs(f) == before);
}

TEST_CASE("jobs: an idempotency key returns the first trigger's jobs") {
  HubFixture f;
  f.set_plan(Plan::kPro);
  TestAgent a = f.online_agent("a", 4, {"web"});
  TestAgent b = f.online_agent("b", 4, {"web"});

  TriggerRequest single = on_agent(a);
  single.idempotency_key = "retry-1";
  auto first = f.jobs().trigger(f.principal(), single);
  REQUIRE_OK(first);
  CHECK_FALSE(first->replayed);
  single.script = "hello";  // whatever the retry says, the first answer stands
  auto again = f.jobs().trigger(f.principal(), single);
  REQUIRE_OK(again);
  CHECK(again->replayed);
  REQUIRE(again->jobs.size() == 1);
  CHECK(again->jobs[0].id == first->jobs[0].id);
  CHECK(again->jobs[0].script == "noop");
  CHECK(count_jobs(f) == 1);

  TriggerRequest fan;
  fan.script = "noop";
  fan.tags = std::vector<std::string>{"web"};
  fan.idempotency_key = "retry-2";
  auto group = f.jobs().trigger(f.principal(), fan);
  REQUIRE_OK(group);
  REQUIRE(group->jobs.size() == 2);
  auto replay = f.jobs().trigger(f.principal(), fan);
  REQUIRE_OK(replay);
  CHECK(replay->replayed);
  CHECK(replay->group_id == group->group_id);
  REQUIRE(replay->jobs.size() == 2);
  CHECK(replay->jobs[0].id == group->jobs[0].id);
  CHECK(replay->jobs[1].id == group->jobs[1].id);
  CHECK(count_jobs(f) == 3);

  // Keys are per tenant.
  const TenantId other = f.seed_tenant("tnt_b", "owner@b.test");
  TestAgent theirs = f.create_agent("theirs", {}, &other);
  TriggerRequest same_key = on_agent(theirs);
  same_key.idempotency_key = "retry-1";
  auto theirs_result = f.jobs().trigger(f.principal("owner", &other), same_key);
  REQUIRE_OK(theirs_result);
  CHECK_FALSE(theirs_result->replayed);
}

TEST_CASE("jobs: list filters and pages, output reads by offset") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1", 8);
  std::vector<JobRecord> made;
  for (int i = 0; i < 5; ++i) {
    made.push_back(f.trigger(a, i % 2 == 0 ? "noop" : "hello",
                             i % 2 == 0 ? std::map<std::string, std::string>{}
                                        : std::map<std::string, std::string>{{"NAME", "x"}}));
    f.clock().advance(seconds(1));
  }
  f.run_to_end(a, made[0].id, 0, "0123456789");

  JobFilter filter;
  filter.limit = 2;
  auto page1 = f.jobs().list(f.principal(), filter);
  REQUIRE_OK(page1);
  REQUIRE(page1->jobs.size() == 2);
  CHECK(page1->jobs[0].id == made[4].id);  // newest first
  filter.cursor = page1->next_cursor;
  auto page2 = f.jobs().list(f.principal(), filter);
  REQUIRE_OK(page2);
  CHECK(page2->jobs[0].id == made[2].id);

  JobFilter by_script;
  by_script.script = "hello";
  auto hellos = f.jobs().list(f.principal(), by_script);
  REQUIRE_OK(hellos);
  CHECK(hellos->jobs.size() == 2);
  JobFilter by_status;
  by_status.status = JobStatus::kSucceeded;
  auto done = f.jobs().list(f.principal(), by_status);
  REQUIRE_OK(done);
  REQUIRE(done->jobs.size() == 1);
  CHECK(done->jobs[0].id == made[0].id);

  auto part = f.jobs().read_output(f.principal(), made[0].id, OutputStream::kStdout, 3, 4);
  REQUIRE_OK(part);
  CHECK(*part == "3456");
  auto tail = f.jobs().read_output(f.principal(), made[0].id, OutputStream::kStdout, 20, 4);
  REQUIRE_OK(tail);
  CHECK(tail->empty());
  CHECK_ERROR_CODE(
      f.jobs().read_output(f.principal(), made[0].id, OutputStream::kStdout, -1, std::nullopt),
      "invalid_range");
  auto got = f.jobs().get(f.principal("member"), made[0].id);
  REQUIRE_OK(got);
  CHECK(got->stdout_bytes == 10);
}

TEST_CASE("jobs: scopes") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  CHECK_ERROR_CODE(f.jobs().trigger(f.api_key({"jobs:read"}), on_agent(a)), "insufficient_scope");
  CHECK_ERROR_CODE(f.jobs().cancel(f.api_key({"jobs:read"}), job.id), "insufficient_scope");
  CHECK_ERROR_CODE(f.jobs().get(f.api_key({"jobs:write"}), job.id), "insufficient_scope");
  CHECK_ERROR_CODE(f.jobs().list(f.api_key({"agents:read"}), {}), "insufficient_scope");
  CHECK_OK(f.jobs().get(f.api_key({"jobs:read"}), job.id));
  CHECK_OK(f.jobs().trigger(f.api_key({"jobs:write"}), on_agent(a)));
}

}  // namespace
}  // namespace scriptmesh::testing
