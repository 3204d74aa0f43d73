#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

constexpr std::int64_t kGreen = 0x2ECC71;
constexpr std::int64_t kRed = 0xE74C3C;
constexpr std::int64_t kOrange = 0xE67E22;
constexpr std::int64_t kGrey = 0x95A5A6;

json::object discord_body(const IntegrationEvent& event) {
  const json::object config = normalized(IntegrationType::kDiscord, {{"webhook_url", kDiscordUrl}});
  const HttpClientRequest request = format_ok(IntegrationType::kDiscord, config, event);
  CHECK(request.url == kDiscordUrl);
  json::object body = body_of(request);
  REQUIRE(body.at("embeds").as_array().size() == 1);
  return body;
}

const json::object& embed_of(const json::object& body) {
  return body.at("embeds").at(0).as_object();
}

TEST_SUITE("integration formats") {
  TEST_CASE("discord format: a failing job") {
    const json::object body = discord_body(failed_job());
    CHECK(body.at("content") == "Job backup.sh failed on web-1 (exit code 2)");
    CHECK(body.at("allowed_mentions") == json::parse(R"j({"parse":[]})j"));
    const json::object& embed = embed_of(body);
    CHECK(embed.at("title") == "Job failed: backup.sh");
    CHECK(embed.at("url").as_string() == kJobLink);
    CHECK(embed.at("color") == kRed);
    CHECK(embed.at("timestamp") == "2026-11-26T10:00:00Z");
    CHECK(embed.at("footer") == json::parse(R"j({"text":"ScriptMesh"})j"));
    const json::array& fields = embed.at("fields").as_array();
    REQUIRE(fields.size() == 6);
    CHECK(fields[0] == json::parse(R"j({"name":"Status","value":"failed","inline":true})j"));
    CHECK(fields[3] == json::parse(R"j({"name":"Exit code","value":"2","inline":true})j"));
    CHECK(fields[4] == json::parse(R"j({"name":"Duration","value":"5.3 s","inline":true})j"));
    // Discord refuses an empty field value.
    for (const auto& field : fields)
      CHECK_FALSE(field.at("value").as_string().empty());
  }

  TEST_CASE("discord format: colors follow the outcome") {
    CHECK(embed_of(discord_body(succeeded_scheduled_job())).at("color") == kGreen);
    CHECK(embed_of(discord_body(timed_out_job())).at("color") == kOrange);
    CHECK(embed_of(discord_body(cancelled_job())).at("color") == kGrey);
    CHECK(embed_of(discord_body(agent_offline())).at("color") == kOrange);
    CHECK(embed_of(discord_body(agent_online())).at("color") == kGreen);
    CHECK(embed_of(discord_body(schedule_missed())).at("color") == kOrange);
  }

  TEST_CASE("discord format: a succeeded scheduled job, agents and a missed run") {
    const json::object ok = discord_body(succeeded_scheduled_job());
    CHECK(embed_of(ok).at("title") == "Job succeeded: backup.sh");
    CHECK(embed_of(ok).at("url") == "https://sm.example.com/jobs/job_01ok");
    const json::object offline = discord_body(agent_offline());
    CHECK(offline.at("content") == "Agent web-1 went offline (heartbeat\\_timeout)");
    CHECK_FALSE(embed_of(offline).contains("url"));
    CHECK(discord_body(agent_online()).at("content") == "Agent web-1 is online");
    const json::object missed = discord_body(schedule_missed());
    CHECK(embed_of(missed).at("title") == "Schedule missed: nightly-backup");
    CHECK(embed_of(missed).at("fields").at(2) ==
          json::parse(R"j({"name":"Due at","value":"2026-11-26T09:00:00Z","inline":true})j"));
  }

  TEST_CASE("discord format: markdown is shown as typed and nobody is pinged") {
    IntegrationEvent event = failed_job();
    event.data["script"] = "@everyone my_backup*job";
    const json::object body = discord_body(event);
    CHECK(body.at("content") == "Job @everyone my\\_backup\\*job failed on web-1 (exit code 2)");
    CHECK(body.at("allowed_mentions").at("parse").as_array().empty());
  }

  TEST_CASE("discord format: long text stays within Discord's limits") {
    IntegrationEvent event = failed_scheduled_job();
    for (const char* key : {"script", "agent_name", "error", "schedule_name", "job_id", "signal"})
      event.data[key] = std::string(5000, 'x');
    const json::object body = discord_body(event);
    CHECK(body.at("content").as_string().size() <= 2000);
    const json::object& embed = embed_of(body);
    std::size_t total =
        embed.at("title").as_string().size() + embed.at("footer").at("text").as_string().size();
    CHECK(embed.at("title").as_string().size() <= 256);
    REQUIRE(embed.at("fields").as_array().size() <= 25);
    for (const auto& field : embed.at("fields").as_array()) {
      CHECK(field.at("name").as_string().size() <= 256);
      CHECK(field.at("value").as_string().size() <= 1024);
      total += field.at("name").as_string().size() + field.at("value").as_string().size();
    }
    CHECK(total <= 6000);
  }
}

}  // namespace
}  // namespace scriptmesh::testing
