// Dispatch to the per-service formats (see integration_formats.hpp).
#include "core/integrations/integration_formats.hpp"

#include "core/integrations/format_support.hpp"

namespace scriptmesh {

Result<std::optional<HttpClientRequest>> format_integration_request(
    IntegrationType type, const boost::json::object& config, const IntegrationEvent& event,
    const FormatContext& ctx) {
  namespace f = integration_formats;
  switch (type) {
    case IntegrationType::kSlack:
      return f::format_slack(config, event, ctx);
    case IntegrationType::kDiscord:
      return f::format_discord(config, event, ctx);
    case IntegrationType::kTeams:
      return f::format_teams(config, event, ctx);
    case IntegrationType::kPagerDuty:
      return f::format_pagerduty(config, event, ctx);
    case IntegrationType::kDatadog:
      return f::format_datadog(config, event, ctx);
    case IntegrationType::kSplunk:
      return f::format_splunk(config, event, ctx);
    case IntegrationType::kWebhook:
      return f::format_webhook(config, event, ctx);
  }
  return Error::internal("unknown_integration_type", "no format for this integration type");
}

}  // namespace scriptmesh
