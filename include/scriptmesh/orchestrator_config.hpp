// OrchestratorConfig: every setting of the orchestrator, and where it comes from.
//
// Each setting has one JSON key in the config file and one SCRIPTMESH_*
// environment variable. Precedence, highest first:
//   command-line flag > environment variable > config file > built-in default.
//
// The table returned by orchestrator_settings() is the single description of
// the settings: the loader, `--help` and the docs are all generated from it.
//
// Secrets (Fernet keys, the JWT signing secret) are settings too, but are never
// logged and never echoed back in an error message.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct OrchestratorConfig {
  // host:port the HTTP server binds to.
  std::string listen = "127.0.0.1:8080";
  // Directory holding the SQLite file, the e-mail outbox and generated dev secrets.
  std::string data_dir = "./var";
  // Comma-separated URL-safe base64 Fernet keys; the first encrypts, any decrypts.
  std::string fernet_keys;
  // A file holding Fernet keys (one per line or comma-separated), used when
  // fernet_keys is empty.
  std::string fernet_key_file;
  // HMAC secret for access tokens (at least 32 bytes).
  std::string jwt_secret;
  // A file holding the JWT secret, used when jwt_secret is empty.
  std::string jwt_secret_file;
  // Development mode: generate missing secrets into <data_dir>/secrets/.
  bool dev = false;
  // Minimum log level: debug, info, warn or error.
  std::string log_level = "info";
  // PEM certificate and key; with both set the server speaks HTTPS only.
  std::string tls_cert;
  std::string tls_key;
  // HTTP worker threads; 0 means one per core.
  std::int64_t http_threads = 0;
  // Largest accepted JSON request body, in bytes.
  std::int64_t max_body_bytes = 1024 * 1024;
  // Open connections at most, agents' included. Lowered at start to fit the
  // process's descriptor limit (raised to its hard limit first), with room
  // left for the database and outbound requests.
  std::int64_t max_connections = 10'000;
  // Open connections at most from one client address; 0 = no cap. Raise it
  // when many agents reach the orchestrator through one NAT address.
  std::int64_t max_connections_per_address = 1024;
  // SQLite durability: "full" (fsync every commit) or "normal".
  std::string sqlite_synchronous = "full";
  // Base URL users reach the server at, for links in e-mails
  // ("https://scriptmesh.example.com"); empty = http://<listen>.
  std::string public_url;
  // Resend API key; when set, e-mail goes through Resend instead of the
  // <data_dir>/outbox.jsonl file.
  std::string resend_api_key;
  // Resend API base URL (a test points it at a loopback fake).
  std::string resend_base_url = "https://api.resend.com";
  // Sender of every e-mail ("ScriptMesh <noreply@example.com>"); required
  // with resend_api_key.
  std::string email_from;
  // Requests per minute for each client address or principal on every route
  // without a stricter limit of its own (login, register, ...).
  std::int64_t rate_limit_default_per_min = 600;
  // Seconds between an agent's heartbeats (told to each agent when it
  // connects); an agent silent for 3 of them is offline and disconnected.
  std::int64_t heartbeat_sec = 60;
  // A pending job whose agent does not take it within this many seconds of
  // its creation (the agent stays offline) fails with "agent_offline".
  std::int64_t dispatch_timeout_sec = 300;
  // How long the dispatched and running jobs of an agent that went offline
  // wait for it to come back holding them before they fail with "agent_lost".
  std::int64_t lease_timeout_sec = 180;
  // Bytes of each output stream inlined in a job's webhook body; the rest is
  // reachable through the body's output_url.
  std::int64_t webhook_inline_output_bytes = 64 * 1024;
  // Attempts at one webhook delivery before it is given up (dead).
  std::int64_t delivery_max_attempts = 10;
  // First delay before a failed delivery is retried, doubled after every
  // further attempt (capped at 10 minutes) and jittered.
  std::int64_t delivery_retry_base_ms = 2000;
  // When set, GET /metrics requires "Authorization: Bearer <metrics_token>".
  std::string metrics_token;
  // PEM bundle of CAs trusted by outbound HTTPS (integrations, webhooks,
  // Resend); empty = the system's trust store.
  std::string http_ca_file;
  // Lets webhooks, integrations and Resend reach loopback, private and
  // link-local addresses, and job and schedule webhooks use http://. Off by
  // default: tenants choose those URLs, and a shared orchestrator must not
  // fetch its own network for them. Turn on for a self-hosted orchestrator
  // whose receivers live on a private network.
  bool allow_private_destinations = false;
  // Directory of the built web dashboard (index.html, assets/); empty = look
  // in <prefix>/share/scriptmesh/web, then in the build tree's web/dist.
  std::string web_assets;
  // Sign in with Microsoft (docs/sso.md); off while the client id is empty.
  // The application (client) id of the app registered in Microsoft Entra ID.
  std::string sso_microsoft_client_id;
  // The app's client secret.
  std::string sso_microsoft_client_secret;
  // A file holding the client secret, used when sso_microsoft_client_secret
  // is empty.
  std::string sso_microsoft_client_secret_file;
  // The authority: https://login.microsoftonline.com/ followed by
  // "organizations", "common" or one directory's tenant id or domain. Must be
  // https, except a loopback address (127.0.0.0/8, [::1]), which tests use.
  std::string sso_microsoft_authority = "https://login.microsoftonline.com/organizations";
  // Directory (tenant) ids allowed to sign in, lowercase; empty = any.
  std::vector<std::string> sso_microsoft_allowed_tenants;
  // "members": later users of a directory join its tenant as members;
  // "invite-only": they need an invitation first.
  std::string sso_microsoft_join = "members";
};

// One row of the settings table.
struct SettingInfo {
  std::string_view key;          // JSON key and flag name (with '_' -> '-' for flags)
  std::string_view env;          // environment variable
  std::string_view description;  // one line for --help
  bool secret = false;           // never printed
};

// Every setting, in --help order.
const std::vector<SettingInfo>& orchestrator_settings();

// Where settings come from. Every source is optional.
struct ConfigSources {
  // Path of a JSON config file (an object of setting keys); empty for none.
  std::string file;
  // Looks up an environment variable; defaults to std::getenv when empty.
  std::function<std::optional<std::string>(std::string_view)> env;
  // Values given as command-line flags, keyed by setting key.
  std::map<std::string, std::string> flags;
};

// Builds the configuration from its sources.
// Errors: invalid_argument/invalid_config naming the setting and what is wrong
// (unknown key in the file, malformed JSON, a number out of range), or
// unavailable/config_unreadable when the file cannot be read.
[[nodiscard]] Result<OrchestratorConfig> load_orchestrator_config(const ConfigSources& sources);

// Parses "host:port" (IPv4, [IPv6] or a name). Error: invalid_argument/invalid_listen.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace scriptmesh
