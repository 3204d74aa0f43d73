#include "core/agent/agent_runtime.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "agent_runtime_fixture.hpp"

namespace scriptmesh::agent::testing {
namespace {

using std::filesystem::exists;

// Records every log line with its fields, to check what is (not) logged.
class RecordingLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view message, LogFields fields) override {
    std::string line(message);
    for (const LogField& f : fields)
      line += " " + std::string(f.key) + "=" + f.value;
    std::lock_guard lock(mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

ParamSpec param(bool required, std::string pattern = "") {
  ParamSpec p;
  p.required = required;
  p.pattern = std::move(pattern);
  return p;
}

// touch "$FILE": proof that the script ran.
ScriptSpec marker_script(const std::string& name = "marker") {
  return shell_script(name, R"(touch "$FILE")", {{"FILE", param(true, "/[^ ]*")}});
}

ScriptSpec sleep_script() {
  return shell_script("sleep", "printf ready; exec sleep 30");
}

TEST_CASE("agent runtime: a dispatch is started, streamed byte-exact and finished") {
  RuntimeFixture f;
  f.start(manifest_of(
      {shell_script("binary", R"(printf 'a\000b\377\376'; printf 'e\001' >&2; exit 7)")}));
  f.connect();
  f.send(dispatch_of("job_bin", "binary"));

  proto::Finished fin = f.wait_finished("job_bin");
  CHECK(f.link.all<proto::Started>("job_bin").size() == 1);
  CHECK(assembled(f.link, "job_bin", OutputStream::kStdout) == std::string("a\0b\xff\xfe", 5));
  CHECK(assembled(f.link, "job_bin", OutputStream::kStderr) == std::string("e\x01", 2));
  CHECK(fin.exit_code == 7);
  CHECK_FALSE(fin.signal.has_value());
  CHECK_FALSE(fin.timed_out);
  CHECK_FALSE(fin.cancelled);
  CHECK(fin.error.empty());
  CHECK(fin.stdout_bytes == 5);
  CHECK(fin.stderr_bytes == 2);
  CHECK(fin.duration_ms >= 0);
  CHECK(f.link.bad_frames() == 0);

  // started precedes every output frame, and finished follows them all.
  auto ms = f.link.messages();
  auto first_of = [&](auto pred) { return std::find_if(ms.begin(), ms.end(), pred) - ms.begin(); };
  auto started_at =
      first_of([](const auto& m) { return std::holds_alternative<proto::Started>(m); });
  auto output_at = first_of([](const auto& m) { return std::holds_alternative<proto::Output>(m); });
  auto finished_at =
      first_of([](const auto& m) { return std::holds_alternative<proto::Finished>(m); });
  CHECK(started_at < output_at);
  CHECK(finished_at == static_cast<std::ptrdiff_t>(ms.size()) - 1);

  // Run over a live connection, the job is held in memory: nothing on disk.
  CHECK_FALSE(exists(f.job_dir("job_bin")));
  // Until finished_ack, losing the connection spools all of it, the result
  // stamped by the injected clock.
  f.runtime->disconnected();
  Spool spool((f.tmp / "spool").string());
  auto result = spool.load_result("job_bin");
  REQUIRE_OK(result);
  REQUIRE(result->has_value());
  CHECK((*result)->finished.exit_code == 7);
  CHECK((*result)->finished_at == f.clock.now());
  CHECK((*result)->finished.stdout_bytes == 5);
  auto out = spool.read("job_bin", OutputStream::kStdout, 0, 100);
  REQUIRE_OK(out);
  CHECK(*out == std::string("a\0b\xff\xfe", 5));
  auto err = spool.read("job_bin", OutputStream::kStderr, 0, 100);
  REQUIRE_OK(err);
  CHECK(*err == std::string("e\x01", 2));

  // The next connection gets it again, from the spool; its ack removes it.
  RecordingLink second;
  f.connect({}, &second);
  CHECK(f.wait_finished("job_bin", &second).stdout_bytes == 5);
  CHECK(assembled(second, "job_bin", OutputStream::kStdout) == std::string("a\0b\xff\xfe", 5));
  f.send(proto::FinishedAck{"job_bin"});
  CHECK_FALSE(exists(f.job_dir("job_bin")));
}

TEST_CASE("agent runtime: a job outgrowing the memory it may hold is spooled as it runs") {
  RuntimeFixture f;
  auto options = f.options(manifest_of({shell_script(
      "chatty", R"(printf 'first '; sleep 0.2; head -c 3000 /dev/zero | tr '\0' x; exit 0)")}));
  options.held_output_bytes = 1000;
  f.start(std::move(options));
  f.connect();
  f.send(dispatch_of("job_big", "chatty"));
  f.wait_output("job_big", OutputStream::kStdout, "first ");
  CHECK_FALSE(exists(f.job_dir("job_big")));  // 6 bytes fit in memory
  proto::Finished fin = f.wait_finished("job_big");
  CHECK(fin.stdout_bytes == 3006);
  CHECK(assembled(f.link, "job_big", OutputStream::kStdout) == "first " + std::string(3000, 'x'));
  // Past 1000 bytes it went to the spool, with what it had held.
  Spool spool((f.tmp / "spool").string());
  auto size = spool.size("job_big", OutputStream::kStdout);
  REQUIRE_OK(size);
  CHECK(*size == 3006);
  auto head = spool.read("job_big", OutputStream::kStdout, 0, 6);
  REQUIRE_OK(head);
  CHECK(*head == "first ");
  f.send(proto::FinishedAck{"job_big"});
  CHECK_FALSE(exists(f.job_dir("job_big")));
}

TEST_CASE("agent runtime: a job dispatched before the welcome is spooled from the start") {
  RuntimeFixture f;
  f.start(manifest_of({shell_script("quick", "echo hi")}));
  f.runtime->connected(f.link);  // no welcome yet: nothing could be streamed
  f.send(dispatch_of("job_early", "quick"));
  CHECK(exists(f.job_dir("job_early") / "dispatch.json"));
  f.send(proto::Welcome{"agt_test", 60, {}});
  CHECK(f.wait_finished("job_early").stdout_bytes == 3);
}

TEST_CASE("agent runtime: large random output arrives whole, in order") {
  RuntimeFixture f;
  const auto copy = f.tmp / "copy.bin";
  f.start(manifest_of({shell_script("random", R"(head -c 3000000 /dev/urandom | tee "$COPY")", {},
                                    {{"COPY", copy.string()}})}));
  f.connect();
  f.send(dispatch_of("job_big", "random"));
  proto::Finished fin = f.wait_finished("job_big");
  CHECK(fin.exit_code == 0);
  std::ifstream in(copy, std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  REQUIRE(expected.size() == 3000000);
  CHECK(fin.stdout_bytes == 3000000);
  CHECK((assembled(f.link, "job_big", OutputStream::kStdout) == expected));
  for (const auto& out : f.link.all<proto::Output>("job_big")) {
    CHECK(out.data.size() <= proto::kMaxOutputChunkBytes);
  }
}

TEST_CASE("agent runtime: the job gets a clean environment with its parameters") {
  RuntimeFixture f;
  f.start(manifest_of({script_of("env", {"/usr/bin/env"}, {{"NAME", param(true, "[a-z]+")}},
                                 {{"GREETING", "hi there"}, {"LANG", "en_US.UTF-8"}})}));
  f.connect();
  f.send(dispatch_of("job_env", "env", {{"NAME", "bob"}}));
  CHECK(f.wait_finished("job_env").exit_code == 0);
  std::istringstream lines(assembled(f.link, "job_env", OutputStream::kStdout));
  std::set<std::string> got;
  for (std::string line; std::getline(lines, line);)
    got.insert(line);
  const std::set<std::string> expected = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                          "HOME=/home/agent-test",
                                          "LANG=en_US.UTF-8",
                                          "GREETING=hi there",
                                          "NAME=bob",
                                          "SM_JOB_ID=job_env",
                                          "SM_SCRIPT=env"};
  CHECK(got == expected);
}

TEST_CASE("agent runtime: a forged dispatch of an undeclared script runs nothing") {
  RuntimeFixture f;
  f.start(manifest_of({marker_script()}));
  f.connect();
  // Control: while declared, the script runs and leaves its marker.
  f.send(dispatch_of("job_ok", "marker", {{"FILE", (f.tmp / "ran").string()}}));
  CHECK(f.wait_finished("job_ok").exit_code == 0);
  CHECK(exists(f.tmp / "ran"));

  f.runtime->replace_manifest(manifest_of({shell_script("other", "true")}));
  f.send(dispatch_of("job_forged", "marker", {{"FILE", (f.tmp / "forged").string()}}));
  proto::Rejected rejected = f.wait_rejected("job_forged");
  CHECK(rejected.error == "script_not_allowed");
  f.send(dispatch_of("job_unknown", "rm-everything"));
  CHECK(f.wait_rejected("job_unknown").error == "script_not_allowed");

  // Nothing started; give a process that should not exist the time of one
  // that does (a full run of "other") before checking the marker.
  f.send(dispatch_of("job_other", "other"));
  f.wait_finished("job_other");
  CHECK_FALSE(exists(f.tmp / "forged"));
  CHECK(f.link.all<proto::Started>("job_forged").empty());
  CHECK_FALSE(exists(f.job_dir("job_forged")));
}

TEST_CASE("agent runtime: parameters the manifest refuses are rejected, nothing runs") {
  RuntimeFixture f;
  f.start(manifest_of({marker_script()}));
  f.connect();
  const std::string file = (f.tmp / "marker").string();
  const std::vector<std::map<std::string, std::string>> bad = {
      {{"FILE", "relative/path"}},             // fails the pattern
      {{"FILE", file}, {"OTHER", "x"}},        // not declared
      {{"FILE", file}, {"PATH", "/tmp"}},      // reserved
      {{"FILE", file}, {"LD_PRELOAD", "/x"}},  // reserved
      {},                                      // required one missing
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const std::string id = "job_bad" + std::to_string(i);
    CAPTURE(id);
    f.send(dispatch_of(id, "marker", bad[i]));
    proto::Rejected r = f.wait_rejected(id);
    CHECK(r.error == "invalid_param");
    CHECK(r.message.find("relative/path") == std::string::npos);  // values are not echoed
  }
  f.send(dispatch_of("job_good", "marker", {{"FILE", (f.tmp / "control").string()}}));
  f.wait_finished("job_good");
  CHECK(exists(f.tmp / "control"));
  CHECK_FALSE(exists(file));
  CHECK(f.link.all<proto::Started>().size() == 1);
}

TEST_CASE("agent runtime: a command that cannot be spawned is rejected") {
  RuntimeFixture f;
  std::ofstream(f.tmp / "not-executable") << "#!/bin/sh\n";
  f.start(manifest_of({script_of("missing", {(f.tmp / "missing").string()}),
                       script_of("noexec", {(f.tmp / "not-executable").string()}),
                       script_of("dir", {f.tmp.path().string()})}));
  f.connect();
  for (const char* script : {"missing", "noexec", "dir"}) {
    CAPTURE(script);
    const std::string id = std::string("job_") + script;
    f.send(dispatch_of(id, script));
    proto::Rejected r = f.wait_rejected(id);
    CHECK(r.error == "spawn_failed");
    CHECK(r.message.find("cannot start") != std::string::npos);
    CHECK_FALSE(exists(f.job_dir(id)));
  }
  CHECK(f.link.all<proto::Started>().empty());
}

TEST_CASE("agent runtime: max_concurrent slots are enforced and free when a process ends") {
  RuntimeFixture f;
  auto options = f.options(manifest_of({sleep_script()}));
  options.max_concurrent = 2;
  f.start(std::move(options));
  f.connect();
  f.send(dispatch_of("job_1", "sleep"));
  f.send(dispatch_of("job_2", "sleep"));
  f.wait_output("job_1", OutputStream::kStdout, "ready");
  f.wait_output("job_2", OutputStream::kStdout, "ready");
  f.send(dispatch_of("job_3", "sleep"));
  proto::Rejected r = f.wait_rejected("job_3");
  CHECK(r.error == "no_free_slot");
  CHECK(f.link.all<proto::Started>("job_3").empty());

  f.send(proto::Cancel{"job_1"});
  f.wait_finished("job_1");
  f.send(dispatch_of("job_4", "sleep"));
  f.wait_output("job_4", OutputStream::kStdout, "ready");
  CHECK(f.link.all<proto::Rejected>("job_4").empty());
  // A finished job still waiting for finished_ack holds no slot; it is
  // still held, and a new connection hears of it.
  RecordingLink second;
  f.runtime->connected(second);
  auto hellos = second.all<proto::Hello>();
  REQUIRE(hellos.size() == 1);
  CHECK(std::any_of(hellos[0].jobs.begin(), hellos[0].jobs.end(),
                    [](const proto::HeldJob& j) { return j.job_id == "job_1" && j.finished; }));
}

TEST_CASE("agent runtime: cancel stops the process group and reports cancelled") {
  RuntimeFixture f;
  f.start(manifest_of({sleep_script()}));
  f.connect();
  f.send(dispatch_of("job_c", "sleep"));
  f.wait_output("job_c", OutputStream::kStdout, "ready");
  // An early finished_ack (a confused orchestrator) must not drop a running
  // job: a lost connection still spools it.
  f.send(proto::FinishedAck{"job_c"});
  f.runtime->disconnected();
  CHECK(exists(f.job_dir("job_c") / "dispatch.json"));
  f.connect();
  f.send(proto::Cancel{"job_c"});
  proto::Finished fin = f.wait_finished("job_c");
  CHECK(fin.cancelled);
  CHECK_FALSE(fin.timed_out);
  CHECK(fin.signal == 15);
  CHECK_FALSE(fin.exit_code.has_value());
  CHECK(fin.error.empty());
  CHECK(fin.stdout_bytes == 5);
}

TEST_CASE("agent runtime: the dispatch's timeout stops the job as timed_out") {
  RuntimeFixture f;
  f.start(manifest_of({sleep_script()}));
  f.connect();
  f.send(dispatch_of("job_t", "sleep", {}, 1));
  proto::Finished fin = f.wait_finished("job_t");
  CHECK(fin.timed_out);
  CHECK_FALSE(fin.cancelled);
  CHECK(fin.signal == 15);
  CHECK(fin.duration_ms >= 1000);
  CHECK(fin.duration_ms < 20000);
}

TEST_CASE("agent runtime: hello announces the agent, heartbeats follow the welcome") {
  RuntimeFixture f;
  std::filesystem::create_directory(f.tmp / "proc");
  std::ofstream(f.tmp / "proc" / "stat") << "cpu  10 0 10 80 0 0 0 0 0 0\n";
  std::ofstream(f.tmp / "proc" / "meminfo") << "MemTotal: 100 kB\nMemAvailable: 40 kB\n";
  std::ofstream(f.tmp / "proc" / "uptime") << "4242.9 1.0\n";
  auto options = f.options(manifest_of({marker_script()}));
  options.proc_root = (f.tmp / "proc").string();
  options.disk_path = f.tmp.path().string();
  options.max_concurrent = 3;
  AgentRuntime& rt = f.start(std::move(options));

  rt.send_heartbeat();  // not connected: nothing
  CHECK(rt.heartbeat_sec() == 60);
  rt.connected(f.link);
  rt.send_heartbeat();  // not welcomed yet: nothing
  auto hellos = f.link.all<proto::Hello>();
  REQUIRE(hellos.size() == 1);
  CHECK(f.link.messages().size() == 1);
  CHECK(hellos[0].hostname == "test-host");
  CHECK(hellos[0].agent_version == "0.0.0-test");
  CHECK(hellos[0].tags == std::vector<std::string>{"test"});
  CHECK(hellos[0].max_concurrent == 3);
  CHECK(hellos[0].jobs.empty());
  CHECK(hellos[0].manifest_summary.find("\"marker\"") != std::string::npos);
  CHECK(hellos[0].manifest_summary.find("touch") == std::string::npos);  // no commands

  f.send(proto::Welcome{"agt_1", 7, {}});
  CHECK(rt.heartbeat_sec() == 7);
  rt.send_heartbeat();
  auto beats = f.link.all<proto::Heartbeat>();
  REQUIRE(beats.size() == 1);
  CHECK(beats[0].metrics.uptime_sec == 4242);
  CHECK(beats[0].metrics.mem_percent == doctest::Approx(60.0));

  rt.replace_manifest(manifest_of({shell_script("fresh", "true")}));
  hellos = f.link.all<proto::Hello>();
  REQUIRE(hellos.size() == 2);
  CHECK(hellos[1].manifest_summary.find("\"fresh\"") != std::string::npos);
  CHECK(hellos[1].manifest_summary.find("\"marker\"") == std::string::npos);

  rt.disconnected();
  rt.send_heartbeat();
  CHECK(f.link.all<proto::Heartbeat>().size() == 1);
}

TEST_CASE("agent runtime: malformed and unknown frames are logged without contents and ignored") {
  RuntimeFixture f;
  RecordingLogger logger;
  f.start(f.options(manifest_of({shell_script("echo", "printf ok")})), logger);
  f.connect();
  const std::string secret = "s3cr3t-payload";
  f.runtime->received("not json " + secret);
  f.runtime->received(R"({"type":"explode","job_id":")" + secret + R"("})");
  f.runtime->received(R"({"type":"dispatch","job_id":")" + secret + R"("})");
  f.runtime->received(std::string(proto::kMaxFrameBytes + 1, 'x'));
  f.send(proto::Cancel{"job_nobody"});
  f.send(proto::OutputAck{"job_nobody", OutputStream::kStdout, 5});
  f.send(proto::FinishedAck{"job_nobody"});

  f.send(dispatch_of("job_after", "echo"));
  CHECK(f.wait_finished("job_after").exit_code == 0);
  CHECK(assembled(f.link, "job_after", OutputStream::kStdout) == "ok");
  int refused = 0;
  for (const std::string& line : logger.lines()) {
    CHECK(line.find(secret) == std::string::npos);
    if (line.starts_with("orchestrator frame refused")) ++refused;
  }
  CHECK(refused == 4);
}

TEST_CASE("agent runtime: open() refuses options it cannot work with") {
  RuntimeFixture f;
  auto runner = make_posix_process_runner();
  auto check_refused = [&](AgentRuntimeOptions o) {
    AgentRuntime rt(std::move(o), *runner, f.clock, null_logger());
    CHECK_ERROR_CODE(rt.open(), "invalid_agent_options");
  };
  auto zero_slots = f.options({});
  zero_slots.max_concurrent = 0;
  check_refused(zero_slots);
  auto no_window = f.options({});
  no_window.window_bytes = 0;
  check_refused(no_window);
  auto no_spool = f.options({});
  no_spool.spool_dir.clear();
  check_refused(no_spool);
}

}  // namespace
}  // namespace scriptmesh::agent::testing
