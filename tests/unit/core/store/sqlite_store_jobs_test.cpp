#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include <future>
#include <set>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("store: a job round-trips every field") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  JobRecord job = make_job("job_1", "agt_1", at(5));
  job.group_id = GroupId("grp_1");
  job.schedule_id = ScheduleId("sch_1");
  job.webhook_url = "https://hooks.example.com/x";
  job.idempotency_key = "idem-1";
  REQUIRE_OK(f.store().insert_jobs(t, {job}));

  auto got = f.store().get_job(t, JobId("job_1"));
  REQUIRE_OK(got);
  CHECK(got->tenant_id == t);
  CHECK(got->agent_id == AgentId("agt_1"));
  CHECK(got->group_id == GroupId("grp_1"));
  CHECK(got->schedule_id == ScheduleId("sch_1"));
  CHECK(got->script == "backup.sh");
  CHECK(got->params == job.params);
  CHECK(got->status == JobStatus::kPending);
  CHECK_FALSE(got->exit_code.has_value());
  CHECK(got->error.empty());
  CHECK(got->timeout_sec == 300);
  CHECK(got->webhook_url == "https://hooks.example.com/x");
  CHECK(got->idempotency_key == "idem-1");
  CHECK(got->created_at == at(5));
  CHECK_FALSE(got->started_at.has_value());
  CHECK(got->stdout_bytes == 0);

  auto by_key = f.store().find_job_by_idempotency_key(t, "idem-1");
  REQUIRE_OK(by_key);
  CHECK(by_key->id == JobId("job_1"));
  CHECK_ERROR_CODE(f.store().find_job_by_idempotency_key(t, "idem-2"), "job_not_found");
  CHECK_ERROR_CODE(f.store().find_job_by_idempotency_key(t, ""), "job_not_found");
  CHECK_ERROR_CODE(f.store().get_job(t, JobId("job_9")), "job_not_found");
}

TEST_CASE("store: insert_jobs inserts all jobs or none") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  auto first = make_job("job_1", "agt_1");
  first.idempotency_key = "same";
  REQUIRE_OK(f.store().insert_jobs(t, {first}));

  // The third job clashes: the first two must not be left behind.
  auto clash = make_job("job_4", "agt_1");
  clash.idempotency_key = "same";
  auto r =
      f.store().insert_jobs(t, {make_job("job_2", "agt_1"), make_job("job_3", "agt_2"), clash});
  CHECK_ERROR_CODE(r, "idempotency_key_taken");
  CHECK(r.error().category() == ErrorCategory::kConflict);
  CHECK_ERROR_CODE(f.store().get_job(t, JobId("job_2")), "job_not_found");
  CHECK_ERROR_CODE(f.store().get_job(t, JobId("job_3")), "job_not_found");

  CHECK_ERROR_CODE(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}), "job_exists");
  CHECK_ERROR_CODE(f.store().insert_jobs(TenantId("tnt_missing"), {make_job("job_5", "agt_1")}),
                   "tenant_not_found");

  // Jobs without a key never clash on it.
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_2", "agt_1"), make_job("job_3", "agt_2")}));
  REQUIRE_OK(f.store().insert_jobs(t, {}));
}

TEST_CASE("store: an idempotency key is unique per tenant only") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  auto ja = make_job("job_a", "agt_1");
  ja.idempotency_key = "k";
  auto jb = make_job("job_b", "agt_1");
  jb.idempotency_key = "k";
  REQUIRE_OK(f.store().insert_jobs(a, {ja}));
  REQUIRE_OK(f.store().insert_jobs(b, {jb}));
  auto found = f.store().find_job_by_idempotency_key(b, "k");
  REQUIRE_OK(found);
  CHECK(found->id == JobId("job_b"));
}

TEST_CASE("store: list_jobs filters and pages newest first") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 25; ++i) {
    // Pairs share a timestamp, so paging must break ties by id.
    auto j = make_job("job_" + std::string(i < 10 ? "0" : "") + std::to_string(i),
                      i % 2 == 0 ? "agt_even" : "agt_odd", at(i / 2));
    if (i % 5 == 0) j.script = "deploy.sh";
    if (i < 6) j.group_id = GroupId("grp_1");
    if (i >= 20) j.schedule_id = ScheduleId("sch_1");
    jobs.push_back(j);
  }
  REQUIRE_OK(f.store().insert_jobs(t, jobs));

  SUBCASE("pages cover every job once, newest first") {
    JobFilter filter;
    filter.limit = 7;
    std::vector<std::string> seen;
    for (int page = 0; page < 10; ++page) {
      auto r = f.store().list_jobs(t, filter);
      REQUIRE_OK(r);
      for (const auto& j : r->jobs)
        seen.push_back(j.id.str());
      if (r->next_cursor.empty()) break;
      filter.cursor = r->next_cursor;
    }
    REQUIRE(seen.size() == 25);
    CHECK(seen.front() == "job_24");
    CHECK(seen[1] == "job_23");
    CHECK(seen[2] == "job_22");  // same second as job_23: tie broken by id, descending
    CHECK(seen.back() == "job_00");
    CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 25);
  }
  SUBCASE("oldest first") {
    JobFilter filter;
    filter.oldest_first = true;
    filter.limit = 20;
    auto r = f.store().list_jobs(t, filter);
    REQUIRE_OK(r);
    CHECK(r->jobs.front().id == JobId("job_00"));
    filter.cursor = r->next_cursor;
    r = f.store().list_jobs(t, filter);
    REQUIRE_OK(r);
    REQUIRE(r->jobs.size() == 5);
    CHECK(r->jobs.back().id == JobId("job_24"));
    CHECK(r->next_cursor.empty());
  }
  SUBCASE("filters combine") {
    JobFilter filter;
    filter.agent_id = AgentId("agt_even");
    filter.script = "deploy.sh";
    auto r = f.store().list_jobs(t, filter);
    REQUIRE_OK(r);
    REQUIRE(r->jobs.size() == 3);  // 0, 10, 20
    CHECK(r->jobs[0].id == JobId("job_20"));

    JobFilter window;
    window.since = at(3);
    window.until = at(5);
    r = f.store().list_jobs(t, window);
    REQUIRE_OK(r);
    CHECK(r->jobs.size() == 4);  // 6, 7, 8, 9

    JobFilter group;
    group.group_id = GroupId("grp_1");
    r = f.store().list_jobs(t, group);
    REQUIRE_OK(r);
    CHECK(r->jobs.size() == 6);

    JobFilter schedule;
    schedule.schedule_id = ScheduleId("sch_1");
    schedule.status = JobStatus::kPending;
    r = f.store().list_jobs(t, schedule);
    REQUIRE_OK(r);
    CHECK(r->jobs.size() == 5);
    schedule.status = JobStatus::kRunning;
    r = f.store().list_jobs(t, schedule);
    REQUIRE_OK(r);
    CHECK(r->jobs.empty());
  }
  SUBCASE("bad limits and cursors are refused") {
    JobFilter filter;
    filter.limit = 0;
    CHECK_ERROR_CODE(f.store().list_jobs(t, filter), "invalid_limit");
    filter.limit = 1001;
    CHECK_ERROR_CODE(f.store().list_jobs(t, filter), "invalid_limit");
    filter.limit = 10;
    for (const char* bad : {"garbage", "12:", ":job_1", "x1:job_1"}) {
      filter.cursor = bad;
      CHECK_ERROR_CODE(f.store().list_jobs(t, filter), "invalid_cursor");
    }
  }
}

TEST_CASE("store: job status changes are compare-and-set") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}));
  const JobId id("job_1");

  JobTransition dispatch;
  dispatch.to = JobStatus::kDispatched;
  dispatch.dispatched_at = at(1);
  REQUIRE_OK(f.store().transition_job(t, id, JobStatus::kPending, dispatch));

  // A second dispatcher that still believes the job is pending loses.
  auto lost = f.store().transition_job(t, id, JobStatus::kPending, dispatch);
  CHECK_ERROR_CODE(lost, "job_status_conflict");
  CHECK(lost.error().category() == ErrorCategory::kConflict);

  JobTransition start;
  start.to = JobStatus::kRunning;
  start.started_at = at(2);
  REQUIRE_OK(f.store().transition_job(t, id, JobStatus::kDispatched, start));
  JobTransition finish;
  finish.to = JobStatus::kFailed;
  finish.finished_at = at(12);
  finish.exit_code = 3;
  finish.signal = 9;
  finish.duration_ms = 10000;
  finish.error = "non_zero_exit";
  REQUIRE_OK(f.store().transition_job(t, id, JobStatus::kRunning, finish));

  auto job = f.store().get_job(t, id);
  REQUIRE_OK(job);
  CHECK(job->status == JobStatus::kFailed);
  CHECK(job->dispatched_at == at(1));
  CHECK(job->started_at == at(2));  // kept: the later transitions did not set it
  CHECK(job->finished_at == at(12));
  CHECK(job->exit_code == 3);
  CHECK(job->signal == 9);
  CHECK(job->duration_ms == 10000);
  CHECK(job->error == "non_zero_exit");

  CHECK_ERROR_CODE(f.store().transition_job(t, JobId("job_9"), JobStatus::kPending, dispatch),
                   "job_not_found");
}

Result<std::vector<JobRecord>> claim(Store& store, const TenantId& tenant, const AgentId& agent,
                                     int limit, WallTime now) {
  std::promise<Result<std::vector<JobRecord>>> claimed;
  store.claim_pending_jobs_async(tenant, agent, limit, now,
                                 [&](Result<std::vector<JobRecord>> r) { claimed.set_value(r); });
  return claimed.get_future().get();
}

std::vector<std::string> ids_of(const std::vector<JobRecord>& jobs) {
  std::vector<std::string> ids;
  for (const JobRecord& j : jobs)
    ids.push_back(j.id.str());
  return ids;
}

TEST_CASE("store: claiming pending jobs takes the agent's oldest, once") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  const TenantId other = seed_tenant(f.store(), "tnt_b");
  // Inserted out of order: created_at, then id, decides.
  REQUIRE_OK(f.store().insert_jobs(
      t, {make_job("job_c", "agt_1", at(3)), make_job("job_a", "agt_1", at(1)),
          make_job("job_b2", "agt_1", at(2)), make_job("job_b1", "agt_1", at(2)),
          make_job("job_x", "agt_2", at(0))}));
  REQUIRE_OK(f.store().insert_jobs(other, {make_job("job_o", "agt_1", at(0))}));
  JobTransition run;
  run.to = JobStatus::kDispatched;
  REQUIRE_OK(f.store().transition_job(t, JobId("job_a"), JobStatus::kPending, run));

  auto first = claim(f.store(), t, AgentId("agt_1"), 2, at(10));
  REQUIRE_OK(first);
  CHECK(ids_of(*first) == std::vector<std::string>{"job_b1", "job_b2"});
  for (const JobRecord& j : *first) {
    CHECK(j.status == JobStatus::kDispatched);
    CHECK(j.dispatched_at == at(10));
    CHECK(j.tenant_id == t);
    CHECK(j.params.at("TARGET") == "/var/lib");
  }
  auto stored = f.store().get_job(t, JobId("job_b1"));
  REQUIRE_OK(stored);
  CHECK(stored->status == JobStatus::kDispatched);

  // Already claimed jobs, other agents' and other tenants' are never taken.
  auto rest = claim(f.store(), t, AgentId("agt_1"), 10, at(11));
  REQUIRE_OK(rest);
  CHECK(ids_of(*rest) == std::vector<std::string>{"job_c"});
  auto none = claim(f.store(), t, AgentId("agt_1"), 10, at(12));
  REQUIRE_OK(none);
  CHECK(none->empty());
  auto theirs = f.store().get_job(other, JobId("job_o"));
  REQUIRE_OK(theirs);
  CHECK(theirs->status == JobStatus::kPending);
  auto x = f.store().get_job(t, JobId("job_x"));
  REQUIRE_OK(x);
  CHECK(x->status == JobStatus::kPending);

  CHECK_ERROR_CODE(claim(f.store(), t, AgentId("agt_1"), 0, at(13)), "invalid_limit");
  CHECK_ERROR_CODE(claim(f.store(), t, AgentId("agt_1"), 1001, at(13)), "invalid_limit");
}

TEST_CASE("store: a transition's event is stored with it, and only when it commits") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}));
  JobTransition cancel;
  cancel.to = JobStatus::kCancelled;
  cancel.finished_at = at(5);
  EventRecord event;
  event.id = EventId("evt_job_1");
  event.tenant_id = t;
  event.type = "job.cancelled";
  event.subject_id = "job_1";
  event.data_json = "{\"x\":1}";
  event.created_at = at(5);
  cancel.event = event;
  REQUIRE_OK(f.store().transition_job(t, JobId("job_1"), JobStatus::kPending, cancel));
  // The same change again loses the compare-and-set: no second event.
  CHECK_ERROR_CODE(f.store().transition_job(t, JobId("job_1"), JobStatus::kPending, cancel),
                   "job_status_conflict");

  auto events = f.store().list_events(t, EventFilter{});
  REQUIRE_OK(events);
  REQUIRE(events->size() == 1);
  CHECK(events->at(0).id == EventId("evt_job_1"));
  CHECK(events->at(0).type == "job.cancelled");
  CHECK(events->at(0).subject_id == "job_1");
  CHECK(events->at(0).data_json == "{\"x\":1}");

  // An event of another tenant is refused before anything is written.
  const TenantId other = seed_tenant(f.store(), "tnt_b");
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_2", "agt_1")}));
  JobTransition foreign = cancel;
  foreign.event->tenant_id = other;
  CHECK_FALSE(f.store().transition_job(t, JobId("job_2"), JobStatus::kPending, foreign).ok());
  auto job = f.store().get_job(t, JobId("job_2"));
  REQUIRE_OK(job);
  CHECK(job->status == JobStatus::kPending);
}

TEST_CASE("store: restart recovery fails dispatched and running jobs only") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  auto with_status = [](std::string id, JobStatus s) {
    auto j = make_job(std::move(id), "agt_1");
    j.status = s;
    return j;
  };
  REQUIRE_OK(f.store().insert_jobs(
      a, {with_status("job_p", JobStatus::kPending), with_status("job_d", JobStatus::kDispatched),
          with_status("job_s", JobStatus::kSucceeded)}));
  REQUIRE_OK(f.store().insert_jobs(b, {with_status("job_r", JobStatus::kRunning)}));

  f.reopen();  // as after a crash: the state is what was committed
  auto failed = f.store().fail_interrupted_jobs(at(100), "orchestrator_restarted", {});
  REQUIRE_OK(failed);
  REQUIRE(failed->size() == 2);
  for (const JobRecord& returned : *failed) {
    CHECK(returned.status == JobStatus::kFailed);
    CHECK(returned.error == "orchestrator_restarted");
    CHECK((returned.id == JobId("job_d") || returned.id == JobId("job_r")));
  }

  for (auto [tenant, id] : {std::pair{a, "job_d"}, std::pair{b, "job_r"}}) {
    auto job = f.store().get_job(tenant, JobId(id));
    REQUIRE_OK(job);
    CHECK(job->status == JobStatus::kFailed);
    CHECK(job->error == "orchestrator_restarted");
    CHECK(job->finished_at == at(100));
  }
  auto pending = f.store().get_job(a, JobId("job_p"));
  REQUIRE_OK(pending);
  CHECK(pending->status == JobStatus::kPending);
  auto done = f.store().get_job(a, JobId("job_s"));
  REQUIRE_OK(done);
  CHECK(done->status == JobStatus::kSucceeded);
  CHECK(done->error.empty());

  // A late result from the agent is still recorded with the failed job.
  JobTransition late;
  late.to = JobStatus::kFailed;
  late.exit_code = 0;
  late.duration_ms = 4200;
  REQUIRE_OK(f.store().transition_job(a, JobId("job_d"), JobStatus::kFailed, late));
  auto job = f.store().get_job(a, JobId("job_d"));
  REQUIRE_OK(job);
  CHECK(job->exit_code == 0);
  CHECK(job->error == "orchestrator_restarted");
}

TEST_CASE("store: retention deletes old finished jobs with their output") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  auto old_done = make_job("job_old", "agt_1", at(0));
  old_done.status = JobStatus::kSucceeded;
  auto old_running = make_job("job_old_running", "agt_1", at(0));
  old_running.status = JobStatus::kRunning;
  auto fresh = make_job("job_new", "agt_1", at(1000));
  fresh.status = JobStatus::kSucceeded;
  REQUIRE_OK(f.store().insert_jobs(a, {old_done, old_running, fresh}));
  auto other = make_job("job_other", "agt_1", at(0));
  other.status = JobStatus::kSucceeded;
  REQUIRE_OK(f.store().insert_jobs(b, {other}));
  auto stored = f.store().append_job_output(a, JobId("job_old"), OutputStream::kStdout, 0, "x");
  REQUIRE_OK(stored);

  auto deleted = f.store().delete_jobs_before(a, at(500));
  REQUIRE_OK(deleted);
  CHECK(*deleted == 1);
  CHECK_ERROR_CODE(f.store().get_job(a, JobId("job_old")), "job_not_found");
  CHECK_ERROR_CODE(f.store().read_job_output(a, JobId("job_old"), OutputStream::kStdout, 0, {}),
                   "job_not_found");
  CHECK_OK(f.store().get_job(a, JobId("job_old_running")));
  CHECK_OK(f.store().get_job(a, JobId("job_new")));
  CHECK_OK(f.store().get_job(b, JobId("job_other")));  // another tenant's retention
}

}  // namespace
}  // namespace scriptmesh::testing
