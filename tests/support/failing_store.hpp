// A Store wrapper that fails a chosen call, for failure-path tests of the
// services built on Store.
//
// Every Store method except stats() counts as one call. When the count reaches
// the armed number, that call answers the injected error (unavailable
// "injected_failure" by default) without reaching the wrapped store; every
// other call is forwarded unchanged. Tests loop the armed number over
// 1..N so each error branch of the code under test runs once:
//
//   for (int n = 1;; ++n) {
//     failing.fail_on_call(n);
//     auto r = service.do_thing();
//     if (!failing.tripped()) { REQUIRE_OK(r); break; }
//     CHECK_ERROR_CODE(r, "injected_failure");
//   }
//
// Thread safety: as the wrapped store; the counter is atomic.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>

#include "scriptmesh/store.hpp"

namespace scriptmesh::testing {

class FailingStore final : public Store {
 public:
  // Borrows `inner`, which must outlive this wrapper.
  explicit FailingStore(Store& inner) : inner_(inner) {}

  // Call number `n` (1-based, counted from now) fails; 0 disarms. Resets the count.
  void fail_on_call(int n);
  // Calls counted since the last fail_on_call().
  int calls() const { return calls_.load(); }
  // True once the armed call has failed.
  bool tripped() const;
  // The error an injected failure answers.
  void set_error(Error error);

  Result<void> create_tenant(const TenantRecord& tenant, const UserRecord& owner) override;
  Result<std::vector<TenantId>> list_tenant_ids() override;
  Result<TenantRecord> get_tenant(const TenantId& tenant) override;
  Result<void> set_tenant_plan(const TenantId& tenant, Plan plan) override;
  Result<void> set_tenant_webhook_secret(const TenantId& tenant,
                                         const std::string& ciphertext) override;
  Result<void> create_user(const TenantId& tenant, const UserRecord& user) override;
  Result<UserRecord> get_user(const TenantId& tenant, const UserId& user) override;
  Result<UserRecord> find_user_by_email(std::string_view email) override;
  Result<std::vector<UserRecord>> list_users(const TenantId& tenant) override;
  Result<void> update_user_role(const TenantId& tenant, const UserId& user, UserRole role) override;
  Result<void> update_user_password(const TenantId& tenant, const UserId& user,
                                    const std::string& password_hash) override;
  Result<void> set_verification_code(const TenantId& tenant, const UserId& user,
                                     const std::string& code_hash, WallTime expires_at) override;
  Result<int> record_verification_attempt(const TenantId& tenant, const UserId& user) override;
  Result<void> mark_user_verified(const TenantId& tenant, const UserId& user) override;
  Result<void> delete_user(const TenantId& tenant, const UserId& user) override;
  Result<std::int64_t> count_owners(const TenantId& tenant) override;

  Result<void> insert_refresh_token(const TenantId& tenant,
                                    const RefreshTokenRecord& token) override;
  Result<RefreshTokenRecord> find_refresh_token(std::string_view token_hash) override;
  Result<void> mark_refresh_token_used(const TenantId& tenant, std::string_view token_hash,
                                       WallTime at) override;
  Result<std::int64_t> revoke_refresh_token_family(const TenantId& tenant,
                                                   std::string_view family_id,
                                                   WallTime at) override;
  Result<std::int64_t> revoke_user_refresh_tokens(const TenantId& tenant, const UserId& user,
                                                  WallTime at) override;
  Result<SsoIdentityRecord> find_sso_identity(std::string_view provider,
                                              std::string_view directory_id,
                                              std::string_view subject) override;
  Result<SsoDirectoryRecord> find_sso_directory(std::string_view provider,
                                                std::string_view directory_id) override;
  Result<std::vector<SsoIdentityRecord>> list_user_sso_identities(const TenantId& tenant,
                                                                  const UserId& user) override;
  Result<void> create_sso_tenant(const TenantRecord& tenant, const UserRecord& owner,
                                 const SsoDirectoryRecord& directory,
                                 const SsoIdentityRecord& identity) override;
  Result<void> create_sso_user(const TenantId& tenant, const UserRecord& user,
                               const SsoIdentityRecord& identity) override;
  Result<void> bind_sso_identity(const TenantId& tenant,
                                 const SsoIdentityRecord& identity) override;
  Result<void> insert_sso_login_code(const TenantId& tenant,
                                     const SsoLoginCodeRecord& code) override;
  Result<SsoLoginCodeRecord> find_sso_login_code(std::string_view code_hash) override;
  Result<void> mark_sso_login_code_used(const TenantId& tenant, std::string_view code_hash,
                                        WallTime at) override;
  Result<void> insert_password_reset_token(const TenantId& tenant,
                                           const PasswordResetTokenRecord& token) override;
  Result<PasswordResetTokenRecord> find_password_reset_token(std::string_view token_hash) override;
  Result<void> mark_password_reset_token_used(const TenantId& tenant, std::string_view token_hash,
                                              WallTime at) override;
  Result<void> insert_api_key(const TenantId& tenant, const ApiKeyRecord& key) override;
  Result<ApiKeyRecord> get_api_key(const TenantId& tenant, const ApiKeyId& key) override;
  Result<std::vector<ApiKeyRecord>> list_api_keys(const TenantId& tenant) override;
  Result<ApiKeyRecord> find_api_key_by_hash(std::string_view key_hash) override;
  Result<void> revoke_api_key(const TenantId& tenant, const ApiKeyId& key, WallTime at) override;
  Result<void> touch_api_key(const TenantId& tenant, const ApiKeyId& key, WallTime at) override;

  Result<void> insert_agent(const TenantId& tenant, const AgentRecord& agent) override;
  Result<AgentRecord> get_agent(const TenantId& tenant, const AgentId& agent) override;
  Result<std::vector<AgentRecord>> list_agents(const TenantId& tenant) override;
  Result<void> update_agent(const TenantId& tenant, const AgentId& agent,
                            const AgentUpdate& update) override;
  Result<void> delete_agent(const TenantId& tenant, const AgentId& agent) override;
  Result<AgentRecord> find_agent_by_key_lookup(std::string_view key_lookup_hash) override;
  Result<void> update_agent_key(const TenantId& tenant, const AgentId& agent,
                                const std::string& key_ciphertext,
                                const std::string& key_lookup_hash) override;
  Result<void> update_agent_state(const TenantId& tenant, const AgentId& agent,
                                  const AgentStateUpdate& update) override;
  Result<std::int64_t> count_agents(const TenantId& tenant) override;
  Result<std::int64_t> mark_all_agents_offline() override;

  Result<void> insert_jobs(const TenantId& tenant, const std::vector<JobRecord>& jobs) override;
  Result<JobRecord> get_job(const TenantId& tenant, const JobId& job) override;
  Result<JobRecord> find_job_by_idempotency_key(const TenantId& tenant,
                                                std::string_view idempotency_key) override;
  Result<JobPage> list_jobs(const TenantId& tenant, const JobFilter& filter) override;
  Result<void> transition_job(const TenantId& tenant, const JobId& job, JobStatus expected,
                              const JobTransition& transition) override;
  Result<std::vector<JobRecord>> fail_interrupted_jobs(
      WallTime now, std::string_view reason,
      const std::function<EventRecord(const JobRecord&)>& final_event) override;
  void claim_pending_jobs_async(const TenantId& tenant, const AgentId& agent, int limit,
                                WallTime dispatched_at,
                                std::function<void(Result<std::vector<JobRecord>>)> done) override;
  void transition_job_async(const TenantId& tenant, const JobId& job, JobStatus expected,
                            JobTransition transition,
                            std::function<void(Result<void>)> done) override;
  void append_job_output_at_async(const TenantId& tenant, const JobId& job, OutputStream stream,
                                  std::int64_t offset, std::string data,
                                  std::function<void(Result<std::int64_t>)> done) override;
  Result<bool> append_job_output(const TenantId& tenant, const JobId& job, OutputStream stream,
                                 std::int64_t seq, std::string_view data) override;
  Result<std::int64_t> append_job_output_at(const TenantId& tenant, const JobId& job,
                                            OutputStream stream, std::int64_t offset,
                                            std::string_view data) override;
  Result<std::vector<JobRecord>> list_pending_jobs_before(WallTime created_before,
                                                          int limit) override;
  Result<std::string> read_job_output(const TenantId& tenant, const JobId& job, OutputStream stream,
                                      std::int64_t offset,
                                      std::optional<std::int64_t> limit) override;
  Result<std::int64_t> delete_jobs_before(const TenantId& tenant, WallTime cutoff) override;

  Result<void> insert_schedule(const TenantId& tenant, const ScheduleRecord& schedule) override;
  Result<ScheduleRecord> get_schedule(const TenantId& tenant, const ScheduleId& schedule) override;
  Result<std::vector<ScheduleRecord>> list_schedules(const TenantId& tenant) override;
  Result<std::int64_t> count_schedules(const TenantId& tenant, bool enabled_only) override;
  Result<void> update_schedule(const TenantId& tenant, const ScheduleRecord& schedule,
                               bool reschedule) override;
  Result<void> delete_schedule(const TenantId& tenant, const ScheduleId& schedule) override;
  Result<std::vector<ScheduleId>> disable_schedules_beyond(const TenantId& tenant,
                                                           std::int64_t keep, WallTime at) override;
  Result<std::vector<ScheduleEventRecord>> list_schedule_events(const TenantId& tenant,
                                                                const ScheduleId& schedule,
                                                                int limit) override;
  Result<std::vector<ScheduleRecord>> list_due_schedules(WallTime due_by, int limit) override;
  Result<std::optional<WallTime>> next_schedule_due() override;
  Result<void> commit_schedule_fire(const TenantId& tenant, const ScheduleFire& fire) override;

  Result<void> append_event(const TenantId& tenant, const EventRecord& event) override;
  Result<EventRecord> get_event(const TenantId& tenant, const EventId& event) override;
  Result<void> insert_integration(const TenantId& tenant,
                                  const IntegrationRecord& integration) override;
  Result<IntegrationRecord> get_integration(const TenantId& tenant,
                                            const IntegrationId& integration) override;
  Result<std::vector<IntegrationRecord>> list_integrations(const TenantId& tenant) override;
  Result<void> update_integration(const TenantId& tenant,
                                  const IntegrationRecord& integration) override;
  Result<void> delete_integration(const TenantId& tenant,
                                  const IntegrationId& integration) override;
  Result<std::vector<EventRecord>> list_events(const TenantId& tenant,
                                               const EventFilter& filter) override;
  Result<void> enqueue_delivery(const TenantId& tenant, const DeliveryRecord& delivery) override;
  Result<std::vector<DeliveryRecord>> claim_due_deliveries(WallTime now, WallTime lease_until,
                                                           int limit) override;
  Result<void> record_delivery_result(const TenantId& tenant, const DeliveryId& delivery,
                                      const DeliveryResult& result) override;
  Result<std::vector<DeliveryRecord>> list_deliveries(
      const TenantId& tenant, const std::optional<IntegrationId>& integration, int limit) override;
  Result<std::vector<DeliveryAttemptRecord>> list_delivery_attempts(const TenantId& tenant,
                                                                    const DeliveryId& delivery,
                                                                    int limit) override;
  Result<StatusCounts> count_by_status() override;

  StoreStats stats() const override { return inner_.stats(); }

 private:
  // Counts one call; the error to answer when it is the armed one.
  std::optional<Error> gate();

  Store& inner_;
  std::atomic<int> fail_at_{0};
  std::atomic<int> calls_{0};
  mutable std::mutex mu_;
  Error error_{ErrorCategory::kUnavailable, "injected_failure",
               "injected store failure"};  // guarded by mu_
};

}  // namespace scriptmesh::testing
