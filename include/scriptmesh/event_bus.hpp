// EventBus: in-process publish/subscribe of the events ScriptMesh records.
//
// Whoever changes something worth telling (an agent going online or
// offline, a job ending) first stores an EventRecord with Store::append_event
// and then publishes the same record here. Subscribers (the integrations
// dispatcher, metrics, tests) get every published event; each picks the
// types it cares about. The bus keeps nothing: an event published while
// nobody listens is gone from the bus (it is still in the store).
//
// Event types published by the agent hub (EventRecord::type):
//   "agent.online"   subject_id = agent id; data {"agent_id","name"}
//   "agent.offline"  subject_id = agent id; data {"agent_id","name","reason"}
//   "job.succeeded"  subject_id = job id; data {"job_id","agent_id","script","status",
//                    "exit_code","duration_ms"} (fields that are unknown are null)
//   "job.failed"     as job.succeeded; also for timed_out, with "status" telling which,
//                    and "error" for a failure reason such as "agent_lost"
//   "job.cancelled"  as job.succeeded
//
// Thread safety: every method may be called from any thread. publish() calls
// the subscribers synchronously on the publishing thread, one after the
// other, outside the bus's lock: a subscriber may subscribe, unsubscribe or
// publish from inside its callback. A subscriber must be quick and must not
// throw (it runs on an agent's or a request's thread); slow work belongs on
// a queue of its own. unsubscribe() does not wait for a callback that is
// running at that moment on another thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "scriptmesh/store.hpp"

namespace scriptmesh {

inline constexpr std::string_view kEventAgentOnline = "agent.online";
inline constexpr std::string_view kEventAgentOffline = "agent.offline";
inline constexpr std::string_view kEventJobSucceeded = "job.succeeded";
inline constexpr std::string_view kEventJobFailed = "job.failed";
inline constexpr std::string_view kEventJobCancelled = "job.cancelled";

class EventBus {
 public:
  using Subscriber = std::function<void(const EventRecord&)>;
  // Identifies one subscription; never 0, never reused by this bus.
  using SubscriptionId = std::uint64_t;

  EventBus() = default;
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Adds `subscriber`; it receives every event published from now on.
  SubscriptionId subscribe(Subscriber subscriber);
  // Removes a subscription; an unknown id is ignored.
  void unsubscribe(SubscriptionId id);
  // Calls every current subscriber with `event`, in subscription order.
  void publish(const EventRecord& event);
  // How many subscriptions exist (for tests and /metrics).
  std::size_t subscriber_count() const;

 private:
  struct Entry {
    SubscriptionId id;
    // shared so publish() can copy the list and call outside the lock.
    std::shared_ptr<const Subscriber> callback;
  };

  mutable std::mutex mu_;
  std::vector<Entry> subscribers_;  // guarded by mu_
  SubscriptionId next_id_ = 1;      // guarded by mu_
};

}  // namespace scriptmesh
