#include "support/failing_store.hpp"

#include <utility>

namespace scriptmesh::testing {

void FailingStore::fail_on_call(int n) {
  calls_.store(0);
  fail_at_.store(n);
}

bool FailingStore::tripped() const {
  const int n = fail_at_.load();
  return n > 0 && calls_.load() >= n;
}

void FailingStore::set_error(Error error) {
  std::lock_guard lock(mu_);
  error_ = std::move(error);
}

std::optional<Error> FailingStore::gate() {
  const int n = calls_.fetch_add(1) + 1;
  if (n != fail_at_.load()) return std::nullopt;
  std::lock_guard lock(mu_);
  return error_;
}

Result<void> FailingStore::create_tenant(const TenantRecord& tenant, const UserRecord& owner) {
  if (auto e = gate()) return *std::move(e);
  return inner_.create_tenant(tenant, owner);
}

Result<std::vector<TenantId>> FailingStore::list_tenant_ids() {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_tenant_ids();
}

Result<TenantRecord> FailingStore::get_tenant(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_tenant(tenant);
}

Result<void> FailingStore::set_tenant_plan(const TenantId& tenant, Plan plan) {
  if (auto e = gate()) return *std::move(e);
  return inner_.set_tenant_plan(tenant, plan);
}

Result<void> FailingStore::set_tenant_webhook_secret(const TenantId& tenant,
                                                     const std::string& ciphertext) {
  if (auto e = gate()) return *std::move(e);
  return inner_.set_tenant_webhook_secret(tenant, ciphertext);
}

Result<void> FailingStore::create_user(const TenantId& tenant, const UserRecord& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.create_user(tenant, user);
}

Result<UserRecord> FailingStore::get_user(const TenantId& tenant, const UserId& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_user(tenant, user);
}

Result<UserRecord> FailingStore::find_user_by_email(std::string_view email) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_user_by_email(email);
}

Result<std::vector<UserRecord>> FailingStore::list_users(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_users(tenant);
}

Result<void> FailingStore::update_user_role(const TenantId& tenant, const UserId& user,
                                            UserRole role) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_user_role(tenant, user, role);
}

Result<void> FailingStore::update_user_password(const TenantId& tenant, const UserId& user,
                                                const std::string& password_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_user_password(tenant, user, password_hash);
}

Result<void> FailingStore::set_verification_code(const TenantId& tenant, const UserId& user,
                                                 const std::string& code_hash,
                                                 WallTime expires_at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.set_verification_code(tenant, user, code_hash, expires_at);
}

Result<int> FailingStore::record_verification_attempt(const TenantId& tenant, const UserId& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.record_verification_attempt(tenant, user);
}

Result<void> FailingStore::mark_user_verified(const TenantId& tenant, const UserId& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.mark_user_verified(tenant, user);
}

Result<void> FailingStore::delete_user(const TenantId& tenant, const UserId& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.delete_user(tenant, user);
}

Result<std::int64_t> FailingStore::count_owners(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.count_owners(tenant);
}

Result<void> FailingStore::insert_refresh_token(const TenantId& tenant,
                                                const RefreshTokenRecord& token) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_refresh_token(tenant, token);
}

Result<RefreshTokenRecord> FailingStore::find_refresh_token(std::string_view token_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_refresh_token(token_hash);
}

Result<void> FailingStore::mark_refresh_token_used(const TenantId& tenant,
                                                   std::string_view token_hash, WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.mark_refresh_token_used(tenant, token_hash, at);
}

Result<std::int64_t> FailingStore::revoke_refresh_token_family(const TenantId& tenant,
                                                               std::string_view family_id,
                                                               WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.revoke_refresh_token_family(tenant, family_id, at);
}

Result<std::int64_t> FailingStore::revoke_user_refresh_tokens(const TenantId& tenant,
                                                              const UserId& user, WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.revoke_user_refresh_tokens(tenant, user, at);
}

Result<SsoIdentityRecord> FailingStore::find_sso_identity(std::string_view provider,
                                                          std::string_view directory_id,
                                                          std::string_view subject) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_sso_identity(provider, directory_id, subject);
}

Result<SsoDirectoryRecord> FailingStore::find_sso_directory(std::string_view provider,
                                                            std::string_view directory_id) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_sso_directory(provider, directory_id);
}

Result<std::vector<SsoIdentityRecord>> FailingStore::list_user_sso_identities(
    const TenantId& tenant, const UserId& user) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_user_sso_identities(tenant, user);
}

Result<void> FailingStore::create_sso_tenant(const TenantRecord& tenant, const UserRecord& owner,
                                             const SsoDirectoryRecord& directory,
                                             const SsoIdentityRecord& identity) {
  if (auto e = gate()) return *std::move(e);
  return inner_.create_sso_tenant(tenant, owner, directory, identity);
}

Result<void> FailingStore::create_sso_user(const TenantId& tenant, const UserRecord& user,
                                           const SsoIdentityRecord& identity) {
  if (auto e = gate()) return *std::move(e);
  return inner_.create_sso_user(tenant, user, identity);
}

Result<void> FailingStore::bind_sso_identity(const TenantId& tenant,
                                             const SsoIdentityRecord& identity) {
  if (auto e = gate()) return *std::move(e);
  return inner_.bind_sso_identity(tenant, identity);
}

Result<void> FailingStore::insert_sso_login_code(const TenantId& tenant,
                                                 const SsoLoginCodeRecord& code) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_sso_login_code(tenant, code);
}

Result<SsoLoginCodeRecord> FailingStore::find_sso_login_code(std::string_view code_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_sso_login_code(code_hash);
}

Result<void> FailingStore::mark_sso_login_code_used(const TenantId& tenant,
                                                    std::string_view code_hash, WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.mark_sso_login_code_used(tenant, code_hash, at);
}

Result<void> FailingStore::insert_password_reset_token(const TenantId& tenant,
                                                       const PasswordResetTokenRecord& token) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_password_reset_token(tenant, token);
}

Result<PasswordResetTokenRecord> FailingStore::find_password_reset_token(
    std::string_view token_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_password_reset_token(token_hash);
}

Result<void> FailingStore::mark_password_reset_token_used(const TenantId& tenant,
                                                          std::string_view token_hash,
                                                          WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.mark_password_reset_token_used(tenant, token_hash, at);
}

Result<void> FailingStore::insert_api_key(const TenantId& tenant, const ApiKeyRecord& key) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_api_key(tenant, key);
}

Result<ApiKeyRecord> FailingStore::get_api_key(const TenantId& tenant, const ApiKeyId& key) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_api_key(tenant, key);
}

Result<std::vector<ApiKeyRecord>> FailingStore::list_api_keys(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_api_keys(tenant);
}

Result<ApiKeyRecord> FailingStore::find_api_key_by_hash(std::string_view key_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_api_key_by_hash(key_hash);
}

Result<void> FailingStore::revoke_api_key(const TenantId& tenant, const ApiKeyId& key,
                                          WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.revoke_api_key(tenant, key, at);
}

Result<void> FailingStore::touch_api_key(const TenantId& tenant, const ApiKeyId& key, WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.touch_api_key(tenant, key, at);
}

Result<void> FailingStore::insert_agent(const TenantId& tenant, const AgentRecord& agent) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_agent(tenant, agent);
}

Result<AgentRecord> FailingStore::get_agent(const TenantId& tenant, const AgentId& agent) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_agent(tenant, agent);
}

Result<std::vector<AgentRecord>> FailingStore::list_agents(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_agents(tenant);
}

Result<void> FailingStore::update_agent(const TenantId& tenant, const AgentId& agent,
                                        const AgentUpdate& update) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_agent(tenant, agent, update);
}

Result<void> FailingStore::delete_agent(const TenantId& tenant, const AgentId& agent) {
  if (auto e = gate()) return *std::move(e);
  return inner_.delete_agent(tenant, agent);
}

Result<AgentRecord> FailingStore::find_agent_by_key_lookup(std::string_view key_lookup_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_agent_by_key_lookup(key_lookup_hash);
}

Result<void> FailingStore::update_agent_key(const TenantId& tenant, const AgentId& agent,
                                            const std::string& key_ciphertext,
                                            const std::string& key_lookup_hash) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_agent_key(tenant, agent, key_ciphertext, key_lookup_hash);
}

Result<void> FailingStore::update_agent_state(const TenantId& tenant, const AgentId& agent,
                                              const AgentStateUpdate& update) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_agent_state(tenant, agent, update);
}

Result<std::int64_t> FailingStore::count_agents(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.count_agents(tenant);
}

Result<std::int64_t> FailingStore::mark_all_agents_offline() {
  if (auto e = gate()) return *std::move(e);
  return inner_.mark_all_agents_offline();
}

Result<void> FailingStore::insert_jobs(const TenantId& tenant, const std::vector<JobRecord>& jobs) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_jobs(tenant, jobs);
}

Result<JobRecord> FailingStore::get_job(const TenantId& tenant, const JobId& job) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_job(tenant, job);
}

Result<JobRecord> FailingStore::find_job_by_idempotency_key(const TenantId& tenant,
                                                            std::string_view idempotency_key) {
  if (auto e = gate()) return *std::move(e);
  return inner_.find_job_by_idempotency_key(tenant, idempotency_key);
}

Result<JobPage> FailingStore::list_jobs(const TenantId& tenant, const JobFilter& filter) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_jobs(tenant, filter);
}

Result<void> FailingStore::transition_job(const TenantId& tenant, const JobId& job,
                                          JobStatus expected, const JobTransition& transition) {
  if (auto e = gate()) return *std::move(e);
  return inner_.transition_job(tenant, job, expected, transition);
}

Result<std::vector<JobRecord>> FailingStore::fail_interrupted_jobs(
    WallTime now, std::string_view reason,
    const std::function<EventRecord(const JobRecord&)>& final_event) {
  if (auto e = gate()) return *std::move(e);
  return inner_.fail_interrupted_jobs(now, reason, final_event);
}

Result<bool> FailingStore::append_job_output(const TenantId& tenant, const JobId& job,
                                             OutputStream stream, std::int64_t seq,
                                             std::string_view data) {
  if (auto e = gate()) return *std::move(e);
  return inner_.append_job_output(tenant, job, stream, seq, data);
}

Result<std::int64_t> FailingStore::append_job_output_at(const TenantId& tenant, const JobId& job,
                                                        OutputStream stream, std::int64_t offset,
                                                        std::string_view data) {
  if (auto e = gate()) return *std::move(e);
  return inner_.append_job_output_at(tenant, job, stream, offset, data);
}

Result<std::vector<JobRecord>> FailingStore::list_pending_jobs_before(WallTime created_before,
                                                                      int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_pending_jobs_before(created_before, limit);
}

Result<std::string> FailingStore::read_job_output(const TenantId& tenant, const JobId& job,
                                                  OutputStream stream, std::int64_t offset,
                                                  std::optional<std::int64_t> limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.read_job_output(tenant, job, stream, offset, limit);
}

Result<std::int64_t> FailingStore::delete_jobs_before(const TenantId& tenant, WallTime cutoff) {
  if (auto e = gate()) return *std::move(e);
  return inner_.delete_jobs_before(tenant, cutoff);
}

Result<void> FailingStore::insert_schedule(const TenantId& tenant, const ScheduleRecord& schedule) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_schedule(tenant, schedule);
}

Result<ScheduleRecord> FailingStore::get_schedule(const TenantId& tenant,
                                                  const ScheduleId& schedule) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_schedule(tenant, schedule);
}

Result<std::vector<ScheduleRecord>> FailingStore::list_schedules(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_schedules(tenant);
}

Result<std::int64_t> FailingStore::count_schedules(const TenantId& tenant, bool enabled_only) {
  if (auto e = gate()) return *std::move(e);
  return inner_.count_schedules(tenant, enabled_only);
}

Result<void> FailingStore::update_schedule(const TenantId& tenant, const ScheduleRecord& schedule,
                                           bool reschedule) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_schedule(tenant, schedule, reschedule);
}

Result<void> FailingStore::delete_schedule(const TenantId& tenant, const ScheduleId& schedule) {
  if (auto e = gate()) return *std::move(e);
  return inner_.delete_schedule(tenant, schedule);
}

Result<std::vector<ScheduleId>> FailingStore::disable_schedules_beyond(const TenantId& tenant,
                                                                       std::int64_t keep,
                                                                       WallTime at) {
  if (auto e = gate()) return *std::move(e);
  return inner_.disable_schedules_beyond(tenant, keep, at);
}

Result<std::vector<ScheduleEventRecord>> FailingStore::list_schedule_events(
    const TenantId& tenant, const ScheduleId& schedule, int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_schedule_events(tenant, schedule, limit);
}

Result<std::vector<ScheduleRecord>> FailingStore::list_due_schedules(WallTime due_by, int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_due_schedules(due_by, limit);
}

Result<std::optional<WallTime>> FailingStore::next_schedule_due() {
  if (auto e = gate()) return *std::move(e);
  return inner_.next_schedule_due();
}

Result<void> FailingStore::commit_schedule_fire(const TenantId& tenant, const ScheduleFire& fire) {
  if (auto e = gate()) return *std::move(e);
  return inner_.commit_schedule_fire(tenant, fire);
}

Result<void> FailingStore::append_event(const TenantId& tenant, const EventRecord& event) {
  if (auto e = gate()) return *std::move(e);
  return inner_.append_event(tenant, event);
}

Result<std::vector<EventRecord>> FailingStore::list_events(const TenantId& tenant,
                                                           const EventFilter& filter) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_events(tenant, filter);
}

Result<void> FailingStore::enqueue_delivery(const TenantId& tenant,
                                            const DeliveryRecord& delivery) {
  if (auto e = gate()) return *std::move(e);
  return inner_.enqueue_delivery(tenant, delivery);
}

Result<std::vector<DeliveryRecord>> FailingStore::claim_due_deliveries(WallTime now,
                                                                       WallTime lease_until,
                                                                       int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.claim_due_deliveries(now, lease_until, limit);
}

Result<void> FailingStore::record_delivery_result(const TenantId& tenant,
                                                  const DeliveryId& delivery,
                                                  const DeliveryResult& result) {
  if (auto e = gate()) return *std::move(e);
  return inner_.record_delivery_result(tenant, delivery, result);
}

Result<std::vector<DeliveryRecord>> FailingStore::list_deliveries(
    const TenantId& tenant, const std::optional<IntegrationId>& integration, int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_deliveries(tenant, integration, limit);
}

Result<EventRecord> FailingStore::get_event(const TenantId& tenant, const EventId& event) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_event(tenant, event);
}

Result<void> FailingStore::insert_integration(const TenantId& tenant,
                                              const IntegrationRecord& integration) {
  if (auto e = gate()) return *std::move(e);
  return inner_.insert_integration(tenant, integration);
}

Result<IntegrationRecord> FailingStore::get_integration(const TenantId& tenant,
                                                        const IntegrationId& integration) {
  if (auto e = gate()) return *std::move(e);
  return inner_.get_integration(tenant, integration);
}

Result<std::vector<IntegrationRecord>> FailingStore::list_integrations(const TenantId& tenant) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_integrations(tenant);
}

Result<void> FailingStore::update_integration(const TenantId& tenant,
                                              const IntegrationRecord& integration) {
  if (auto e = gate()) return *std::move(e);
  return inner_.update_integration(tenant, integration);
}

Result<void> FailingStore::delete_integration(const TenantId& tenant,
                                              const IntegrationId& integration) {
  if (auto e = gate()) return *std::move(e);
  return inner_.delete_integration(tenant, integration);
}

Result<std::vector<DeliveryAttemptRecord>> FailingStore::list_delivery_attempts(
    const TenantId& tenant, const DeliveryId& delivery, int limit) {
  if (auto e = gate()) return *std::move(e);
  return inner_.list_delivery_attempts(tenant, delivery, limit);
}

Result<StatusCounts> FailingStore::count_by_status() {
  if (auto e = gate()) return *std::move(e);
  return inner_.count_by_status();
}

void FailingStore::claim_pending_jobs_async(
    const TenantId& tenant, const AgentId& agent, int limit, WallTime dispatched_at,
    std::function<void(Result<std::vector<JobRecord>>)> done) {
  if (auto e = gate()) return done(*std::move(e));
  inner_.claim_pending_jobs_async(tenant, agent, limit, dispatched_at, std::move(done));
}

void FailingStore::transition_job_async(const TenantId& tenant, const JobId& job,
                                        JobStatus expected, JobTransition transition,
                                        std::function<void(Result<void>)> done) {
  if (auto e = gate()) return done(*std::move(e));
  inner_.transition_job_async(tenant, job, expected, std::move(transition), std::move(done));
}

void FailingStore::append_job_output_at_async(const TenantId& tenant, const JobId& job,
                                              OutputStream stream, std::int64_t offset,
                                              std::string data,
                                              std::function<void(Result<std::int64_t>)> done) {
  if (auto e = gate()) return done(*std::move(e));
  inner_.append_job_output_at_async(tenant, job, stream, offset, std::move(data), std::move(done));
}

}  // namespace scriptmesh::testing
