// Store: everything ScriptMesh persists, behind one interface.
//
// The store holds tenants, users, sessions, single sign-on identities, API
// keys, agents, jobs and their output, schedules and their events, events and
// the outbound delivery queue. Services in src/core
// talk to it through this interface only; the production implementation is SQLite
// (scriptmesh/sqlite_store.hpp), tests may wrap or replace it.
//
// Tenant isolation. Every call that reads or changes a tenant's rows takes the
// TenantId first. A row that exists but belongs to another tenant is reported
// exactly like a row that does not exist (category not_found, codes such as
// "job_not_found"), and lists never contain another tenant's rows. The few
// calls without a TenantId are named find_* (lookups by a secret's hash or by
// e-mail, used to *establish* who the caller is) or are explicitly system-wide
// (restart recovery, the delivery worker); their records carry the tenant_id.
//
// Records. Calls take and return the small value structs below. On insert the
// caller supplies ids (new_id) and times (from its Clock): the store never
// reads a clock. A record's tenant_id may be left empty on insert; when it is
// set it must equal the TenantId argument (invalid_argument "tenant_mismatch").
// Times are kept with millisecond precision. Optional text columns use the
// empty string for "none".
//
// Durability. A write call returns only after its transaction is committed to
// disk (as durable as the implementation's sync setting). A write either
// happens completely or not at all.
//
// Errors common to every call: unavailable ("store_busy", "store_unavailable",
// "store_closed", "transaction_aborted") when the database could not be read
// or written (retry later); internal ("store_error", "store_corrupt") for bugs
// and damaged files; conflict "constraint_violation" for a uniqueness clash
// the call does not name more precisely.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

// ---------------------------------------------------------------------------
// Enumerations. Each has to_string (the stable lowercase name used in the
// database and on the wire) and parse_* (invalid_argument on an unknown name).

enum class Plan { kStarter, kPro };
enum class UserRole { kOwner, kAdmin, kMember };
enum class AgentStatus { kOnline, kOffline };
enum class JobStatus {
  kPending,
  kDispatched,
  kRunning,
  kSucceeded,
  kFailed,
  kTimedOut,
  kCancelled,
};
enum class OutputStream { kStdout, kStderr };
// A queued outbound delivery: waiting (pending, also after a failed attempt
// that will be retried), claimed by a worker (in_flight), or done for good.
enum class DeliveryStatus { kPending, kInFlight, kSucceeded, kFailed };
// What a schedule does about fires missed by more than its grace
// (schedules.hpp): nothing, one run for all of them, or one run each.
enum class CatchUpPolicy { kSkip, kOnce, kAll };
// What a schedule does when its previous run on an agent has not ended.
enum class OverlapPolicy { kSkip, kBufferOne, kCancelOther, kAllow };
// What happened to one due time of a schedule.
enum class ScheduleEventType { kFired, kMissed, kCaughtUp, kSkipped };

std::string_view to_string(Plan plan) noexcept;              // "starter" | "pro"
std::string_view to_string(UserRole role) noexcept;          // "owner" | "admin" | "member"
std::string_view to_string(AgentStatus status) noexcept;     // "online" | "offline"
std::string_view to_string(JobStatus status) noexcept;       // "pending" ... "timed_out"
std::string_view to_string(OutputStream stream) noexcept;    // "stdout" | "stderr"
std::string_view to_string(DeliveryStatus status) noexcept;  // "pending" | "in_flight" | ...
std::string_view to_string(CatchUpPolicy policy) noexcept;   // "skip" | "once" | "all"
// "skip" | "buffer_one" | "cancel_other" | "allow"
std::string_view to_string(OverlapPolicy policy) noexcept;
// "fired" | "missed" | "caught_up" | "skipped"
std::string_view to_string(ScheduleEventType type) noexcept;

// Errors: invalid_argument with codes "invalid_plan", "invalid_role",
// "invalid_agent_status", "invalid_job_status", "invalid_stream",
// "invalid_delivery_status", "invalid_catch_up", "invalid_overlap",
// "invalid_schedule_event_type".
[[nodiscard]] Result<Plan> parse_plan(std::string_view text);
[[nodiscard]] Result<UserRole> parse_user_role(std::string_view text);
[[nodiscard]] Result<AgentStatus> parse_agent_status(std::string_view text);
[[nodiscard]] Result<JobStatus> parse_job_status(std::string_view text);
[[nodiscard]] Result<OutputStream> parse_output_stream(std::string_view text);
[[nodiscard]] Result<DeliveryStatus> parse_delivery_status(std::string_view text);
[[nodiscard]] Result<CatchUpPolicy> parse_catch_up_policy(std::string_view text);
[[nodiscard]] Result<OverlapPolicy> parse_overlap_policy(std::string_view text);
[[nodiscard]] Result<ScheduleEventType> parse_schedule_event_type(std::string_view text);

// True for succeeded, failed, timed_out and cancelled.
bool is_final(JobStatus status) noexcept;

// ---------------------------------------------------------------------------
// Records.

struct TenantRecord {
  TenantId id;
  std::string name;
  Plan plan = Plan::kStarter;
  std::string webhook_secret_ciphertext;  // Fernet token text; empty = none yet
  WallTime created_at;
};

struct UserRecord {
  UserId id;
  TenantId tenant_id;
  std::string email;          // unique across all tenants, compared case-insensitively
  std::string password_hash;  // encoded Argon2id string; empty for SSO-only users
  UserRole role = UserRole::kMember;
  bool verified = false;
  std::string verification_code_hash;  // empty = no code outstanding
  std::optional<WallTime> verification_expires_at;
  int verification_attempts = 0;  // wrong guesses against the current code
  WallTime created_at;
};

struct RefreshTokenRecord {
  std::string id;
  TenantId tenant_id;
  UserId user_id;
  std::string token_hash;  // sha256_hex of the token; the token itself is never stored
  std::string family_id;   // shared by every token rotated from one login
  WallTime created_at;
  WallTime expires_at;
  std::optional<WallTime> used_at;     // set once, when rotated
  std::optional<WallTime> revoked_at;  // set on logout or reuse detection
};

struct PasswordResetTokenRecord {
  std::string token_hash;  // sha256_hex of the token
  TenantId tenant_id;
  UserId user_id;
  WallTime created_at;
  WallTime expires_at;
  std::optional<WallTime> used_at;
};

// A sign-in identity from an external identity provider (sso.hpp), bound
// to one user: "microsoft" + the directory's tenant id (tid) + the user's
// object id (oid). An identity is bound to at most one user.
struct SsoIdentityRecord {
  std::string provider;      // "microsoft"
  std::string directory_id;  // the provider's tenant (directory) id, lowercase
  std::string subject;       // the user's stable id in that directory, lowercase
  TenantId tenant_id;
  UserId user_id;
  WallTime created_at;
};

// Which ScriptMesh tenant a provider's directory signs in to. A directory
// maps to one tenant, and a tenant belongs to at most one directory.
struct SsoDirectoryRecord {
  std::string provider;
  std::string directory_id;
  TenantId tenant_id;
  WallTime created_at;
};

// A one-time code that a finished SSO sign-in answers with, to be exchanged
// for a session (single use, short-lived).
struct SsoLoginCodeRecord {
  std::string code_hash;  // sha256_hex of the code; the code itself is never stored
  TenantId tenant_id;
  UserId user_id;
  WallTime created_at;
  WallTime expires_at;
  std::optional<WallTime> used_at;
};

struct ApiKeyRecord {
  ApiKeyId id;
  TenantId tenant_id;
  UserId user_id;  // the user who created it; the key acts within that user's role
  std::string name;
  std::string prefix;    // the first characters of the key, shown in lists
  std::string key_hash;  // sha256_hex of the key
  std::vector<std::string> scopes;
  std::optional<WallTime> expires_at;
  std::optional<WallTime> revoked_at;
  WallTime created_at;
  std::optional<WallTime> last_used_at;
};

// The latest heartbeat figures of an agent.
struct AgentMetrics {
  double cpu_percent = 0;
  double mem_percent = 0;
  double disk_percent = 0;
  std::int64_t uptime_sec = 0;
};

struct AgentRecord {
  AgentId id;
  TenantId tenant_id;
  std::string name;
  std::vector<std::string> tags;
  std::string key_ciphertext;   // Fernet token of the agent key
  std::string key_lookup_hash;  // sha256_hex of the agent key, unique
  AgentStatus status = AgentStatus::kOffline;
  std::optional<WallTime> last_heartbeat_at;
  std::optional<AgentMetrics> metrics;
  std::vector<std::string> manifest;  // script names the agent allows
  WallTime created_at;
  // manifest_summary_json() of the manifest the agent last sent (declared
  // parameters and timeouts, no commands); empty until it first connects.
  std::string manifest_summary;
  // Jobs the agent runs at once, as it last announced; >= 1.
  int max_concurrent = 1;
};

// What an operator may change about an agent; unset fields stay as they are.
struct AgentUpdate {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
};

// What the agent channel reports; unset fields stay as they are.
struct AgentStateUpdate {
  std::optional<AgentStatus> status;
  std::optional<WallTime> last_heartbeat_at;
  std::optional<AgentMetrics> metrics;
  std::optional<std::vector<std::string>> manifest;
  std::optional<std::string> manifest_summary;
  std::optional<int> max_concurrent;
};

struct JobRecord {
  JobId id;
  TenantId tenant_id;
  AgentId agent_id;  // kept after the agent is deleted: history outlives agents
  std::optional<GroupId> group_id;
  std::optional<ScheduleId> schedule_id;
  std::string script;
  std::map<std::string, std::string> params;
  JobStatus status = JobStatus::kPending;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string error;  // machine reason for a failure, e.g. "orchestrator_restarted"
  int timeout_sec = 0;
  std::string webhook_url;
  std::string idempotency_key;  // unique per tenant when not empty
  WallTime created_at;
  std::optional<WallTime> dispatched_at;
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  std::optional<std::int64_t> duration_ms;
  std::int64_t stdout_bytes = 0;  // maintained by append_job_output
  std::int64_t stderr_bytes = 0;
};

struct EventRecord {
  EventId id;
  TenantId tenant_id;
  std::string type;        // "job.succeeded", "agent.offline", ...
  std::string subject_id;  // the id the event is about; may be empty
  std::string data_json;   // a JSON object, stored as given
  WallTime created_at;
  // What integration filters match on, set by whoever creates the event
  // (data_json carries the same facts for readers); not stored, so events
  // read back leave them empty.
  std::optional<AgentId> agent_id;
  std::string script;
  std::optional<ScheduleId> schedule_id;
};

// A status change of a job and the fields that come with it. Unset fields keep
// their stored value.
struct JobTransition {
  JobStatus to = JobStatus::kPending;
  std::optional<WallTime> dispatched_at;
  std::optional<WallTime> started_at;
  std::optional<WallTime> finished_at;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::optional<std::string> error;
  std::optional<std::int64_t> duration_ms;
  // Appended to the tenant's events in the same transaction, only when the
  // status change commits: a job's final event is never lost or doubled.
  std::optional<EventRecord> event;
  // When set, the change applies only if at least this many bytes of the
  // stream are stored (a result must not overtake its output); otherwise
  // conflict "output_incomplete".
  std::optional<std::int64_t> min_stdout_bytes;
  std::optional<std::int64_t> min_stderr_bytes;
};

// Which jobs list_jobs returns. Unset filters match everything; `since` is
// inclusive and `until` exclusive, both on created_at.
struct JobFilter {
  std::optional<AgentId> agent_id;
  std::optional<std::string> script;
  std::optional<JobStatus> status;
  std::optional<WallTime> since;
  std::optional<WallTime> until;
  std::optional<ScheduleId> schedule_id;
  std::optional<GroupId> group_id;
  int limit = 50;             // 1..1000
  std::string cursor;         // next_cursor of the previous page; empty = first page
  bool oldest_first = false;  // default newest first; a dispatcher wants oldest first
};

struct JobPage {
  std::vector<JobRecord> jobs;
  std::string next_cursor;  // empty when this is the last page
};

// Which events list_events returns, newest first. `since` is inclusive.
struct EventFilter {
  std::optional<std::string> type;
  std::optional<std::string> subject_id;
  std::optional<WallTime> since;
  int limit = 100;  // 1..1000
};

// A cron schedule (schedules.hpp has the rules). It targets one agent
// (agent_id) or every agent holding all of `tags`.
struct ScheduleRecord {
  ScheduleId id;
  TenantId tenant_id;
  std::string name;
  std::string cron;      // the expression as given (cron.hpp)
  std::string timezone;  // IANA zone, e.g. "UTC", "Europe/Berlin"
  std::string script;
  std::optional<AgentId> agent_id;  // one agent ...
  std::vector<std::string> tags;    // ... or, when agent_id is unset, these tags
  std::map<std::string, std::string> params;
  CatchUpPolicy catch_up = CatchUpPolicy::kSkip;
  int misfire_grace_sec = 60;
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  std::optional<int> timeout_sec;  // unset: the manifest's
  std::string webhook_url;         // given to every job it starts; empty = none
  bool enabled = true;
  // The next due time; unset while disabled (or when the expression has no
  // time left before 2262). Owned by the schedule engine once saved.
  std::optional<WallTime> next_run_at;
  std::optional<WallTime> last_run_at;  // when it last started a job
  // overlap buffer_one: agents owed one run as soon as their current run of
  // this schedule ends, with the due time that run stands for.
  std::map<AgentId, WallTime> buffered;
  WallTime created_at;
  WallTime updated_at;
};

// One entry of a schedule's history.
struct ScheduleEventRecord {
  std::string id;
  TenantId tenant_id;
  ScheduleId schedule_id;
  ScheduleEventType type = ScheduleEventType::kFired;
  WallTime due_at;                  // the due time it is about
  WallTime at;                      // when it was recorded
  std::optional<JobId> job_id;      // the job started (fired, caught_up)
  std::optional<AgentId> agent_id;  // the agent concerned, when one is
  std::string detail;               // why a run was skipped, e.g. "overlap"; may be empty
};

// What one pass of the schedule engine commits for one schedule, all in one
// transaction (Store::commit_schedule_fire).
struct ScheduleFire {
  ScheduleId schedule_id;
  // Compare-and-set: the fire is committed only while the stored schedule
  // is enabled and still has these values (what the engine read).
  std::optional<WallTime> expected_next_run_at;
  std::map<AgentId, WallTime> expected_buffered;
  // The new values.
  std::optional<WallTime> next_run_at;
  std::map<AgentId, WallTime> buffered;
  std::optional<WallTime> last_run_at;  // unset: keep the stored one
  std::vector<JobRecord> jobs;          // inserted as by insert_jobs
  std::vector<ScheduleEventRecord> events;
  std::vector<EventRecord> tenant_events;  // appended as by append_event
};

// One outbound notification (webhook, chat message, ...) in the outbox.
struct DeliveryRecord {
  DeliveryId id;
  TenantId tenant_id;
  std::optional<IntegrationId> integration_id;  // none for a job's own webhook_url
  std::string kind;     // what the worker should do with payload, e.g. "job_webhook"
  std::string payload;  // opaque to the store, usually JSON
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;  // attempts started (counted when claimed)
  WallTime next_attempt_at;
  std::optional<int> last_status_code;
  std::string last_error;
  WallTime created_at;
};

// The outcome of one delivery attempt.
struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::kSucceeded;  // pending = retry at next_attempt_at
  std::optional<int> status_code;
  std::string error;
  WallTime next_attempt_at;  // used when status is pending
  WallTime attempted_at;     // when the attempt ended, for its history row
};

// One finished attempt of a delivery, as record_delivery_result stored it.
struct DeliveryAttemptRecord {
  DeliveryId delivery_id;
  int attempt = 0;                                     // 1-based
  DeliveryStatus status = DeliveryStatus::kSucceeded;  // what the delivery became
  std::optional<int> status_code;
  std::string error;
  WallTime at;
};

// Which events reach an integration besides its event types. An empty list
// matches everything. `scripts` and `schedule_ids` need the event to name a
// matching script or schedule, except agent events, which name neither and
// are matched by `agent_tags` alone. `agent_tags`: the event's agent holds
// every one of them.
struct IntegrationFilters {
  std::vector<std::string> scripts;
  std::vector<std::string> agent_tags;
  std::vector<ScheduleId> schedule_ids;
};

// A tenant's outbound integration (integrations.hpp has the rules). The
// config, secrets included, is stored only as a Fernet token.
struct IntegrationRecord {
  IntegrationId id;
  TenantId tenant_id;
  std::string type;  // "slack", "pagerduty", ...
  std::string name;
  std::string config_ciphertext;
  std::vector<std::string> events;  // event types it wants
  IntegrationFilters filters;
  bool enabled = true;
  WallTime created_at;
  WallTime updated_at;
};

// The delivery kind of an event fanned out to an integration; its payload is
// the event id.
inline constexpr std::string_view kIntegrationDeliveryKind = "integration";

// Jobs and agents by status, system-wide, for /metrics.
struct StatusCounts {
  std::vector<std::pair<std::string, std::int64_t>> jobs;    // pending, dispatched, running
  std::vector<std::pair<std::string, std::int64_t>> agents;  // online, offline
};

// Counters for /metrics and tests. Monotonic since the store was opened.
struct StoreStats {
  std::uint64_t write_calls = 0;         // write calls that reached the writer
  std::uint64_t write_transactions = 0;  // transactions they were committed in
  std::uint64_t failed_writes = 0;       // write calls that returned an error
};

// ---------------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  // --- Tenants ----------------------------------------------------------

  // Creates a tenant and its first user in one transaction.
  // Errors: conflict "tenant_exists", "user_exists", "email_taken".
  [[nodiscard]] virtual Result<void> create_tenant(const TenantRecord& tenant,
                                                   const UserRecord& owner) = 0;
  // Errors: not_found "tenant_not_found".
  [[nodiscard]] virtual Result<TenantRecord> get_tenant(const TenantId& tenant) = 0;
  [[nodiscard]] virtual Result<void> set_tenant_plan(const TenantId& tenant, Plan plan) = 0;
  // System-wide, for background tasks that visit every tenant (retention).
  [[nodiscard]] virtual Result<std::vector<TenantId>> list_tenant_ids() = 0;
  [[nodiscard]] virtual Result<void> set_tenant_webhook_secret(const TenantId& tenant,
                                                               const std::string& ciphertext) = 0;

  // --- Users ------------------------------------------------------------

  // Errors: not_found "tenant_not_found"; conflict "email_taken", "user_exists".
  [[nodiscard]] virtual Result<void> create_user(const TenantId& tenant,
                                                 const UserRecord& user) = 0;
  // Errors (all user calls): not_found "user_not_found".
  [[nodiscard]] virtual Result<UserRecord> get_user(const TenantId& tenant, const UserId& user) = 0;
  // Global, case-insensitive: for login and registration, before a tenant is known.
  [[nodiscard]] virtual Result<UserRecord> find_user_by_email(std::string_view email) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<UserRecord>> list_users(const TenantId& tenant) = 0;
  [[nodiscard]] virtual Result<void> update_user_role(const TenantId& tenant, const UserId& user,
                                                      UserRole role) = 0;
  [[nodiscard]] virtual Result<void> update_user_password(const TenantId& tenant,
                                                          const UserId& user,
                                                          const std::string& password_hash) = 0;
  // Stores a new verification code hash and resets the attempt counter.
  [[nodiscard]] virtual Result<void> set_verification_code(const TenantId& tenant,
                                                           const UserId& user,
                                                           const std::string& code_hash,
                                                           WallTime expires_at) = 0;
  // Counts one wrong guess; returns the attempts made against the current code.
  [[nodiscard]] virtual Result<int> record_verification_attempt(const TenantId& tenant,
                                                                const UserId& user) = 0;
  // Marks the user verified and clears the code state.
  [[nodiscard]] virtual Result<void> mark_user_verified(const TenantId& tenant,
                                                        const UserId& user) = 0;
  // Also removes the user's refresh tokens, reset tokens and API keys.
  [[nodiscard]] virtual Result<void> delete_user(const TenantId& tenant, const UserId& user) = 0;
  [[nodiscard]] virtual Result<std::int64_t> count_owners(const TenantId& tenant) = 0;

  // --- Refresh tokens ---------------------------------------------------

  // Errors: not_found "user_not_found"; conflict "constraint_violation" on a
  // reused hash.
  [[nodiscard]] virtual Result<void> insert_refresh_token(const TenantId& tenant,
                                                          const RefreshTokenRecord& token) = 0;
  // Global. Errors: not_found "refresh_token_not_found".
  [[nodiscard]] virtual Result<RefreshTokenRecord> find_refresh_token(
      std::string_view token_hash) = 0;
  // Spends the token once: a token already used or revoked answers conflict
  // "refresh_token_spent" (the caller should then revoke the family).
  // Errors: not_found "refresh_token_not_found".
  [[nodiscard]] virtual Result<void> mark_refresh_token_used(const TenantId& tenant,
                                                             std::string_view token_hash,
                                                             WallTime at) = 0;
  // Revokes every not-yet-revoked token of a family; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> revoke_refresh_token_family(const TenantId& tenant,
                                                                         std::string_view family_id,
                                                                         WallTime at) = 0;
  // Revokes every not-yet-revoked token of a user; returns how many.
  [[nodiscard]] virtual Result<std::int64_t> revoke_user_refresh_tokens(const TenantId& tenant,
                                                                        const UserId& user,
                                                                        WallTime at) = 0;

  // --- Password reset tokens ------------------------------------------------

  // Errors: not_found "user_not_found".
  [[nodiscard]] virtual Result<void> insert_password_reset_token(
      const TenantId& tenant, const PasswordResetTokenRecord& token) = 0;
  // Global. Errors: not_found "reset_token_not_found".
  [[nodiscard]] virtual Result<PasswordResetTokenRecord> find_password_reset_token(
      std::string_view token_hash) = 0;
  // Single use: a used token answers conflict "reset_token_spent".
  // Errors: not_found "reset_token_not_found".
  [[nodiscard]] virtual Result<void> mark_password_reset_token_used(const TenantId& tenant,
                                                                    std::string_view token_hash,
                                                                    WallTime at) = 0;

  // --- Single sign-on (sso.hpp) -------------------------------------------

  // Global: who signs in with this identity.
  // Errors: not_found "sso_identity_not_found".
  [[nodiscard]] virtual Result<SsoIdentityRecord> find_sso_identity(std::string_view provider,
                                                                    std::string_view directory_id,
                                                                    std::string_view subject) = 0;
  // Global: the tenant a directory signs in to.
  // Errors: not_found "sso_directory_not_found".
  [[nodiscard]] virtual Result<SsoDirectoryRecord> find_sso_directory(
      std::string_view provider, std::string_view directory_id) = 0;
  // The user's identities, oldest first (none for a password-only user).
  [[nodiscard]] virtual Result<std::vector<SsoIdentityRecord>> list_user_sso_identities(
      const TenantId& tenant, const UserId& user) = 0;
  // The first sign-in of a directory, in one transaction: the tenant, its
  // owner (verified), the directory's mapping to the tenant and the owner's
  // identity. Errors: as create_tenant; conflict "sso_directory_taken" when
  // the directory already has a tenant (another first sign-in won),
  // "sso_identity_taken" when the identity is already bound.
  [[nodiscard]] virtual Result<void> create_sso_tenant(const TenantRecord& tenant,
                                                       const UserRecord& owner,
                                                       const SsoDirectoryRecord& directory,
                                                       const SsoIdentityRecord& identity) = 0;
  // A new user of the tenant with their identity, in one transaction.
  // Errors: as create_user; conflict "sso_identity_taken".
  [[nodiscard]] virtual Result<void> create_sso_user(const TenantId& tenant, const UserRecord& user,
                                                     const SsoIdentityRecord& identity) = 0;
  // Binds an identity to an existing user of the tenant and marks the user
  // verified (the provider vouched for them), in one transaction.
  // Errors: not_found "user_not_found"; conflict "sso_identity_taken".
  [[nodiscard]] virtual Result<void> bind_sso_identity(const TenantId& tenant,
                                                       const SsoIdentityRecord& identity) = 0;
  // Errors: not_found "user_not_found".
  [[nodiscard]] virtual Result<void> insert_sso_login_code(const TenantId& tenant,
                                                           const SsoLoginCodeRecord& code) = 0;
  // Global. Errors: not_found "sso_code_not_found".
  [[nodiscard]] virtual Result<SsoLoginCodeRecord> find_sso_login_code(
      std::string_view code_hash) = 0;
  // Single use: a used code answers conflict "sso_code_spent".
  // Errors: not_found "sso_code_not_found".
  [[nodiscard]] virtual Result<void> mark_sso_login_code_used(const TenantId& tenant,
                                                              std::string_view code_hash,
                                                              WallTime at) = 0;

  // --- API keys ---------------------------------------------------------

  // Errors: not_found "user_not_found"; conflict "api_key_exists".
  [[nodiscard]] virtual Result<void> insert_api_key(const TenantId& tenant,
                                                    const ApiKeyRecord& key) = 0;
  // Errors: not_found "api_key_not_found".
  [[nodiscard]] virtual Result<ApiKeyRecord> get_api_key(const TenantId& tenant,
                                                         const ApiKeyId& key) = 0;
  // Oldest first, revoked keys included.
  [[nodiscard]] virtual Result<std::vector<ApiKeyRecord>> list_api_keys(const TenantId& tenant) = 0;
  // Global, for authentication. Revoked and expired keys are returned too: the
  // caller decides. Errors: not_found "api_key_not_found".
  [[nodiscard]] virtual Result<ApiKeyRecord> find_api_key_by_hash(std::string_view key_hash) = 0;
  // Idempotent: revoking a revoked key keeps the first revocation time.
  // Errors: not_found "api_key_not_found".
  [[nodiscard]] virtual Result<void> revoke_api_key(const TenantId& tenant, const ApiKeyId& key,
                                                    WallTime at) = 0;
  // Errors: not_found "api_key_not_found".
  [[nodiscard]] virtual Result<void> touch_api_key(const TenantId& tenant, const ApiKeyId& key,
                                                   WallTime at) = 0;

  // --- Agents -----------------------------------------------------------

  // Errors: not_found "tenant_not_found"; conflict "agent_exists".
  [[nodiscard]] virtual Result<void> insert_agent(const TenantId& tenant,
                                                  const AgentRecord& agent) = 0;
  // Errors (all agent calls): not_found "agent_not_found".
  [[nodiscard]] virtual Result<AgentRecord> get_agent(const TenantId& tenant,
                                                      const AgentId& agent) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<AgentRecord>> list_agents(const TenantId& tenant) = 0;
  [[nodiscard]] virtual Result<void> update_agent(const TenantId& tenant, const AgentId& agent,
                                                  const AgentUpdate& update) = 0;
  // Jobs of the agent are kept (they name the deleted agent's id).
  [[nodiscard]] virtual Result<void> delete_agent(const TenantId& tenant, const AgentId& agent) = 0;
  // Global, for agent authentication.
  [[nodiscard]] virtual Result<AgentRecord> find_agent_by_key_lookup(
      std::string_view key_lookup_hash) = 0;
  // Replaces the agent's key; the old one stops working at once.
  [[nodiscard]] virtual Result<void> update_agent_key(const TenantId& tenant, const AgentId& agent,
                                                      const std::string& key_ciphertext,
                                                      const std::string& key_lookup_hash) = 0;
  [[nodiscard]] virtual Result<void> update_agent_state(const TenantId& tenant,
                                                        const AgentId& agent,
                                                        const AgentStateUpdate& update) = 0;
  [[nodiscard]] virtual Result<std::int64_t> count_agents(const TenantId& tenant) = 0;
  // System-wide, at start-up: no agent is connected yet. Returns how many changed.
  [[nodiscard]] virtual Result<std::int64_t> mark_all_agents_offline() = 0;

  // --- Jobs -------------------------------------------------------------

  // Inserts all jobs in one transaction, or none of them.
  // Errors: not_found "tenant_not_found"; conflict "job_exists",
  // "idempotency_key_taken".
  [[nodiscard]] virtual Result<void> insert_jobs(const TenantId& tenant,
                                                 const std::vector<JobRecord>& jobs) = 0;
  // Errors: not_found "job_not_found".
  [[nodiscard]] virtual Result<JobRecord> get_job(const TenantId& tenant, const JobId& job) = 0;
  // Errors: not_found "job_not_found".
  [[nodiscard]] virtual Result<JobRecord> find_job_by_idempotency_key(
      const TenantId& tenant, std::string_view idempotency_key) = 0;
  // Errors: invalid_argument "invalid_limit", "invalid_cursor".
  [[nodiscard]] virtual Result<JobPage> list_jobs(const TenantId& tenant,
                                                  const JobFilter& filter) = 0;
  // Compare-and-set: applies `transition` only if the job is still in
  // `expected`. Errors: not_found "job_not_found"; conflict
  // "job_status_conflict" when the status has moved on (re-read and decide).
  [[nodiscard]] virtual Result<void> transition_job(const TenantId& tenant, const JobId& job,
                                                    JobStatus expected,
                                                    const JobTransition& transition) = 0;
  // As transition_job, but returns at once and tells `done` the outcome once
  // committed (see the asynchronous calls below).
  virtual void transition_job_async(const TenantId& tenant, const JobId& job, JobStatus expected,
                                    JobTransition transition,
                                    std::function<void(Result<void>)> done) = 0;
  // Moves up to `limit` (1..1000) of the agent's oldest pending jobs to
  // dispatched at `dispatched_at`, in one write, and tells `done` which ones,
  // oldest first, once committed (none when nothing is pending). Claiming
  // and reading in one statement spares the dispatcher a read and a commit
  // per job. `done` runs as for the asynchronous calls below.
  // Errors: invalid_argument "invalid_limit".
  virtual void claim_pending_jobs_async(
      const TenantId& tenant, const AgentId& agent, int limit, WallTime dispatched_at,
      std::function<void(Result<std::vector<JobRecord>>)> done) = 0;
  // System-wide, at start-up: every dispatched or running job becomes failed
  // with error `reason` and finished_at `now`, each with the event
  // `final_event` makes of its failed record, in one transaction. Returns
  // them as they are now (their webhooks are owed).
  [[nodiscard]] virtual Result<std::vector<JobRecord>> fail_interrupted_jobs(
      WallTime now, std::string_view reason,
      const std::function<EventRecord(const JobRecord&)>& final_event) = 0;
  // Appends one chunk of a job's output at the current end of `stream` and
  // adds its size to the job's byte count. Chunks must arrive in order; a
  // (stream, seq) already stored is ignored, which makes replays after a
  // reconnect harmless. Returns true when stored, false when a duplicate.
  // Errors: not_found "job_not_found".
  [[nodiscard]] virtual Result<bool> append_job_output(const TenantId& tenant, const JobId& job,
                                                       OutputStream stream, std::int64_t seq,
                                                       std::string_view data) = 0;
  // Stores `data` as the bytes of `stream` starting at byte `offset`, for a
  // sender that may resend after a lost acknowledgement: bytes already stored
  // are skipped, the rest appended; nothing once the job's result is stored
  // (its output never changes again). Returns the stream's length afterwards.
  // Errors: not_found "job_not_found"; conflict "output_gap" when `offset`
  // lies beyond the stored length (bytes in between were never received);
  // invalid_argument "invalid_range" for a negative offset.
  [[nodiscard]] virtual Result<std::int64_t> append_job_output_at(const TenantId& tenant,
                                                                  const JobId& job,
                                                                  OutputStream stream,
                                                                  std::int64_t offset,
                                                                  std::string_view data) = 0;
  // As append_job_output_at, but returns at once and tells `done` the
  // outcome once committed.
  //
  // Asynchronous writes let one caller (an agent's connection) go on with
  // its next message while earlier ones commit, so several commit together.
  // Writes submitted from one thread, synchronous or not, commit in the
  // order they were submitted. `done` runs on the store's own thread: it
  // must be quick and must never wait for the store, so it may start
  // asynchronous writes but must not call a synchronous writing function.
  virtual void append_job_output_at_async(const TenantId& tenant, const JobId& job,
                                          OutputStream stream, std::int64_t offset,
                                          std::string data,
                                          std::function<void(Result<std::int64_t>)> done) = 0;
  // Up to `limit` bytes (all when unset) of `stream` starting at byte
  // `offset`; empty past the end. Errors: not_found "job_not_found";
  // invalid_argument "invalid_range" for a negative offset or limit.
  [[nodiscard]] virtual Result<std::string> read_job_output(const TenantId& tenant,
                                                            const JobId& job, OutputStream stream,
                                                            std::int64_t offset,
                                                            std::optional<std::int64_t> limit) = 0;
  // System-wide, for the dispatch-timeout sweep: pending jobs created
  // before `created_before`, oldest first, at most `limit` (1..1000).
  // Errors: invalid_argument "invalid_limit".
  [[nodiscard]] virtual Result<std::vector<JobRecord>> list_pending_jobs_before(
      WallTime created_before, int limit) = 0;
  // Deletes the tenant's finished jobs created before `cutoff`, with their
  // output, and its events and finished deliveries of the same age
  // (retention). Jobs not yet final and deliveries still owed are kept.
  // Returns how many jobs.
  [[nodiscard]] virtual Result<std::int64_t> delete_jobs_before(const TenantId& tenant,
                                                                WallTime cutoff) = 0;

  // --- Events -----------------------------------------------------------

  // Every call that stores an event (this one, a transition's event, a
  // schedule fire's) also enqueues, in the same transaction, one delivery of
  // kind kIntegrationDeliveryKind per enabled integration of the tenant that
  // wants the event's type and whose filters match it.
  [[nodiscard]] virtual Result<void> append_event(const TenantId& tenant,
                                                  const EventRecord& event) = 0;
  // Errors: not_found "event_not_found".
  [[nodiscard]] virtual Result<EventRecord> get_event(const TenantId& tenant,
                                                      const EventId& event) = 0;
  // Newest first. Errors: invalid_argument "invalid_limit".
  [[nodiscard]] virtual Result<std::vector<EventRecord>> list_events(const TenantId& tenant,
                                                                     const EventFilter& filter) = 0;

  // --- Schedules ----------------------------------------------------------

  // Errors: not_found "tenant_not_found"; conflict "schedule_exists".
  [[nodiscard]] virtual Result<void> insert_schedule(const TenantId& tenant,
                                                     const ScheduleRecord& schedule) = 0;
  // Errors (all schedule calls): not_found "schedule_not_found".
  [[nodiscard]] virtual Result<ScheduleRecord> get_schedule(const TenantId& tenant,
                                                            const ScheduleId& schedule) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<ScheduleRecord>> list_schedules(
      const TenantId& tenant) = 0;
  // How many schedules the tenant has; only the enabled ones when `enabled_only`.
  [[nodiscard]] virtual Result<std::int64_t> count_schedules(const TenantId& tenant,
                                                             bool enabled_only) = 0;
  // Stores what an operator may change: name, cron, timezone, script,
  // target, params, policies, timeout_sec, webhook_url, enabled and
  // updated_at. next_run_at is written too when `reschedule` (the timing or
  // `enabled` changed); otherwise the engine's value stays. Disabling clears
  // `buffered`. created_at, last_run_at and (unless disabling) buffered are
  // never taken from `schedule`.
  [[nodiscard]] virtual Result<void> update_schedule(const TenantId& tenant,
                                                     const ScheduleRecord& schedule,
                                                     bool reschedule) = 0;
  // Removes the schedule with its events; its jobs stay (they name its id).
  [[nodiscard]] virtual Result<void> delete_schedule(const TenantId& tenant,
                                                     const ScheduleId& schedule) = 0;
  // Disables the tenant's newest enabled schedules beyond the `keep` oldest
  // enabled ones (a plan downgrade), at `at`; returns their ids, newest first.
  [[nodiscard]] virtual Result<std::vector<ScheduleId>> disable_schedules_beyond(
      const TenantId& tenant, std::int64_t keep, WallTime at) = 0;
  // Newest first (by `at`, then insertion), at most `limit` (1..1000).
  // Errors: invalid_argument "invalid_limit"; not_found "schedule_not_found".
  [[nodiscard]] virtual Result<std::vector<ScheduleEventRecord>> list_schedule_events(
      const TenantId& tenant, const ScheduleId& schedule, int limit) = 0;
  // System-wide, for the engine: enabled schedules with next_run_at at or
  // before `due_by`, earliest first, at most `limit` (1..1000).
  // Errors: invalid_argument "invalid_limit".
  [[nodiscard]] virtual Result<std::vector<ScheduleRecord>> list_due_schedules(WallTime due_by,
                                                                               int limit) = 0;
  // System-wide: the earliest next_run_at of all enabled schedules; unset
  // when none is due ever.
  [[nodiscard]] virtual Result<std::optional<WallTime>> next_schedule_due() = 0;
  // Commits one engine pass over a schedule (ScheduleFire): the jobs, the
  // schedule events, the tenant events and the schedule's new next_run_at,
  // buffered and last_run_at, or nothing. Errors: not_found
  // "schedule_not_found"; conflict "schedule_changed" when the schedule is
  // disabled or its next_run_at or buffered differ from the expected ones
  // (it was edited or fired meanwhile: re-read); the insert_jobs errors.
  [[nodiscard]] virtual Result<void> commit_schedule_fire(const TenantId& tenant,
                                                          const ScheduleFire& fire) = 0;

  // --- Integrations -----------------------------------------------------

  // Errors: not_found "tenant_not_found"; conflict "integration_exists".
  [[nodiscard]] virtual Result<void> insert_integration(const TenantId& tenant,
                                                        const IntegrationRecord& integration) = 0;
  // Errors (all integration calls): not_found "integration_not_found".
  [[nodiscard]] virtual Result<IntegrationRecord> get_integration(
      const TenantId& tenant, const IntegrationId& integration) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<IntegrationRecord>> list_integrations(
      const TenantId& tenant) = 0;
  // Stores name, config_ciphertext, events, filters, enabled and updated_at.
  [[nodiscard]] virtual Result<void> update_integration(const TenantId& tenant,
                                                        const IntegrationRecord& integration) = 0;
  // Removes the integration with its deliveries.
  [[nodiscard]] virtual Result<void> delete_integration(const TenantId& tenant,
                                                        const IntegrationId& integration) = 0;

  // --- Outbox -----------------------------------------------------------

  // Errors: not_found "integration_not_found" when integration_id names no
  // integration of the tenant.
  [[nodiscard]] virtual Result<void> enqueue_delivery(const TenantId& tenant,
                                                      const DeliveryRecord& delivery) = 0;
  // System-wide, for the delivery worker: claims up to `limit` deliveries due
  // at `now` (pending ones, and in-flight ones whose lease ran out because a
  // worker died), oldest due first. Each claimed delivery becomes in_flight,
  // counts one more attempt and is leased until `lease_until`.
  [[nodiscard]] virtual Result<std::vector<DeliveryRecord>> claim_due_deliveries(
      WallTime now, WallTime lease_until, int limit) = 0;
  // Also stores the attempt's history row. Errors: not_found "delivery_not_found".
  [[nodiscard]] virtual Result<void> record_delivery_result(const TenantId& tenant,
                                                            const DeliveryId& delivery,
                                                            const DeliveryResult& result) = 0;
  // Newest first; only one integration's when `integration` is set.
  // Errors: invalid_argument "invalid_limit".
  [[nodiscard]] virtual Result<std::vector<DeliveryRecord>> list_deliveries(
      const TenantId& tenant, const std::optional<IntegrationId>& integration, int limit) = 0;

  // The delivery's attempts, newest first, at most `limit` (1..1000).
  // Errors: invalid_argument "invalid_limit"; not_found "delivery_not_found".
  [[nodiscard]] virtual Result<std::vector<DeliveryAttemptRecord>> list_delivery_attempts(
      const TenantId& tenant, const DeliveryId& delivery, int limit) = 0;

  // --- Introspection ----------------------------------------------------

  // System-wide counts for /metrics.
  [[nodiscard]] virtual Result<StatusCounts> count_by_status() = 0;

  virtual StoreStats stats() const = 0;
};

}  // namespace scriptmesh
