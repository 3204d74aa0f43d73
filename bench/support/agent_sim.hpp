// Many simulated agents in this process: each one a real WebSocket to
// GET /v1/agent/connect, authenticated with its own agent key, speaking the
// agent protocol through the same codec as scriptmesh-agent
// (core/agent/protocol.hpp). A simulated agent sends hello (declaring the
// scripts it was given), heartbeats at the interval of the welcome, and
// answers every dispatch at once with started and finished (exit 0, no
// output), so what is measured is the orchestrator alone.
//
// All connections run on one I/O thread: the simulator itself needs no
// thread per connection either.
//
// Thread safety: the public methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scriptmesh::bench {

struct SimulatorOptions {
  std::uint16_t port = 0;  // the orchestrator on 127.0.0.1
  // Script names declared in every hello.
  std::vector<std::string> scripts = {"noop"};
  // Slots announced in every hello.
  int max_concurrent = 4;
  // Connections in their TCP and WebSocket handshakes at once.
  int connect_parallel = 128;
};

class AgentSimulator {
 public:
  explicit AgentSimulator(SimulatorOptions options);
  // Closes every connection and joins the I/O thread.
  ~AgentSimulator();
  AgentSimulator(const AgentSimulator&) = delete;
  AgentSimulator& operator=(const AgentSimulator&) = delete;

  // Starts connecting one simulated agent per key; may be called again to
  // add more.
  void connect(const std::vector<std::string>& keys);

  // Waits until `count` agents in total have received their welcome. Throws
  // BenchError on timeout or as soon as any connection failed.
  void wait_welcomed(std::size_t count, std::chrono::milliseconds timeout);
  // Waits until `count` finished_ack messages in total have arrived (each
  // one means a job's result is committed, so the job is final) and answers
  // when the count-th one arrived. Throws BenchError on timeout or failure.
  std::chrono::steady_clock::time_point wait_finished_acks(std::size_t count,
                                                           std::chrono::milliseconds timeout);

  std::size_t welcomed() const;
  std::size_t dispatches() const;
  std::size_t finished_acks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::bench
