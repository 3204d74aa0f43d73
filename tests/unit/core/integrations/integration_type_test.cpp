#include "core/integrations/integration_type.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

TEST_SUITE("integration types") {
  TEST_CASE("integration types: names round-trip") {
    const char* names[] = {"slack",   "discord", "teams",  "pagerduty",
                           "datadog", "splunk",  "webhook"};
    REQUIRE(kAllIntegrationTypes.size() == std::size(names));
    for (std::size_t i = 0; i < kAllIntegrationTypes.size(); ++i) {
      CHECK(to_string(kAllIntegrationTypes[i]) == names[i]);
      Result<IntegrationType> parsed = parse_integration_type(names[i]);
      REQUIRE_OK(parsed);
      CHECK(*parsed == kAllIntegrationTypes[i]);
    }
  }

  TEST_CASE("integration types: anything else is refused, listing the valid names") {
    for (std::string_view bad :
         {"", "Slack", "SLACK", " slack", "slack ", "msteams", "pager_duty", "email"}) {
      INFO(bad);
      Result<IntegrationType> parsed = parse_integration_type(bad);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().category() == ErrorCategory::kInvalidArgument);
      CHECK(parsed.error().code() == "invalid_integration_type");
      CHECK(parsed.error().message() ==
            "type must be one of: slack, discord, teams, pagerduty, datadog, splunk, webhook");
    }
  }
}

}  // namespace
}  // namespace scriptmesh::testing
