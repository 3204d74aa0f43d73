#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "scriptmesh/webhook_signing.hpp"
#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object hook_config() {
  return normalized(IntegrationType::kWebhook, {{"url", "https://ci.example.com/hooks/sm"},
                                                {"signing_secret", kSigningSecret}});
}

TEST_SUITE("integration formats") {
  TEST_CASE("webhook format: the signed envelope of a failing job") {
    const FormatContext ctx = format_context();
    const HttpClientRequest request =
        format_ok(IntegrationType::kWebhook, hook_config(), failed_job(), ctx);
    CHECK(request.url == "https://ci.example.com/hooks/sm");
    CHECK(request.body == envelope_json(failed_job()));
    body_of(request);
    CHECK(header_of(request, "X-ScriptMesh-Event") == std::optional<std::string>("job.failed"));
    CHECK(header_of(request, "X-ScriptMesh-Delivery") == std::optional<std::string>("dlv_01test"));
    const std::optional<std::string> signature = header_of(request, "X-ScriptMesh-Signature");
    REQUIRE(signature.has_value());
    CHECK(*signature == webhook_signature_header(kSigningSecret, ctx.now, request.body));
    CHECK(signature->starts_with("t=1795687202,v1="));
    // What a receiver does.
    CHECK_OK(verify_webhook_signature(kSigningSecret, *signature, request.body, ctx.now));
    CHECK_ERROR_CODE(verify_webhook_signature("whsec_some_other_secret_value", *signature,
                                              request.body, ctx.now),
                     "signature_mismatch");
    CHECK_ERROR_CODE(
        verify_webhook_signature(kSigningSecret, *signature, request.body + " ", ctx.now),
        "signature_mismatch");
  }

  TEST_CASE("webhook format: every event is forwarded, known or not") {
    for (const IntegrationEvent& event :
         {succeeded_scheduled_job(), cancelled_job(), agent_offline(), agent_online(),
          schedule_missed(), make_event("agent.renamed", {{"agent_id", "agt_1"}})}) {
      INFO(event.type);
      const HttpClientRequest request = format_ok(IntegrationType::kWebhook, hook_config(), event);
      CHECK(request.body == envelope_json(event));
      CHECK(header_of(request, "X-ScriptMesh-Event") == std::optional<std::string>(event.type));
      CHECK_OK(verify_webhook_signature(kSigningSecret,
                                        *header_of(request, "X-ScriptMesh-Signature"), request.body,
                                        format_context().now));
    }
  }

  TEST_CASE("webhook format: no delivery id, no delivery header") {
    FormatContext ctx = format_context();
    ctx.delivery_id.clear();
    const HttpClientRequest request =
        format_ok(IntegrationType::kWebhook, hook_config(), failed_job(), ctx);
    CHECK_FALSE(header_of(request, "X-ScriptMesh-Delivery").has_value());
  }

  TEST_CASE("webhook format: a config without a signing secret is refused") {
    Result<std::optional<HttpClientRequest>> out = format_integration_request(
        IntegrationType::kWebhook, json::object{{"url", "https://ci.example.com/h"}}, failed_job(),
        format_context());
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code() == "invalid_config");
    CHECK(out.error().message() == "config.signing_secret: is required");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
