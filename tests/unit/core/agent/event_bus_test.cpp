#include "scriptmesh/event_bus.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace scriptmesh {
namespace {

EventRecord event(std::string type) {
  EventRecord e;
  e.type = std::move(type);
  return e;
}

TEST_CASE("event bus: every subscriber hears each event until it unsubscribes") {
  EventBus bus;
  std::vector<std::string> first;
  std::vector<std::string> second;
  auto a = bus.subscribe([&](const EventRecord& e) { first.push_back(e.type); });
  auto b = bus.subscribe([&](const EventRecord& e) { second.push_back(e.type); });
  CHECK(a != 0);
  CHECK(a != b);
  CHECK(bus.subscriber_count() == 2);
  bus.publish(event("agent.online"));
  bus.unsubscribe(a);
  bus.unsubscribe(a);  // unknown now: ignored
  bus.publish(event("agent.offline"));
  CHECK(first == std::vector<std::string>{"agent.online"});
  CHECK(second == std::vector<std::string>{"agent.online", "agent.offline"});
  CHECK(bus.subscriber_count() == 1);
}

TEST_CASE("event bus: a subscriber may publish and unsubscribe from its callback") {
  EventBus bus;
  std::vector<std::string> heard;
  EventBus::SubscriptionId self = 0;
  self = bus.subscribe([&](const EventRecord& e) {
    heard.push_back(e.type);
    if (e.type == "job.failed") bus.publish(event("job.retried"));
    if (e.type == "job.retried") bus.unsubscribe(self);
  });
  bus.publish(event("job.failed"));
  bus.publish(event("job.failed"));
  CHECK(heard == std::vector<std::string>{"job.failed", "job.retried"});
  CHECK(bus.subscriber_count() == 0);
}

}  // namespace
}  // namespace scriptmesh
