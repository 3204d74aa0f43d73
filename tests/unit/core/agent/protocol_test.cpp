#include "core/agent/protocol.hpp"

#include <string>

#include <doctest/doctest.h>

#include "support/result_checks.hpp"

namespace scriptmesh::agent_protocol {
namespace {

template <typename T>
T agent_round_trip(const T& message) {
  auto decoded = decode_agent_message(encode(AgentMessage(message)));
  REQUIRE_OK(decoded);
  REQUIRE(std::holds_alternative<T>(*decoded));
  return std::get<T>(*decoded);
}

template <typename T>
T orchestrator_round_trip(const T& message) {
  auto decoded = decode_orchestrator_message(encode(OrchestratorMessage(message)));
  REQUIRE_OK(decoded);
  REQUIRE(std::holds_alternative<T>(*decoded));
  return std::get<T>(*decoded);
}

TEST_CASE("hello keeps its manifest summary, slots and held jobs") {
  Hello hello;
  hello.agent_version = "0.1.0";
  hello.hostname = "web-1";
  hello.tags = {"web", "eu"};
  hello.manifest_summary = R"({"scripts":{"hello":{"params":{},"timeout_sec":60}}})";
  hello.max_concurrent = 3;
  hello.jobs = {{"job_a", false}, {"job_b", true}};
  Hello back = agent_round_trip(hello);
  CHECK(back.hostname == "web-1");
  CHECK(back.tags == hello.tags);
  CHECK(back.manifest_summary == hello.manifest_summary);
  CHECK(back.max_concurrent == 3);
  REQUIRE(back.jobs.size() == 2);
  CHECK(back.jobs[1].job_id == "job_b");
  CHECK(back.jobs[1].finished);
}

TEST_CASE("output carries arbitrary bytes and its offset") {
  Output out;
  out.job_id = "job_1";
  out.stream = OutputStream::kStderr;
  out.offset = 1234567;
  out.data = std::string("a\0b\xff\xfe\n", 6);
  Output back = agent_round_trip(out);
  CHECK(back.data == out.data);
  CHECK(back.offset == 1234567);
  CHECK(back.stream == OutputStream::kStderr);
}

TEST_CASE("finished distinguishes exit codes from signals") {
  Finished f;
  f.job_id = "job_1";
  f.signal = 9;
  f.duration_ms = 42;
  f.timed_out = true;
  f.stdout_bytes = 10;
  Finished back = agent_round_trip(f);
  CHECK_FALSE(back.exit_code.has_value());
  CHECK(back.signal == 9);
  CHECK(back.timed_out);
  CHECK_FALSE(back.cancelled);
  CHECK(back.stdout_bytes == 10);
}

TEST_CASE("heartbeat, started and rejected survive a round trip") {
  Heartbeat hb;
  hb.metrics = AgentMetrics{12.5, 40, 77.25, 3600};
  CHECK(agent_round_trip(hb).metrics.disk_percent == doctest::Approx(77.25));
  CHECK(agent_round_trip(Started{"job_9"}).job_id == "job_9");
  Rejected r = agent_round_trip(Rejected{"job_9", "script_not_allowed", "no such script"});
  CHECK(r.error == "script_not_allowed");
}

TEST_CASE("orchestrator messages survive a round trip") {
  Welcome w;
  w.agent_id = "agt_1";
  w.heartbeat_sec = 5;
  w.jobs = {ResumeJob{"job_1", true, 10, 20, false}, ResumeJob{"job_2", false, 0, 0, false}};
  Welcome wb = orchestrator_round_trip(w);
  CHECK(wb.heartbeat_sec == 5);
  REQUIRE(wb.jobs.size() == 2);
  CHECK(wb.jobs[0].stderr_offset == 20);
  CHECK_FALSE(wb.jobs[1].wanted);

  Dispatch d{"job_1", "hello", {{"NAME", "ada"}}, 30};
  Dispatch db = orchestrator_round_trip(d);
  CHECK(db.params.at("NAME") == "ada");
  CHECK(db.timeout_sec == 30);
  CHECK(orchestrator_round_trip(Cancel{"job_1"}).job_id == "job_1");
  CHECK(orchestrator_round_trip(FinishedAck{"job_1"}).job_id == "job_1");
  OutputAck ack = orchestrator_round_trip(OutputAck{"job_1", OutputStream::kStdout, 99});
  CHECK(ack.stored == 99);
}

TEST_CASE("malformed frames are refused with a stable code naming the problem") {
  struct Case {
    const char* frame;
    const char* mentions;
  };
  const Case cases[] = {
      {"not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"job_id":"x"})", "'type'"},
      {R"({"type":"teleport"})", "unknown type"},
      {R"({"type":"started"})", "'job_id'"},
      {R"({"type":"started","job_id":""})", "'job_id'"},
      {R"({"type":"started","job_id":7})", "'job_id'"},
      {R"({"type":"output","job_id":"j","stream":"stdin","offset":0,"data":"YQ=="})", "'stream'"},
      {R"({"type":"output","job_id":"j","stream":"stdout","offset":-1,"data":"YQ=="})", "'offset'"},
      {R"({"type":"output","job_id":"j","stream":"stdout","offset":0,"data":"@@@"})", "base64"},
      {R"({"type":"output","job_id":"j","stream":"stdout","offset":0,"data":""})", "empty"},
      {R"({"type":"heartbeat","cpu_percent":500,"mem_percent":1,"disk_percent":1,"uptime_sec":1})",
       "'cpu_percent'"},
      {R"({"type":"hello","protocol":1,"max_concurrent":1})", "'manifest'"},
      {R"({"type":"hello","protocol":1,"manifest":{},"max_concurrent":0})", "'max_concurrent'"},
      {R"({"type":"finished","job_id":"j","duration_ms":1.5})", "'duration_ms'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.frame);
    auto decoded = decode_agent_message(c.frame);
    CHECK_ERROR_CODE(decoded, "invalid_message");
    if (!decoded.ok()) CHECK(decoded.error().message().find(c.mentions) != std::string::npos);
  }
  CHECK_ERROR_CODE(decode_orchestrator_message(R"({"type":"dispatch","job_id":"j"})"),
                   "invalid_message");
  CHECK_ERROR_CODE(decode_orchestrator_message(R"({"type":"hello"})"), "invalid_message");
}

TEST_CASE("a frame over the limit is refused before parsing") {
  std::string big(kMaxFrameBytes + 1, ' ');
  CHECK_ERROR_CODE(decode_agent_message(big), "message_too_large");
}

TEST_CASE("an output chunk of the maximum size fits in a frame") {
  Output out;
  out.job_id = std::string(64, 'j');
  out.data.assign(kMaxOutputChunkBytes, '\xff');
  std::string frame = encode(AgentMessage(out));
  CHECK(frame.size() <= kMaxFrameBytes);
  CHECK_OK(decode_agent_message(frame));
}

}  // namespace
}  // namespace scriptmesh::agent_protocol
