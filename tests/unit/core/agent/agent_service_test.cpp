#include "scriptmesh/agents.hpp"

#include <doctest/doctest.h>

#include <string>

#include "scriptmesh/hash.hpp"
#include "unit/core/agent/hub_fixture.hpp"

namespace scriptmesh::testing {
namespace {

TEST_CASE("agents: create returns the key once and stores only a token and a hash") {
  HubFixture f;
  auto created = f.agents().create(f.principal(), {"  web-1 ", {"linux", "eu", "linux"}});
  REQUIRE_OK(created);
  CHECK(created->agent.name == "web-1");
  CHECK(created->agent.tags == std::vector<std::string>{"linux", "eu"});
  CHECK(created->agent.status == AgentStatus::kOffline);
  CHECK(created->key.starts_with("sm_agent_"));
  CHECK(looks_like_agent_key(created->key));

  AgentRecord stored = f.agent_record(created->agent.id);
  CHECK(stored.key_lookup_hash == sha256_hex(created->key));
  CHECK(stored.key_ciphertext.find(created->key) == std::string::npos);
  auto decrypted = f.keyring().decrypt(stored.key_ciphertext, f.clock().now());
  REQUIRE_OK(decrypted);
  CHECK(*decrypted == created->key);

  auto again = f.agents().create(f.principal(), {"web-2", {}});
  REQUIRE_OK(again);
  CHECK(again->key != created->key);
}

TEST_CASE("agents: authenticate accepts the key and refuses anything else") {
  HubFixture f;
  TestAgent a = f.create_agent("web-1");
  auto found = f.agents().authenticate(a.key);
  REQUIRE_OK(found);
  CHECK(found->id == a.id);
  CHECK(found->tenant_id == f.tenant());

  std::string wrong = a.key;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  CHECK_ERROR_CODE(f.agents().authenticate(wrong), "invalid_agent_key");
  CHECK_ERROR_CODE(f.agents().authenticate(""), "invalid_agent_key");
  CHECK_ERROR_CODE(f.agents().authenticate("sm_live_" + a.key.substr(9)), "invalid_agent_key");
  CHECK_ERROR_CODE(f.agents().authenticate(a.key + "x"), "invalid_agent_key");
}

TEST_CASE("agents: rotate_key refuses the old key and closes the live connection") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  const std::string old_key = a.key;
  auto rotated = f.agents().rotate_key(f.principal(), a.id);
  REQUIRE_OK(rotated);
  CHECK(*rotated != old_key);
  CHECK(a.conn->closed());
  CHECK(a.conn->close_reason() == "agent_key_revoked");
  CHECK_ERROR_CODE(f.agents().authenticate(old_key), "invalid_agent_key");
  CHECK_ERROR_CODE(f.hub().attach(old_key, std::make_shared<FakeConnection>()),
                   "invalid_agent_key");
  auto found = f.agents().authenticate(*rotated);
  REQUIRE_OK(found);
  CHECK(found->id == a.id);
  CHECK(f.agent_record(a.id).status == AgentStatus::kOffline);
}

TEST_CASE("agents: remove deletes the agent, closes it and keeps its jobs") {
  HubFixture f;
  TestAgent a = f.online_agent("web-1");
  JobRecord job = f.trigger(a);
  REQUIRE_OK(f.agents().remove(f.principal(), a.id));
  CHECK(a.conn->closed());
  CHECK_ERROR_CODE(f.agents().get(f.principal(), a.id), "agent_not_found");
  CHECK_ERROR_CODE(f.agents().authenticate(a.key), "invalid_agent_key");
  CHECK(f.store().get_job(f.tenant(), job.id).ok());
  CHECK_ERROR_CODE(f.agents().remove(f.principal(), a.id), "agent_not_found");
}

TEST_CASE("agents: list, get and update") {
  HubFixture f;
  TestAgent a = f.create_agent("web-1", {"linux"});
  f.clock().advance(std::chrono::seconds(1));
  TestAgent b = f.create_agent("web-2");
  auto list = f.agents().list(f.principal("member"));
  REQUIRE_OK(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == a.id);
  CHECK((*list)[1].id == b.id);

  AgentUpdate rename;
  rename.name = "db-1";
  auto updated = f.agents().update(f.principal(), a.id, rename);
  REQUIRE_OK(updated);
  CHECK(updated->name == "db-1");
  CHECK(updated->tags == std::vector<std::string>{"linux"});

  AgentUpdate retag;
  retag.tags = std::vector<std::string>{"db", "eu"};
  updated = f.agents().update(f.principal(), a.id, retag);
  REQUIRE_OK(updated);
  CHECK(updated->name == "db-1");
  CHECK(updated->tags == std::vector<std::string>{"db", "eu"});

  auto got = f.agents().get(f.principal("member"), a.id);
  REQUIRE_OK(got);
  CHECK(got->name == "db-1");
}

TEST_CASE("agents: names and tags are validated") {
  HubFixture f;
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"", {}}), "invalid_name");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {std::string(101, 'a'), {}}), "invalid_name");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"bad\nname", {}}), "invalid_name");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"ok", {""}}), "invalid_tags");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"ok", {"has space"}}), "invalid_tags");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"ok", {"-lead"}}), "invalid_tags");
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"ok", {std::string(65, 't')}}),
                   "invalid_tags");
  std::vector<std::string> many;
  for (int i = 0; i < 33; ++i)
    many.push_back("t" + std::to_string(i));
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"ok", many}), "invalid_tags");
  auto bad = f.agents().create(f.principal(), {"ok", {"a b"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("'a b'") != std::string::npos);

  TestAgent a = f.create_agent("web-1");
  AgentUpdate update;
  update.tags = std::vector<std::string>{"ok", "not ok"};
  CHECK_ERROR_CODE(f.agents().update(f.principal(), a.id, update), "invalid_tags");
  CHECK(f.agent_record(a.id).tags.empty());
}

TEST_CASE("agents: roles and scopes") {
  HubFixture f;
  TestAgent a = f.create_agent("web-1");
  CHECK_ERROR_CODE(f.agents().create(f.principal("member"), {"x", {}}), "insufficient_role");
  CHECK_ERROR_CODE(f.agents().rotate_key(f.principal("member"), a.id), "insufficient_role");
  CHECK_ERROR_CODE(f.agents().remove(f.principal("member"), a.id), "insufficient_role");
  CHECK_ERROR_CODE(f.agents().update(f.principal("member"), a.id, {}), "insufficient_role");
  CHECK_OK(f.agents().create(f.principal("admin"), {"x", {}}));

  CHECK_ERROR_CODE(f.agents().list(f.api_key({"jobs:read"})), "insufficient_scope");
  CHECK_OK(f.agents().list(f.api_key({"agents:read"})));
  CHECK_ERROR_CODE(f.agents().create(f.api_key({"agents:read"}), {"y", {}}), "insufficient_scope");
  CHECK_OK(f.agents().get(f.api_key({"agents:write", "agents:read"}), a.id));
  CHECK_OK(f.agents().rotate_key(f.api_key({"agents:write"}), a.id));
}

TEST_CASE("agents: another tenant's agent is not found") {
  HubFixture f;
  const TenantId other = f.seed_tenant("tnt_b", "owner@b.test");
  TestAgent theirs = f.create_agent("theirs", {}, &other);
  CHECK_ERROR_CODE(f.agents().get(f.principal(), theirs.id), "agent_not_found");
  CHECK_ERROR_CODE(f.agents().update(f.principal(), theirs.id, {}), "agent_not_found");
  CHECK_ERROR_CODE(f.agents().remove(f.principal(), theirs.id), "agent_not_found");
  CHECK_ERROR_CODE(f.agents().rotate_key(f.principal(), theirs.id), "agent_not_found");
  auto mine = f.agents().list(f.principal());
  REQUIRE_OK(mine);
  CHECK(mine->empty());
}

TEST_CASE("agents: the starter plan allows 3 agents, pro more") {
  HubFixture f;
  for (int i = 0; i < 3; ++i)
    f.create_agent("a" + std::to_string(i));
  CHECK_ERROR_CODE(f.agents().create(f.principal(), {"a3", {}}), "plan_limit_reached");
  f.set_plan(Plan::kPro);
  CHECK_OK(f.agents().create(f.principal(), {"a3", {}}));
}

}  // namespace
}  // namespace scriptmesh::testing
