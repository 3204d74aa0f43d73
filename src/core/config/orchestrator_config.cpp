#include "scriptmesh/orchestrator_config.hpp"

#include <charconv>

#include "core/config/settings_loader.hpp"
#include "scriptmesh/sso.hpp"

namespace scriptmesh {
namespace {

using config::invalid_setting;
using SettingRow = config::SettingRow<OrchestratorConfig>;

Result<std::int64_t> parse_int(std::string_view key, const std::string& text, std::int64_t lo,
                               std::int64_t hi) {
  return config::parse_int_setting(key, text, lo, hi);
}

Result<bool> parse_bool(std::string_view key, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off" || text.empty()) return false;
  return invalid_setting(key, "expected true or false");
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// A directory (tenant) id is a GUID: 8-4-4-4-12 hex digits.
bool is_guid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !is_hex(id[i])) return false;
  }
  return true;
}

// "a, B" -> {"a", "b"}: trimmed, lowercased GUIDs; empty items are skipped.
Result<std::vector<std::string>> parse_directory_ids(const std::string& text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(begin, end - begin);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.pop_back();
    std::size_t first = item.find_first_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first);
    for (char& ch : item) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    if (!item.empty()) {
      if (!is_guid(item)) {
        return invalid_setting("sso_microsoft_allowed_tenants",
                               "'" + item +
                                   "' is not a directory (tenant) id such as "
                                   "00000000-0000-0000-0000-000000000000");
      }
      out.push_back(std::move(item));
    }
    begin = end + 1;
  }
  return out;
}

#define SM_STRING_SETTER(member)                                    \
  [](OrchestratorConfig& c, const std::string& v) -> Result<void> { \
    c.member = v;                                                   \
    return {};                                                      \
  }

const std::vector<SettingRow>& rows() {
  static const std::vector<SettingRow> kRows = {
      {{"listen", "SCRIPTMESH_LISTEN", "host:port to serve HTTP on (default 127.0.0.1:8080)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         SCRIPTMESH_RETURN_IF_ERROR(parse_listen_address(v));
         c.listen = v;
         return {};
       }},
      {{"data_dir", "SCRIPTMESH_DATA_DIR",
        "directory for the SQLite file, outbox and dev secrets (default ./var)"},
       SM_STRING_SETTER(data_dir)},
      {{"fernet_keys", "SCRIPTMESH_FERNET_KEYS",
        "comma-separated Fernet keys; the first encrypts, any decrypts", true},
       SM_STRING_SETTER(fernet_keys)},
      {{"fernet_key_file", "SCRIPTMESH_FERNET_KEY_FILE",
        "file with Fernet keys, if fernet_keys is unset"},
       SM_STRING_SETTER(fernet_key_file)},
      {{"jwt_secret", "SCRIPTMESH_JWT_SECRET", "HMAC secret signing access tokens (32+ bytes)",
        true},
       SM_STRING_SETTER(jwt_secret)},
      {{"jwt_secret_file", "SCRIPTMESH_JWT_SECRET_FILE",
        "file with the JWT secret, if jwt_secret is unset"},
       SM_STRING_SETTER(jwt_secret_file)},
      {{"dev", "SCRIPTMESH_DEV",
        "development mode: generate missing secrets under <data_dir>/secrets"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto b = parse_bool("dev", v);
         SCRIPTMESH_RETURN_IF_ERROR(b);
         c.dev = *b;
         return {};
       }},
      {{"log_level", "SCRIPTMESH_LOG_LEVEL", "debug, info, warn or error (default info)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return invalid_setting("log_level", "expected debug, info, warn or error");
         }
         c.log_level = v;
         return {};
       }},
      {{"tls_cert", "SCRIPTMESH_TLS_CERT", "PEM certificate chain; with tls_key, serve HTTPS only"},
       SM_STRING_SETTER(tls_cert)},
      {{"tls_key", "SCRIPTMESH_TLS_KEY", "PEM private key for tls_cert"},
       SM_STRING_SETTER(tls_key)},
      {{"http_threads", "SCRIPTMESH_HTTP_THREADS", "HTTP worker threads; 0 = one per core"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("http_threads", v, 0, 1024);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.http_threads = *n;
         return {};
       }},
      {{"max_body_bytes", "SCRIPTMESH_MAX_BODY_BYTES",
        "largest JSON request body in bytes (default 1 MiB)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("max_body_bytes", v, 1024, 64ll * 1024 * 1024);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.max_body_bytes = *n;
         return {};
       }},
      {{"max_connections", "SCRIPTMESH_MAX_CONNECTIONS",
        "open connections at most, agents' included; lowered to fit the descriptor limit "
        "(default 10000)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("max_connections", v, 16, 1'000'000);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.max_connections = *n;
         return {};
       }},
      {{"max_connections_per_address", "SCRIPTMESH_MAX_CONNECTIONS_PER_ADDRESS",
        "open connections at most from one client address; 0 = no cap (default 1024)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("max_connections_per_address", v, 0, 1'000'000);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.max_connections_per_address = *n;
         return {};
       }},
      {{"sqlite_synchronous", "SCRIPTMESH_SQLITE_SYNCHRONOUS", "full (default) or normal"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         if (v != "full" && v != "normal")
           return invalid_setting("sqlite_synchronous", "expected full or normal");
         c.sqlite_synchronous = v;
         return {};
       }},
      {{"public_url", "SCRIPTMESH_PUBLIC_URL",
        "base URL users reach the server at, for links in e-mails (default http://<listen>)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
           return invalid_setting("public_url", "expected an http:// or https:// URL");
         }
         c.public_url = v;
         return {};
       }},
      {{"resend_api_key", "SCRIPTMESH_RESEND_API_KEY",
        "Resend API key; when set, e-mail is sent through Resend instead of the outbox file", true},
       SM_STRING_SETTER(resend_api_key)},
      {{"resend_base_url", "SCRIPTMESH_RESEND_BASE_URL",
        "Resend API base URL (default https://api.resend.com)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
           return invalid_setting("resend_base_url", "expected an http:// or https:// URL");
         }
         c.resend_base_url = v;
         return {};
       }},
      {{"email_from", "SCRIPTMESH_EMAIL_FROM",
        "sender of every e-mail, e.g. \"ScriptMesh <noreply@example.com>\""},
       SM_STRING_SETTER(email_from)},
      {{"rate_limit_default_per_min", "SCRIPTMESH_RATE_LIMIT_DEFAULT_PER_MIN",
        "requests per minute per client or credential on routes without their own limit "
        "(default 600)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("rate_limit_default_per_min", v, 1, 1'000'000);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.rate_limit_default_per_min = *n;
         return {};
       }},
      {{"heartbeat_sec", "SCRIPTMESH_HEARTBEAT_SEC",
        "seconds between agent heartbeats; 3 missed make an agent offline (default 60)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("heartbeat_sec", v, 1, 3600);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.heartbeat_sec = *n;
         return {};
       }},
      {{"dispatch_timeout_sec", "SCRIPTMESH_DISPATCH_TIMEOUT_SEC",
        "seconds a job waits for its offline agent before failing with agent_offline "
        "(default 300)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("dispatch_timeout_sec", v, 1, 7 * 86400);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.dispatch_timeout_sec = *n;
         return {};
       }},
      {{"lease_timeout_sec", "SCRIPTMESH_LEASE_TIMEOUT_SEC",
        "seconds the running jobs of a vanished agent wait for it before failing with "
        "agent_lost (default 180)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("lease_timeout_sec", v, 1, 7 * 86400);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.lease_timeout_sec = *n;
         return {};
       }},
      {{"webhook_inline_output_bytes", "SCRIPTMESH_WEBHOOK_INLINE_OUTPUT_BYTES",
        "bytes of stdout and of stderr inlined in a job webhook's body (default 65536)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("webhook_inline_output_bytes", v, 0, 4 * 1024 * 1024);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.webhook_inline_output_bytes = *n;
         return {};
       }},
      {{"delivery_max_attempts", "SCRIPTMESH_DELIVERY_MAX_ATTEMPTS",
        "attempts at a webhook delivery before it is given up (default 10)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("delivery_max_attempts", v, 1, 100);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.delivery_max_attempts = *n;
         return {};
       }},
      {{"delivery_retry_base_ms", "SCRIPTMESH_DELIVERY_RETRY_BASE_MS",
        "first retry delay of a failed delivery, doubled per attempt (default 2000)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto n = parse_int("delivery_retry_base_ms", v, 10, 600'000);
         SCRIPTMESH_RETURN_IF_ERROR(n);
         c.delivery_retry_base_ms = *n;
         return {};
       }},
      {{"metrics_token", "SCRIPTMESH_METRICS_TOKEN",
        "bearer token GET /metrics requires; empty = /metrics is open", true},
       SM_STRING_SETTER(metrics_token)},
      {{"http_ca_file", "SCRIPTMESH_HTTP_CA_FILE",
        "PEM CA bundle trusted by outbound HTTPS (default: the system's)"},
       SM_STRING_SETTER(http_ca_file)},
      {{"allow_private_destinations", "SCRIPTMESH_ALLOW_PRIVATE_DESTINATIONS",
        "let webhooks, integrations and e-mail reach loopback, private and link-local "
        "addresses, and job webhooks use http:// (default false)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto on = parse_bool("allow_private_destinations", v);
         SCRIPTMESH_RETURN_IF_ERROR(on);
         c.allow_private_destinations = *on;
         return {};
       }},
      {{"web_assets", "SCRIPTMESH_WEB_ASSETS",
        "directory of the built web dashboard (default: <prefix>/share/scriptmesh/web, then the "
        "build tree's web/dist)"},
       SM_STRING_SETTER(web_assets)},
      {{"sso_microsoft_client_id", "SCRIPTMESH_SSO_MICROSOFT_CLIENT_ID",
        "application (client) id of the Entra ID app; turns on Sign in with Microsoft"},
       SM_STRING_SETTER(sso_microsoft_client_id)},
      {{"sso_microsoft_client_secret", "SCRIPTMESH_SSO_MICROSOFT_CLIENT_SECRET",
        "client secret of the Entra ID app", true},
       SM_STRING_SETTER(sso_microsoft_client_secret)},
      {{"sso_microsoft_client_secret_file", "SCRIPTMESH_SSO_MICROSOFT_CLIENT_SECRET_FILE",
        "file with the client secret, if sso_microsoft_client_secret is unset"},
       SM_STRING_SETTER(sso_microsoft_client_secret_file)},
      {{"sso_microsoft_authority", "SCRIPTMESH_SSO_MICROSOFT_AUTHORITY",
        "Microsoft authority URL, https only (default "
        "https://login.microsoftonline.com/organizations)"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto authority = normalize_sso_authority(v);
         if (!authority.ok()) {
           return invalid_setting("sso_microsoft_authority", authority.error().message());
         }
         c.sso_microsoft_authority = std::move(*authority);
         return {};
       }},
      {{"sso_microsoft_allowed_tenants", "SCRIPTMESH_SSO_MICROSOFT_ALLOWED_TENANTS",
        "comma-separated directory (tenant) ids allowed to sign in; empty = any"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         auto tenants = parse_directory_ids(v);
         SCRIPTMESH_RETURN_IF_ERROR(tenants);
         c.sso_microsoft_allowed_tenants = std::move(*tenants);
         return {};
       }},
      {{"sso_microsoft_join", "SCRIPTMESH_SSO_MICROSOFT_JOIN",
        "members (default): later users of a directory join its tenant; invite-only"},
       [](OrchestratorConfig& c, const std::string& v) -> Result<void> {
         if (!parse_sso_join_policy(v).ok()) {
           return invalid_setting("sso_microsoft_join", "expected members or invite-only");
         }
         c.sso_microsoft_join = v;
         return {};
       }},
  };
  return kRows;
}

#undef SM_STRING_SETTER

}  // namespace

const std::vector<SettingInfo>& orchestrator_settings() {
  static const std::vector<SettingInfo> kInfos = config::setting_infos(rows());
  return kInfos;
}

Result<OrchestratorConfig> load_orchestrator_config(const ConfigSources& sources) {
  return config::load_settings(rows(), sources);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto bad = [&] {
    return Error::invalid_argument("invalid_listen", "expected host:port, e.g. 127.0.0.1:8080");
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad();
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace scriptmesh
