#include "core/jobs/job_waiters.hpp"

#include <algorithm>
#include <utility>

namespace scriptmesh::jobs {

std::string JobWaiters::key_of(const TenantId& tenant, const JobId& job) {
  return tenant.str() + '\n' + job.str();
}

JobWaiters::WaiterId JobWaiters::add(const TenantId& tenant, const JobId& job, MonoTime deadline,
                                     Callback& callback) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_waiters_) return 0;
  const WaiterId id = next_id_++;
  entries_.emplace(id, Entry{tenant, job, deadline, std::move(callback)});
  by_job_[key_of(tenant, job)].push_back(id);
  by_deadline_.emplace(deadline, id);
  return id;
}

void JobWaiters::unlink(WaiterId id, const Entry& entry) {
  auto job_it = by_job_.find(key_of(entry.tenant, entry.job));
  if (job_it != by_job_.end()) {
    std::erase(job_it->second, id);
    if (job_it->second.empty()) by_job_.erase(job_it);
  }
  auto [first, last] = by_deadline_.equal_range(entry.deadline);
  for (auto it = first; it != last; ++it) {
    if (it->second == id) {
      by_deadline_.erase(it);
      break;
    }
  }
}

std::optional<JobWaiters::Callback> JobWaiters::take(WaiterId id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  unlink(id, it->second);
  Callback callback = std::move(it->second.callback);
  entries_.erase(it);
  return callback;
}

std::vector<JobWaiters::Callback> JobWaiters::take_job(const TenantId& tenant, const JobId& job) {
  std::lock_guard lock(mu_);
  std::vector<Callback> out;
  auto job_it = by_job_.find(key_of(tenant, job));
  if (job_it == by_job_.end()) return out;
  const std::vector<WaiterId> ids = std::move(job_it->second);
  by_job_.erase(job_it);
  for (WaiterId id : ids) {
    auto it = entries_.find(id);
    if (it == entries_.end()) continue;
    unlink(id, it->second);
    out.push_back(std::move(it->second.callback));
    entries_.erase(it);
  }
  return out;
}

std::vector<JobWaiters::Taken> JobWaiters::take_expired(MonoTime now) {
  std::lock_guard lock(mu_);
  std::vector<Taken> out;
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    const WaiterId id = by_deadline_.begin()->second;
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      by_deadline_.erase(by_deadline_.begin());
      continue;
    }
    unlink(id, it->second);
    out.push_back({it->second.tenant, it->second.job, std::move(it->second.callback)});
    entries_.erase(it);
  }
  return out;
}

std::vector<JobWaiters::Taken> JobWaiters::take_all() {
  std::lock_guard lock(mu_);
  std::vector<Taken> out;
  out.reserve(entries_.size());
  for (auto& [id, entry] : entries_) {
    out.push_back({entry.tenant, entry.job, std::move(entry.callback)});
  }
  entries_.clear();
  by_job_.clear();
  by_deadline_.clear();
  return out;
}

std::size_t JobWaiters::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace scriptmesh::jobs
