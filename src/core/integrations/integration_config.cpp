// Integration config rules (see integration_config.hpp).
#include "core/integrations/integration_config.hpp"

#include <algorithm>
#include <span>
#include <string>

#include <boost/json.hpp>

#include "scriptmesh/destinations.hpp"

namespace scriptmesh {
namespace {

namespace json = boost::json;

enum class FieldKind {
  kUrl,            // an endpoint URL, not secret
  kChatUrl,        // a chat webhook URL: secret, shown as scheme://host/[redacted]
  kSecret,         // an API key or token
  kRoutingKey,     // PagerDuty's integration key: a token of at most 128 bytes
  kSigningSecret,  // "whsec_..." of the generic webhook
  kDatadogSite,
  kSplunkHecUrl,
  kSplunkName,  // index or sourcetype
};

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;
  std::string_view default_value;  // empty: none
};

constexpr FieldSpec kChatFields[] = {{"webhook_url", FieldKind::kChatUrl, true, ""}};
constexpr FieldSpec kWebhookFields[] = {{"url", FieldKind::kUrl, true, ""},
                                        {"signing_secret", FieldKind::kSigningSecret, false, ""}};
constexpr FieldSpec kPagerDutyFields[] = {
    {"routing_key", FieldKind::kRoutingKey, true, ""},
    {"api_url", FieldKind::kUrl, false, kDefaultPagerDutyApiUrl}};
constexpr FieldSpec kDatadogFields[] = {
    {"api_key", FieldKind::kSecret, true, ""},
    {"site", FieldKind::kDatadogSite, false, kDefaultDatadogSite},
    {"api_url", FieldKind::kUrl, false, ""}};
constexpr FieldSpec kSplunkFields[] = {
    {"hec_url", FieldKind::kSplunkHecUrl, true, ""},
    {"token", FieldKind::kSecret, true, ""},
    {"index", FieldKind::kSplunkName, false, ""},
    {"sourcetype", FieldKind::kSplunkName, false, kDefaultSplunkSourcetype}};

// The Datadog sites' API domains; a site is one of them or one label under one.
constexpr std::string_view kDatadogBaseDomains[] = {"datadoghq.com", "datadoghq.eu",
                                                    "ddog-gov.com"};

constexpr std::size_t kMaxRoutingKeyBytes = 128;
constexpr std::size_t kMinSigningSecretBytes = 20;
constexpr std::size_t kMaxSigningSecretBytes = 200;
constexpr std::size_t kMaxSplunkNameBytes = 128;
constexpr std::size_t kMaxShownKeyBytes = 64;

std::span<const FieldSpec> fields_of(IntegrationType type) {
  switch (type) {
    case IntegrationType::kSlack:
    case IntegrationType::kDiscord:
    case IntegrationType::kTeams:
      return kChatFields;
    case IntegrationType::kPagerDuty:
      return kPagerDutyFields;
    case IntegrationType::kDatadog:
      return kDatadogFields;
    case IntegrationType::kSplunk:
      return kSplunkFields;
    case IntegrationType::kWebhook:
      return kWebhookFields;
  }
  return {};
}

bool is_secret(FieldKind kind) {
  return kind == FieldKind::kChatUrl || kind == FieldKind::kSecret ||
         kind == FieldKind::kRoutingKey || kind == FieldKind::kSigningSecret;
}

Error invalid(std::string_view field, std::string_view what) {
  std::string message = field.empty() ? "config: " : "config." + std::string(field) + ": ";
  message += what;
  return Error::invalid_argument("invalid_config", std::move(message));
}

bool is_visible_ascii(char c) {
  return c > 0x20 && c < 0x7F;
}

bool all_visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), is_visible_ascii);
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lowercase(s.substr(0, prefix.size())) == prefix;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A dotted-quad IPv4 address in 127.0.0.0/8.
bool is_ipv4_loopback(std::string_view host) {
  int octets[4] = {};
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = host.find('.');
    if ((i < 3) == (dot == std::string_view::npos)) return false;  // exactly three dots
    const std::string_view part = host.substr(0, dot);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), is_digit)) {
      return false;
    }
    octets[i] = std::stoi(std::string(part));
    if (octets[i] > 255) return false;
    if (dot != std::string_view::npos) host.remove_prefix(dot + 1);
  }
  return octets[0] == 127;
}

bool is_loopback(std::string_view host) {
  return lowercase(host) == "localhost" || host == "[::1]" || is_ipv4_loopback(host);
}

bool valid_host(std::string_view host) {
  if (host.front() == '[') {
    const std::string_view inner = host.substr(1, host.size() - 2);
    return !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char c) {
      return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.';
    });
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '-' || c == '.' || c == '_';
  });
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
    return false;
  }
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
}

// The parts of an absolute URL this file needs.
struct UrlParts {
  bool https = false;
  std::string_view host;  // with the brackets of an IPv6 literal
  std::string_view path;  // from the first '/' after the authority; may be empty
};

Result<UrlParts> check_url(std::string_view field, std::string_view url, bool allow_private) {
  if (url.empty()) return invalid(field, "must not be empty");
  if (url.size() > kMaxIntegrationUrlBytes) {
    return invalid(field, "is longer than " + std::to_string(kMaxIntegrationUrlBytes) + " bytes");
  }
  if (!all_visible_ascii(url)) {
    return invalid(field, "must not contain spaces, control or non-ASCII characters");
  }
  UrlParts parts;
  std::string_view rest;
  if (starts_with_nocase(url, "https://")) {
    parts.https = true;
    rest = url.substr(8);
  } else if (starts_with_nocase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return invalid(field, "must be an https:// URL");
  }
  if (url.find('#') != std::string_view::npos) return invalid(field, "must not contain a fragment");
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  const std::size_t path_end = std::min(rest.find('?'), rest.size());
  parts.path = authority_end < path_end ? rest.substr(authority_end, path_end - authority_end)
                                        : std::string_view();
  if (authority.find('@') != std::string_view::npos) {
    return invalid(field, "must not contain user info");
  }
  std::size_t host_end = authority.find(':');
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid(field, "has an invalid host");
    host_end = close + 1;
  }
  parts.host = authority.substr(0, host_end);
  if (parts.host.empty()) return invalid(field, "has no host");
  if (!valid_host(parts.host)) return invalid(field, "has an invalid host");
  const std::string_view after_host = authority.substr(parts.host.size());
  if (!after_host.empty() && (after_host.front() != ':' || !valid_port(after_host.substr(1)))) {
    return invalid(field, "has an invalid port");
  }
  if (!allow_private) {
    if (!parts.https) return invalid(field, "must be an https:// URL");
    if (is_private_host_literal(parts.host)) {
      return invalid(field,
                     "must not point at a loopback, private or link-local address (allowed only "
                     "when the orchestrator sets allow_private_destinations)");
    }
  } else if (!parts.https && !is_loopback(parts.host)) {
    return invalid(field,
                   "must be an https:// URL (http:// is allowed only for a loopback host: "
                   "127.0.0.0/8, [::1] or localhost)");
  }
  return parts;
}

Result<std::string> check_token(std::string_view field, std::string_view value,
                                std::size_t max_bytes) {
  if (value.empty()) return invalid(field, "must not be empty");
  if (value.size() > max_bytes) {
    return invalid(field, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!all_visible_ascii(value)) {
    return invalid(field, "must be visible ASCII, without spaces or control characters");
  }
  return std::string(value);
}

Result<std::string> check_signing_secret(std::string_view field, std::string_view value) {
  if (value.substr(0, 6) != "whsec_") return invalid(field, "must start with \"whsec_\"");
  if (value.size() < kMinSigningSecretBytes || value.size() > kMaxSigningSecretBytes) {
    return invalid(field, "must be " + std::to_string(kMinSigningSecretBytes) + " to " +
                              std::to_string(kMaxSigningSecretBytes) + " bytes long");
  }
  return check_token(field, value, kMaxSigningSecretBytes);
}

bool valid_dns_label(std::string_view label) {
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::all_of(label.begin(), label.end(),
                     [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || c == '-'; });
}

Result<std::string> check_datadog_site(std::string_view field, std::string_view value) {
  std::string site = lowercase(value);
  // The web UI lives on app.<domain> for the oldest sites; the API on api.<domain>.
  if (site.starts_with("app.")) site.erase(0, 4);
  for (std::string_view base : kDatadogBaseDomains) {
    if (site == base) return site;
    if (site.size() > base.size() + 1 && site.ends_with(base) &&
        site[site.size() - base.size() - 1] == '.' &&
        valid_dns_label(std::string_view(site).substr(0, site.size() - base.size() - 1))) {
      return site;
    }
  }
  return invalid(field,
                 "must be a Datadog site such as datadoghq.com, us3.datadoghq.com, datadoghq.eu "
                 "or ddog-gov.com (set api_url for any other endpoint)");
}

Result<std::string> check_splunk_name(std::string_view field, std::string_view value) {
  if (value.empty()) return invalid(field, "must not be empty");
  if (value.size() > kMaxSplunkNameBytes) {
    return invalid(field, "is longer than " + std::to_string(kMaxSplunkNameBytes) + " bytes");
  }
  const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '_' || c == ':' ||
           c == '.' || c == '-';
  });
  if (!ok) return invalid(field, "may contain only letters, digits and _ : . -");
  return std::string(value);
}

Result<std::string> check_splunk_hec_url(std::string_view field, std::string_view value,
                                         bool allow_private) {
  Result<UrlParts> parts = check_url(field, value, allow_private);
  if (!parts.ok()) return std::move(parts).error();
  if (value.find('?') != std::string_view::npos) return invalid(field, "must not contain a query");
  std::string_view url = value;
  while (url.ends_with('/'))
    url.remove_suffix(1);
  std::string_view path = parts->path;
  while (path.ends_with('/'))
    path.remove_suffix(1);
  std::string out(url);
  if (path.ends_with(kSplunkEventPath) || path.ends_with("/services/collector/event/1.0")) {
    // Already the event endpoint.
  } else if (path.ends_with("/services/collector")) {
    out += "/event";
  } else if (path.find("/services/collector") != std::string_view::npos) {
    return invalid(field, "must be the HEC base URL or its /services/collector/event endpoint");
  } else {
    out += kSplunkEventPath;
  }
  if (out.size() > kMaxIntegrationUrlBytes) {
    return invalid(field, "is longer than " + std::to_string(kMaxIntegrationUrlBytes) + " bytes");
  }
  return out;
}

Result<std::string> check_field(const FieldSpec& spec, std::string_view value, bool allow_private) {
  switch (spec.kind) {
    case FieldKind::kUrl:
    case FieldKind::kChatUrl: {
      Result<UrlParts> parts = check_url(spec.name, value, allow_private);
      if (!parts.ok()) return std::move(parts).error();
      return std::string(value);
    }
    case FieldKind::kSecret:
      return check_token(spec.name, value, kMaxIntegrationSecretBytes);
    case FieldKind::kRoutingKey:
      return check_token(spec.name, value, kMaxRoutingKeyBytes);
    case FieldKind::kSigningSecret:
      return check_signing_secret(spec.name, value);
    case FieldKind::kDatadogSite:
      return check_datadog_site(spec.name, value);
    case FieldKind::kSplunkHecUrl:
      return check_splunk_hec_url(spec.name, value, allow_private);
    case FieldKind::kSplunkName:
      return check_splunk_name(spec.name, value);
  }
  return invalid(spec.name, "has no rule");
}

const FieldSpec* find_field(std::span<const FieldSpec> fields, std::string_view name) {
  for (const FieldSpec& spec : fields) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

Error unknown_key(IntegrationType type, std::string_view key) {
  std::string expected;
  for (const FieldSpec& spec : fields_of(type)) {
    if (!expected.empty()) expected += ", ";
    expected += spec.name;
  }
  const std::string what =
      "is not a " + std::string(to_string(type)) + " setting (expected: " + expected + ")";
  // The key is the caller's text: shown only when it is short and printable.
  if (key.empty() || key.size() > kMaxShownKeyBytes || !all_visible_ascii(key)) {
    return invalid("", "has a key that " + what);
  }
  return invalid(key, what);
}

// scheme://host[:port]/[redacted], or just [redacted] when `url` does not
// look like a URL (then nothing of it is safe to show).
std::string redact_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::string(kRedacted);
  const std::string_view scheme = url.substr(0, scheme_end);
  std::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // User info may hold a password: only what follows it is the host.
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  const bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return (lower(c) >= 'a' && lower(c) <= 'z') || is_digit(c) || c == '+' || c == '.' || c == '-';
  });
  if (!scheme_ok || authority.empty() || !all_visible_ascii(authority)) {
    return std::string(kRedacted);
  }
  return std::string(scheme) + "://" + std::string(authority) + "/" + std::string(kRedacted);
}

}  // namespace

Result<json::object> normalize_integration_config(IntegrationType type, const json::value& config,
                                                  bool allow_private_destinations) {
  if (!config.is_object()) return invalid("", "must be a JSON object");
  const json::object& in = config.get_object();
  if (json::serialize(in).size() > kMaxIntegrationConfigBytes) {
    return invalid("", "is larger than " + std::to_string(kMaxIntegrationConfigBytes) + " bytes");
  }
  const std::span<const FieldSpec> fields = fields_of(type);
  for (const auto& entry : in) {
    if (find_field(fields, entry.key()) == nullptr) return unknown_key(type, entry.key());
  }
  json::object out;
  for (const FieldSpec& spec : fields) {
    const json::value* value = in.if_contains(spec.name);
    if (value == nullptr || value->is_null()) {
      if (spec.required) return invalid(spec.name, "is required");
      if (!spec.default_value.empty()) out[spec.name] = spec.default_value;
      continue;
    }
    if (!value->is_string()) return invalid(spec.name, "must be a string");
    Result<std::string> checked =
        check_field(spec, value->get_string(), allow_private_destinations);
    if (!checked.ok()) return std::move(checked).error();
    out[spec.name] = std::move(checked).value();
  }
  return out;
}

json::object redact_integration_config(IntegrationType type, const json::object& config) {
  json::object out;
  for (const FieldSpec& spec : fields_of(type)) {
    const json::value* value = config.if_contains(spec.name);
    if (value == nullptr) continue;
    if (!is_secret(spec.kind) || value->is_null()) {
      out[spec.name] = *value;
    } else if (spec.kind == FieldKind::kChatUrl && value->is_string()) {
      out[spec.name] = redact_url(value->get_string());
    } else {
      out[spec.name] = kRedacted;
    }
  }
  return out;
}

std::vector<std::string_view> integration_secret_fields(IntegrationType type) {
  std::vector<std::string_view> out;
  for (const FieldSpec& spec : fields_of(type)) {
    if (is_secret(spec.kind)) out.push_back(spec.name);
  }
  return out;
}

}  // namespace scriptmesh
