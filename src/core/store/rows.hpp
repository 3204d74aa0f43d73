// Column lists and row readers: the one place that knows which column of a
// SELECT holds which record field.
//
// Each SM_*_COLUMNS list is a string literal, so queries are assembled at
// compile time ("SELECT " SM_JOB_COLUMNS " FROM jobs WHERE ...") and the
// matching read_* function reads the columns in that order.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/store/sqlite_db.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

#define SM_TENANT_COLUMNS "id, name, plan, webhook_secret, created_at"
#define SM_USER_COLUMNS                                                           \
  "id, tenant_id, email, password_hash, role, verified, verification_code_hash, " \
  "verification_expires_at, verification_attempts, created_at"
#define SM_REFRESH_TOKEN_COLUMNS \
  "id, tenant_id, user_id, token_hash, family_id, created_at, expires_at, used_at, revoked_at"
#define SM_RESET_TOKEN_COLUMNS "token_hash, tenant_id, user_id, created_at, expires_at, used_at"
#define SM_API_KEY_COLUMNS                                                                       \
  "id, tenant_id, user_id, name, prefix, key_hash, scopes, expires_at, revoked_at, created_at, " \
  "last_used_at"
#define SM_AGENT_COLUMNS                                                                    \
  "id, tenant_id, name, tags, key_ciphertext, key_lookup_hash, status, last_heartbeat_at, " \
  "metrics, manifest, created_at, manifest_summary, max_concurrent"
#define SM_JOB_COLUMNS                                                                          \
  "id, tenant_id, agent_id, group_id, schedule_id, script, params, status, exit_code, signal, " \
  "error, timeout_sec, webhook_url, idempotency_key, created_at, dispatched_at, started_at, "   \
  "finished_at, duration_ms, stdout_bytes, stderr_bytes"
#define SM_SCHEDULE_COLUMNS                                                                   \
  "id, tenant_id, name, cron, timezone, script, agent_id, tags, params, catch_up, "           \
  "misfire_grace_sec, overlap, timeout_sec, webhook_url, enabled, next_run_at, last_run_at, " \
  "buffered, created_at, updated_at"
#define SM_SCHEDULE_EVENT_COLUMNS \
  "id, tenant_id, schedule_id, type, due_at, occurred_at, job_id, agent_id, detail"
#define SM_EVENT_COLUMNS "id, tenant_id, type, subject_id, data, created_at"
#define SM_INTEGRATION_COLUMNS \
  "id, tenant_id, type, name, config_ciphertext, events, filters, enabled, created_at, updated_at"
#define SM_DELIVERY_ATTEMPT_COLUMNS "delivery_id, attempt, status, status_code, error, at"
#define SM_DELIVERY_COLUMNS                                                           \
  "id, tenant_id, integration_id, kind, payload, status, attempts, next_attempt_at, " \
  "last_status_code, last_error, created_at"

namespace scriptmesh::store {

Result<TenantRecord> read_tenant(const Statement& s);
Result<UserRecord> read_user(const Statement& s);
Result<RefreshTokenRecord> read_refresh_token(const Statement& s);
Result<PasswordResetTokenRecord> read_reset_token(const Statement& s);
Result<ApiKeyRecord> read_api_key(const Statement& s);
Result<AgentRecord> read_agent(const Statement& s);
Result<JobRecord> read_job(const Statement& s);
Result<ScheduleRecord> read_schedule(const Statement& s);
Result<ScheduleEventRecord> read_schedule_event(const Statement& s);
Result<EventRecord> read_event(const Statement& s);

// ScheduleRecord::buffered as stored: {"<agent id>":"<due time, Unix ms>"}.
std::string encode_buffered(const std::map<AgentId, WallTime>& buffered);
[[nodiscard]] Result<std::map<AgentId, WallTime>> decode_buffered(std::string_view json);
Result<DeliveryRecord> read_delivery(const Statement& s);
Result<IntegrationRecord> read_integration(const Statement& s);
Result<DeliveryAttemptRecord> read_delivery_attempt(const Statement& s);

}  // namespace scriptmesh::store
