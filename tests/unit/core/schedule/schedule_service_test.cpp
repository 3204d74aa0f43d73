#include "scriptmesh/schedules.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "scriptmesh/tenants.hpp"
#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// The service over the hub fixture's store and job service; no engine.
class ServiceFixture {
 public:
  ServiceFixture() : service_(hub_.failing(), hub_.clock(), hub_.jobs()) {}

  HubFixture& hub() { return hub_; }
  ScheduleService& service() { return service_; }

  ScheduleSpec spec(const AgentId& agent, std::string name = "nightly") {
    ScheduleSpec s;
    s.name = std::move(name);
    s.cron = "30 2 * * *";
    s.timezone = "Europe/Berlin";
    s.script = "noop";
    s.agent_id = agent;
    return s;
  }

 private:
  HubFixture hub_;
  ScheduleService service_;
};

std::vector<std::string> ids_of(const std::vector<ScheduleId>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids)
    out.push_back(id.str());
  return out;
}

TEST_CASE("schedules: create answers the next run and keeps every field") {
  ServiceFixture f;  // 2026-11-26T10:00:00Z
  TestAgent agent = f.hub().create_agent("db-1");
  ScheduleSpec spec = f.spec(agent.id);
  spec.params = {{"MODE", "full"}};
  spec.catch_up = CatchUpPolicy::kOnce;
  spec.misfire_grace_sec = 300;
  spec.overlap = OverlapPolicy::kBufferOne;
  spec.timeout_sec = 120;
  spec.webhook_url = "https://hooks.example.test/s";
  auto created = f.service().create(f.hub().principal(), spec);
  REQUIRE_OK(created);
  CHECK(created->id.str().rfind("sch_", 0) == 0);
  CHECK(created->next_run_at == *parse_rfc3339("2026-11-27T01:30:00Z"));  // 02:30 CET
  auto got = f.service().get(f.hub().principal(), created->id);
  REQUIRE_OK(got);
  CHECK(got->name == "nightly");
  CHECK(got->params == spec.params);
  CHECK(got->catch_up == CatchUpPolicy::kOnce);
  CHECK(got->misfire_grace_sec == 300);
  CHECK(got->overlap == OverlapPolicy::kBufferOne);
  CHECK(got->timeout_sec == 120);
  CHECK(got->webhook_url == spec.webhook_url);
  CHECK(got->next_run_at == created->next_run_at);

  ScheduleSpec paused = f.spec(agent.id, "paused");
  paused.enabled = false;
  auto p = f.service().create(f.hub().principal(), paused);
  REQUIRE_OK(p);
  CHECK_FALSE(p->next_run_at.has_value());
  auto list = f.service().list(f.hub().principal());
  REQUIRE_OK(list);
  CHECK(list->size() == 2);
}

TEST_CASE("schedules: each field rule refuses with its code and creates nothing") {
  ServiceFixture f;
  TestAgent online = f.hub().online_agent("web-1");  // manifest known: hello, noop
  TestAgent fresh = f.hub().create_agent("fresh");   // never connected
  const TenantId other = f.hub().seed_tenant("tnt_b", "owner@b.test");
  TestAgent foreign = f.hub().create_agent("theirs", {}, &other);
  struct Case {
    std::string name;
    std::function<void(ScheduleSpec&)> change;
    std::string code;
    std::string in_message;
  };
  const std::vector<Case> cases = {
      {"empty name", [](ScheduleSpec& s) { s.name.clear(); }, "invalid_field", "\"name\""},
      {"long name", [](ScheduleSpec& s) { s.name = std::string(101, 'n'); }, "invalid_field",
       "\"name\""},
      {"bad cron", [](ScheduleSpec& s) { s.cron = "60 * * * *"; }, "invalid_cron", "minute"},
      {"never fires", [](ScheduleSpec& s) { s.cron = "0 0 30 2 *"; }, "invalid_cron", ""},
      {"reboot", [](ScheduleSpec& s) { s.cron = "@reboot"; }, "invalid_cron", ""},
      {"zone", [](ScheduleSpec& s) { s.timezone = "Mars/Olympus"; }, "invalid_timezone", ""},
      {"grace 0", [](ScheduleSpec& s) { s.misfire_grace_sec = 0; }, "invalid_field",
       "\"misfire_grace_sec\""},
      {"both targets", [](ScheduleSpec& s) { s.tags = std::vector<std::string>{"x"}; },
       "invalid_target", ""},
      {"no target", [](ScheduleSpec& s) { s.agent_id.reset(); }, "invalid_target", ""},
      {"script name", [](ScheduleSpec& s) { s.script = "../x"; }, "invalid_script", ""},
      {"param name", [](ScheduleSpec& s) { s.params["lower"] = "v"; }, "invalid_param", "lower"},
      {"timeout", [](ScheduleSpec& s) { s.timeout_sec = 0; }, "invalid_timeout", ""},
      {"webhook", [](ScheduleSpec& s) { s.webhook_url = "ftp://x.test/"; }, "invalid_webhook_url",
       ""},
      {"not in manifest", [&](ScheduleSpec& s) { s.script = "deploy"; }, "script_not_allowed",
       "deploy"},
      {"another tenant's agent", [&](ScheduleSpec& s) { s.agent_id = foreign.id; },
       "agent_not_found", ""},
      {"no such agent", [&](ScheduleSpec& s) { s.agent_id = AgentId("agt_none"); },
       "agent_not_found", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    ScheduleSpec spec = f.spec(online.id);
    c.change(spec);
    auto r = f.service().create(f.hub().principal(), spec);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == c.code);
    CHECK(r.error().category() == ErrorCategory::kInvalidArgument);
    CHECK(r.error().message().find(c.in_message) != std::string::npos);
    CHECK(r.error().message().find(foreign.id.str()) == std::string::npos);
  }
  CHECK(f.service().list(f.hub().principal())->empty());

  // Without a manifest yet only the generic rules apply; tags may match
  // nobody yet.
  ScheduleSpec later = f.spec(fresh.id);
  later.script = "deploy";
  CHECK_OK(f.service().create(f.hub().principal(), later));
  ScheduleSpec tagged = f.spec(online.id);
  tagged.agent_id.reset();
  tagged.tags = std::vector<std::string>{"nobody-yet"};
  CHECK_OK(f.service().create(f.hub().principal(), tagged));
}

TEST_CASE("schedules: admins write, members and read scopes only read") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  CHECK_ERROR_CODE(f.service().create(f.hub().principal("member"), f.spec(agent.id)),
                   "insufficient_role");
  CHECK_ERROR_CODE(f.service().create(f.hub().api_key({"schedules:read"}), f.spec(agent.id)),
                   "insufficient_scope");
  auto created = f.service().create(f.hub().api_key({"schedules:write"}), f.spec(agent.id));
  REQUIRE_OK(created);
  CHECK_OK(f.service().create(f.hub().principal("admin"), f.spec(agent.id, "second")));
  CHECK_OK(f.service().list(f.hub().principal("member")));
  CHECK_OK(f.service().get(f.hub().api_key({"schedules:read"}), created->id));
  CHECK_OK(f.service().events(f.hub().principal("member"), created->id, 10));
  CHECK_ERROR_CODE(f.service().list(f.hub().api_key({"jobs:read"})), "insufficient_scope");
  ScheduleChange pause;
  pause.enabled = false;
  CHECK_ERROR_CODE(f.service().update(f.hub().principal("member"), created->id, pause),
                   "insufficient_role");
  CHECK_ERROR_CODE(f.service().remove(f.hub().api_key({"schedules:read"}), created->id),
                   "insufficient_scope");
}

TEST_CASE("schedules: another tenant's schedule is not found") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  auto created = f.service().create(f.hub().principal(), f.spec(agent.id));
  REQUIRE_OK(created);
  const TenantId other = f.hub().seed_tenant("tnt_b", "owner@b.test");
  const Principal them = f.hub().principal("owner", &other);
  CHECK_ERROR_CODE(f.service().get(them, created->id), "schedule_not_found");
  CHECK_ERROR_CODE(f.service().update(them, created->id, ScheduleChange{}), "schedule_not_found");
  CHECK_ERROR_CODE(f.service().remove(them, created->id), "schedule_not_found");
  CHECK_ERROR_CODE(f.service().events(them, created->id, 10), "schedule_not_found");
  CHECK(f.service().list(them)->empty());
  CHECK_OK(f.service().get(f.hub().principal(), created->id));
}

TEST_CASE("schedules: an update recomputes the next run only when the timing changes") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  auto created = f.service().create(f.hub().principal(), f.spec(agent.id));
  REQUIRE_OK(created);
  f.hub().clock().advance(std::chrono::hours(20));  // 2026-11-27T06:00:00Z

  ScheduleChange rename;
  rename.name = "renamed";
  rename.overlap = OverlapPolicy::kAllow;
  auto renamed = f.service().update(f.hub().principal(), created->id, rename);
  REQUIRE_OK(renamed);
  CHECK(renamed->name == "renamed");
  CHECK(renamed->overlap == OverlapPolicy::kAllow);
  CHECK(renamed->next_run_at == created->next_run_at);  // the engine's, untouched

  ScheduleChange retime;
  retime.cron = "0 12 * * *";
  retime.timezone = "America/New_York";
  auto retimed = f.service().update(f.hub().principal(), created->id, retime);
  REQUIRE_OK(retimed);
  CHECK(retimed->next_run_at == *parse_rfc3339("2026-11-27T17:00:00Z"));

  ScheduleChange bad;
  bad.cron = "* * *";
  CHECK_ERROR_CODE(f.service().update(f.hub().principal(), created->id, bad), "invalid_cron");
  ScheduleChange both;
  both.agent_id = agent.id;
  both.tags = std::vector<std::string>{"x"};
  CHECK_ERROR_CODE(f.service().update(f.hub().principal(), created->id, both), "invalid_target");
  ScheduleChange retarget;
  retarget.tags = std::vector<std::string>{"db"};
  auto retargeted = f.service().update(f.hub().principal(), created->id, retarget);
  REQUIRE_OK(retargeted);
  CHECK_FALSE(retargeted->agent_id.has_value());
  CHECK(retargeted->tags == std::vector<std::string>{"db"});
  ScheduleChange clear_timeout;
  clear_timeout.timeout_sec = std::optional<int>();
  CHECK_OK(f.service().update(f.hub().principal(), created->id, clear_timeout));

  REQUIRE_OK(f.service().remove(f.hub().principal(), created->id));
  CHECK_ERROR_CODE(f.service().get(f.hub().principal(), created->id), "schedule_not_found");
}

TEST_CASE("schedules: the starter plan allows five, pro any number") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  for (int i = 0; i < 5; ++i)
    REQUIRE_OK(f.service().create(f.hub().principal(), f.spec(agent.id, "s" + std::to_string(i))));
  auto sixth = f.service().create(f.hub().principal(), f.spec(agent.id, "s5"));
  CHECK_ERROR_CODE(sixth, "plan_limit_reached");
  CHECK(sixth.error().category() == ErrorCategory::kResourceExhausted);
  CHECK(f.service().list(f.hub().principal())->size() == 5);
  f.hub().set_plan(Plan::kPro);
  for (int i = 5; i < 12; ++i)
    REQUIRE_OK(f.service().create(f.hub().principal(), f.spec(agent.id, "s" + std::to_string(i))));
}

TEST_CASE("schedules: a downgrade disables the newest beyond the limit and says so") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  f.hub().set_plan(Plan::kPro);
  std::vector<ScheduleId> ids;
  for (int i = 0; i < 7; ++i) {
    f.hub().clock().advance(std::chrono::seconds(1));
    auto s = f.service().create(f.hub().principal(), f.spec(agent.id, "s" + std::to_string(i)));
    REQUIRE_OK(s);
    ids.push_back(s->id);
  }
  TenantService tenants(f.hub().store(), f.hub().clock());
  auto view = tenants.set_plan(f.hub().principal(), Plan::kStarter);
  REQUIRE_OK(view);
  CHECK(view->plan == Plan::kStarter);
  CHECK(ids_of(view->disabled_schedules) == ids_of({ids[6], ids[5]}));
  auto list = f.service().list(f.hub().principal());
  REQUIRE_OK(list);
  CHECK(list->size() == 7);  // nothing deleted
  auto newest = f.service().get(f.hub().principal(), ids[6]);
  CHECK_FALSE(newest->enabled);
  CHECK_FALSE(newest->next_run_at.has_value());
  CHECK(f.service().get(f.hub().principal(), ids[4])->enabled);

  // Full: enabling a disabled one is refused until there is room.
  ScheduleChange enable;
  enable.enabled = true;
  CHECK_ERROR_CODE(f.service().update(f.hub().principal(), ids[6], enable), "plan_limit_reached");
  ScheduleChange pause;
  pause.enabled = false;
  REQUIRE_OK(f.service().update(f.hub().principal(), ids[0], pause));
  auto enabled = f.service().update(f.hub().principal(), ids[6], enable);
  REQUIRE_OK(enabled);
  CHECK(enabled->next_run_at.has_value());
  // Upgrading disables nothing.
  auto up = tenants.set_plan(f.hub().principal(), Plan::kPro);
  REQUIRE_OK(up);
  CHECK(up->disabled_schedules.empty());
}

TEST_CASE("schedules: every store failure of create and update surfaces") {
  ServiceFixture f;
  TestAgent agent = f.hub().create_agent("db-1");
  for (int n = 1;; ++n) {
    CAPTURE(n);
    f.hub().failing().fail_on_call(n);
    auto r = f.service().create(f.hub().principal(), f.spec(agent.id, "s" + std::to_string(n)));
    if (!f.hub().failing().tripped()) {
      REQUIRE_OK(r);
      break;
    }
    CHECK_ERROR_CODE(r, "injected_failure");
    REQUIRE(n < 20);
  }
  f.hub().failing().fail_on_call(0);
  auto list = f.service().list(f.hub().principal());
  REQUIRE_OK(list);
  REQUIRE(list->size() == 1);
  ScheduleChange change;
  change.cron = "0 * * * *";
  change.enabled = true;
  for (int n = 1;; ++n) {
    CAPTURE(n);
    f.hub().failing().fail_on_call(n);
    auto r = f.service().update(f.hub().principal(), list->front().id, change);
    if (!f.hub().failing().tripped()) {
      REQUIRE_OK(r);
      break;
    }
    CHECK_ERROR_CODE(r, "injected_failure");
    REQUIRE(n < 20);
  }
}

}  // namespace
}  // namespace scriptmesh::testing
