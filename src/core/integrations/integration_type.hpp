// The kinds of outbound integration a tenant can configure (POST
// /v1/integrations {type: ...}): three chat services, an incident pager, a
// metrics service, a log index and a generic signed webhook.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh {

enum class IntegrationType {
  kSlack,      // Slack incoming webhook
  kDiscord,    // Discord channel webhook
  kTeams,      // Microsoft Teams incoming webhook / workflow (Adaptive Card)
  kPagerDuty,  // PagerDuty Events API v2
  kDatadog,    // Datadog metrics API v2
  kSplunk,     // Splunk HTTP Event Collector
  kWebhook,    // any HTTPS receiver; the envelope, signed
};

// Every type, in the order the API documents them.
inline constexpr std::array<IntegrationType, 7> kAllIntegrationTypes = {
    IntegrationType::kSlack,     IntegrationType::kDiscord, IntegrationType::kTeams,
    IntegrationType::kPagerDuty, IntegrationType::kDatadog, IntegrationType::kSplunk,
    IntegrationType::kWebhook};

// The stable wire name: "slack", "discord", "teams", "pagerduty", "datadog",
// "splunk", "webhook".
std::string_view to_string(IntegrationType type) noexcept;

// The type named `name`, exactly as to_string() spells it (lowercase; no
// surrounding spaces). Errors: invalid_argument "invalid_integration_type",
// whose message lists the valid names (and never echoes the input).
[[nodiscard]] Result<IntegrationType> parse_integration_type(std::string_view name);

}  // namespace scriptmesh
