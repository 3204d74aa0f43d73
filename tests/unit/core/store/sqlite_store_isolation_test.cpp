#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// The ids of one fully populated tenant; every id embeds the tenant's name.
struct Seeded {
  TenantId tenant;
  UserId user;
  std::string refresh_hash, reset_hash, family, key_hash, idempotency_key;
  ApiKeyId key;
  AgentId agent;
  JobId job;
  DeliveryId delivery;
};

Seeded seed_everything(Store& store, const std::string& name) {
  Seeded s;
  s.tenant = seed_tenant(store, name);
  s.user = owner_of(s.tenant);

  RefreshTokenRecord rt;
  rt.id = "rt_" + name;
  rt.user_id = s.user;
  rt.token_hash = s.refresh_hash = "refresh-" + name;
  rt.family_id = s.family = "fam-" + name;
  rt.created_at = at(0);
  rt.expires_at = at(1000);
  REQUIRE_OK(store.insert_refresh_token(s.tenant, rt));

  PasswordResetTokenRecord reset;
  reset.token_hash = s.reset_hash = "reset-" + name;
  reset.user_id = s.user;
  reset.created_at = at(0);
  reset.expires_at = at(1000);
  REQUIRE_OK(store.insert_password_reset_token(s.tenant, reset));

  ApiKeyRecord key;
  key.id = s.key = ApiKeyId("key_" + name);
  key.user_id = s.user;
  key.name = "k";
  key.prefix = "sm_live_";
  key.key_hash = s.key_hash = "keyhash-" + name;
  key.created_at = at(0);
  REQUIRE_OK(store.insert_api_key(s.tenant, key));

  s.agent = AgentId("agt_" + name);
  REQUIRE_OK(store.insert_agent(s.tenant, make_agent(s.agent.str())));

  auto job = make_job("job_" + name, s.agent.str());
  job.idempotency_key = s.idempotency_key = "idem-" + name;
  job.status = JobStatus::kSucceeded;
  s.job = job.id;
  REQUIRE_OK(store.insert_jobs(s.tenant, {job}));
  REQUIRE_OK(store.append_job_output(s.tenant, s.job, OutputStream::kStdout, 0, "secret " + name));

  EventRecord event;
  event.id = EventId("evt_" + name);
  event.type = "job.succeeded";
  event.created_at = at(0);
  REQUIRE_OK(store.append_event(s.tenant, event));

  DeliveryRecord delivery;
  delivery.id = s.delivery = DeliveryId("dlv_" + name);
  delivery.kind = "job_webhook";
  delivery.payload = "{}";
  delivery.next_attempt_at = at(0);
  delivery.created_at = at(0);
  REQUIRE_OK(store.enqueue_delivery(s.tenant, delivery));
  return s;
}

TEST_CASE("store: another tenant's rows answer not_found and never appear in lists") {
  StoreFixture f;
  Store& st = f.store();
  const Seeded a = seed_everything(st, "tnt_a");
  const Seeded b = seed_everything(st, "tnt_b");
  const TenantId& wrong = b.tenant;  // B's credentials reaching for A's ids

  SUBCASE("users") {
    CHECK_ERROR_CODE(st.get_user(wrong, a.user), "user_not_found");
    CHECK_ERROR_CODE(st.update_user_role(wrong, a.user, UserRole::kMember), "user_not_found");
    CHECK_ERROR_CODE(st.update_user_password(wrong, a.user, "x"), "user_not_found");
    CHECK_ERROR_CODE(st.set_verification_code(wrong, a.user, "x", at(1)), "user_not_found");
    CHECK_ERROR_CODE(st.record_verification_attempt(wrong, a.user), "user_not_found");
    CHECK_ERROR_CODE(st.mark_user_verified(wrong, a.user), "user_not_found");
    CHECK_ERROR_CODE(st.delete_user(wrong, a.user), "user_not_found");
    auto users = st.list_users(wrong);
    REQUIRE_OK(users);
    REQUIRE(users->size() == 1);
    CHECK(users->front().id == b.user);
    auto owners = st.count_owners(wrong);
    REQUIRE_OK(owners);
    CHECK(*owners == 1);
    auto untouched = st.get_user(a.tenant, a.user);
    REQUIRE_OK(untouched);
    CHECK(untouched->role == UserRole::kOwner);
    CHECK_FALSE(untouched->verified);
  }
  SUBCASE("tokens") {
    CHECK_ERROR_CODE(st.mark_refresh_token_used(wrong, a.refresh_hash, at(1)),
                     "refresh_token_not_found");
    auto family = st.revoke_refresh_token_family(wrong, a.family, at(1));
    REQUIRE_OK(family);
    CHECK(*family == 0);
    auto by_user = st.revoke_user_refresh_tokens(wrong, a.user, at(1));
    REQUIRE_OK(by_user);
    CHECK(*by_user == 0);
    RefreshTokenRecord foreign;
    foreign.id = "rt_x";
    foreign.user_id = a.user;
    foreign.token_hash = "x";
    foreign.family_id = "x";
    CHECK_ERROR_CODE(st.insert_refresh_token(wrong, foreign), "user_not_found");
    auto live = st.find_refresh_token(a.refresh_hash);
    REQUIRE_OK(live);
    CHECK_FALSE(live->used_at.has_value());
    CHECK_FALSE(live->revoked_at.has_value());
    CHECK_ERROR_CODE(st.mark_password_reset_token_used(wrong, a.reset_hash, at(1)),
                     "reset_token_not_found");
  }
  SUBCASE("api keys") {
    CHECK_ERROR_CODE(st.get_api_key(wrong, a.key), "api_key_not_found");
    CHECK_ERROR_CODE(st.revoke_api_key(wrong, a.key, at(1)), "api_key_not_found");
    CHECK_ERROR_CODE(st.touch_api_key(wrong, a.key, at(1)), "api_key_not_found");
    auto keys = st.list_api_keys(wrong);
    REQUIRE_OK(keys);
    REQUIRE(keys->size() == 1);
    CHECK(keys->front().id == b.key);
    ApiKeyRecord foreign;
    foreign.id = ApiKeyId("key_x");
    foreign.user_id = a.user;
    foreign.key_hash = "x";
    CHECK_ERROR_CODE(st.insert_api_key(wrong, foreign), "user_not_found");
    auto key = st.get_api_key(a.tenant, a.key);
    REQUIRE_OK(key);
    CHECK_FALSE(key->revoked_at.has_value());
  }
  SUBCASE("agents") {
    CHECK_ERROR_CODE(st.get_agent(wrong, a.agent), "agent_not_found");
    CHECK_ERROR_CODE(st.update_agent(wrong, a.agent, AgentUpdate{"stolen", std::nullopt}),
                     "agent_not_found");
    CHECK_ERROR_CODE(st.update_agent_key(wrong, a.agent, "c", "l"), "agent_not_found");
    AgentStateUpdate online;
    online.status = AgentStatus::kOnline;
    CHECK_ERROR_CODE(st.update_agent_state(wrong, a.agent, online), "agent_not_found");
    CHECK_ERROR_CODE(st.delete_agent(wrong, a.agent), "agent_not_found");
    auto agents = st.list_agents(wrong);
    REQUIRE_OK(agents);
    REQUIRE(agents->size() == 1);
    CHECK(agents->front().id == b.agent);
    auto count = st.count_agents(wrong);
    REQUIRE_OK(count);
    CHECK(*count == 1);
    auto agent = st.get_agent(a.tenant, a.agent);
    REQUIRE_OK(agent);
    CHECK(agent->name == "host-agt_tnt_a");
    CHECK(agent->status == AgentStatus::kOffline);
  }
  SUBCASE("jobs and output") {
    CHECK_ERROR_CODE(st.get_job(wrong, a.job), "job_not_found");
    CHECK_ERROR_CODE(st.find_job_by_idempotency_key(wrong, a.idempotency_key), "job_not_found");
    JobTransition cancel;
    cancel.to = JobStatus::kCancelled;
    CHECK_ERROR_CODE(st.transition_job(wrong, a.job, JobStatus::kSucceeded, cancel),
                     "job_not_found");
    CHECK_ERROR_CODE(st.append_job_output(wrong, a.job, OutputStream::kStdout, 1, "x"),
                     "job_not_found");
    CHECK_ERROR_CODE(st.read_job_output(wrong, a.job, OutputStream::kStdout, 0, {}),
                     "job_not_found");
    JobFilter by_agent;
    by_agent.agent_id = a.agent;
    auto listed = st.list_jobs(wrong, by_agent);
    REQUIRE_OK(listed);
    CHECK(listed->jobs.empty());
    auto all = st.list_jobs(wrong, JobFilter{});
    REQUIRE_OK(all);
    REQUIRE(all->jobs.size() == 1);
    CHECK(all->jobs.front().id == b.job);
    auto deleted = st.delete_jobs_before(wrong, at(999999));
    REQUIRE_OK(deleted);
    CHECK(*deleted == 1);  // B's own job only
    auto kept = st.read_job_output(a.tenant, a.job, OutputStream::kStdout, 0, {});
    REQUIRE_OK(kept);
    CHECK(*kept == "secret tnt_a");
    auto mismatched = make_job("job_x", "agt_x");
    mismatched.tenant_id = a.tenant;
    CHECK_ERROR_CODE(st.insert_jobs(wrong, {mismatched}), "tenant_mismatch");
  }
  SUBCASE("events and deliveries") {
    auto events = st.list_events(wrong, EventFilter{});
    REQUIRE_OK(events);
    REQUIRE(events->size() == 1);
    CHECK(events->front().id == EventId("evt_tnt_b"));
    CHECK_ERROR_CODE(st.record_delivery_result(wrong, a.delivery, DeliveryResult{}),
                     "delivery_not_found");
    auto deliveries = st.list_deliveries(wrong, std::nullopt, 100);
    REQUIRE_OK(deliveries);
    REQUIRE(deliveries->size() == 1);
    CHECK(deliveries->front().id == b.delivery);
  }
  SUBCASE("tenant settings") {
    REQUIRE_OK(st.set_tenant_plan(wrong, Plan::kPro));
    auto tenant = st.get_tenant(a.tenant);
    REQUIRE_OK(tenant);
    CHECK(tenant->plan == Plan::kStarter);
  }
}

}  // namespace
}  // namespace scriptmesh::testing
