#include "scriptmesh/job_webhooks.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "delivery_fixture.hpp"
#include "scriptmesh/encoding.hpp"
#include "support/failing_store.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

JobWebhookOptions options_with_cap(std::int64_t cap) {
  JobWebhookOptions o;
  o.public_base_url = "https://mesh.example.test/";
  o.inline_output_bytes = cap;
  return o;
}

std::string text_of(const json::object& body, std::string_view key) {
  return std::string(body.at(key).as_string());
}

json::object body_of(Store& store, const JobRecord& job, const JobWebhookOptions& options) {
  auto body = job_webhook_body(store, job, options);
  REQUIRE_OK(body);
  return json::parse(*body).as_object();
}

TEST_CASE("job webhooks: the body carries the job's result, times and whole small output") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  JobRecord job = f.add_job(t, "job_1", f.clock().now(), "hello\nworld\n", "warn: x\n");
  const json::object body = body_of(f.store(), job, options_with_cap(64 * 1024));

  CHECK(body.at("event") == "job.finished");
  CHECK(body.at("job_id") == "job_1");
  CHECK(body.at("status") == "succeeded");
  CHECK(body.at("agent_id") == "agt_1");
  CHECK(body.at("script") == "backup.sh");
  CHECK(body.at("exit_code") == 0);
  CHECK(body.at("signal").is_null());
  CHECK(body.at("error").is_null());
  CHECK(body.at("duration_ms") == 2000);
  CHECK(body.at("created_at") == "2026-11-26T10:00:00Z");
  CHECK(body.at("started_at") == "2026-11-26T10:00:01Z");
  CHECK(body.at("finished_at") == "2026-11-26T10:00:03Z");
  CHECK(body.at("stdout") == "hello\nworld\n");
  CHECK(body.at("stderr") == "warn: x\n");
  CHECK(body.at("stdout_base64").is_null());
  CHECK(body.at("stderr_base64").is_null());
  CHECK(body.at("stdout_bytes") == 12);
  CHECK(body.at("stderr_bytes") == 8);
  CHECK(body.at("stdout_truncated") == false);
  CHECK(body.at("stderr_truncated") == false);
  CHECK(body.at("output_url") == "https://mesh.example.test/v1/jobs/job_1/output");
  CHECK(body.at("schedule_id").is_null());
  CHECK(body.at("group_id").is_null());
  CHECK(body.size() == 23);  // exactly the documented keys
}

TEST_CASE("job webhooks: a failed, signalled job of a schedule and group shows all of it") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  JobRecord job;
  job.id = JobId("job_2");
  job.tenant_id = t;
  job.agent_id = AgentId("agt_9");
  job.script = "deploy.sh";
  job.status = JobStatus::kPending;
  job.schedule_id = ScheduleId("sch_1");
  job.group_id = GroupId("grp_1");
  job.created_at = f.clock().now();
  REQUIRE_OK(f.store().insert_jobs(t, {job}));
  JobTransition done;
  done.to = JobStatus::kFailed;
  done.signal = 9;
  done.error = "agent_lost";
  done.finished_at = f.clock().now() + seconds(5);
  REQUIRE_OK(f.store().transition_job(t, job.id, JobStatus::kPending, done));
  auto stored = f.store().get_job(t, job.id);
  REQUIRE_OK(stored);

  const json::object body = body_of(f.store(), *stored, options_with_cap(1024));
  CHECK(body.at("status") == "failed");
  CHECK(body.at("exit_code").is_null());
  CHECK(body.at("signal") == 9);
  CHECK(body.at("error") == "agent_lost");
  CHECK(body.at("duration_ms").is_null());
  CHECK(body.at("started_at").is_null());
  CHECK(body.at("finished_at") == "2026-11-26T10:00:05Z");
  CHECK(body.at("schedule_id") == "sch_1");
  CHECK(body.at("group_id") == "grp_1");
  CHECK(body.at("stdout") == "");
  CHECK(body.at("stdout_bytes") == 0);
  CHECK(body.at("stdout_truncated") == false);
}

TEST_CASE("job webhooks: output beyond the cap is cut and flagged, with the URL for the rest") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  const std::string out(100, 'a');
  JobRecord job = f.add_job(t, "job_1", f.clock().now(), out, std::string(10, 'e'));
  const json::object body = body_of(f.store(), job, options_with_cap(10));
  CHECK(text_of(body, "stdout") == std::string(10, 'a'));
  CHECK(body.at("stdout_bytes") == 100);
  CHECK(body.at("stdout_truncated") == true);
  // Exactly at the cap is whole, not truncated.
  CHECK(text_of(body, "stderr") == std::string(10, 'e'));
  CHECK(body.at("stderr_truncated") == false);

  const json::object none = body_of(f.store(), job, options_with_cap(0));
  CHECK(none.at("stdout") == "");
  CHECK(none.at("stdout_truncated") == true);
  CHECK(none.at("stdout_bytes") == 100);
  CHECK(none.at("output_url") == "https://mesh.example.test/v1/jobs/job_1/output");
}

TEST_CASE("job webhooks: a cut never splits a UTF-8 character") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  // "ab" then U+2603 (3 bytes) then "c": a cap of 3 or 4 lands inside the snowman.
  const std::string out =
      "ab\xE2\x98\x83"
      "c";
  JobRecord job = f.add_job(t, "job_1", f.clock().now(), out);
  for (int cap : {3, 4}) {
    INFO(cap);
    const json::object body = body_of(f.store(), job, options_with_cap(cap));
    CHECK(body.at("stdout") == "ab");
    CHECK(body.at("stdout_base64").is_null());
    CHECK(body.at("stdout_truncated") == true);
  }
  const json::object five = body_of(f.store(), job, options_with_cap(5));
  CHECK(five.at("stdout") == "ab\xE2\x98\x83");
}

TEST_CASE("job webhooks: binary output is inlined as base64, never altered") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  const std::string binary("\x00\xff\xfe\x80 ok\n\xc3\x28", 10);
  JobRecord job = f.add_job(t, "job_1", f.clock().now(), binary, "plain\n");
  const json::object body = body_of(f.store(), job, options_with_cap(1024));
  CHECK(body.at("stdout").is_null());
  auto decoded = base64_decode(body.at("stdout_base64").as_string());
  REQUIRE_OK(decoded);
  CHECK(*decoded == binary);
  CHECK(body.at("stdout_bytes") == 10);
  CHECK(body.at("stderr") == "plain\n");  // each stream is judged on its own
  CHECK(body.at("stderr_base64").is_null());

  // Cut binary output is base64 of exactly the first cap bytes.
  const json::object cut = body_of(f.store(), job, options_with_cap(3));
  auto first3 = base64_decode(cut.at("stdout_base64").as_string());
  REQUIRE_OK(first3);
  CHECK(*first3 == binary.substr(0, 3));
  CHECK(cut.at("stdout_truncated") == true);

  // NUL and other control characters are valid UTF-8 text, escaped by JSON.
  JobRecord ctl = f.add_job(t, "job_2", f.clock().now(), std::string("a\0b\x1b[0m\t", 8));
  const json::object text = body_of(f.store(), ctl, options_with_cap(1024));
  CHECK(text_of(text, "stdout") == std::string("a\0b\x1b[0m\t", 8));
  // Overlong encodings and surrogates are not UTF-8.
  for (const std::string& bad :
       {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80")}) {
    JobRecord j = f.add_job(t, "job_bad" + std::to_string(bad.size()), f.clock().now(), bad);
    const json::object b = body_of(f.store(), j, options_with_cap(1024));
    CHECK(b.at("stdout").is_null());
    CHECK_FALSE(b.at("stdout_base64").is_null());
  }
}

TEST_CASE("job webhooks: enqueue commits one job_webhook delivery due now") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  JobRecord job = f.add_job(t, "job_1", f.clock().now() - seconds(30));
  job.webhook_url = "https://hooks.example.test/scriptmesh?x=1";
  JobWebhookOptions options = options_with_cap(1024);
  options.clock = &f.clock();

  auto id = enqueue_job_webhook(f.store(), job, options);
  REQUIRE_OK(id);
  REQUIRE(id->has_value());
  CHECK((*id)->str().starts_with("dlv_"));
  const DeliveryRecord d = f.only_delivery(t);
  CHECK(d.id == **id);
  CHECK(d.kind == "job_webhook");
  CHECK(d.status == DeliveryStatus::kPending);
  CHECK(d.attempts == 0);
  CHECK(d.next_attempt_at == f.clock().now());
  CHECK(d.created_at == f.clock().now());
  CHECK_FALSE(d.integration_id.has_value());

  const json::object payload = json::parse(d.payload).as_object();
  CHECK(payload.at("url") == "https://hooks.example.test/scriptmesh?x=1");
  auto expected = job_webhook_body(f.store(), job, options);
  REQUIRE_OK(expected);
  CHECK(payload.at("body").as_string() == *expected);
}

TEST_CASE("job webhooks: no URL means no delivery, unfinished jobs and bad URLs are refused") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  JobRecord job = f.add_job(t, "job_1", f.clock().now());
  job.webhook_url.clear();
  auto none = enqueue_job_webhook(f.store(), job);
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());

  JobRecord running = f.add_job(t, "job_2", f.clock().now(), "", "", JobStatus::kRunning);
  CHECK_ERROR_CODE(enqueue_job_webhook(f.store(), running), "job_not_final");
  CHECK_ERROR_CODE(job_webhook_body(f.store(), running, {}), "job_not_final");

  job.webhook_url = "ftp://example.test/";
  CHECK_ERROR_CODE(enqueue_job_webhook(f.store(), job), "invalid_webhook_url");

  JobRecord gone = job;
  gone.id = JobId("job_missing");
  gone.webhook_url = "https://example.test/";
  CHECK_ERROR_CODE(enqueue_job_webhook(f.store(), gone), "job_not_found");
  CHECK(f.deliveries(t).empty());
}

TEST_CASE("job webhooks: a store failure at any step enqueues nothing") {
  DeliveryFixture f;
  const TenantId t = f.add_tenant("tnt_a");
  JobRecord job = f.add_job(t, "job_1", f.clock().now(), "out", "err");
  job.webhook_url = "https://example.test/hook";
  FailingStore failing(f.store());
  for (int n = 1;; ++n) {
    failing.fail_on_call(n);
    auto id = enqueue_job_webhook(failing, job);
    if (!failing.tripped()) {
      REQUIRE_OK(id);
      CHECK(n == 4);  // stdout, stderr, enqueue, then success
      break;
    }
    CHECK_ERROR_CODE(id, "injected_failure");
    CHECK(f.deliveries(t).empty());
  }
  CHECK(f.deliveries(t).size() == 1);
}

TEST_CASE("job webhooks: webhook URLs are checked") {
  for (const char* good : {"http://127.0.0.1:8080/hook", "https://example.test",
                           "HTTPS://Example.test/a?b=c#d", "https://[::1]:9000/x"}) {
    INFO(good);
    CHECK_OK(check_webhook_url(good, true));
  }
  for (const std::string& bad :
       {std::string(), std::string("example.test/hook"), std::string("ftp://example.test/"),
        std::string("https://"), std::string("https:///path"), std::string("http://:80/"),
        std::string("https://user:pw@example.test/"), std::string("https://example.test/a b"),
        std::string("https://example.test/\n"), "https://example.test/" + std::string(2048, 'a')}) {
    INFO(bad);
    CHECK_ERROR_CODE(check_webhook_url(bad, true), "invalid_webhook_url");
    CHECK_ERROR_CODE(check_webhook_url(bad, false), "invalid_webhook_url");
  }
}

TEST_CASE("job webhooks: without private destinations, https only and no internal host") {
  CHECK_OK(check_webhook_url("https://example.test/hook", false));
  CHECK_OK(check_webhook_url("HTTPS://hooks.example.test:8443/x?y=1", false));
  for (const char* bad :
       {"http://example.test/hook", "https://127.0.0.1/hook", "https://127.0.0.1:8080/hook",
        "https://localhost/", "https://LocalHost./", "https://api.localhost/",
        "https://[::1]:9000/x", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/"}) {
    INFO(bad);
    auto r = check_webhook_url(bad, false);
    CHECK_ERROR_CODE(r, "invalid_webhook_url");
    CHECK_OK(check_webhook_url(bad, true));
  }
}

}  // namespace
}  // namespace scriptmesh::testing
