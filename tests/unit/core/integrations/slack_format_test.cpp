#include "core/integrations/integration_formats.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "unit/core/integrations/integration_fixture.hpp"

namespace scriptmesh::testing {
namespace {

json::object slack_config() {
  return normalized(IntegrationType::kSlack, {{"webhook_url", kSlackUrl}});
}

json::object slack_body(const IntegrationEvent& event,
                        const FormatContext& ctx = format_context()) {
  const HttpClientRequest request = format_ok(IntegrationType::kSlack, slack_config(), event, ctx);
  CHECK(request.url == kSlackUrl);
  return body_of(request);
}

std::vector<std::string> field_texts(const json::object& body) {
  std::vector<std::string> out;
  for (const auto& field : body.at("blocks").at(1).at("fields").as_array()) {
    CHECK(field.at("type") == "mrkdwn");
    out.emplace_back(field.at("text").as_string());
  }
  return out;
}

TEST_SUITE("integration formats") {
  TEST_CASE("slack format: a failing job") {
    const json::object body = slack_body(failed_job());
    CHECK(body.at("text") == "Job backup.sh failed on web-1 (exit code 2)");
    const json::array& blocks = body.at("blocks").as_array();
    REQUIRE(blocks.size() == 3);
    CHECK(
        blocks[0] ==
        json::parse(
            R"j({"type":"header","text":{"type":"plain_text","text":"Job failed: backup.sh"}})j"));
    CHECK(blocks[1].at("type") == "section");
    CHECK(
        blocks[1].at("text") ==
        json::parse(R"j({"type":"mrkdwn","text":"Job backup.sh failed on web-1 (exit code 2)"})j"));
    CHECK(field_texts(body) ==
          std::vector<std::string>{"*Status*\nfailed", "*Script*\nbackup.sh", "*Agent*\nweb-1",
                                   "*Exit code*\n2", "*Duration*\n5.3 s", "*Job*\njob_01failed"});
    CHECK(blocks[2] ==
          json::parse(
              R"j({"type":"section","text":{"type":"mrkdwn",)j"
              R"j("text":"<https://sm.example.com/jobs/job_01failed|View job in ScriptMesh>"}})j"));
  }

  TEST_CASE("slack format: a succeeded scheduled job, a timeout and a cancel") {
    const json::object ok = slack_body(succeeded_scheduled_job());
    CHECK(ok.at("text") == "Job backup.sh succeeded on web-1 in 2.1 s");
    CHECK(ok.at("blocks").at(0).at("text").at("text") == "Job succeeded: backup.sh");
    const std::vector<std::string> fields = field_texts(ok);
    CHECK(std::find(fields.begin(), fields.end(), "*Schedule*\nnightly-backup") != fields.end());
    CHECK(std::find(fields.begin(), fields.end(), "*Exit code*\n0") != fields.end());

    const json::object slow = slack_body(timed_out_job());
    CHECK(slow.at("text") == "Job sync.sh timed out on agt_01web after 5 min 0 s");
    CHECK(slow.at("blocks").at(0).at("text").at("text") == "Job timed out: sync.sh");
    const std::vector<std::string> slow_fields = field_texts(slow);
    CHECK(std::find(slow_fields.begin(), slow_fields.end(), "*Signal*\n9") != slow_fields.end());
    CHECK(std::find(slow_fields.begin(), slow_fields.end(), "*Exit code*\nnone") !=
          slow_fields.end());

    const json::object stop = slack_body(cancelled_job());
    CHECK(stop.at("text") == "Job backup.sh was cancelled on agt_01web");
    const std::vector<std::string> stop_fields = field_texts(stop);
    CHECK(std::find(stop_fields.begin(), stop_fields.end(), "*Duration*\nunknown") !=
          stop_fields.end());
  }

  TEST_CASE("slack format: agents and schedules have no job link") {
    const json::object offline = slack_body(agent_offline());
    CHECK(offline.at("text") == "Agent web-1 went offline (heartbeat_timeout)");
    CHECK(offline.at("blocks").as_array().size() == 2);
    CHECK(field_texts(offline) == std::vector<std::string>{"*Agent*\nweb-1",
                                                           "*Agent ID*\nagt_01web",
                                                           "*Reason*\nheartbeat_timeout"});
    const json::object online = slack_body(agent_online());
    CHECK(online.at("text") == "Agent web-1 is online");
    CHECK(online.at("blocks").at(0).at("text").at("text") == "Agent online: web-1");
    const json::object missed = slack_body(schedule_missed());
    CHECK(missed.at("text") ==
          "Schedule nightly-backup missed its run due at 2026-11-26T09:00:00Z");
    CHECK(field_texts(missed) ==
          std::vector<std::string>{"*Schedule*\nnightly-backup", "*Script*\nbackup.sh",
                                   "*Due at*\n2026-11-26T09:00:00Z", "*Catch-up*\nskip"});
  }

  TEST_CASE("slack format: event text cannot make links or mentions") {
    IntegrationEvent event = failed_job();
    event.data["script"] = "<!channel> a&b>c";
    const json::object body = slack_body(event);
    CHECK(body.at("text") == "Job &lt;!channel&gt; a&amp;b&gt;c failed on web-1 (exit code 2)");
    CHECK(field_texts(body).at(1) == "*Script*\n&lt;!channel&gt; a&amp;b&gt;c");
    // The header is plain_text: shown as typed, nothing to escape.
    CHECK(body.at("blocks").at(0).at("text").at("text") == "Job failed: <!channel> a&b>c");
  }

  TEST_CASE("slack format: long text stays within Block Kit's limits") {
    IntegrationEvent event = failed_job();
    event.data["script"] = std::string(5000, '&');
    const json::object body = slack_body(event);
    const json::array& blocks = body.at("blocks").as_array();
    CHECK(blocks[0].at("text").at("text").as_string().size() <= 150);
    CHECK(blocks[1].at("text").at("text").as_string().size() <= 3000);
    CHECK(body.at("text").as_string().size() <= 3000);
    for (const std::string& field : field_texts(body))
      CHECK(field.size() <= 2000);
    // A cut never leaves half an entity behind.
    const std::string script = field_texts(body).at(1);
    CHECK(script.ends_with("&amp;\xE2\x80\xA6"));
  }
}

}  // namespace
}  // namespace scriptmesh::testing
