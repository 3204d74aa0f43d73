// The generic webhook: the envelope, signed like the job webhooks.
#include <boost/json.hpp>

#include "core/integrations/format_support.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh::integration_formats {

FormatResult format_webhook(const boost::json::object& config, const IntegrationEvent& event,
                            const FormatContext& ctx) {
  Result<std::string> url = config_string(config, "url");
  if (!url.ok()) return std::move(url).error();
  Result<std::string> secret = config_string(config, "signing_secret");
  if (!secret.ok()) return std::move(secret).error();

  HttpClientRequest request = json_post(std::move(url).value(), envelope_json(event));
  request.headers.emplace_back(std::string(kWebhookSignatureHeader),
                               webhook_signature_header(*secret, ctx.now, request.body));
  request.headers.emplace_back("X-ScriptMesh-Event", event.type);
  if (!ctx.delivery_id.empty())
    request.headers.emplace_back("X-ScriptMesh-Delivery", ctx.delivery_id);
  return std::optional<HttpClientRequest>(std::move(request));
}

}  // namespace scriptmesh::integration_formats
