// The retention purge (see scriptmesh/retention.hpp).
#include "scriptmesh/retention.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "scriptmesh/log.hpp"
#include "scriptmesh/plans.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

struct RetentionPurger::Impl {
  Impl(Store& s, Clock& c, RetentionOptions o)
      : store(s),
        clock(c),
        options(o),
        logger(options.logger != nullptr ? *options.logger : null_logger()) {}

  Result<RetentionReport> pass(WallTime now, const std::atomic<bool>& stop_flag);
  Result<std::int64_t> purge_tenant(const TenantId& tenant, WallTime now);
  void loop();

  Store& store;
  Clock& clock;
  const RetentionOptions options;
  Logger& logger;

  std::mutex mu;
  std::condition_variable cv;       // stop()
  bool stopping = false;            // guarded by mu
  std::atomic<bool> cancel{false};  // stop() asks a running pass to end early
  std::atomic<bool> never{false};   // what purge_once() passes: it always finishes

  std::mutex lifecycle_mu;  // serialises start() and stop()
  std::thread thread;       // guarded by lifecycle_mu
};

Result<std::int64_t> RetentionPurger::Impl::purge_tenant(const TenantId& tenant, WallTime now) {
  Result<TenantRecord> record = store.get_tenant(tenant);
  if (!record.ok()) return std::move(record).error();
  const auto days = std::chrono::hours(24) * plan_limits(record->plan).retention_days;
  return store.delete_jobs_before(tenant, now - days);
}

Result<RetentionReport> RetentionPurger::Impl::pass(WallTime now,
                                                    const std::atomic<bool>& stop_flag) {
  Result<std::vector<TenantId>> tenants = store.list_tenant_ids();
  if (!tenants.ok()) return std::move(tenants).error();
  RetentionReport report;
  for (const TenantId& tenant : *tenants) {
    if (stop_flag.load()) break;
    ++report.tenants;
    Result<std::int64_t> deleted = purge_tenant(tenant, now);
    if (deleted.ok()) {
      report.jobs_deleted += *deleted;
      continue;
    }
    // A tenant deleted since the list was read has nothing left to purge.
    if (deleted.error().code() == "tenant_not_found") continue;
    ++report.tenants_failed;
    logger.error("retention purge failed for a tenant",
                 {{"tenant_id", tenant.str()}, {"error", deleted.error().to_string()}});
  }
  return report;
}

void RetentionPurger::Impl::loop() {
  std::unique_lock lock(mu);
  while (!stopping) {
    lock.unlock();
    Result<RetentionReport> report = pass(clock.now(), cancel);
    if (report.ok()) {
      logger.info("retention purge done",
                  {{"tenants", report->tenants},
                   {"tenants_failed", report->tenants_failed},
                   {"jobs_deleted", static_cast<long long>(report->jobs_deleted)}});
    } else {
      logger.error("retention purge could not list tenants",
                   {{"error", report.error().to_string()}});
    }
    lock.lock();
    cv.wait_for(lock, options.interval, [&] { return stopping; });
  }
}

RetentionPurger::RetentionPurger(Store& store, Clock& clock, RetentionOptions options) {
  if (options.interval <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("retention interval must be positive");
  }
  impl_ = std::make_unique<Impl>(store, clock, options);
}

RetentionPurger::~RetentionPurger() {
  stop();
}

Result<RetentionReport> RetentionPurger::purge_once(WallTime now) {
  return impl_->pass(now, impl_->never);
}

void RetentionPurger::start() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = false;
  }
  impl_->cancel = false;
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void RetentionPurger::stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cancel = true;
  impl_->cv.notify_all();
  impl_->thread.join();
}

}  // namespace scriptmesh
