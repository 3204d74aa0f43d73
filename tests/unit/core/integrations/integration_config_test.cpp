#include "core/integrations/integration_config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "scriptmesh/webhook_signing.hpp"
#include "support/result_checks.hpp"
#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// Normalizing must fail with invalid_config, and the message must name
// `field` ("config.<field>: ...") and say `what`.
void check_refused(IntegrationType type, const json::value& config, std::string_view field,
                   std::string_view what) {
  Result<json::object> out = normalize_integration_config(type, config);
  INFO("type=" << to_string(type) << " config=" << json::serialize(config));
  REQUIRE_FALSE(out.ok());
  CHECK(out.error().category() == ErrorCategory::kInvalidArgument);
  CHECK(out.error().code() == "invalid_config");
  const std::string prefix = field.empty() ? "config: " : "config." + std::string(field) + ": ";
  INFO("message=" << out.error().message());
  CHECK(out.error().message().starts_with(prefix));
  CHECK(out.error().message().find(what) != std::string::npos);
}

void check_url_refused(std::string_view url, std::string_view what) {
  check_refused(IntegrationType::kWebhook, json::object{{"url", url}}, "url", what);
}

json::object webhook_config(std::string_view url) {
  return normalized(IntegrationType::kWebhook, {{"url", url}});
}

TEST_SUITE("integration config") {
  TEST_CASE("integration config: a minimal valid config of each type, with defaults filled in") {
    CHECK(normalized(IntegrationType::kSlack, {{"webhook_url", kSlackUrl}}) ==
          json::object{{"webhook_url", kSlackUrl}});
    CHECK(normalized(IntegrationType::kDiscord, {{"webhook_url", kDiscordUrl}}) ==
          json::object{{"webhook_url", kDiscordUrl}});
    CHECK(normalized(IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}}) ==
          json::object{{"webhook_url", kTeamsUrl}});
    CHECK(normalized(IntegrationType::kWebhook, {{"url", "https://ci.example.com/hook"}}) ==
          json::object{{"url", "https://ci.example.com/hook"}});
    CHECK(normalized(IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}}) ==
          json::object{{"routing_key", kRoutingKey},
                       {"api_url", "https://events.pagerduty.com/v2/enqueue"}});
    // api_url is not filled: the format derives it from the site.
    CHECK(normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey}}) ==
          json::object{{"api_key", kDatadogKey}, {"site", "datadoghq.com"}});
    CHECK(normalized(IntegrationType::kSplunk,
                     {{"hec_url", "https://splunk.example.com:8088"}, {"token", kSplunkToken}}) ==
          json::object{{"hec_url", "https://splunk.example.com:8088/services/collector/event"},
                       {"token", kSplunkToken},
                       {"sourcetype", "_json"}});
  }

  TEST_CASE("integration config: every optional key is kept, in a fixed order") {
    const json::object full = normalized(
        IntegrationType::kSplunk, {{"sourcetype", "scriptmesh:event"},
                                   {"index", "ops_events"},
                                   {"token", kSplunkToken},
                                   {"hec_url", "https://splunk.example.com/services/collector"}});
    CHECK(json::serialize(full) ==
          R"j({"hec_url":"https://splunk.example.com/services/collector/event",)j"
          R"j("token":"SPLUNK-TOKEN-0000-1111-2222-333344445555","index":"ops_events",)j"
          R"j("sourcetype":"scriptmesh:event"})j");
    const json::object dd =
        normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey},
                                               {"site", "datadoghq.eu"},
                                               {"api_url", "https://dd-proxy.example.com/s"}});
    CHECK(dd.at("api_url") == "https://dd-proxy.example.com/s");
    CHECK(dd.at("site") == "datadoghq.eu");
    const json::object pd = normalized(
        IntegrationType::kPagerDuty,
        {{"routing_key", kRoutingKey}, {"api_url", "https://events.eu.pagerduty.com/v2/enqueue"}});
    CHECK(pd.at("api_url") == "https://events.eu.pagerduty.com/v2/enqueue");
  }

  TEST_CASE("integration config: null means absent (the default applies)") {
    CHECK(normalized(IntegrationType::kPagerDuty,
                     {{"routing_key", kRoutingKey}, {"api_url", nullptr}})
              .at("api_url") == "https://events.pagerduty.com/v2/enqueue");
    CHECK_FALSE(
        normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey}, {"api_url", nullptr}})
            .contains("api_url"));
    check_refused(IntegrationType::kSlack, json::object{{"webhook_url", nullptr}}, "webhook_url",
                  "is required");
  }

  TEST_CASE("integration config: normalizing twice changes nothing") {
    const std::vector<std::pair<IntegrationType, json::object>> configs = {
        {IntegrationType::kSlack, {{"webhook_url", kSlackUrl}}},
        {IntegrationType::kWebhook,
         {{"url", "http://127.0.0.1:9000/x"}, {"signing_secret", kSigningSecret}}},
        {IntegrationType::kPagerDuty, {{"routing_key", kRoutingKey}}},
        {IntegrationType::kDatadog, {{"api_key", kDatadogKey}, {"site", "APP.datadoghq.eu"}}},
        {IntegrationType::kSplunk,
         {{"hec_url", "https://s.example.com:8088/"}, {"token", kSplunkToken}}}};
    for (const auto& [type, config] : configs) {
      INFO(to_string(type));
      const json::object once = normalized(type, config);
      CHECK(normalized(type, once) == once);
    }
  }

  TEST_CASE("integration config: every required key, when missing, is named") {
    check_refused(IntegrationType::kSlack, json::object{}, "webhook_url", "is required");
    check_refused(IntegrationType::kDiscord, json::object{}, "webhook_url", "is required");
    check_refused(IntegrationType::kTeams, json::object{}, "webhook_url", "is required");
    check_refused(IntegrationType::kWebhook, json::object{}, "url", "is required");
    check_refused(IntegrationType::kPagerDuty, json::object{}, "routing_key", "is required");
    check_refused(IntegrationType::kDatadog, json::object{{"site", "datadoghq.com"}}, "api_key",
                  "is required");
    check_refused(IntegrationType::kSplunk, json::object{{"token", kSplunkToken}}, "hec_url",
                  "is required");
    check_refused(IntegrationType::kSplunk, json::object{{"hec_url", "https://s.example.com"}},
                  "token", "is required");
  }

  TEST_CASE("integration config: the config must be a JSON object of bounded size") {
    check_refused(IntegrationType::kSlack, json::value("https://hooks.slack.com/x"), "",
                  "must be a JSON object");
    check_refused(IntegrationType::kSlack, json::array{}, "", "must be a JSON object");
    check_refused(IntegrationType::kSlack, nullptr, "", "must be a JSON object");
    json::object big = {{"webhook_url", kSlackUrl}};
    big["webhook_url"] = std::string(16 * 1024, 'a');
    check_refused(IntegrationType::kSlack, big, "", "larger than 16384 bytes");
  }

  TEST_CASE("integration config: unknown keys are refused, by name when it is printable") {
    check_refused(IntegrationType::kSlack,
                  json::object{{"webhook_url", kSlackUrl}, {"channel", "#ops"}}, "channel",
                  "is not a slack setting (expected: webhook_url)");
    check_refused(IntegrationType::kSlack, json::object{{"webhookurl", kSlackUrl}}, "webhookurl",
                  "expected: webhook_url");
    // The generic webhook's url is a chat service's webhook_url elsewhere.
    check_refused(IntegrationType::kWebhook, json::object{{"webhook_url", kSlackUrl}},
                  "webhook_url", "expected: url, signing_secret");
    check_refused(IntegrationType::kSlack,
                  json::object{{"webhook_url", kSlackUrl}, {std::string(100, 'k'), "x"}}, "",
                  "has a key that is not a slack setting");
    check_refused(IntegrationType::kSlack, json::object{{"webhook_url", kSlackUrl}, {"a\nb", "x"}},
                  "", "has a key that");
  }

  TEST_CASE("integration config: values must be strings") {
    check_refused(IntegrationType::kWebhook, json::object{{"url", 42}}, "url", "must be a string");
    check_refused(IntegrationType::kPagerDuty, json::object{{"routing_key", json::array{"k"}}},
                  "routing_key", "must be a string");
    check_refused(
        IntegrationType::kSplunk,
        json::object{
            {"hec_url", "https://s.example.com"}, {"token", kSplunkToken}, {"index", true}},
        "index", "must be a string");
  }

  TEST_CASE("integration config: URL refusals name the key and the reason") {
    check_url_refused("", "must not be empty");
    check_url_refused("ftp://files.example.com/x", "must be an https:// URL");
    check_url_refused("hooks.slack.com/services/x", "must be an https:// URL");
    check_url_refused("http://example.com/hook", "allowed only for a loopback host");
    check_url_refused("https://user:pass@example.com/hook", "must not contain user info");
    check_url_refused("https://token@example.com/hook", "must not contain user info");
    check_url_refused("https://example.com/a b", "must not contain spaces");
    check_url_refused("https://example.com/a\tb", "must not contain spaces");
    check_url_refused("https://example.com/\x7f", "must not contain spaces");
    check_url_refused("https://example.com/caf\xc3\xa9", "non-ASCII");
    check_url_refused("https:///hook", "has no host");
    check_url_refused("https://:443/hook", "has no host");
    check_url_refused("https://exa%6dple.com/hook", "has an invalid host");
    check_url_refused("https://[::1/hook", "has an invalid host");
    check_url_refused("https://example.com:0/hook", "has an invalid port");
    check_url_refused("https://example.com:65536/hook", "has an invalid port");
    check_url_refused("https://example.com:/hook", "has an invalid port");
    check_url_refused("https://example.com:80a/hook", "has an invalid port");
    check_url_refused("https://example.com/hook#part", "must not contain a fragment");
    check_url_refused("https://example.com/" + std::string(2030, 'p'), "longer than 2048 bytes");
    // Each URL key of each type goes through the same rules.
    check_refused(IntegrationType::kSlack,
                  json::object{{"webhook_url", "http://hooks.slack.com/x"}}, "webhook_url",
                  "https://");
    check_refused(IntegrationType::kPagerDuty,
                  json::object{{"routing_key", kRoutingKey}, {"api_url", "ftp://x.example.com"}},
                  "api_url", "https://");
    check_refused(IntegrationType::kDatadog,
                  json::object{{"api_key", kDatadogKey}, {"api_url", "https://u@x.example.com"}},
                  "api_url", "user info");
  }

  TEST_CASE("integration config: a URL of exactly 2048 bytes and explicit ports are accepted") {
    const std::string prefix = "https://example.com/";
    CHECK_OK(normalize_integration_config(
        IntegrationType::kWebhook,
        json::object{{"url", prefix + std::string(2048 - prefix.size(), 'p')}}));
    webhook_config("https://example.com:8443/hook?x=1&y=2");
    webhook_config("HTTPS://Example.COM/hook");
    webhook_config("https://[::1]:8443/hook");
    webhook_config("https://127.0.0.5/hook");
  }

  TEST_CASE("integration config: without private destinations, https:// to outside hosts only") {
    auto strict = [](std::string_view url) {
      return normalize_integration_config(IntegrationType::kWebhook, json::object{{"url", url}},
                                          false);
    };
    CHECK_OK(strict("https://example.com/hook"));
    for (std::string_view url :
         {"http://127.0.0.1:8080/hook", "http://localhost/x", "https://127.0.0.1/hook",
          "https://localhost:9000/x", "https://[::1]/x", "https://[::ffff:127.0.0.1]/",
          "https://0.0.0.0/", "http://example.com/"}) {
      INFO(url);
      auto r = strict(url);
      CHECK_ERROR_CODE(r, "invalid_config");
    }
    // Every URL field of every type goes through the same rule.
    auto splunk = normalize_integration_config(
        IntegrationType::kSplunk,
        json::object{{"hec_url", "https://127.0.0.1:8088"}, {"token", "t"}}, false);
    CHECK_ERROR_CODE(splunk, "invalid_config");
    auto slack = normalize_integration_config(
        IntegrationType::kSlack, json::object{{"webhook_url", "https://localhost/services/x"}},
        false);
    CHECK_ERROR_CODE(slack, "invalid_config");
  }

  TEST_CASE("integration config: http:// only for a loopback host") {
    for (std::string_view url :
         {"http://127.0.0.1:8080/hook", "http://127.1.2.3/", "http://127.255.255.255",
          "http://localhost:9000/x", "http://LOCALHOST/x", "http://[::1]:8080/x", "http://[::1]"}) {
      INFO(url);
      CHECK_OK(normalize_integration_config(IntegrationType::kWebhook, json::object{{"url", url}}));
    }
    for (std::string_view url :
         {"http://128.0.0.1/", "http://126.0.0.1/", "http://127.0.0.1.example.com/",
          "http://127.0.0/", "http://127.0.0.1.5/", "http://127.0.0.256/",
          "http://localhost.example.com/", "http://[::2]/", "http://[::ffff:127.0.0.1]/",
          "http://0.0.0.0/", "http://example.com/"}) {
      check_url_refused(url, "allowed only for a loopback host");
    }
  }

  TEST_CASE("integration config: secrets are 1..1024 visible ASCII bytes") {
    auto datadog = [](std::string key) { return json::object{{"api_key", std::move(key)}}; };
    check_refused(IntegrationType::kDatadog, datadog(""), "api_key", "must not be empty");
    check_refused(IntegrationType::kDatadog, datadog(std::string(1025, 'k')), "api_key",
                  "longer than 1024 bytes");
    CHECK_OK(
        normalize_integration_config(IntegrationType::kDatadog, datadog(std::string(1024, 'k'))));
    check_refused(IntegrationType::kDatadog, datadog("abc\ndef"), "api_key", "visible ASCII");
    check_refused(IntegrationType::kDatadog, datadog("abc def"), "api_key", "visible ASCII");
    check_refused(IntegrationType::kDatadog, datadog(" abcdef"), "api_key", "visible ASCII");
    check_refused(IntegrationType::kDatadog, datadog("abc\x01"), "api_key", "visible ASCII");
    check_refused(IntegrationType::kSplunk,
                  json::object{{"hec_url", "https://s.example.com"}, {"token", "tok\r\nX-Evil: 1"}},
                  "token", "visible ASCII");
  }

  TEST_CASE("integration config: a refusal never repeats the secret") {
    const std::string secret = "SuperSecretValue with a space";
    Result<json::object> out =
        normalize_integration_config(IntegrationType::kDatadog, json::object{{"api_key", secret}});
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().message().find("SuperSecret") == std::string::npos);
    Result<json::object> url = normalize_integration_config(
        IntegrationType::kSlack,
        json::object{{"webhook_url", "http://hooks.slack.com/T0/B0/tok3n"}});
    REQUIRE_FALSE(url.ok());
    CHECK(url.error().message().find("tok3n") == std::string::npos);
  }

  TEST_CASE("integration config: a PagerDuty routing key is 1..128 visible characters") {
    auto pd = [](std::string key) { return json::object{{"routing_key", std::move(key)}}; };
    CHECK_OK(normalize_integration_config(IntegrationType::kPagerDuty, pd("k")));
    CHECK_OK(normalize_integration_config(IntegrationType::kPagerDuty, pd(std::string(128, 'k'))));
    check_refused(IntegrationType::kPagerDuty, pd(std::string(129, 'k')), "routing_key",
                  "longer than 128 bytes");
    check_refused(IntegrationType::kPagerDuty, pd(""), "routing_key", "must not be empty");
    check_refused(IntegrationType::kPagerDuty, pd("key\tx"), "routing_key", "visible ASCII");
  }

  TEST_CASE("integration config: a user-supplied signing secret must look like one of ours") {
    auto hook = [](std::string secret) {
      return json::object{{"url", "https://ci.example.com/hook"},
                          {"signing_secret", std::move(secret)}};
    };
    CHECK_OK(normalize_integration_config(IntegrationType::kWebhook, hook(new_webhook_secret())));
    CHECK_OK(
        normalize_integration_config(IntegrationType::kWebhook, hook(std::string(kSigningSecret))));
    CHECK_OK(normalize_integration_config(IntegrationType::kWebhook,
                                          hook("whsec_" + std::string(14, 'a'))));
    CHECK_OK(normalize_integration_config(IntegrationType::kWebhook,
                                          hook("whsec_" + std::string(194, 'a'))));
    check_refused(IntegrationType::kWebhook, hook("whsec_" + std::string(13, 'a')),
                  "signing_secret", "20 to 200 bytes");
    check_refused(IntegrationType::kWebhook, hook("whsec_" + std::string(195, 'a')),
                  "signing_secret", "20 to 200 bytes");
    check_refused(IntegrationType::kWebhook, hook("sk_live_0123456789abcdefghij"), "signing_secret",
                  "must start with \"whsec_\"");
    check_refused(IntegrationType::kWebhook, hook("WHSEC_0123456789abcdefghij"), "signing_secret",
                  "must start with \"whsec_\"");
    check_refused(IntegrationType::kWebhook, hook("whsec_0123456789 abcdefghij"), "signing_secret",
                  "visible ASCII");
  }

  TEST_CASE("integration config: Datadog sites") {
    auto site_of = [](std::string_view site) {
      return std::string(
          normalized(IntegrationType::kDatadog, {{"api_key", kDatadogKey}, {"site", site}})
              .at("site")
              .as_string());
    };
    CHECK(site_of("datadoghq.com") == "datadoghq.com");
    CHECK(site_of("us3.datadoghq.com") == "us3.datadoghq.com");
    CHECK(site_of("us5.datadoghq.com") == "us5.datadoghq.com");
    CHECK(site_of("ap1.datadoghq.com") == "ap1.datadoghq.com");
    CHECK(site_of("datadoghq.eu") == "datadoghq.eu");
    CHECK(site_of("ddog-gov.com") == "ddog-gov.com");
    CHECK(site_of("us2.ddog-gov.com") == "us2.ddog-gov.com");
    // The web UI's host names the same site.
    CHECK(site_of("app.datadoghq.com") == "datadoghq.com");
    CHECK(site_of("app.datadoghq.eu") == "datadoghq.eu");
    CHECK(site_of("US3.DatadogHQ.com") == "us3.datadoghq.com");
    for (std::string_view bad :
         {"", "example.com", "datadoghq.com.evil.example", "evil-datadoghq.com",
          "a.b.datadoghq.com", "-x.datadoghq.com", "x-.datadoghq.com", "us3_.datadoghq.com",
          ".datadoghq.com", "https://datadoghq.com", "datadoghq.com/", "datadoghq.co"}) {
      INFO(bad);
      check_refused(IntegrationType::kDatadog,
                    json::object{{"api_key", kDatadogKey}, {"site", bad}}, "site",
                    "must be a Datadog site");
    }
  }

  TEST_CASE("integration config: a Splunk hec_url is normalized to the event endpoint") {
    auto hec = [](std::string_view url) {
      return std::string(
          normalized(IntegrationType::kSplunk, {{"hec_url", url}, {"token", kSplunkToken}})
              .at("hec_url")
              .as_string());
    };
    const std::string event = "https://splunk.example.com:8088/services/collector/event";
    CHECK(hec("https://splunk.example.com:8088") == event);
    CHECK(hec("https://splunk.example.com:8088/") == event);
    CHECK(hec("https://splunk.example.com:8088/services/collector") == event);
    CHECK(hec("https://splunk.example.com:8088/services/collector/") == event);
    CHECK(hec("https://splunk.example.com:8088/services/collector/event") == event);
    CHECK(hec("https://splunk.example.com:8088/services/collector/event/") == event);
    CHECK(hec("https://splunk.example.com:8088/services/collector/event/1.0") == event + "/1.0");
    CHECK(hec("https://proxy.example.com/splunk") ==
          "https://proxy.example.com/splunk/services/collector/event");
    CHECK(hec("http://localhost:8088") == "http://localhost:8088/services/collector/event");
    auto refused = [](std::string_view url, std::string_view what) {
      check_refused(IntegrationType::kSplunk,
                    json::object{{"hec_url", url}, {"token", kSplunkToken}}, "hec_url", what);
    };
    refused("https://splunk.example.com/services/collector/raw", "event endpoint");
    refused("https://splunk.example.com/services/collector/health", "event endpoint");
    refused("https://splunk.example.com/services/collector/event?channel=x",
            "must not contain a query");
    refused("https://splunk.example.com?x=1", "must not contain a query");
    refused("http://splunk.example.com:8088", "loopback");
    refused("https://splunk.example.com/" + std::string(2030, 'p'), "longer than 2048 bytes");
  }

  TEST_CASE("integration config: Splunk index and sourcetype") {
    auto splunk = [](std::string_view key, std::string value) {
      json::object config = {{"hec_url", "https://s.example.com"}, {"token", kSplunkToken}};
      config[key] = json::string(value);
      return config;
    };
    CHECK(normalized(IntegrationType::kSplunk, splunk("index", "ops-events_2.x:1")).at("index") ==
          "ops-events_2.x:1");
    CHECK_OK(normalize_integration_config(IntegrationType::kSplunk,
                                          splunk("sourcetype", std::string(128, 's'))));
    for (std::string_view key : {"index", "sourcetype"}) {
      check_refused(IntegrationType::kSplunk, splunk(key, std::string(129, 's')), key,
                    "longer than 128 bytes");
      check_refused(IntegrationType::kSplunk, splunk(key, "ops events"), key,
                    "only letters, digits");
      check_refused(IntegrationType::kSplunk, splunk(key, "ops/events"), key,
                    "only letters, digits");
      check_refused(IntegrationType::kSplunk, splunk(key, ""), key, "must not be empty");
    }
  }
}

}  // namespace
}  // namespace scriptmesh::testing
