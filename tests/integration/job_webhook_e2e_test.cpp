// A job's webhook_url, end to end with the real binaries: the orchestrator
// POSTs the signed result to a loopback receiver once the job ends, and a
// receiver that is down gets it later, across a crash of the orchestrator.
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/webhook_signing.hpp"
#include "support/agent_fixture.hpp"
#include "support/loopback_receiver.hpp"
#include "support/result_checks.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string webhook_secret(Cluster& c) {
  auto r = c.api.get("/v1/tenant/webhook-secret", c.token);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-store");
  return r.str("secret");
}

// The checks every delivered job webhook must pass: its headers, its
// signature under the tenant's secret, and the job it reports.
json::object check_delivery(const ReceivedRequest& got, const std::string& secret,
                            const std::string& job_id) {
  CHECK(got.method == "POST");
  CHECK(got.target == "/hook");
  CHECK(got.header("Content-Type") == "application/json");
  CHECK(got.header("X-ScriptMesh-Event") == "job.finished");
  CHECK(got.header("X-ScriptMesh-Delivery").rfind("dlv_", 0) == 0);
  REQUIRE_OK(verify_webhook_signature(secret, got.header("X-ScriptMesh-Signature"), got.body,
                                      system_clock().now()));
  json::object body = json::parse(got.body).as_object();
  CHECK(body.at("job_id").as_string() == job_id);
  return body;
}

TEST_CASE("a finished job's result is POSTed, signed, to its webhook_url") {
  Cluster c;
  LoopbackReceiver receiver;
  auto script = write_script(c.scripts, "report.sh", "echo 'disk ok'\necho 'note' >&2\nexit 4\n");
  auto agent = create_agent(c.api, c.token, "db-1");
  TestAgent process(c.url(), agent.key, manifest_with("report", {script.string()}));
  const std::string secret = webhook_secret(c);

  std::string job_id = trigger(
      c.api, c.token,
      {{"agent_id", agent.id}, {"script", "report"}, {"webhook_url", receiver.url("/hook")}});
  wait_final(c.api, c.token, job_id);
  REQUIRE(receiver.wait_for_requests(1, 20s));

  json::object body = check_delivery(receiver.requests().at(0), secret, job_id);
  CHECK(body.at("status").as_string() == "failed");
  CHECK(body.at("exit_code").as_int64() == 4);
  CHECK(body.at("stdout").as_string() == "disk ok\n");
  CHECK(body.at("stderr").as_string() == "note\n");
  CHECK(body.at("stdout_truncated").as_bool() == false);
  CHECK(body.at("agent_id").as_string() == agent.id);
  CHECK(std::string(body.at("output_url").as_string()).find("/v1/jobs/" + job_id + "/output") !=
        std::string::npos);

  SUBCASE("after a rotation the old secret no longer verifies") {
    auto rotated = c.api.post("/v1/tenant/webhook-secret/rotate", json::object{}, c.token);
    REQUIRE(rotated.status == 200);
    CHECK(rotated.str("secret") != secret);
    std::string second = trigger(
        c.api, c.token,
        {{"agent_id", agent.id}, {"script", "report"}, {"webhook_url", receiver.url("/hook")}});
    wait_final(c.api, c.token, second);
    REQUIRE(receiver.wait_for_requests(2, 20s));
    const ReceivedRequest got = receiver.requests().at(1);
    check_delivery(got, rotated.str("secret"), second);
    CHECK(verify_webhook_signature(secret, got.header("X-ScriptMesh-Signature"), got.body,
                                   system_clock().now())
              .error()
              .code() == "signature_mismatch");
  }
}

TEST_CASE("a webhook receiver that is down gets the result later, across a crash") {
  Cluster c(std::map<std::string, std::string>{{"delivery_retry_base_ms", "1500"}});
  LoopbackReceiver receiver;
  receiver.respond_next({503, "{}", "application/json", {}, false}, 2);
  auto script = write_script(c.scripts, "ok.sh", "echo done\n");
  auto agent = create_agent(c.api, c.token, "app-1");
  TestAgent process(c.url(), agent.key, manifest_with("ok", {script.string()}));
  // Read now: the secret is stored, so the restarted process signs with it too.
  const std::string secret = webhook_secret(c);

  std::string job_id =
      trigger(c.api, c.token,
              {{"agent_id", agent.id}, {"script", "ok"}, {"webhook_url", receiver.url("/hook")}});
  wait_final(c.api, c.token, job_id);
  // The first attempt is refused; the orchestrator dies before the next.
  REQUIRE(receiver.wait_for_requests(1, 20s));
  // Give the worker time to record the refused attempt before the crash (an
  // unrecorded one is retried too, but only after its lease); the retry is
  // due 0.75-1.5 s after it, so none is in flight when the process dies.
  std::this_thread::sleep_for(300ms);
  c.server.kill_hard();
  c.server.restart();

  // The second attempt is refused too; the third succeeds.
  REQUIRE(receiver.wait_for_requests(3, 30s));
  const auto got = receiver.requests();
  for (const ReceivedRequest& attempt : got) {
    check_delivery(attempt, secret, job_id);
    CHECK(attempt.header("X-ScriptMesh-Delivery") == got[0].header("X-ScriptMesh-Delivery"));
    CHECK(attempt.body == got[0].body);
  }
  // Delivered once: a 2xx ends it.
  std::this_thread::sleep_for(1500ms);
  CHECK(receiver.request_count() == 3);
}

}  // namespace
}  // namespace scriptmesh::testing
