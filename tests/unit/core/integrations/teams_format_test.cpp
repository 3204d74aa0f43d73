#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object teams_body(const IntegrationEvent& event) {
  const json::object config = normalized(IntegrationType::kTeams, {{"webhook_url", kTeamsUrl}});
  const HttpClientRequest request = format_ok(IntegrationType::kTeams, config, event);
  CHECK(request.url == kTeamsUrl);
  return body_of(request);
}

const json::object& card_of(const json::object& body) {
  return body.at("attachments").at(0).at("content").as_object();
}

// The properties each element may carry in the Adaptive Card version the
// card declares (1.4), per the schema explorer; all of these exist since 1.0.
const std::map<std::string, std::set<std::string>>& allowed_properties() {
  static const std::map<std::string, std::set<std::string>> allowed = {
      {"AdaptiveCard", {"$schema", "type", "version", "body", "actions"}},
      {"TextBlock", {"type", "text", "size", "weight", "color", "wrap", "isSubtle"}},
      {"FactSet", {"type", "facts"}},
      {"Action.OpenUrl", {"type", "title", "url"}}};
  return allowed;
}

void check_element(const json::object& element, const std::set<std::string>& types) {
  const std::string type(element.at("type").as_string());
  INFO("element " << type);
  REQUIRE(types.count(type) == 1);
  for (const auto& entry : element) {
    INFO("property " << std::string(entry.key()));
    CHECK(allowed_properties().at(type).count(std::string(entry.key())) == 1);
  }
  if (element.contains("size")) {
    CHECK(std::set<std::string>{"default", "small", "medium", "large", "extraLarge"}.count(
              std::string(element.at("size").as_string())) == 1);
  }
  if (element.contains("weight")) {
    CHECK(std::set<std::string>{"default", "lighter", "bolder"}.count(
              std::string(element.at("weight").as_string())) == 1);
  }
  if (element.contains("color")) {
    CHECK(
        std::set<std::string>{"default", "dark", "light", "accent", "good", "warning", "attention"}
            .count(std::string(element.at("color").as_string())) == 1);
  }
  if (type == "FactSet") {
    for (const auto& fact : element.at("facts").as_array()) {
      CHECK(fact.as_object().size() == 2);
      CHECK(fact.at("title").is_string());
      CHECK(fact.at("value").is_string());
    }
  }
}

// The card is a valid 1.4 card made only of elements this test knows.
void check_card(const json::object& body) {
  CHECK(body.at("type") == "message");
  REQUIRE(body.at("attachments").as_array().size() == 1);
  const json::object& attachment = body.at("attachments").at(0).as_object();
  CHECK(attachment.at("contentType") == "application/vnd.microsoft.card.adaptive");
  const json::object& card = card_of(body);
  CHECK(card.at("$schema") == "http://adaptivecards.io/schemas/adaptive-card.json");
  CHECK(card.at("type") == "AdaptiveCard");
  CHECK(card.at("version") == "1.4");
  for (const auto& entry : card)
    CHECK(allowed_properties().at("AdaptiveCard").count(std::string(entry.key())) == 1);
  for (const auto& element : card.at("body").as_array())
    check_element(element.as_object(), {"TextBlock", "FactSet"});
  if (card.contains("actions")) {
    for (const auto& action : card.at("actions").as_array())
      check_element(action.as_object(), {"Action.OpenUrl"});
  }
}

TEST_SUITE("integration formats") {
  TEST_CASE("teams format: a failing job") {
    const json::object body = teams_body(failed_job());
    check_card(body);
    const json::object& card = card_of(body);
    const json::array& elements = card.at("body").as_array();
    REQUIRE(elements.size() == 3);
    CHECK(elements[0].at("text") == "Job failed: backup.sh");
    CHECK(elements[0].at("color") == "attention");
    CHECK(elements[1].at("text") == "Job backup.sh failed on web-1 (exit code 2)");
    const json::array& facts = elements[2].at("facts").as_array();
    CHECK(facts[0] == json::parse(R"j({"title":"Status","value":"failed"})j"));
    CHECK(facts[1] == json::parse(R"j({"title":"Script","value":"backup.sh"})j"));
    CHECK(facts[2] == json::parse(R"j({"title":"Agent","value":"web-1"})j"));
    CHECK(facts[3] == json::parse(R"j({"title":"Exit code","value":"2"})j"));
    CHECK(facts[4] == json::parse(R"j({"title":"Duration","value":"5.3 s"})j"));
    CHECK(card.at("actions") ==
          json::parse(R"j([{"type":"Action.OpenUrl","title":"View job in ScriptMesh",)j"
                      R"j("url":"https://sm.example.com/jobs/job_01failed"}])j"));
  }

  TEST_CASE("teams format: every event gives a valid card") {
    for (const IntegrationEvent& event :
         {failed_job(), succeeded_scheduled_job(), timed_out_job(), cancelled_job(),
          agent_offline(), agent_online(), schedule_missed()}) {
      INFO(event.type);
      check_card(teams_body(event));
    }
    CHECK(card_of(teams_body(succeeded_scheduled_job())).at("body").at(0).at("color") == "good");
    CHECK(card_of(teams_body(timed_out_job())).at("body").at(0).at("color") == "warning");
    CHECK(card_of(teams_body(cancelled_job())).at("body").at(0).at("color") == "default");
    const json::object offline = card_of(teams_body(agent_offline()));
    CHECK(offline.at("body").at(0).at("text") == "Agent offline: web-1");
    CHECK(offline.at("body").at(0).at("color") == "warning");
    CHECK_FALSE(offline.contains("actions"));
    CHECK_FALSE(card_of(teams_body(agent_online())).contains("actions"));
    CHECK(card_of(teams_body(schedule_missed())).at("body").at(0).at("text") ==
          "Schedule missed: nightly-backup");
  }
}

}  // namespace
}  // namespace scriptmesh::testing
