// AgentRuntime: delivery across disconnects, restarts and back-pressure.
#include "core/agent/agent_runtime.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "agent_runtime_fixture.hpp"

namespace scriptmesh::agent::testing {
namespace {

using std::filesystem::exists;

// Prints "first", waits until the test writes a line into the FIFO $GATE,
// then prints "second" to stderr and "third" to stdout.
ScriptSpec gated_script(const std::filesystem::path& gate) {
  return shell_script("gated",
                      R"(printf first; read line < "$GATE"; printf second >&2; printf third)", {},
                      {{"GATE", gate.string()}});
}

std::filesystem::path make_gate(const TempDir& tmp) {
  auto gate = tmp / "gate";
  REQUIRE(::mkfifo(gate.c_str(), 0600) == 0);
  return gate;
}

// Opening blocks until the script opens its end, which it does right after
// printing "first".
void open_gate(const std::filesystem::path& gate) {
  std::ofstream(gate) << "go\n";
}

TEST_CASE("agent runtime: a job outlives its connection, the rest arrives after the welcome") {
  RuntimeFixture f;
  const auto gate = make_gate(f.tmp);
  f.start(manifest_of({gated_script(gate)}));
  f.connect();
  f.send(dispatch_of("job_r", "gated"));
  f.wait_output("job_r", OutputStream::kStdout, "first");

  f.runtime->disconnected();
  f.link.set_up(false);
  const std::size_t frames_before = f.link.messages().size();
  open_gate(gate);
  REQUIRE(wait_for_file(f.job_dir("job_r") / "result.json"));
  CHECK(f.link.messages().size() == frames_before);

  RecordingLink second;
  f.runtime->connected(second);
  auto hellos = second.all<proto::Hello>();
  REQUIRE(hellos.size() == 1);
  REQUIRE(hellos[0].jobs.size() == 1);
  CHECK(hellos[0].jobs[0].job_id == "job_r");
  CHECK(hellos[0].jobs[0].finished);
  // The orchestrator stored only "fir" of stdout and nothing of stderr.
  f.send(proto::Welcome{"agt_test", 60, {resume("job_r", 3, 0)}});

  proto::Finished fin = f.wait_finished("job_r", &second);
  CHECK(assembled(second, "job_r", OutputStream::kStdout, 3) == "stthird");
  CHECK(assembled(second, "job_r", OutputStream::kStderr) == "second");
  CHECK(fin.exit_code == 0);
  CHECK(fin.stdout_bytes == 10);
  CHECK(fin.stderr_bytes == 6);
  CHECK(second.all<proto::Finished>().size() == 1);
  CHECK(second.all<proto::Started>().empty());

  f.send(proto::FinishedAck{"job_r"});
  CHECK_FALSE(exists(f.job_dir("job_r")));
  // A later connection holds nothing any more.
  RecordingLink third;
  f.runtime->connected(third);
  REQUIRE(third.all<proto::Hello>().size() == 1);
  CHECK(third.all<proto::Hello>()[0].jobs.empty());
}

TEST_CASE("agent runtime: no more than window_bytes of output are ever unacknowledged") {
  RuntimeFixture f;
  const auto copy = f.tmp / "copy.bin";
  auto options = f.options(manifest_of({shell_script(
      "random", R"(head -c 20000 /dev/urandom | tee "$COPY")", {}, {{"COPY", copy.string()}})}));
  options.window_bytes = 1000;
  options.held_output_bytes = 0;  // spooled from the start: the window alone holds it back
  f.start(std::move(options));
  f.connect();
  f.send(dispatch_of("job_w", "random"));

  // Without acks the pump fills the window and stops, though the process
  // has long finished and everything is spooled.
  REQUIRE(wait_for_file(f.job_dir("job_w") / "result.json"));
  REQUIRE(f.link.wait_until([](const auto& ms) { return output_total(ms) >= 1000; }));
  CHECK(f.link.all<proto::Finished>().empty());

  // Acknowledge what arrived, a frame at a time, until the job is finished.
  std::int64_t acked = 0;
  while (!has_finished(f.link.messages(), "job_w")) {
    REQUIRE(f.link.wait_until(
        [&](const auto& ms) { return output_total(ms) > acked || has_finished(ms, "job_w"); }));
    acked = f.link.output_bytes();
    f.link.note_acked(acked);
    f.send(proto::OutputAck{"job_w", OutputStream::kStdout, acked});
  }
  std::ifstream in(copy, std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  CHECK(expected.size() == 20000);
  CHECK((assembled(f.link, "job_w", OutputStream::kStdout) == expected));
  CHECK(f.link.max_outstanding() == 1000);
  CHECK(f.wait_finished("job_w").stdout_bytes == 20000);
}

TEST_CASE("agent runtime: a job lost by a crashed agent is delivered as agent_restarted") {
  RuntimeFixture f;
  {
    // What a killed agent leaves: job directories without result.json.
    Spool crashed((f.tmp / "spool").string());
    REQUIRE_OK(crashed.open(f.clock.now()));
    for (const char* id : {"job_lost", "job_stored", "job_unwanted"}) {
      REQUIRE_OK(crashed.create_job(dispatch_of(id, "gone")));
      REQUIRE_OK(crashed.append(id, OutputStream::kStdout, "partial output"));
    }
    REQUIRE_OK(crashed.append("job_lost", OutputStream::kStderr, "oops"));
  }
  f.start(manifest_of({}));
  f.runtime->connected(f.link);
  auto hellos = f.link.all<proto::Hello>();
  REQUIRE(hellos.size() == 1);
  REQUIRE(hellos[0].jobs.size() == 3);
  for (const auto& held : hellos[0].jobs)
    CHECK(held.finished);

  f.send(proto::Welcome{"agt_test",
                        60,
                        {resume("job_lost", 8, 0), resume("job_stored", 0, 0, true, true),
                         resume("job_unwanted", 0, 0, false)}});
  proto::Finished fin = f.wait_finished("job_lost");
  CHECK(fin.error == "agent_restarted");
  CHECK_FALSE(fin.exit_code.has_value());
  CHECK_FALSE(fin.signal.has_value());
  CHECK(fin.stdout_bytes == 14);
  CHECK(fin.stderr_bytes == 4);
  CHECK(assembled(f.link, "job_lost", OutputStream::kStdout, 8) == "output");
  CHECK(assembled(f.link, "job_lost", OutputStream::kStderr) == "oops");
  // The orchestrator has the one's result and never knew the other.
  CHECK_FALSE(exists(f.job_dir("job_stored")));
  CHECK_FALSE(exists(f.job_dir("job_unwanted")));
  CHECK(f.link.all<proto::Output>("job_stored").empty());
  CHECK(f.link.all<proto::Finished>("job_unwanted").empty());
  f.send(proto::FinishedAck{"job_lost"});
  CHECK_FALSE(exists(f.job_dir("job_lost")));
}

TEST_CASE("agent runtime: stop() cancels running jobs, the next agent delivers agent_stopped") {
  RuntimeFixture f;
  const auto gate = make_gate(f.tmp);
  f.start(manifest_of({gated_script(gate)}));
  f.connect();
  f.send(dispatch_of("job_s", "gated"));
  f.wait_output("job_s", OutputStream::kStdout, "first");
  f.runtime->stop();
  f.send(dispatch_of("job_late", "gated"));
  CHECK(f.wait_rejected("job_late").error == "agent_stopping");

  RuntimeFixture next;
  auto options = next.options(manifest_of({}));
  options.spool_dir = (f.tmp / "spool").string();
  next.start(std::move(options));
  next.connect({resume("job_s", 5, 0)});
  proto::Finished fin = next.wait_finished("job_s");
  CHECK(fin.cancelled);
  CHECK(fin.error == "agent_stopped");
  CHECK(fin.stdout_bytes == 5);
  CHECK(next.link.all<proto::Output>().empty());
}

TEST_CASE("agent runtime: a running job the orchestrator does not want is not streamed") {
  RuntimeFixture f;
  const auto gate = make_gate(f.tmp);
  f.start(manifest_of({gated_script(gate)}));
  f.connect();
  f.send(dispatch_of("job_u", "gated"));
  f.wait_output("job_u", OutputStream::kStdout, "first");

  f.runtime->disconnected();  // which spools it
  RecordingLink second;
  f.runtime->connected(second);
  f.send(proto::Welcome{"agt_test", 60, {resume("job_u", 0, 0, false)}});
  CHECK(exists(f.job_dir("job_u")));  // still running: kept until it ends
  open_gate(gate);
  const auto until = std::chrono::steady_clock::now() + kWaitLimit;
  while (exists(f.job_dir("job_u")) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK_FALSE(exists(f.job_dir("job_u")));
  CHECK(second.all<proto::Output>().empty());
  CHECK(second.all<proto::Finished>().empty());
}

}  // namespace
}  // namespace scriptmesh::agent::testing
