#include "scriptmesh/event_bus.hpp"

#include <algorithm>
#include <utility>

namespace scriptmesh {

EventBus::SubscriptionId EventBus::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mu_);
  const SubscriptionId id = next_id_++;
  subscribers_.push_back({id, std::make_shared<const Subscriber>(std::move(subscriber))});
  return id;
}

void EventBus::unsubscribe(SubscriptionId id) {
  std::lock_guard lock(mu_);
  std::erase_if(subscribers_, [id](const Entry& e) { return e.id == id; });
}

void EventBus::publish(const EventRecord& event) {
  // Copied so callbacks run without the lock: a subscriber may then
  // (un)subscribe or publish without deadlocking on mu_.
  std::vector<std::shared_ptr<const Subscriber>> callbacks;
  {
    std::lock_guard lock(mu_);
    callbacks.reserve(subscribers_.size());
    for (const Entry& e : subscribers_)
      callbacks.push_back(e.callback);
  }
  for (const auto& callback : callbacks)
    (*callback)(event);
}

std::size_t EventBus::subscriber_count() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

}  // namespace scriptmesh
