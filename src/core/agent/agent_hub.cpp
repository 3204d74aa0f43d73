// AgentHub's public face: it forwards to Impl (agent_hub_impl.hpp).
#include "scriptmesh/agent_hub.hpp"

#include <utility>

#include "core/agent/agent_hub_impl.hpp"

namespace scriptmesh {
namespace hub {

std::string agent_key(const TenantId& tenant, const AgentId& agent) {
  return tenant.str() + '\n' + agent.str();
}

bool accepts_late_result(const JobRecord& job) noexcept {
  return job.status == JobStatus::kFailed && !job.duration_ms &&
         (job.error == kOrchestratorRestarted || job.error == kAgentLost);
}

JobRecord apply_transition(JobRecord job, const JobTransition& t) {
  job.status = t.to;
  if (t.dispatched_at) job.dispatched_at = t.dispatched_at;
  if (t.started_at) job.started_at = t.started_at;
  if (t.finished_at) job.finished_at = t.finished_at;
  if (t.exit_code) job.exit_code = t.exit_code;
  if (t.signal) job.signal = t.signal;
  if (t.error) job.error = *t.error;
  if (t.duration_ms) job.duration_ms = t.duration_ms;
  return job;
}

}  // namespace hub

AgentHub::Impl::Impl(Store& store, Clock& clock, EventBus& events, Logger& logger,
                     AgentHubOptions options)
    : store_(store),
      clock_(clock),
      events_(events),
      logger_(logger),
      options_(options),
      waiters_(options.max_waiters) {}

AgentHub::Impl::~Impl() {
  wait_idle();
  // Nobody will finish these jobs through this hub any more: answer now
  // rather than leave a request hanging.
  for (auto& w : waiters_.take_all()) {
    w.callback(Error::unavailable("shutting_down", "the orchestrator is shutting down"));
  }
}

void AgentHub::Impl::wait_idle() {
  std::unique_lock lock(async_mu_);
  async_idle_.wait(lock, [&] { return async_writes_ == 0; });
}

void AgentHub::Impl::async_begun() {
  std::lock_guard lock(async_mu_);
  ++async_writes_;
}

void AgentHub::Impl::async_ended() {
  std::lock_guard lock(async_mu_);
  if (--async_writes_ == 0) async_idle_.notify_all();
}

void AgentHub::Impl::send(const std::shared_ptr<AgentConnection>& connection,
                          const agent_protocol::OrchestratorMessage& message) {
  if (connection) connection->send(agent_protocol::encode(message));
}

AgentHubStats AgentHub::Impl::stats() const {
  AgentHubStats s;
  s.waiters = waiters_.size();
  std::lock_guard lock(mu_);
  s.connections = sessions_.size();
  for (const auto& [key, live] : live_) {
    if (live.hello_done) ++s.online_agents;
    s.jobs_in_flight += live.in_flight.size();
  }
  s.leased_agents = leases_.size();
  return s;
}

bool AgentHub::Impl::is_online(const TenantId& tenant, const AgentId& agent) const {
  std::lock_guard lock(mu_);
  auto it = live_.find(hub::agent_key(tenant, agent));
  return it != live_.end() && it->second.hello_done;
}

// --- public forwarding -------------------------------------------------------

AgentHub::AgentHub(Store& store, Clock& clock, EventBus& events, Logger& logger,
                   AgentHubOptions options)
    : impl_(std::make_unique<Impl>(store, clock, events, logger, options)) {}

AgentHub::~AgentHub() = default;

Result<AgentSessionId> AgentHub::attach(std::string_view agent_key,
                                        std::shared_ptr<AgentConnection> connection) {
  return impl_->attach(agent_key, std::move(connection));
}

bool AgentHub::received(AgentSessionId session, std::string_view frame) {
  return impl_->received(session, frame);
}

void AgentHub::detach(AgentSessionId session) {
  impl_->detach(session);
}

void AgentHub::tick() {
  impl_->tick();
}

void AgentHub::wait_idle() {
  impl_->wait_idle();
}

bool AgentHub::reserve_dispatch(const JobRecord& job) {
  return impl_->reserve_dispatch(job);
}

void AgentHub::release_reservations(const std::vector<JobRecord>& jobs) {
  impl_->release_reservations(jobs);
}

void AgentHub::jobs_created(const std::vector<JobRecord>& jobs) {
  impl_->jobs_created(jobs);
}

Result<JobRecord> AgentHub::cancel_job(const JobRecord& job) {
  return impl_->cancel_job(job);
}

void AgentHub::disconnect_agent(const TenantId& tenant, const AgentId& agent) {
  impl_->disconnect_agent(tenant, agent);
}

void AgentHub::wait_for_job(const TenantId& tenant, const JobId& job, MonoTime deadline,
                            std::function<void(Result<JobRecord>)> done) {
  impl_->wait_for_job(tenant, job, deadline, std::move(done));
}

void AgentHub::set_on_job_final(std::function<void(const JobRecord&)> hook) {
  std::lock_guard lock(impl_->mu_);
  impl_->on_job_final_ = std::move(hook);
}

bool AgentHub::is_online(const TenantId& tenant, const AgentId& agent) const {
  return impl_->is_online(tenant, agent);
}

HeartbeatHistory& AgentHub::heartbeat_history() noexcept {
  return impl_->history_;
}

AgentHubStats AgentHub::stats() const {
  return impl_->stats();
}

const AgentHubOptions& AgentHub::options() const noexcept {
  return impl_->options_;
}

}  // namespace scriptmesh
