// JobWaiters: the long-poll registry behind JobService::wait.
//
// Each waiter is a callback for one job with a monotonic deadline. The hub
// takes a job's waiters when the job becomes final and the expired ones on
// each tick; whoever takes a waiter calls it, so each callback runs exactly
// once. Nothing here calls a callback: take_* hand them out, and the caller
// runs them after releasing its own locks.
//
// Thread safety: every method may be called from any thread; one internal
// mutex guards all state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::jobs {

class JobWaiters {
 public:
  using Callback = std::function<void(Result<JobRecord>)>;
  using WaiterId = std::uint64_t;

  // A waiter handed out by take_expired / take_all: enough to read the job.
  struct Taken {
    TenantId tenant;
    JobId job;
    Callback callback;
  };

  explicit JobWaiters(std::size_t max_waiters) : max_waiters_(max_waiters) {}

  // Registers a waiter (moving `callback` in) and returns its id; returns 0
  // and leaves `callback` as it is when max_waiters are already registered.
  WaiterId add(const TenantId& tenant, const JobId& job, MonoTime deadline, Callback& callback);
  // The waiter's callback if it is still registered (and removes it).
  std::optional<Callback> take(WaiterId id);
  // Every waiter of the job (they are removed).
  std::vector<Callback> take_job(const TenantId& tenant, const JobId& job);
  // Every waiter whose deadline is at or before `now` (they are removed).
  std::vector<Taken> take_expired(MonoTime now);
  // Every waiter (for shutdown).
  std::vector<Taken> take_all();
  std::size_t size() const;

 private:
  struct Entry {
    TenantId tenant;
    JobId job;
    MonoTime deadline;
    Callback callback;
  };

  static std::string key_of(const TenantId& tenant, const JobId& job);
  // Removes `id` from by_job_ and by_deadline_; mu_ held.
  void unlink(WaiterId id, const Entry& entry);

  const std::size_t max_waiters_;
  mutable std::mutex mu_;
  WaiterId next_id_ = 1;                                           // guarded by mu_
  std::unordered_map<WaiterId, Entry> entries_;                    // guarded by mu_
  std::unordered_map<std::string, std::vector<WaiterId>> by_job_;  // guarded by mu_
  std::multimap<MonoTime, WaiterId> by_deadline_;                  // guarded by mu_
};

}  // namespace scriptmesh::jobs
