// The SqliteStore class. Its methods are split by entity across
// sqlite_store_*.cpp; this header holds the class and the two templates every
// method goes through: write() (queued to the group-committing writer) and
// read() (on a pooled read-only connection, inside one read transaction so
// multi-statement reads see one snapshot).
#pragma once

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/store/read_pool.hpp"
#include "core/store/sqlite_db.hpp"
#include "core/store/sqlite_writer.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::store {

// invalid_argument "tenant_mismatch" unless `record_tenant` is empty or `tenant`.
Result<void> check_tenant(const TenantId& tenant, const TenantId& record_tenant);

// Inserts one job row as given, inside the caller's write; no checks beyond
// the table's own (a clashing id answers the constraint error). insert_jobs
// checks ids and idempotency keys first; the scheduler's fire jobs are its
// own fresh ids without keys.
Result<void> insert_job_row(Connection& c, const TenantId& tenant, const JobRecord& job);

// Inserts one event and, in the same transaction, the deliveries it owes the
// tenant's integrations (Store::append_event); every event write goes
// through it (sqlite_store_integrations.cpp).
Result<void> insert_event_row(Connection& c, const TenantId& tenant, const EventRecord& event);

// Inserts a tenant row, inside the caller's write. Errors: conflict
// "tenant_exists".
Result<void> insert_tenant_row(Connection& c, const TenantRecord& tenant);

// Inserts a user row under `tenant`, inside the caller's write, after the
// checks that name a clash precisely (the unique index stays the final
// guard). Errors: conflict "user_exists", "email_taken".
Result<void> insert_user_row(Connection& c, const TenantId& tenant, const UserRecord& user);

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<ReadPool> readers, std::unique_ptr<Writer> writer)
      : readers_(std::move(readers)), writer_(std::move(writer)) {}
  // Commits every queued write, then closes the readers before the writer's
  // connection: the last connection to close checkpoints the WAL into the
  // main file and removes it, so a cleanly closed store is one file.
  ~SqliteStore() override {
    writer_->shutdown();
    readers_.reset();
    writer_.reset();
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Tenants and users (sqlite_store_accounts.cpp).
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

  // Single sign-on identities, directories and login codes (sqlite_store_sso.cpp).
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

  // Tokens and API keys (sqlite_store_tokens.cpp).
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

  // Agents (sqlite_store_agents.cpp).
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

  // Jobs (sqlite_store_jobs.cpp) and their output (sqlite_store_output.cpp).
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

  // Schedules and their events (sqlite_store_schedules.cpp).
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

  // Events and the outbox (sqlite_store_outbox.cpp).
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

  StoreStats stats() const override { return writer_->stats(); }

 private:
  // Runs `fn(Connection&) -> Result<T>` in the writer's next transaction.
  template <typename T, typename Fn>
  Result<T> write(Fn&& fn);
  // Runs `fn(Connection&) -> Result<T>` on a pooled read connection.
  template <typename T, typename Fn>
  Result<T> read(Fn&& fn);

  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<Writer> writer_;
};

template <typename T, typename Fn>
Result<T> SqliteStore::write(Fn&& fn) {
  if constexpr (std::is_void_v<T>) {
    return writer_->submit([&](Connection& conn) -> Result<void> { return fn(conn); });
  } else {
    // The caller blocks until the writer is done with the closure, so the
    // closure may capture by reference and hand its value back through `out`.
    std::optional<Result<T>> out;
    Result<void> committed = writer_->submit([&](Connection& conn) -> Result<void> {
      Result<T> r = fn(conn);
      if (!r.ok()) return std::move(r).error();
      out.emplace(std::move(r));
      return ok_result();
    });
    if (!committed.ok()) return std::move(committed).error();
    return std::move(*out);
  }
}

template <typename T, typename Fn>
Result<T> SqliteStore::read(Fn&& fn) {
  ReadPool::Lease lease = readers_->acquire();
  Connection& conn = lease.connection();
  SCRIPTMESH_RETURN_IF_ERROR(conn.exec("BEGIN"));
  Result<T> result = fn(conn);
  Result<void> end = conn.exec(result.ok() ? "COMMIT" : "ROLLBACK");
  if (!end.ok()) {
    // The connection goes back to the pool, so it must not stay inside a
    // transaction (it would pin an old snapshot forever).
    if (conn.in_transaction()) (void)conn.exec("ROLLBACK");
    if (result.ok()) return std::move(end).error();
  }
  return result;
}

}  // namespace scriptmesh::store
