// The schema, as the ordered list of migrations. Times are integer Unix
// milliseconds; JSON columns hold text that the store encodes and decodes.
#include <array>

#include "core/store/migrations.hpp"

namespace scriptmesh::store {
namespace {

// Version 1: the whole first-release schema.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE tenants (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  plan           TEXT NOT NULL CHECK (plan IN ('starter', 'pro')),
  webhook_secret TEXT,  -- Fernet token
  created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id                      TEXT PRIMARY KEY,
  tenant_id               TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email                   TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash           TEXT NOT NULL,
  role                    TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  verified                INTEGER NOT NULL DEFAULT 0,
  verification_code_hash  TEXT,
  verification_expires_at INTEGER,
  verification_attempts   INTEGER NOT NULL DEFAULT 0,
  created_at              INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_tenant ON users (tenant_id, created_at);

CREATE TABLE refresh_tokens (
  id         TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  family_id  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  revoked_at INTEGER
) STRICT;
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE password_reset_tokens (
  token_hash TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;
CREATE INDEX password_reset_tokens_by_user ON password_reset_tokens (user_id);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  expires_at   INTEGER,
  revoked_at   INTEGER,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
) STRICT;
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

CREATE TABLE agents (
  id                TEXT PRIMARY KEY,
  tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  tags              TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  key_ciphertext    TEXT NOT NULL,               -- Fernet token
  key_lookup_hash   TEXT NOT NULL UNIQUE,
  status            TEXT NOT NULL CHECK (status IN ('online', 'offline')),
  last_heartbeat_at INTEGER,
  metrics           TEXT,                        -- JSON object
  manifest          TEXT NOT NULL DEFAULT '[]',  -- JSON array of script names
  created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX agents_by_tenant ON agents (tenant_id, created_at);

-- agent_id and schedule_id carry no foreign key: a job's history outlives
-- the agent or schedule that produced it.
CREATE TABLE jobs (
  id              TEXT PRIMARY KEY,
  tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agent_id        TEXT NOT NULL,
  group_id        TEXT,
  schedule_id     TEXT,
  script          TEXT NOT NULL,
  params          TEXT NOT NULL DEFAULT '{}',  -- JSON object of strings
  status          TEXT NOT NULL CHECK (status IN ('pending', 'dispatched', 'running',
                                                  'succeeded', 'failed', 'timed_out',
                                                  'cancelled')),
  exit_code       INTEGER,
  signal          INTEGER,
  error           TEXT,
  timeout_sec     INTEGER NOT NULL,
  webhook_url     TEXT,
  idempotency_key TEXT,
  created_at      INTEGER NOT NULL,
  dispatched_at   INTEGER,
  started_at      INTEGER,
  finished_at     INTEGER,
  duration_ms     INTEGER,
  stdout_bytes    INTEGER NOT NULL DEFAULT 0,
  stderr_bytes    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, idempotency_key)
) STRICT;
CREATE INDEX jobs_by_tenant_created ON jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX jobs_by_agent_status ON jobs (agent_id, status);
CREATE INDEX jobs_by_schedule ON jobs (schedule_id, created_at DESC) WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_by_group ON jobs (group_id) WHERE group_id IS NOT NULL;

CREATE TABLE job_output_chunks (
  tenant_id   TEXT NOT NULL,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  stream      TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  seq         INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL,  -- of the chunk's first byte within its stream
  data        BLOB NOT NULL,
  PRIMARY KEY (job_id, stream, seq)
) STRICT;

CREATE TABLE schedules (
  id                TEXT PRIMARY KEY,
  tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  cron              TEXT NOT NULL,
  timezone          TEXT NOT NULL,
  script            TEXT NOT NULL,
  agent_id          TEXT,
  tags              TEXT NOT NULL DEFAULT '[]',  -- JSON array; targets by tag when no agent
  params            TEXT NOT NULL DEFAULT '{}',
  catch_up          TEXT NOT NULL CHECK (catch_up IN ('skip', 'once', 'all')),
  misfire_grace_sec INTEGER NOT NULL DEFAULT 0,
  timeout_sec       INTEGER,
  webhook_url       TEXT,
  enabled           INTEGER NOT NULL DEFAULT 1,
  next_run_at       INTEGER,
  last_run_at       INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX schedules_by_tenant ON schedules (tenant_id, created_at);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled = 1;

CREATE TABLE schedule_events (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  schedule_id TEXT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  type        TEXT NOT NULL CHECK (type IN ('fired', 'missed', 'caught_up', 'skipped')),
  due_at      INTEGER NOT NULL,
  occurred_at INTEGER NOT NULL,
  job_id      TEXT
) STRICT;
CREATE INDEX schedule_events_by_schedule ON schedule_events (schedule_id, occurred_at DESC);

CREATE TABLE integrations (
  id                TEXT PRIMARY KEY,
  tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type              TEXT NOT NULL CHECK (type IN ('slack', 'discord', 'teams', 'pagerduty',
                                                  'datadog', 'splunk', 'webhook')),
  name              TEXT NOT NULL,
  config_ciphertext TEXT NOT NULL,               -- Fernet token of the JSON config
  events            TEXT NOT NULL DEFAULT '[]',  -- JSON array of event types
  enabled           INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX integrations_by_tenant ON integrations (tenant_id, created_at);

-- The outbox: every outbound notification is committed here first, then
-- delivered (and retried) by a worker.
CREATE TABLE deliveries (
  id               TEXT PRIMARY KEY,
  tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  integration_id   TEXT REFERENCES integrations(id) ON DELETE CASCADE,
  kind             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded',
                                                   'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant_id, created_at DESC);
CREATE INDEX deliveries_by_integration ON deliveries (integration_id, created_at DESC)
  WHERE integration_id IS NOT NULL;

CREATE TABLE events (
  id         TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type       TEXT NOT NULL,
  subject_id TEXT NOT NULL DEFAULT '',
  data       TEXT NOT NULL DEFAULT '{}',  -- JSON object
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_tenant ON events (tenant_id, created_at DESC);
)sql";

// Version 2: reading output by offset seeks instead of scanning a job's
// chunks, and restart recovery finds in-flight jobs without a table scan.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE INDEX job_output_chunks_by_offset ON job_output_chunks (job_id, stream, byte_offset);
CREATE INDEX jobs_in_flight ON jobs (status) WHERE status IN ('dispatched', 'running');
)sql";

// Version 3: the dispatch-timeout sweep finds old pending jobs of every
// tenant without a table scan; agents keep the declared parameters of their
// scripts (to check triggers while they are offline) and their job slots.
constexpr std::string_view kSchemaV3 = R"sql(
CREATE INDEX jobs_pending ON jobs (created_at) WHERE status = 'pending';
ALTER TABLE agents ADD COLUMN manifest_summary TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN max_concurrent INTEGER NOT NULL DEFAULT 1;
)sql";

// Version 4: an agent's pending jobs are read oldest first at every
// dispatch; one index serves both the filter and the order, so dispatching
// stays a seek however many jobs the tenant has. It replaces the
// (agent_id, status) index, whose prefix it covers.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE INDEX jobs_by_agent_status_created ON jobs (agent_id, status, created_at, id);
DROP INDEX jobs_by_agent_status;
)sql";

// Version 5: schedules get their overlap policy and the runs they owe
// under buffer_one (a JSON object: agent id -> due time in Unix ms, as
// text); schedule events name the agent concerned and why a run was skipped.
constexpr std::string_view kSchemaV5 = R"sql(
ALTER TABLE schedules ADD COLUMN overlap TEXT NOT NULL DEFAULT 'skip'
  CHECK (overlap IN ('skip', 'buffer_one', 'cancel_other', 'allow'));
ALTER TABLE schedules ADD COLUMN buffered TEXT NOT NULL DEFAULT '{}';
ALTER TABLE schedule_events ADD COLUMN agent_id TEXT;
ALTER TABLE schedule_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
)sql";

// Version 6: integrations filter the events they get (a JSON object of
// scripts, agent_tags and schedule_ids lists), and every delivery attempt
// keeps a history row for GET /v1/integrations/{id}/deliveries.
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE integrations ADD COLUMN filters TEXT NOT NULL DEFAULT '{}';
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed')),
  status_code INTEGER,
  error       TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) STRICT;
)sql";

// Version 7: single sign-on. Users signing in through an identity
// provider have no password (password_hash stays ''); their identities
// (provider + directory + subject) point at them, each directory points at
// the one tenant it signs in to, and finished sign-ins leave a one-time code
// (hashed) to be exchanged for a session.
constexpr std::string_view kSchemaV7 = R"sql(
CREATE TABLE sso_directories (
  provider     TEXT NOT NULL,
  directory_id TEXT NOT NULL,
  tenant_id    TEXT NOT NULL UNIQUE REFERENCES tenants(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (provider, directory_id)
) STRICT;

CREATE TABLE sso_identities (
  provider     TEXT NOT NULL,
  directory_id TEXT NOT NULL,
  subject      TEXT NOT NULL,
  tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (provider, directory_id, subject)
) STRICT;
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

CREATE TABLE sso_login_codes (
  code_hash  TEXT PRIMARY KEY,
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;
CREATE INDEX sso_login_codes_by_user ON sso_login_codes (user_id);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "initial schema", kSchemaV1},
    Migration{2, "output offset and in-flight job indexes", kSchemaV2},
    Migration{3, "pending job index, agent manifest summary and slots", kSchemaV3},
    Migration{4, "agent jobs by status in creation order", kSchemaV4},
    Migration{5, "schedule overlap policy and buffered runs, event detail", kSchemaV5},
    Migration{6, "integration filters and delivery attempts", kSchemaV6},
    Migration{7, "single sign-on identities, directories and login codes", kSchemaV7},
};

}  // namespace

std::span<const Migration> builtin_migrations() noexcept {
  return kMigrations;
}

}  // namespace scriptmesh::store
