#include "scriptmesh/heartbeat_history.hpp"

#include <doctest/doctest.h>

namespace scriptmesh {
namespace {

HeartbeatSample sample(int second, double cpu) {
  HeartbeatSample s;
  s.at = WallTime(std::chrono::seconds(second));
  s.metrics.cpu_percent = cpu;
  return s;
}

TEST_CASE("heartbeat history: keeps the newest samples per agent, oldest first") {
  HeartbeatHistory h(3);
  const TenantId t("ten_1");
  for (int i = 0; i < 5; ++i)
    h.record(t, AgentId("agt_a"), sample(i, i * 10.0));
  h.record(t, AgentId("agt_b"), sample(9, 99));
  auto a = h.samples(t, AgentId("agt_a"));
  REQUIRE(a.size() == 3);
  CHECK(a[0].metrics.cpu_percent == 20);
  CHECK(a[2].metrics.cpu_percent == 40);
  CHECK(a[2].at == WallTime(std::chrono::seconds(4)));
  CHECK(h.samples(t, AgentId("agt_b")).size() == 1);
  CHECK(h.samples(t, AgentId("agt_c")).empty());
}

TEST_CASE("heartbeat history: another tenant naming the agent gets nothing") {
  HeartbeatHistory h;
  CHECK(h.capacity() == HeartbeatHistory::kDefaultCapacity);
  h.record(TenantId("ten_1"), AgentId("agt_a"), sample(1, 1));
  CHECK(h.samples(TenantId("ten_2"), AgentId("agt_a")).empty());
  h.forget(TenantId("ten_1"), AgentId("agt_a"));
  CHECK(h.samples(TenantId("ten_1"), AgentId("agt_a")).empty());
}

TEST_CASE("heartbeat history: a capacity of 0 still keeps the latest sample") {
  HeartbeatHistory h(0);
  h.record(TenantId("t"), AgentId("a"), sample(1, 1));
  h.record(TenantId("t"), AgentId("a"), sample(2, 2));
  auto s = h.samples(TenantId("t"), AgentId("a"));
  REQUIRE(s.size() == 1);
  CHECK(s[0].metrics.cpu_percent == 2);
}

}  // namespace
}  // namespace scriptmesh
