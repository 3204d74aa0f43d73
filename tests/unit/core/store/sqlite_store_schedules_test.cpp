#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

ScheduleRecord make_schedule(const std::string& id, WallTime created = at(0)) {
  ScheduleRecord s;
  s.id = ScheduleId(id);
  s.name = "nightly " + id;
  s.cron = "30 2 * * *";
  s.timezone = "Europe/Berlin";
  s.script = "backup.sh";
  s.agent_id = AgentId("agt_1");
  s.params = {{"MODE", "full"}};
  s.catch_up = CatchUpPolicy::kAll;
  s.misfire_grace_sec = 90;
  s.overlap = OverlapPolicy::kBufferOne;
  s.timeout_sec = 600;
  s.webhook_url = "https://hooks.example.test/x";
  s.next_run_at = at(3600);
  s.created_at = created;
  s.updated_at = created;
  return s;
}

ScheduleEventRecord make_event(const ScheduleRecord& s, const std::string& id,
                               ScheduleEventType type, WallTime due, WallTime when) {
  ScheduleEventRecord e;
  e.id = id;
  e.schedule_id = s.id;
  e.type = type;
  e.due_at = due;
  e.at = when;
  return e;
}

std::vector<std::string> ids_of(const std::vector<ScheduleId>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids)
    out.push_back(id.str());
  return out;
}

TEST_CASE("store schedules: every field round-trips, per tenant") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  ScheduleRecord s = make_schedule("sch_1");
  s.buffered = {{AgentId("agt_1"), at(120)}};
  s.last_run_at = at(60);
  REQUIRE_OK(f.store().insert_schedule(a, s));
  CHECK_ERROR_CODE(f.store().insert_schedule(a, s), "schedule_exists");
  CHECK_ERROR_CODE(f.store().insert_schedule(TenantId("tnt_none"), make_schedule("sch_x")),
                   "tenant_not_found");

  auto got = f.store().get_schedule(a, s.id);
  REQUIRE_OK(got);
  CHECK(got->tenant_id == a);
  CHECK(got->name == s.name);
  CHECK(got->cron == "30 2 * * *");
  CHECK(got->timezone == "Europe/Berlin");
  CHECK(got->agent_id == AgentId("agt_1"));
  CHECK(got->tags.empty());
  CHECK(got->params == s.params);
  CHECK(got->catch_up == CatchUpPolicy::kAll);
  CHECK(got->misfire_grace_sec == 90);
  CHECK(got->overlap == OverlapPolicy::kBufferOne);
  CHECK(got->timeout_sec == 600);
  CHECK(got->webhook_url == s.webhook_url);
  CHECK(got->enabled);
  CHECK(got->next_run_at == at(3600));
  CHECK(got->last_run_at == at(60));
  CHECK(got->buffered == s.buffered);

  ScheduleRecord tagged = make_schedule("sch_2", at(10));
  tagged.agent_id.reset();
  tagged.tags = {"linux", "prod"};
  tagged.timeout_sec.reset();
  tagged.webhook_url.clear();
  tagged.enabled = false;
  tagged.next_run_at.reset();
  REQUIRE_OK(f.store().insert_schedule(a, tagged));
  auto got2 = f.store().get_schedule(a, tagged.id);
  REQUIRE_OK(got2);
  CHECK_FALSE(got2->agent_id.has_value());
  CHECK(got2->tags == tagged.tags);
  CHECK_FALSE(got2->timeout_sec.has_value());
  CHECK_FALSE(got2->enabled);
  CHECK_FALSE(got2->next_run_at.has_value());

  auto list = f.store().list_schedules(a);
  REQUIRE_OK(list);
  REQUIRE(list->size() == 2);
  CHECK(list->front().id == s.id);  // oldest first
  CHECK(*f.store().count_schedules(a, false) == 2);
  CHECK(*f.store().count_schedules(a, true) == 1);

  // Another tenant sees nothing of it.
  CHECK_ERROR_CODE(f.store().get_schedule(b, s.id), "schedule_not_found");
  CHECK(f.store().list_schedules(b)->empty());
  CHECK(*f.store().count_schedules(b, false) == 0);
  CHECK_ERROR_CODE(f.store().update_schedule(b, s, true), "schedule_not_found");
  CHECK_ERROR_CODE(f.store().delete_schedule(b, s.id), "schedule_not_found");
  CHECK_ERROR_CODE(f.store().list_schedule_events(b, s.id, 10), "schedule_not_found");
  CHECK_OK(f.store().get_schedule(a, s.id));
}

TEST_CASE("store schedules: an update keeps the engine's next_run_at unless it reschedules") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  ScheduleRecord s = make_schedule("sch_1");
  s.buffered = {{AgentId("agt_1"), at(120)}};
  REQUIRE_OK(f.store().insert_schedule(a, s));

  ScheduleRecord edit = s;
  edit.name = "renamed";
  edit.next_run_at = at(1);  // stale: must not be written back
  edit.overlap = OverlapPolicy::kCancelOther;
  edit.updated_at = at(50);
  REQUIRE_OK(f.store().update_schedule(a, edit, false));
  auto got = f.store().get_schedule(a, s.id);
  REQUIRE_OK(got);
  CHECK(got->name == "renamed");
  CHECK(got->overlap == OverlapPolicy::kCancelOther);
  CHECK(got->next_run_at == at(3600));
  CHECK(got->buffered == s.buffered);
  CHECK(got->updated_at == at(50));
  CHECK(got->created_at == at(0));

  edit.cron = "0 * * * *";
  edit.next_run_at = at(7200);
  REQUIRE_OK(f.store().update_schedule(a, edit, true));
  CHECK(f.store().get_schedule(a, s.id)->next_run_at == at(7200));

  // Pausing drops the runs it owed.
  edit.enabled = false;
  edit.next_run_at.reset();
  REQUIRE_OK(f.store().update_schedule(a, edit, true));
  got = f.store().get_schedule(a, s.id);
  CHECK_FALSE(got->enabled);
  CHECK_FALSE(got->next_run_at.has_value());
  CHECK(got->buffered.empty());
}

TEST_CASE("store schedules: due ones come earliest first, enabled only, across tenants") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  CHECK_FALSE(f.store().next_schedule_due()->has_value());
  ScheduleRecord s1 = make_schedule("sch_1");
  s1.next_run_at = at(300);
  ScheduleRecord s2 = make_schedule("sch_2");
  s2.next_run_at = at(100);
  ScheduleRecord s3 = make_schedule("sch_3");
  s3.next_run_at = at(50);
  s3.enabled = false;
  ScheduleRecord s4 = make_schedule("sch_4");
  s4.next_run_at = at(900);
  REQUIRE_OK(f.store().insert_schedule(a, s1));
  REQUIRE_OK(f.store().insert_schedule(b, s2));
  REQUIRE_OK(f.store().insert_schedule(a, s3));
  REQUIRE_OK(f.store().insert_schedule(a, s4));

  auto due = f.store().list_due_schedules(at(300), 10);
  REQUIRE_OK(due);
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].id == s2.id);
  CHECK((*due)[0].tenant_id == b);
  CHECK((*due)[1].id == s1.id);
  CHECK(f.store().list_due_schedules(at(300), 1)->size() == 1);
  CHECK(f.store().list_due_schedules(at(99), 10)->empty());
  CHECK_ERROR_CODE(f.store().list_due_schedules(at(0), 0), "invalid_limit");
  CHECK_ERROR_CODE(f.store().list_due_schedules(at(0), 1001), "invalid_limit");
  CHECK(*f.store().next_schedule_due() == at(100));
}

TEST_CASE("store schedules: a fire commits everything only when the compare-and-set holds") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_agent(a, make_agent("agt_1")));
  ScheduleRecord s = make_schedule("sch_1");
  REQUIRE_OK(f.store().insert_schedule(a, s));

  ScheduleFire fire;
  fire.schedule_id = s.id;
  fire.expected_next_run_at = at(3600);
  fire.next_run_at = at(7200);
  fire.last_run_at = at(3601);
  fire.buffered = {{AgentId("agt_1"), at(3600)}};
  JobRecord job = make_job("job_1", "agt_1", at(3601));
  job.schedule_id = s.id;
  fire.jobs = {job};
  ScheduleEventRecord fired = make_event(s, "sev_1", ScheduleEventType::kFired, at(3600), at(3601));
  fired.job_id = job.id;
  fired.agent_id = AgentId("agt_1");
  fire.events = {make_event(s, "sev_0", ScheduleEventType::kMissed, at(0), at(3601)), fired};
  EventRecord missed;
  missed.id = EventId("evt_1");
  missed.type = "schedule.missed";
  missed.subject_id = s.id.str();
  missed.data_json = R"({"due_at":"x"})";
  missed.created_at = at(3601);
  fire.tenant_events = {missed};

  // A stale expectation commits nothing at all.
  ScheduleFire stale = fire;
  stale.expected_next_run_at = at(1);
  CHECK_ERROR_CODE(f.store().commit_schedule_fire(a, stale), "schedule_changed");
  ScheduleFire stale_buffer = fire;
  stale_buffer.expected_buffered = {{AgentId("agt_9"), at(0)}};
  CHECK_ERROR_CODE(f.store().commit_schedule_fire(a, stale_buffer), "schedule_changed");
  CHECK_ERROR_CODE(f.store().get_job(a, job.id), "job_not_found");
  CHECK(f.store().list_schedule_events(a, s.id, 10)->empty());
  CHECK(f.store().list_events(a, {})->empty());
  ScheduleFire unknown = fire;
  unknown.schedule_id = ScheduleId("sch_none");
  CHECK_ERROR_CODE(f.store().commit_schedule_fire(a, unknown), "schedule_not_found");

  REQUIRE_OK(f.store().commit_schedule_fire(a, fire));
  auto got = f.store().get_schedule(a, s.id);
  REQUIRE_OK(got);
  CHECK(got->next_run_at == at(7200));
  CHECK(got->last_run_at == at(3601));
  CHECK(got->buffered == fire.buffered);
  auto stored_job = f.store().get_job(a, job.id);
  REQUIRE_OK(stored_job);
  CHECK(stored_job->schedule_id == s.id);
  auto events = f.store().list_schedule_events(a, s.id, 10);
  REQUIRE_OK(events);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].type == ScheduleEventType::kFired);  // newest first, then by insertion
  CHECK((*events)[0].job_id == job.id);
  CHECK((*events)[0].agent_id == AgentId("agt_1"));
  CHECK((*events)[0].due_at == at(3600));
  CHECK((*events)[0].at == at(3601));
  CHECK((*events)[1].type == ScheduleEventType::kMissed);
  CHECK_FALSE((*events)[1].job_id.has_value());
  CHECK(f.store().list_schedule_events(a, s.id, 1)->size() == 1);
  CHECK_ERROR_CODE(f.store().list_schedule_events(a, s.id, 0), "invalid_limit");
  auto tenant_events = f.store().list_events(a, {});
  REQUIRE_OK(tenant_events);
  REQUIRE(tenant_events->size() == 1);
  CHECK(tenant_events->front().type == "schedule.missed");

  // The same fire again is stale now: a due time is committed once.
  CHECK_ERROR_CODE(f.store().commit_schedule_fire(a, fire), "schedule_changed");

  // A paused schedule takes no fire.
  ScheduleRecord paused = *got;
  paused.enabled = false;
  REQUIRE_OK(f.store().update_schedule(a, paused, false));
  ScheduleFire next;
  next.schedule_id = s.id;
  next.expected_next_run_at = at(7200);
  CHECK_ERROR_CODE(f.store().commit_schedule_fire(a, next), "schedule_changed");

  // Deleting the schedule takes its events, not its jobs.
  REQUIRE_OK(f.store().delete_schedule(a, s.id));
  CHECK_ERROR_CODE(f.store().get_schedule(a, s.id), "schedule_not_found");
  CHECK_ERROR_CODE(f.store().list_schedule_events(a, s.id, 10), "schedule_not_found");
  CHECK_OK(f.store().get_job(a, job.id));
}

TEST_CASE("store schedules: a downgrade disables the newest enabled ones beyond the limit") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  for (int i = 1; i <= 7; ++i) {
    ScheduleRecord s = make_schedule("sch_" + std::to_string(i), at(i));
    s.enabled = i != 2;  // one already paused: it does not count
    REQUIRE_OK(f.store().insert_schedule(a, s));
  }
  REQUIRE_OK(f.store().insert_schedule(b, make_schedule("sch_b", at(99))));
  auto disabled = f.store().disable_schedules_beyond(a, 5, at(500));
  REQUIRE_OK(disabled);
  CHECK(ids_of(*disabled) == std::vector<std::string>{"sch_7"});
  disabled = f.store().disable_schedules_beyond(a, 3, at(600));
  REQUIRE_OK(disabled);
  CHECK(ids_of(*disabled) == std::vector<std::string>{"sch_6", "sch_5"});
  auto s6 = f.store().get_schedule(a, ScheduleId("sch_6"));
  REQUIRE_OK(s6);
  CHECK_FALSE(s6->enabled);
  CHECK_FALSE(s6->next_run_at.has_value());
  CHECK(s6->updated_at == at(600));
  CHECK(*f.store().count_schedules(a, true) == 3);
  CHECK(*f.store().count_schedules(a, false) == 7);
  CHECK(f.store().disable_schedules_beyond(a, 3, at(700))->empty());
  CHECK(*f.store().count_schedules(b, true) == 1);
}

}  // namespace
}  // namespace scriptmesh::testing
