// The agent channel's messages: one JSON object per WebSocket text frame,
// told apart by "type" (docs/agents.md). Both ends encode and
// decode through here, so the two binaries cannot drift apart.
//
// Reliability rests on byte offsets, not on acknowledged message counts:
// - An `output` message carries the offset of its first byte in its stream.
//   The orchestrator stores only what extends what it has (a resend after a
//   lost ack is harmless) and answers `output_ack` with the stream's stored
//   length; the agent keeps at most a window of unacknowledged bytes in
//   flight (back-pressure) and reads the rest from its spool on disk.
// - After `hello`, the orchestrator answers `welcome` with, for every job the
//   agent reported in `hello.jobs`, how many bytes of each stream it already
//   holds and whether it still wants the result; the agent resumes from there.
// - `finished` is answered with `finished_ack` once the result is committed;
//   only then may the agent delete the job's spool.
//
// Limits: a frame is at most kMaxFrameBytes; an output message carries at
// most kMaxOutputChunkBytes raw bytes. decode_* refuses anything else with
// invalid_argument "invalid_message" naming the field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::agent_protocol {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxOutputChunkBytes = 1024 * 1024;
// Room for a base64 chunk (4/3 of the bytes) plus the envelope, or a hello
// with a large manifest summary.
inline constexpr std::size_t kMaxFrameBytes = 2 * 1024 * 1024;
inline constexpr std::size_t kMaxJobsInHello = 10000;

// --- agent -> orchestrator -------------------------------------------------

// A job the agent still holds (running, or finished but not yet acknowledged).
struct HeldJob {
  std::string job_id;
  bool finished = false;  // its result is spooled and waits for finished_ack
};

struct Hello {
  int protocol = kProtocolVersion;
  std::string agent_version;
  std::string hostname;
  std::vector<std::string> tags;  // informational; the orchestrator's tags rule
  // manifest_summary_json() of the agent's manifest, as a JSON object text.
  std::string manifest_summary;
  int max_concurrent = 1;  // >= 1
  std::vector<HeldJob> jobs;
};

struct Heartbeat {
  AgentMetrics metrics;
};

// The agent accepted a dispatch and the process is running.
struct Started {
  std::string job_id;
};

// The agent refused a dispatch before running anything (script not in its
// manifest, a parameter its manifest refuses, no free slot, spawn failed).
struct Rejected {
  std::string job_id;
  std::string error;    // machine code: script_not_allowed, invalid_param, spawn_failed, ...
  std::string message;  // for the job's record; names no secret
};

struct Output {
  std::string job_id;
  OutputStream stream = OutputStream::kStdout;
  std::int64_t offset = 0;  // of data's first byte within the stream
  std::string data;         // raw bytes (base64 on the wire)
};

struct Finished {
  std::string job_id;
  std::optional<int> exit_code;  // when the process exited normally
  std::optional<int> signal;     // when a signal ended it
  std::int64_t duration_ms = 0;
  bool timed_out = false;
  bool cancelled = false;
  // Total bytes of each stream: the orchestrator waits for all of them before
  // it calls the job final.
  std::int64_t stdout_bytes = 0;
  std::int64_t stderr_bytes = 0;
  // Set when the agent lost the process (e.g. the agent restarted mid-job):
  // "agent_restarted". Empty otherwise.
  std::string error;
};

using AgentMessage = std::variant<Hello, Heartbeat, Started, Rejected, Output, Finished>;

// --- orchestrator -> agent -------------------------------------------------

struct ResumeJob {
  std::string job_id;
  bool wanted = true;  // false: the orchestrator has no such job (deleted); drop the spool
  std::int64_t stdout_offset = 0;
  std::int64_t stderr_offset = 0;
  bool result_stored = false;  // the result is committed; drop the spool
};

struct Welcome {
  std::string agent_id;
  int heartbeat_sec = 60;
  std::vector<ResumeJob> jobs;
};

struct Dispatch {
  std::string job_id;
  std::string script;
  std::map<std::string, std::string> params;
  int timeout_sec = 0;  // 0: the manifest's timeout
};

struct Cancel {
  std::string job_id;
};

struct OutputAck {
  std::string job_id;
  OutputStream stream = OutputStream::kStdout;
  std::int64_t stored = 0;  // bytes of the stream now committed
};

struct FinishedAck {
  std::string job_id;
};

using OrchestratorMessage = std::variant<Welcome, Dispatch, Cancel, OutputAck, FinishedAck>;

// --- codec -------------------------------------------------------------------

std::string encode(const AgentMessage& message);
std::string encode(const OrchestratorMessage& message);

// Errors: invalid_argument "invalid_message" (not JSON, not an object, an
// unknown type, a missing or mistyped field, a value out of bounds) and
// resource_exhausted "message_too_large" (more than kMaxFrameBytes).
[[nodiscard]] Result<AgentMessage> decode_agent_message(std::string_view text);
[[nodiscard]] Result<OrchestratorMessage> decode_orchestrator_message(std::string_view text);

}  // namespace scriptmesh::agent_protocol
