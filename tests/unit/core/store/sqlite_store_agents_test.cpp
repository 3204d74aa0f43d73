#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("store: agents are inserted, read, listed and counted") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_agent(t, make_agent("agt_1")));
  auto second = make_agent("agt_2");
  second.created_at = at(5);
  second.tags.clear();
  REQUIRE_OK(f.store().insert_agent(t, second));
  CHECK_ERROR_CODE(f.store().insert_agent(t, make_agent("agt_1")), "agent_exists");
  CHECK_ERROR_CODE(f.store().insert_agent(TenantId("tnt_missing"), make_agent("agt_3")),
                   "tenant_not_found");

  auto agent = f.store().get_agent(t, AgentId("agt_1"));
  REQUIRE_OK(agent);
  CHECK(agent->tenant_id == t);
  CHECK(agent->name == "host-agt_1");
  CHECK(agent->tags == std::vector<std::string>{"linux", "prod"});
  CHECK(agent->key_ciphertext == "gAAAAAB-agent-key-agt_1");
  CHECK(agent->key_lookup_hash == "lookup-agt_1");
  CHECK(agent->status == AgentStatus::kOffline);
  CHECK_FALSE(agent->last_heartbeat_at.has_value());
  CHECK_FALSE(agent->metrics.has_value());
  CHECK(agent->manifest == std::vector<std::string>{"backup.sh", "deploy.sh"});

  auto agents = f.store().list_agents(t);
  REQUIRE_OK(agents);
  REQUIRE(agents->size() == 2);
  CHECK((*agents)[0].id == AgentId("agt_1"));
  CHECK((*agents)[1].tags.empty());
  auto count = f.store().count_agents(t);
  REQUIRE_OK(count);
  CHECK(*count == 2);
}

TEST_CASE("store: agent name, tags, key and state are updated independently") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  const AgentId id("agt_1");
  REQUIRE_OK(f.store().insert_agent(t, make_agent("agt_1")));

  AgentUpdate rename;
  rename.name = "renamed";
  REQUIRE_OK(f.store().update_agent(t, id, rename));
  AgentUpdate retag;
  retag.tags = std::vector<std::string>{"windows"};
  REQUIRE_OK(f.store().update_agent(t, id, retag));
  auto agent = f.store().get_agent(t, id);
  REQUIRE_OK(agent);
  CHECK(agent->name == "renamed");
  CHECK(agent->tags == std::vector<std::string>{"windows"});

  REQUIRE_OK(f.store().update_agent_key(t, id, "gAAAAAB-new", "lookup-new"));
  CHECK_ERROR_CODE(f.store().find_agent_by_key_lookup("lookup-agt_1"), "agent_not_found");
  auto by_key = f.store().find_agent_by_key_lookup("lookup-new");
  REQUIRE_OK(by_key);
  CHECK(by_key->id == id);
  CHECK(by_key->tenant_id == t);
  CHECK(by_key->key_ciphertext == "gAAAAAB-new");

  AgentStateUpdate hello;
  hello.status = AgentStatus::kOnline;
  hello.manifest = std::vector<std::string>{"only.sh"};
  REQUIRE_OK(f.store().update_agent_state(t, id, hello));
  AgentStateUpdate beat;
  beat.last_heartbeat_at = at(60);
  beat.metrics = AgentMetrics{12.5, 40.25, 73.0, 86400};
  REQUIRE_OK(f.store().update_agent_state(t, id, beat));
  agent = f.store().get_agent(t, id);
  REQUIRE_OK(agent);
  CHECK(agent->status == AgentStatus::kOnline);
  CHECK(agent->manifest == std::vector<std::string>{"only.sh"});
  CHECK(agent->last_heartbeat_at == at(60));
  REQUIRE(agent->metrics.has_value());
  CHECK(agent->metrics->cpu_percent == doctest::Approx(12.5));
  CHECK(agent->metrics->mem_percent == doctest::Approx(40.25));
  CHECK(agent->metrics->disk_percent == doctest::Approx(73.0));
  CHECK(agent->metrics->uptime_sec == 86400);

  auto offline = f.store().mark_all_agents_offline();
  REQUIRE_OK(offline);
  CHECK(*offline == 1);
  agent = f.store().get_agent(t, id);
  REQUIRE_OK(agent);
  CHECK(agent->status == AgentStatus::kOffline);
}

TEST_CASE("store: deleting an agent keeps its jobs") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_agent(t, make_agent("agt_1")));
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}));
  REQUIRE_OK(f.store().delete_agent(t, AgentId("agt_1")));
  CHECK_ERROR_CODE(f.store().get_agent(t, AgentId("agt_1")), "agent_not_found");
  CHECK_ERROR_CODE(f.store().delete_agent(t, AgentId("agt_1")), "agent_not_found");
  auto job = f.store().get_job(t, JobId("job_1"));
  REQUIRE_OK(job);
  CHECK(job->agent_id == AgentId("agt_1"));
  CHECK_ERROR_CODE(f.store().update_agent(t, AgentId("agt_1"), AgentUpdate{}), "agent_not_found");
  CHECK_ERROR_CODE(f.store().update_agent_state(t, AgentId("agt_1"), AgentStateUpdate{}),
                   "agent_not_found");
}

}  // namespace
}  // namespace scriptmesh::testing
