#include "core/integrations/integration_config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// No run of 5 bytes of `secret` shows up in `shown`: not the secret, not a
// piece of it.
void check_no_piece_of(std::string_view shown, std::string_view secret) {
  constexpr std::size_t kWindow = 5;
  REQUIRE(secret.size() >= kWindow);
  for (std::size_t i = 0; i + kWindow <= secret.size(); ++i) {
    INFO("piece " << secret.substr(i, kWindow) << " in " << shown);
    CHECK(shown.find(secret.substr(i, kWindow)) == std::string_view::npos);
  }
}

struct Case {
  IntegrationType type;
  json::object config;
  std::vector<std::string_view> secrets;  // what must not be shown
};

std::vector<Case> full_configs() {
  return {
      // The tokens inside the chat URLs' paths (their hosts are shown on purpose).
      {IntegrationType::kSlack,
       {{"webhook_url", kSlackUrl}},
       {"T0SECRET1", "B0SECRET2", "SlackSecretToken123"}},
      {IntegrationType::kDiscord,
       {{"webhook_url", kDiscordUrl}},
       {"112233445566", "QzSecretToken_abcXYZ"}},
      {IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}}, {"TeamsSecretGuid", "TeamsSecret99"}},
      {IntegrationType::kWebhook,
       {{"url", "https://ci.example.com/hook"}, {"signing_secret", kSigningSecret}},
       {kSigningSecret.substr(6)}},
      {IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}}, {kRoutingKey}},
      {IntegrationType::kDatadog,
       {{"api_key", kDatadogKey}, {"site", "us3.datadoghq.com"}},
       {kDatadogKey}},
      {IntegrationType::kSplunk,
       {{"hec_url", "https://splunk.example.com:8088"}, {"token", kSplunkToken}, {"index", "ops"}},
       {kSplunkToken}},
  };
}

TEST_SUITE("integration redaction") {
  TEST_CASE("integration redaction: the shown config holds no byte run of any secret") {
    for (const Case& c : full_configs()) {
      INFO(to_string(c.type));
      const json::object config = normalized(c.type, c.config);
      const std::string shown = json::serialize(redact_integration_config(c.type, config));
      for (std::string_view secret : c.secrets)
        check_no_piece_of(shown, secret);
      // Every secret key is still there, so the API shows that it is set.
      for (std::string_view key : integration_secret_fields(c.type)) {
        const json::object redacted = redact_integration_config(c.type, config);
        REQUIRE(redacted.contains(key));
        CHECK(std::string_view(redacted.at(key).as_string()).ends_with("[redacted]"));
      }
    }
  }

  TEST_CASE("integration redaction: chat webhook URLs keep scheme and host") {
    CHECK(redact_integration_config(IntegrationType::kSlack, {{"webhook_url", kSlackUrl}}) ==
          json::object{{"webhook_url", "https://hooks.slack.com/[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kDiscord, {{"webhook_url", kDiscordUrl}}) ==
          json::object{{"webhook_url", "https://discord.com/[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}}) ==
          json::object{{"webhook_url", "https://acme.webhook.office.com/[redacted]"}});
    // A port stays; a query (where some workflow URLs carry a signature) goes.
    CHECK(redact_integration_config(
              IntegrationType::kTeams,
              {{"webhook_url", "https://prod.logic.azure.com:443/workflows/abc?sig=SIGNATURE"}}) ==
          json::object{{"webhook_url", "https://prod.logic.azure.com:443/[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kSlack,
                                    {{"webhook_url", "https://hooks.slack.com?token=abcdef"}}) ==
          json::object{{"webhook_url", "https://hooks.slack.com/[redacted]"}});
  }

  TEST_CASE("integration redaction: odd stored values are hidden all the same") {
    // User info would be refused by normalize; a stored one must still not leak.
    CHECK(
        redact_integration_config(IntegrationType::kSlack,
                                  {{"webhook_url", "https://user:PaSsWoRd@hooks.slack.com/x/y"}}) ==
        json::object{{"webhook_url", "https://hooks.slack.com/[redacted]"}});
    CHECK(
        redact_integration_config(IntegrationType::kSlack, {{"webhook_url", "not a url SECRET"}}) ==
        json::object{{"webhook_url", "[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kSlack, {{"webhook_url", "://SECRET/x"}}) ==
          json::object{{"webhook_url", "[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kSlack, {{"webhook_url", 12345}}) ==
          json::object{{"webhook_url", "[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kPagerDuty,
                                    {{"routing_key", json::array{"SECRET"}}}) ==
          json::object{{"routing_key", "[redacted]"}});
    CHECK(redact_integration_config(IntegrationType::kDatadog, {{"api_key", ""}}) ==
          json::object{{"api_key", "[redacted]"}});
    // Keys the type does not know are left out: nothing says they are safe.
    CHECK(redact_integration_config(IntegrationType::kWebhook, {{"url", "https://ci.example.com/h"},
                                                                {"password", "SECRET"}}) ==
          json::object{{"url", "https://ci.example.com/h"}});
  }

  TEST_CASE("integration redaction: non-secret keys are shown as stored") {
    const json::object splunk =
        normalized(IntegrationType::kSplunk, {{"hec_url", "https://splunk.example.com:8088"},
                                              {"token", kSplunkToken},
                                              {"index", "ops"}});
    CHECK(redact_integration_config(IntegrationType::kSplunk, splunk) ==
          json::object{{"hec_url", "https://splunk.example.com:8088/services/collector/event"},
                       {"token", "[redacted]"},
                       {"index", "ops"},
                       {"sourcetype", "_json"}});
    const json::object pd = normalized(IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}});
    CHECK(redact_integration_config(IntegrationType::kPagerDuty, pd) ==
          json::object{{"routing_key", "[redacted]"},
                       {"api_url", "https://events.pagerduty.com/v2/enqueue"}});
    const json::object dd =
        normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey},
                                               {"site", "datadoghq.eu"},
                                               {"api_url", "https://dd.example.com/x"}});
    CHECK(redact_integration_config(IntegrationType::kDatadog, dd) ==
          json::object{{"api_key", "[redacted]"},
                       {"site", "datadoghq.eu"},
                       {"api_url", "https://dd.example.com/x"}});
    // The generic webhook's URL is not secret (its requests are signed instead).
    const json::object hook = normalized(
        IntegrationType::kWebhook,
        {{"url", "https://ci.example.com/hook/abc"}, {"signing_secret", kSigningSecret}});
    CHECK(
        redact_integration_config(IntegrationType::kWebhook, hook) ==
        json::object{{"url", "https://ci.example.com/hook/abc"}, {"signing_secret", "[redacted]"}});
  }

  TEST_CASE("integration redaction: the secret keys of each type") {
    using V = std::vector<std::string_view>;
    CHECK(integration_secret_fields(IntegrationType::kSlack) == V{"webhook_url"});
    CHECK(integration_secret_fields(IntegrationType::kDiscord) == V{"webhook_url"});
    CHECK(integration_secret_fields(IntegrationType::kTeams) == V{"webhook_url"});
    CHECK(integration_secret_fields(IntegrationType::kWebhook) == V{"signing_secret"});
    CHECK(integration_secret_fields(IntegrationType::kPagerDuty) == V{"routing_key"});
    CHECK(integration_secret_fields(IntegrationType::kDatadog) == V{"api_key"});
    CHECK(integration_secret_fields(IntegrationType::kSplunk) == V{"token"});
  }
}

}  // namespace
}  // namespace scriptmesh::testing
