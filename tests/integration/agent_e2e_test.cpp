// The real orchestrator and agent binaries, end to end: a script triggered
// over REST runs on the agent and every byte it printed comes back, and the
// faults of issue #4 (a dropped connection, a killed orchestrator, a killed
// agent) lose nothing.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <boost/json.hpp>

#include "integration/e2e_cluster.hpp"
#include "support/agent_fixture.hpp"
#include "support/orchestrator_fixture.hpp"
#include "support/tcp_proxy.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST_CASE("a triggered script's exact output, exit code and duration come back") {
  Cluster c;
  auto script = write_script(c.scripts, "greet.sh",
                             "printf 'hello %s\\n' \"$NAME\"\n"
                             "printf 'raw:\\000\\377\\376\\n'\n"
                             "printf 'warn: %s\\n' \"$SM_SCRIPT\" >&2\n"
                             "printf 'job=%s\\n' \"$SM_JOB_ID\" >&2\n"
                             "exit 3\n");
  auto agent = create_agent(c.api, c.token, "web-1");
  TestAgent process(c.url(), agent.key,
                    manifest_with("greet", {script.string()},
                                  R"({"NAME":{"required":true,"pattern":"^[a-z]+$"}})"));

  std::string job_id = trigger(
      c.api, c.token,
      {{"agent_id", agent.id}, {"script", "greet"}, {"params", json::object{{"NAME", "ada"}}}});
  json::object job = wait_final(c.api, c.token, job_id);
  INFO(json::serialize(job));
  CHECK(str_field(job, "status") == "failed");
  CHECK(int_field(job, "exit_code") == 3);
  CHECK(int_field(job, "duration_ms") >= 0);
  CHECK(str_field(job, "agent_id") == agent.id);
  CHECK(str_field(job, "started_at") != "");
  CHECK(str_field(job, "finished_at") != "");

  CHECK(output(c.api, c.token, job_id, "stdout") == std::string("hello ada\nraw:\0\xff\xfe\n", 18));
  CHECK(output(c.api, c.token, job_id, "stderr") == "warn: greet\njob=" + job_id + "\n");
  CHECK(int_field(job, "stdout_bytes") == 18);

  SUBCASE("a script the agent has not declared is refused and nothing is created") {
    auto r = c.api.post("/v1/jobs", {{"agent_id", agent.id}, {"script", "rm-rf"}}, c.token);
    CHECK(r.status == 422);
    CHECK(r.error_code() == "script_not_allowed");
    auto list = c.api.get("/v1/jobs", c.token);
    CHECK(list.json.at("jobs").as_array().size() == 1);
  }
  SUBCASE("the agent's scripts and their declared parameters are readable for forms") {
    auto r = c.api.get("/v1/agents/" + agent.id, c.token);
    REQUIRE(r.status == 200);
    const json::value& greet = r.json.at("scripts").at("greet");
    CHECK(greet.at("params").at("NAME").at("required") == true);
    CHECK(greet.at("params").at("NAME").at("pattern") == "^[a-z]+$");
    CHECK(r.body.find(script.string()) == std::string::npos);  // no command leaves the host
  }
  SUBCASE("a parameter its pattern refuses is a 422 naming it") {
    auto r = c.api.post("/v1/jobs",
                        {{"agent_id", agent.id},
                         {"script", "greet"},
                         {"params", json::object{{"NAME", "Robert'); DROP"}}}},
                        c.token);
    CHECK(r.status == 422);
    CHECK(r.body.find("NAME") != std::string::npos);
  }
}

TEST_CASE("one trigger by tag runs on every agent holding all the tags") {
  Cluster c;
  auto script = write_script(c.scripts, "host.sh", "echo ran\n");
  auto manifest = manifest_with("host", {script.string()});
  auto a = create_agent(c.api, c.token, "a", {"web", "eu"});
  auto b = create_agent(c.api, c.token, "b", {"web", "eu", "big"});
  auto other = create_agent(c.api, c.token, "c", {"web"});
  TestAgent pa(c.url(), a.key, manifest);
  TestAgent pb(c.url(), b.key, manifest);
  TestAgent pc(c.url(), other.key, manifest);

  auto r =
      c.api.post("/v1/jobs", {{"tags", json::array{"web", "eu"}}, {"script", "host"}}, c.token);
  INFO(r.body);
  REQUIRE(r.status == 202);
  CHECK(r.str("group_id") != "");
  const auto& jobs = r.json.at("jobs").as_array();
  REQUIRE(jobs.size() == 2);
  for (const auto& entry : jobs) {
    std::string job_id(entry.at("job_id").as_string());
    auto job = wait_final(c.api, c.token, job_id);
    CHECK(str_field(job, "status") == "succeeded");
    CHECK(output(c.api, c.token, job_id, "stdout") == "ran\n");
  }
}

TEST_CASE("a dropped connection mid-job loses no output") {
  Cluster c;
  TempDir gate;
  auto release = gate / "release";
  // Prints, waits for the test to cut the network and let it go on, prints more.
  auto script =
      write_script(c.scripts, "long.sh",
                   "echo before\n"
                   "while [ ! -e '" +
                       release.string() +
                       "' ]; do sleep 0.05; done\n"
                       "i=0; while [ $i -lt 2000 ]; do echo \"line $i\"; i=$((i+1)); done\n"
                       "echo done >&2\n");
  auto agent = create_agent(c.api, c.token, "flaky");
  TcpProxy proxy(c.server.port());
  TestAgent process("http://127.0.0.1:" + std::to_string(proxy.port()), agent.key,
                    manifest_with("long", {script.string()}));

  std::string job_id = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "long"}});
  wait_status(c.api, c.token, job_id, "running");
  proxy.cut(/*refuse_new=*/true);
  std::ofstream(release.string()) << "go";
  // The script finishes while the agent cannot reach the orchestrator: its
  // result lands in the spool.
  auto result_file = process.spool_dir() / job_id / "result.json";
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!std::filesystem::exists(result_file) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);  // watching another process's files
  }
  REQUIRE(std::filesystem::exists(result_file));
  proxy.heal();
  REQUIRE(process.wait_connected(2));

  auto job = wait_final(c.api, c.token, job_id);
  CHECK(str_field(job, "status") == "succeeded");
  std::string expected = "before\n";
  for (int i = 0; i < 2000; ++i)
    expected += "line " + std::to_string(i) + "\n";
  CHECK(output(c.api, c.token, job_id, "stdout") == expected);
  CHECK(output(c.api, c.token, job_id, "stderr") == "done\n");
}

TEST_CASE("an orchestrator killed mid-job fails the job on restart and keeps the late result") {
  Cluster c;
  TempDir gate;
  auto release = gate / "release";
  auto script = write_script(c.scripts, "slow.sh",
                             "echo start\n"
                             "while [ ! -e '" +
                                 release.string() +
                                 "' ]; do sleep 0.05; done\n"
                                 "echo end\nexit 7\n");
  auto agent = create_agent(c.api, c.token, "survivor");
  TestAgent process(c.url(), agent.key, manifest_with("slow", {script.string()}));
  std::string job_id = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "slow"}});
  wait_status(c.api, c.token, job_id, "running");

  c.server.kill_hard();
  std::ofstream(release.string()) << "go";
  c.server.restart();
  REQUIRE(process.wait_connected(2));

  ApiClient api(c.server.port());
  auto login =
      api.post("/v1/auth/login", {{"email", c.account.email}, {"password", c.account.password}});
  REQUIRE(login.status == 200);
  std::string token = login.str("access_token");
  // The late result arrives after the restart marked the job failed.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  json::object job;
  while (std::chrono::steady_clock::now() < deadline) {
    job = api.get("/v1/jobs/" + job_id, token).json.as_object();
    if (job.contains("exit_code") && job.at("exit_code").is_number()) break;
    std::this_thread::sleep_for(50ms);
  }
  INFO(json::serialize(job));
  CHECK(str_field(job, "status") == "failed");
  CHECK(str_field(job, "error") == "orchestrator_restarted");
  CHECK(int_field(job, "exit_code") == 7);
  CHECK(output(api, token, job_id, "stdout") == "start\nend\n");
}

TEST_CASE("an agent killed mid-job fails the job with agent_lost after the lease") {
  Cluster c;
  auto script = write_script(c.scripts, "forever.sh", "echo up\nwhile true; do sleep 1; done\n");
  auto agent = create_agent(c.api, c.token, "doomed");
  TestAgent process(c.url(), agent.key, manifest_with("forever", {script.string()}));
  std::string job_id = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "forever"}});
  wait_status(c.api, c.token, job_id, "running");

  process.kill_hard();
  auto job = wait_final(c.api, c.token, job_id);
  CHECK(str_field(job, "status") == "failed");
  CHECK(str_field(job, "error") == "agent_lost");
  auto agents = c.api.get("/v1/agents/" + agent.id, c.token);
  CHECK(agents.str("status") == "offline");
}

TEST_CASE("cancel and timeout stop the process group") {
  Cluster c;
  auto script = write_script(c.scripts, "sleepy.sh", "echo zz\nsleep 600 &\nwait\n");
  auto agent = create_agent(c.api, c.token, "sleeper");
  TestAgent process(c.url(), agent.key, manifest_with("sleepy", {script.string()}));

  std::string cancelled = trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "sleepy"}});
  wait_status(c.api, c.token, cancelled, "running");
  auto r = c.api.post("/v1/jobs/" + cancelled + "/cancel", {}, c.token);
  CHECK(r.status == 202);
  CHECK(str_field(wait_final(c.api, c.token, cancelled), "status") == "cancelled");

  std::string timed =
      trigger(c.api, c.token, {{"agent_id", agent.id}, {"script", "sleepy"}, {"timeout_sec", 1}});
  auto job = wait_final(c.api, c.token, timed);
  CHECK(str_field(job, "status") == "timed_out");
  CHECK(output(c.api, c.token, timed, "stdout") == "zz\n");
}

TEST_CASE("jobs beyond max_concurrent wait their turn in order") {
  Cluster c;
  TempDir marks;
  auto log = marks / "order.log";
  auto script =
      write_script(c.scripts, "mark.sh", "echo \"$N\" >> '" + log.string() + "'\nsleep 0.2\n");
  auto agent = create_agent(c.api, c.token, "single");
  TestAgent process(c.url(), agent.key,
                    manifest_with("mark", {script.string()}, R"({"N":{"required":true}})"),
                    {{"max_concurrent", "1"}});
  std::vector<std::string> jobs;
  for (int i = 0; i < 4; ++i) {
    jobs.push_back(trigger(c.api, c.token,
                           {{"agent_id", agent.id},
                            {"script", "mark"},
                            {"params", json::object{{"N", std::to_string(i)}}}}));
  }
  for (const auto& id : jobs)
    CHECK(str_field(wait_final(c.api, c.token, id), "status") == "succeeded");
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(all == "0\n1\n2\n3\n");
}

}  // namespace
}  // namespace scriptmesh::testing
