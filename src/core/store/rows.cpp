#include "core/store/rows.hpp"

#include <charconv>
#include <string>
#include <utility>

#include "core/store/json_columns.hpp"

namespace scriptmesh::store {
namespace {

// A stored enum name this build does not know: the file was damaged or
// written by something else.
template <typename E>
Result<E> stored_enum(Result<E> parsed, const char* column) {
  if (parsed.ok()) return parsed;
  return Error::internal("store_corrupt", std::string("unexpected value in ") + column);
}

}  // namespace

Result<TenantRecord> read_tenant(const Statement& s) {
  TenantRecord t;
  t.id = TenantId(s.text(0));
  t.name = s.text(1);
  Result<Plan> plan = stored_enum(parse_plan(s.text(2)), "tenants.plan");
  if (!plan.ok()) return std::move(plan).error();
  t.plan = *plan;
  t.webhook_secret_ciphertext = s.text(3);
  t.created_at = s.time(4);
  return t;
}

Result<UserRecord> read_user(const Statement& s) {
  UserRecord u;
  u.id = UserId(s.text(0));
  u.tenant_id = TenantId(s.text(1));
  u.email = s.text(2);
  u.password_hash = s.text(3);
  Result<UserRole> role = stored_enum(parse_user_role(s.text(4)), "users.role");
  if (!role.ok()) return std::move(role).error();
  u.role = *role;
  u.verified = s.int64(5) != 0;
  u.verification_code_hash = s.text(6);
  u.verification_expires_at = s.optional_time(7);
  u.verification_attempts = s.int32(8);
  u.created_at = s.time(9);
  return u;
}

Result<RefreshTokenRecord> read_refresh_token(const Statement& s) {
  RefreshTokenRecord t;
  t.id = s.text(0);
  t.tenant_id = TenantId(s.text(1));
  t.user_id = UserId(s.text(2));
  t.token_hash = s.text(3);
  t.family_id = s.text(4);
  t.created_at = s.time(5);
  t.expires_at = s.time(6);
  t.used_at = s.optional_time(7);
  t.revoked_at = s.optional_time(8);
  return t;
}

Result<PasswordResetTokenRecord> read_reset_token(const Statement& s) {
  PasswordResetTokenRecord t;
  t.token_hash = s.text(0);
  t.tenant_id = TenantId(s.text(1));
  t.user_id = UserId(s.text(2));
  t.created_at = s.time(3);
  t.expires_at = s.time(4);
  t.used_at = s.optional_time(5);
  return t;
}

Result<ApiKeyRecord> read_api_key(const Statement& s) {
  ApiKeyRecord k;
  k.id = ApiKeyId(s.text(0));
  k.tenant_id = TenantId(s.text(1));
  k.user_id = UserId(s.text(2));
  k.name = s.text(3);
  k.prefix = s.text(4);
  k.key_hash = s.text(5);
  Result<std::vector<std::string>> scopes = decode_string_list(s.text(6));
  if (!scopes.ok()) return std::move(scopes).error();
  k.scopes = std::move(scopes).value();
  k.expires_at = s.optional_time(7);
  k.revoked_at = s.optional_time(8);
  k.created_at = s.time(9);
  k.last_used_at = s.optional_time(10);
  return k;
}

Result<AgentRecord> read_agent(const Statement& s) {
  AgentRecord a;
  a.id = AgentId(s.text(0));
  a.tenant_id = TenantId(s.text(1));
  a.name = s.text(2);
  Result<std::vector<std::string>> tags = decode_string_list(s.text(3));
  if (!tags.ok()) return std::move(tags).error();
  a.tags = std::move(tags).value();
  a.key_ciphertext = s.text(4);
  a.key_lookup_hash = s.text(5);
  Result<AgentStatus> status = stored_enum(parse_agent_status(s.text(6)), "agents.status");
  if (!status.ok()) return std::move(status).error();
  a.status = *status;
  a.last_heartbeat_at = s.optional_time(7);
  if (!s.is_null(8)) {
    Result<AgentMetrics> metrics = decode_metrics(s.text(8));
    if (!metrics.ok()) return std::move(metrics).error();
    a.metrics = *metrics;
  }
  Result<std::vector<std::string>> manifest = decode_string_list(s.text(9));
  if (!manifest.ok()) return std::move(manifest).error();
  a.manifest = std::move(manifest).value();
  a.created_at = s.time(10);
  a.manifest_summary = s.text(11);
  a.max_concurrent = static_cast<int>(s.int64(12));
  return a;
}

Result<JobRecord> read_job(const Statement& s) {
  JobRecord j;
  j.id = JobId(s.text(0));
  j.tenant_id = TenantId(s.text(1));
  j.agent_id = AgentId(s.text(2));
  if (!s.is_null(3)) j.group_id = GroupId(s.text(3));
  if (!s.is_null(4)) j.schedule_id = ScheduleId(s.text(4));
  j.script = s.text(5);
  Result<std::map<std::string, std::string>> params = decode_string_map(s.text(6));
  if (!params.ok()) return std::move(params).error();
  j.params = std::move(params).value();
  Result<JobStatus> status = stored_enum(parse_job_status(s.text(7)), "jobs.status");
  if (!status.ok()) return std::move(status).error();
  j.status = *status;
  j.exit_code = s.optional_int32(8);
  j.signal = s.optional_int32(9);
  j.error = s.text(10);
  j.timeout_sec = s.int32(11);
  j.webhook_url = s.text(12);
  j.idempotency_key = s.text(13);
  j.created_at = s.time(14);
  j.dispatched_at = s.optional_time(15);
  j.started_at = s.optional_time(16);
  j.finished_at = s.optional_time(17);
  j.duration_ms = s.optional_int64(18);
  j.stdout_bytes = s.int64(19);
  j.stderr_bytes = s.int64(20);
  return j;
}

Result<ScheduleRecord> read_schedule(const Statement& s) {
  ScheduleRecord r;
  r.id = ScheduleId(s.text(0));
  r.tenant_id = TenantId(s.text(1));
  r.name = s.text(2);
  r.cron = s.text(3);
  r.timezone = s.text(4);
  r.script = s.text(5);
  if (!s.is_null(6)) r.agent_id = AgentId(s.text(6));
  Result<std::vector<std::string>> tags = decode_string_list(s.text(7));
  if (!tags.ok()) return std::move(tags).error();
  r.tags = std::move(tags).value();
  Result<std::map<std::string, std::string>> params = decode_string_map(s.text(8));
  if (!params.ok()) return std::move(params).error();
  r.params = std::move(params).value();
  Result<CatchUpPolicy> catch_up =
      stored_enum(parse_catch_up_policy(s.text(9)), "schedules.catch_up");
  if (!catch_up.ok()) return std::move(catch_up).error();
  r.catch_up = *catch_up;
  r.misfire_grace_sec = s.int32(10);
  Result<OverlapPolicy> overlap =
      stored_enum(parse_overlap_policy(s.text(11)), "schedules.overlap");
  if (!overlap.ok()) return std::move(overlap).error();
  r.overlap = *overlap;
  r.timeout_sec = s.optional_int32(12);
  r.webhook_url = s.text(13);
  r.enabled = s.int64(14) != 0;
  r.next_run_at = s.optional_time(15);
  r.last_run_at = s.optional_time(16);
  Result<std::map<AgentId, WallTime>> buffered = decode_buffered(s.text(17));
  if (!buffered.ok()) return std::move(buffered).error();
  r.buffered = std::move(buffered).value();
  r.created_at = s.time(18);
  r.updated_at = s.time(19);
  return r;
}

Result<ScheduleEventRecord> read_schedule_event(const Statement& s) {
  ScheduleEventRecord e;
  e.id = s.text(0);
  e.tenant_id = TenantId(s.text(1));
  e.schedule_id = ScheduleId(s.text(2));
  Result<ScheduleEventType> type =
      stored_enum(parse_schedule_event_type(s.text(3)), "schedule_events.type");
  if (!type.ok()) return std::move(type).error();
  e.type = *type;
  e.due_at = s.time(4);
  e.at = s.time(5);
  if (!s.is_null(6)) e.job_id = JobId(s.text(6));
  if (!s.is_null(7)) e.agent_id = AgentId(s.text(7));
  e.detail = s.text(8);
  return e;
}

std::string encode_buffered(const std::map<AgentId, WallTime>& buffered) {
  std::map<std::string, std::string> text;
  for (const auto& [agent, due] : buffered)
    text.emplace(agent.str(), std::to_string(to_unix_ms(due)));
  return encode_string_map(text);
}

Result<std::map<AgentId, WallTime>> decode_buffered(std::string_view json) {
  Result<std::map<std::string, std::string>> text = decode_string_map(json);
  if (!text.ok()) return std::move(text).error();
  std::map<AgentId, WallTime> out;
  for (const auto& [agent, ms_text] : *text) {
    std::int64_t ms = 0;
    const char* end = ms_text.data() + ms_text.size();
    auto [ptr, ec] = std::from_chars(ms_text.data(), end, ms);
    if (ec != std::errc() || ptr != end) {
      return Error::internal("store_corrupt", "unexpected value in schedules.buffered");
    }
    out.emplace(AgentId(agent), from_unix_ms(ms));
  }
  return out;
}

Result<EventRecord> read_event(const Statement& s) {
  EventRecord e;
  e.id = EventId(s.text(0));
  e.tenant_id = TenantId(s.text(1));
  e.type = s.text(2);
  e.subject_id = s.text(3);
  e.data_json = s.text(4);
  e.created_at = s.time(5);
  return e;
}

Result<DeliveryRecord> read_delivery(const Statement& s) {
  DeliveryRecord d;
  d.id = DeliveryId(s.text(0));
  d.tenant_id = TenantId(s.text(1));
  if (!s.is_null(2)) d.integration_id = IntegrationId(s.text(2));
  d.kind = s.text(3);
  d.payload = s.text(4);
  Result<DeliveryStatus> status =
      stored_enum(parse_delivery_status(s.text(5)), "deliveries.status");
  if (!status.ok()) return std::move(status).error();
  d.status = *status;
  d.attempts = s.int32(6);
  d.next_attempt_at = s.time(7);
  d.last_status_code = s.optional_int32(8);
  d.last_error = s.text(9);
  d.created_at = s.time(10);
  return d;
}

Result<IntegrationRecord> read_integration(const Statement& s) {
  IntegrationRecord r;
  r.id = IntegrationId(s.text(0));
  r.tenant_id = TenantId(s.text(1));
  r.type = s.text(2);
  r.name = s.text(3);
  r.config_ciphertext = s.text(4);
  Result<std::vector<std::string>> events = decode_string_list(s.text(5));
  if (!events.ok()) return std::move(events).error();
  r.events = std::move(*events);
  Result<IntegrationFilters> filters = decode_filters(s.text(6));
  if (!filters.ok()) return std::move(filters).error();
  r.filters = std::move(*filters);
  r.enabled = s.int64(7) != 0;
  r.created_at = s.time(8);
  r.updated_at = s.time(9);
  return r;
}

Result<DeliveryAttemptRecord> read_delivery_attempt(const Statement& s) {
  DeliveryAttemptRecord a;
  a.delivery_id = DeliveryId(s.text(0));
  a.attempt = s.int32(1);
  Result<DeliveryStatus> status =
      stored_enum(parse_delivery_status(s.text(2)), "delivery_attempts.status");
  if (!status.ok()) return std::move(status).error();
  a.status = *status;
  a.status_code = s.optional_int32(3);
  a.error = s.text(4);
  a.at = s.time(5);
  return a;
}

}  // namespace scriptmesh::store
