#include <doctest/doctest.h>

#include "scriptmesh/store.hpp"
#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

IntegrationRecord make_integration(const std::string& id, const TenantId& tenant,
                                   std::vector<std::string> events) {
  IntegrationRecord r;
  r.id = IntegrationId(id);
  r.tenant_id = tenant;
  r.type = "slack";
  r.name = "ops " + id;
  r.config_ciphertext = "gAAAAAB-config-" + id;
  r.events = std::move(events);
  r.created_at = at(1);
  r.updated_at = at(1);
  return r;
}

EventRecord job_event(const std::string& id, const TenantId& tenant, const std::string& type,
                      const std::string& agent, const std::string& script) {
  EventRecord e;
  e.id = EventId(id);
  e.tenant_id = tenant;
  e.type = type;
  e.subject_id = "job_" + id;
  e.data_json = R"({"script":")" + script + R"("})";
  e.created_at = at(5);
  e.agent_id = AgentId(agent);
  e.script = script;
  return e;
}

// The event ids of the tenant's deliveries for one integration.
std::vector<std::string> delivered_events(Store& store, const TenantId& t, const char* id) {
  auto rows = store.list_deliveries(t, IntegrationId(id), 100);
  REQUIRE_OK(rows);
  std::vector<std::string> out;
  for (const DeliveryRecord& d : *rows) {
    CHECK(d.kind == kIntegrationDeliveryKind);
    CHECK(d.status == DeliveryStatus::kPending);
    out.insert(out.begin(), d.payload);  // oldest first
  }
  return out;
}

TEST_CASE("store: integrations are stored, listed, changed and deleted per tenant") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  IntegrationRecord r = make_integration("int_1", a, {"job.failed"});
  r.filters.scripts = {"backup.sh"};
  r.filters.agent_tags = {"prod"};
  r.filters.schedule_ids = {ScheduleId("sch_1")};
  REQUIRE_OK(f.store().insert_integration(a, r));
  CHECK_ERROR_CODE(f.store().insert_integration(a, r), "integration_exists");

  auto got = f.store().get_integration(a, r.id);
  REQUIRE_OK(got);
  CHECK(got->config_ciphertext == r.config_ciphertext);
  CHECK(got->events == r.events);
  CHECK(got->filters.scripts == r.filters.scripts);
  CHECK(got->filters.agent_tags == r.filters.agent_tags);
  REQUIRE(got->filters.schedule_ids.size() == 1);
  CHECK(got->filters.schedule_ids[0] == ScheduleId("sch_1"));
  CHECK(got->enabled);

  CHECK_ERROR_CODE(f.store().get_integration(b, r.id), "integration_not_found");
  auto other = f.store().list_integrations(b);
  REQUIRE_OK(other);
  CHECK(other->empty());
  r.tenant_id = b;
  CHECK_ERROR_CODE(f.store().update_integration(b, r), "integration_not_found");
  CHECK_ERROR_CODE(f.store().delete_integration(b, r.id), "integration_not_found");

  r.tenant_id = a;
  r.name = "renamed";
  r.enabled = false;
  r.filters = {};
  REQUIRE_OK(f.store().update_integration(a, r));
  got = f.store().get_integration(a, r.id);
  REQUIRE_OK(got);
  CHECK(got->name == "renamed");
  CHECK_FALSE(got->enabled);
  CHECK(got->filters.scripts.empty());
  REQUIRE_OK(f.store().delete_integration(a, r.id));
  CHECK_ERROR_CODE(f.store().get_integration(a, r.id), "integration_not_found");
}

TEST_CASE("store: an event becomes one delivery per matching enabled integration") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  AgentRecord agent = make_agent("agt_1");  // tags linux, prod
  agent.tenant_id = a;
  REQUIRE_OK(f.store().insert_agent(a, agent));

  REQUIRE_OK(f.store().insert_integration(a, make_integration("int_all", a, {"job.failed"})));
  REQUIRE_OK(f.store().insert_integration(
      a, make_integration("int_ok", a, {"job.succeeded", "agent.offline"})));
  auto off = make_integration("int_off", a, {"job.failed"});
  off.enabled = false;
  REQUIRE_OK(f.store().insert_integration(a, off));
  auto scripted = make_integration("int_script", a, {"job.failed", "agent.offline"});
  scripted.filters.scripts = {"deploy.sh"};
  REQUIRE_OK(f.store().insert_integration(a, scripted));
  auto tagged = make_integration("int_tag", a, {"job.failed", "agent.offline"});
  tagged.filters.agent_tags = {"prod", "linux"};
  REQUIRE_OK(f.store().insert_integration(a, tagged));
  auto windows = make_integration("int_win", a, {"job.failed"});
  windows.filters.agent_tags = {"windows"};
  REQUIRE_OK(f.store().insert_integration(a, windows));
  auto scheduled = make_integration("int_sched", a, {"job.failed"});
  scheduled.filters.schedule_ids = {ScheduleId("sch_1")};
  REQUIRE_OK(f.store().insert_integration(a, scheduled));
  // Another tenant's integration never hears of tenant a's events.
  REQUIRE_OK(f.store().insert_integration(b, make_integration("int_b", b, {"job.failed"})));

  REQUIRE_OK(f.store().append_event(a, job_event("evt_1", a, "job.failed", "agt_1", "backup.sh")));
  auto deploy = job_event("evt_2", a, "job.failed", "agt_1", "deploy.sh");
  deploy.schedule_id = ScheduleId("sch_1");
  REQUIRE_OK(f.store().append_event(a, deploy));
  REQUIRE_OK(
      f.store().append_event(a, job_event("evt_3", a, "job.succeeded", "agt_1", "backup.sh")));
  EventRecord offline;
  offline.id = EventId("evt_4");
  offline.tenant_id = a;
  offline.type = "agent.offline";
  offline.subject_id = "agt_1";
  offline.created_at = at(6);
  offline.agent_id = AgentId("agt_1");
  REQUIRE_OK(f.store().append_event(a, offline));

  using V = std::vector<std::string>;
  CHECK(delivered_events(f.store(), a, "int_all") == V{"evt_1", "evt_2"});
  CHECK(delivered_events(f.store(), a, "int_ok") == V{"evt_3", "evt_4"});
  CHECK(delivered_events(f.store(), a, "int_off").empty());
  // Agent events are not held to a script filter: they name no script.
  CHECK(delivered_events(f.store(), a, "int_script") == V{"evt_2", "evt_4"});
  CHECK(delivered_events(f.store(), a, "int_tag") == V{"evt_1", "evt_2", "evt_4"});
  CHECK(delivered_events(f.store(), a, "int_win").empty());
  CHECK(delivered_events(f.store(), a, "int_sched") == V{"evt_2"});
  CHECK(delivered_events(f.store(), b, "int_b").empty());

  auto event = f.store().get_event(a, EventId("evt_2"));
  REQUIRE_OK(event);
  CHECK(event->type == "job.failed");
  CHECK_ERROR_CODE(f.store().get_event(b, EventId("evt_2")), "event_not_found");
}

TEST_CASE("store: a final transition's event fans out in the same transaction") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  AgentRecord agent = make_agent("agt_1");
  agent.tenant_id = a;
  REQUIRE_OK(f.store().insert_agent(a, agent));
  REQUIRE_OK(f.store().insert_integration(a, make_integration("int_1", a, {"job.failed"})));
  JobRecord job = make_job("job_1", "agt_1");
  job.tenant_id = a;
  job.status = JobStatus::kRunning;
  REQUIRE_OK(f.store().insert_jobs(a, {job}));

  JobTransition t;
  t.to = JobStatus::kFailed;
  t.exit_code = 3;
  t.event = job_event("evt_job_1", a, "job.failed", "agt_1", "backup.sh");
  REQUIRE_OK(f.store().transition_job(a, job.id, JobStatus::kRunning, t));
  // A second, conflicting transition stores neither the event nor a delivery.
  CHECK_ERROR_CODE(f.store().transition_job(a, job.id, JobStatus::kRunning, t),
                   "job_status_conflict");
  CHECK(delivered_events(f.store(), a, "int_1") == std::vector<std::string>{"evt_job_1"});

  // Start-up recovery stores the events of the jobs it fails, with theirs.
  JobRecord running = make_job("job_2", "agt_1");
  running.tenant_id = a;
  running.status = JobStatus::kRunning;
  REQUIRE_OK(f.store().insert_jobs(a, {running}));
  auto failed =
      f.store().fail_interrupted_jobs(at(9), "orchestrator_restarted", [&](const JobRecord& j) {
        return job_event("evt_" + j.id.str(), a, "job.failed", "agt_1", j.script);
      });
  REQUIRE_OK(failed);
  REQUIRE(failed->size() == 1);
  CHECK(delivered_events(f.store(), a, "int_1") ==
        std::vector<std::string>{"evt_job_1", "evt_job_2"});
}

TEST_CASE("store: each recorded delivery result keeps an attempt row") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  REQUIRE_OK(f.store().insert_integration(a, make_integration("int_1", a, {"job.failed"})));
  REQUIRE_OK(f.store().append_event(a, job_event("evt_1", a, "job.failed", "agt_x", "s")));
  auto claimed = f.store().claim_due_deliveries(at(10), at(70), 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 1);
  const DeliveryId id = (*claimed)[0].id;

  DeliveryResult retry;
  retry.status = DeliveryStatus::kPending;
  retry.status_code = 503;
  retry.error = "http_status: 503";
  retry.next_attempt_at = at(20);
  retry.attempted_at = at(11);
  REQUIRE_OK(f.store().record_delivery_result(a, id, retry));
  REQUIRE_OK(f.store().claim_due_deliveries(at(20), at(80), 10));
  DeliveryResult done;
  done.status = DeliveryStatus::kSucceeded;
  done.status_code = 200;
  done.attempted_at = at(21);
  REQUIRE_OK(f.store().record_delivery_result(a, id, done));

  auto attempts = f.store().list_delivery_attempts(a, id, 10);
  REQUIRE_OK(attempts);
  REQUIRE(attempts->size() == 2);
  CHECK((*attempts)[0].attempt == 2);
  CHECK((*attempts)[0].status == DeliveryStatus::kSucceeded);
  CHECK((*attempts)[0].status_code == 200);
  CHECK((*attempts)[0].at == at(21));
  CHECK((*attempts)[1].attempt == 1);
  CHECK((*attempts)[1].status == DeliveryStatus::kPending);
  CHECK((*attempts)[1].error == "http_status: 503");
  CHECK_ERROR_CODE(f.store().list_delivery_attempts(b, id, 10), "delivery_not_found");
  CHECK_ERROR_CODE(f.store().list_delivery_attempts(a, id, 0), "invalid_limit");

  // Deleting the integration takes its deliveries and their attempts along.
  REQUIRE_OK(f.store().delete_integration(a, IntegrationId("int_1")));
  CHECK_ERROR_CODE(f.store().list_delivery_attempts(a, id, 10), "delivery_not_found");
}

TEST_CASE("store: jobs and agents are counted by status for /metrics") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  AgentRecord agent = make_agent("agt_1");
  agent.tenant_id = a;
  REQUIRE_OK(f.store().insert_agent(a, agent));
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 3; ++i) {
    JobRecord j = make_job("job_p" + std::to_string(i), "agt_1");
    j.tenant_id = a;
    jobs.push_back(j);
  }
  JobRecord running = make_job("job_r", "agt_1");
  running.tenant_id = a;
  running.status = JobStatus::kRunning;
  jobs.push_back(running);
  REQUIRE_OK(f.store().insert_jobs(a, jobs));
  auto counts = f.store().count_by_status();
  REQUIRE_OK(counts);
  auto find = [](const auto& list, std::string_view key) -> std::int64_t {
    for (const auto& [k, v] : list)
      if (k == key) return v;
    return -1;
  };
  CHECK(find(counts->jobs, "pending") == 3);
  CHECK(find(counts->jobs, "running") == 1);
  CHECK(find(counts->jobs, "dispatched") == -1);  // none: no row
  CHECK(find(counts->agents, "offline") == 1);
}

TEST_CASE("store: retention takes old events and finished deliveries, keeps owed ones") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_integration(a, make_integration("int_1", a, {"job.failed"})));
  auto old_event = job_event("evt_old", a, "job.failed", "agt_x", "s");
  old_event.created_at = at(5);
  REQUIRE_OK(f.store().append_event(a, old_event));
  auto owed_event = job_event("evt_owed", a, "job.failed", "agt_x", "s");
  owed_event.created_at = at(6);
  REQUIRE_OK(f.store().append_event(a, owed_event));
  auto new_event = job_event("evt_new", a, "job.failed", "agt_x", "s");
  new_event.created_at = at(50);
  REQUIRE_OK(f.store().append_event(a, new_event));
  // The oldest delivery is done with; the second is still owed.
  auto claimed = f.store().claim_due_deliveries(at(5), at(60), 1);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 1);
  CHECK((*claimed)[0].payload == "evt_old");
  DeliveryResult done;
  done.attempted_at = at(7);
  REQUIRE_OK(f.store().record_delivery_result(a, (*claimed)[0].id, done));

  REQUIRE_OK(f.store().delete_jobs_before(a, at(10)));
  CHECK_ERROR_CODE(f.store().get_event(a, EventId("evt_old")), "event_not_found");
  CHECK_ERROR_CODE(f.store().get_event(a, EventId("evt_owed")), "event_not_found");
  REQUIRE_OK(f.store().get_event(a, EventId("evt_new")));
  CHECK(delivered_events(f.store(), a, "int_1") == std::vector<std::string>{"evt_owed", "evt_new"});
}

}  // namespace
}  // namespace scriptmesh::testing
