// Integration type names (see integration_type.hpp).
#include "core/integrations/integration_type.hpp"

#include <string>

namespace scriptmesh {

std::string_view to_string(IntegrationType type) noexcept {
  switch (type) {
    case IntegrationType::kSlack:
      return "slack";
    case IntegrationType::kDiscord:
      return "discord";
    case IntegrationType::kTeams:
      return "teams";
    case IntegrationType::kPagerDuty:
      return "pagerduty";
    case IntegrationType::kDatadog:
      return "datadog";
    case IntegrationType::kSplunk:
      return "splunk";
    case IntegrationType::kWebhook:
      return "webhook";
  }
  return "unknown";
}

Result<IntegrationType> parse_integration_type(std::string_view name) {
  std::string valid;
  for (IntegrationType type : kAllIntegrationTypes) {
    if (to_string(type) == name) return type;
    if (!valid.empty()) valid += ", ";
    valid += to_string(type);
  }
  return Error::invalid_argument("invalid_integration_type", "type must be one of: " + valid);
}

}  // namespace scriptmesh
