// The config object of an integration: what each type takes, how it is
// checked and normalized, and how it is shown back with its secrets hidden.
//
// Keys per type ("secret" = redacted by redact_integration_config):
//
//   slack, discord, teams
//     webhook_url   required, URL, secret (the path embeds the channel token)
//   webhook
//     url           required, URL (not secret)
//     signing_secret optional here, secret. The service fills it with the
//                   tenant's secret after validation; a user-supplied one is
//                   accepted only if it starts with "whsec_" and is 20..200
//                   visible ASCII bytes, so a stored config re-validates.
//   pagerduty
//     routing_key   required, secret, 1..128 visible ASCII bytes
//     api_url       optional URL, default "https://events.pagerduty.com/v2/enqueue"
//   datadog
//     api_key       required, secret
//     site          optional, default "datadoghq.com". A Datadog site: one of
//                   datadoghq.com, datadoghq.eu, ddog-gov.com, or one label
//                   under them (us3.datadoghq.com, ap1.datadoghq.com,
//                   us2.ddog-gov.com ...). Lowercased; the "app." of the web
//                   UI's host (app.datadoghq.eu) is dropped, since the API
//                   host of that site is api.datadoghq.eu. Other hosts are
//                   refused, so a typo cannot send the API key elsewhere; a
//                   proxy or a new site goes in api_url.
//     api_url       optional URL. Kept only when given: the formatter derives
//                   "https://api.<site>/api/v2/series" when it is absent, so a
//                   later change of site is followed.
//   splunk
//     hec_url       required, URL: the HEC base (https://splunk.example.com:8088,
//                   or behind a proxy prefix) or its event endpoint. Normalized
//                   to end in /services/collector/event (".../services/collector"
//                   gets "/event"; ".../services/collector/event/1.0" is kept).
//                   Other collector endpoints (raw, ack, health), a query or a
//                   fragment are refused.
//     token         required, secret
//     index         optional, 1..128 bytes of [A-Za-z0-9_:.-]; omitted = the
//                   token's default index
//     sourcetype    optional, same rule, default "_json"
//
// Rules shared by every type:
//   - config is a JSON object of at most kMaxIntegrationConfigBytes serialized.
//   - Unknown keys are refused (not kept): a misspelt key would otherwise be
//     stored and silently ignored, and a key this code does not know cannot
//     be known to be safe to show unredacted.
//   - A null value of an optional key means "absent" (the default applies);
//     a required key that is absent or null is "config.<key>: is required".
//   - URLs: a string of at most 2048 bytes of visible ASCII (no spaces or
//     control characters; percent-encode the rest), https:// — or http://
//     only when the host is loopback: 127.0.0.0/8, [::1] or "localhost" —
//     with a host, an optional port 1..65535, no user info and no fragment.
//   - Secrets and tokens: a string of 1..1024 visible ASCII bytes (they travel
//     in headers and JSON; a space is a copy-and-paste accident).
//
// Every error is invalid_argument "invalid_config" with a message that starts
// "config.<key>: " (or "config: " for the object itself) and never contains
// the offending value, since it may be a secret.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/integrations/integration_type.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

// Largest accepted config, serialized.
inline constexpr std::size_t kMaxIntegrationConfigBytes = 16 * 1024;
// Largest accepted URL in a config.
inline constexpr std::size_t kMaxIntegrationUrlBytes = 2048;
// Largest accepted secret or token.
inline constexpr std::size_t kMaxIntegrationSecretBytes = 1024;

inline constexpr std::string_view kDefaultPagerDutyApiUrl =
    "https://events.pagerduty.com/v2/enqueue";
inline constexpr std::string_view kDefaultDatadogSite = "datadoghq.com";
inline constexpr std::string_view kDefaultSplunkSourcetype = "_json";
// What a Splunk hec_url is normalized to end with.
inline constexpr std::string_view kSplunkEventPath = "/services/collector/event";
// What redaction puts in place of a secret.
inline constexpr std::string_view kRedacted = "[redacted]";

// Checks `config` against the rules of `type` and returns it normalized:
// only the known keys, in the order listed above, defaults filled in
// (pagerduty api_url, datadog site, splunk sourcetype), datadog site and
// splunk hec_url rewritten as described. Normalizing a normalized config
// returns it unchanged. Errors: invalid_argument "invalid_config".
// URLs must be https://; with `allow_private_destinations` http:// is also
// taken for a loopback host, and without it no URL may name localhost or a
// loopback, private or link-local IP literal (scriptmesh/destinations.hpp).
[[nodiscard]] Result<boost::json::object> normalize_integration_config(
    IntegrationType type, const boost::json::value& config, bool allow_private_destinations = true);

// The config as the API shows it. Each secret key present is replaced:
//   - the chat webhook URLs (slack, discord, teams webhook_url) keep their
//     scheme and host so the user can tell which service they point at:
//     "https://hooks.slack.com/[redacted]";
//   - every other secret becomes the string "[redacted]".
// Non-secret keys are copied. Keys that are not known for `type` are left
// out (a config that went through normalize has none). Never fails: a value
// of the wrong type under a secret key is replaced all the same.
boost::json::object redact_integration_config(IntegrationType type,
                                              const boost::json::object& config);

// The keys of `type` whose values are secret (see the table above).
std::vector<std::string_view> integration_secret_fields(IntegrationType type);

}  // namespace scriptmesh
