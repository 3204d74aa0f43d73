// AgentClient: the agent's side of the agent channel's transport. It keeps
// one WebSocket to <url>/v1/agent/connect open for as long as it runs, and
// hands what travels over it to an AgentSessionHandler, which knows the
// protocol (the AgentRuntime, through the adapter in agent.cpp). The client
// knows nothing of messages: it moves text frames.
//
// One connection attempt: resolve, TCP connect, TLS handshake for https/wss
// (verified against ca_file or the system store, SNI for host names, the
// certificate must name the URL's host), then the WebSocket handshake with
// `Authorization: Bearer <key>`, the key read again from its file first. The
// whole attempt has one deadline (handshake_timeout).
//
// While connected: a read loop hands each text frame to the handler; one
// write is in flight at a time and the rest wait in an outgoing queue; a
// heartbeat timer calls handler.heartbeat(); WebSocket pings go out after
// idle_timeout / 2 without traffic from the orchestrator, and the connection
// is dropped after idle_timeout (a half-open TCP connection is noticed).
//
// Reconnecting: after a failed attempt or a dropped connection the client
// waits a ReconnectBackoff delay (full jitter, doubling from backoff_min up to
// backoff_max) and tries again, for ever. A connection that lasted
// stable_after resets the backoff. A refused key (401 or 403 on the
// handshake) is handled like this, because the operator may still be putting
// a rotated key in place:
//   - before the first successful connection of this client, with
//     stop_on_first_unauthorized, the client ends and wait() returns
//     unauthenticated/agent_key_refused: a key that never worked is a
//     configuration mistake, reported at once like a bad flag (what a
//     Buildkite or GitHub runner user expects of a bad token);
//   - otherwise (a key that worked was rotated or the agent deleted) the
//     error is logged and retried after a long delay drawn from
//     [backoff_max / 2, backoff_max], so jobs still running finish into the
//     spool and are delivered once the key is fixed. retry_now() (SIGHUP)
//     cuts the wait short.
//
// Log lines (logfmt, through the Logger): "agent connected" url=...,
// "agent disconnected" reason=..., "agent reconnecting" in_ms=...,
// "agent key refused" status=..., "agent connect failed" error=...
//
// Threads: the client runs one I/O thread of its own. Every handler call is
// made on it, one at a time, in the order connected, received*,
// disconnected (then connected again after a reconnect); heartbeat() only
// while connected. FrameSender::send may be called from any thread.
// start(), stop(), retry_now() and wait() may be called from any thread
// except from inside a handler call (stop() and wait() would wait for the
// thread that calls them).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// The outgoing side of one connection, valid from handler.connected() until
// handler.disconnected() has returned. The handler must not use it later.
class FrameSender {
 public:
  virtual ~FrameSender() = default;
  // Queues one text frame; thread-safe; never blocks. False when the
  // connection is gone, or when the queue would pass max_queued_bytes: the
  // peer has stopped reading, so the connection is dropped and the frame is
  // not sent (the handler resends what matters after the reconnect).
  virtual bool send(std::string frame) = 0;
};

// What the client drives (see Threads above).
class AgentSessionHandler {
 public:
  virtual ~AgentSessionHandler() = default;
  // The WebSocket is open; `sender` reaches the orchestrator.
  virtual void connected(FrameSender& sender) = 0;
  // One text frame from the orchestrator (at most kMaxFrameBytes).
  virtual void received(std::string_view frame) = 0;
  // The connection is gone (dropped, refused mid-way, or closed by stop()).
  virtual void disconnected() = 0;
  // Time for a heartbeat.
  virtual void heartbeat() = 0;
  // Seconds between heartbeats as currently known (read after every frame
  // received, so a welcome that changes it takes effect at once).
  virtual int heartbeat_sec() const = 0;
};

struct AgentClientOptions {
  // The orchestrator's base URL: http, https, ws or wss, optional path
  // prefix, no query. The client connects to <url>/v1/agent/connect.
  std::string url;
  // PEM bundle of trusted CAs for https/wss; empty = the system store.
  std::string ca_file;
  // Returns the agent key; called before every attempt. An error is logged
  // and the attempt counts as failed. Required.
  std::function<Result<std::string>()> read_key;
  // Reconnect backoff bounds (see ReconnectBackoff).
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
  // A connection open at least this long (Clock::monotonic_now) resets the
  // backoff when it drops.
  std::chrono::milliseconds stable_after{30000};
  // End the client when the very first handshake answer refuses the key.
  bool stop_on_first_unauthorized = true;
  // Time between heartbeats; 0 = handler.heartbeat_sec() seconds.
  std::chrono::milliseconds heartbeat_interval{0};
  // Deadline of one connection attempt (resolve to WebSocket handshake), and
  // of the closing handshake on stop().
  std::chrono::milliseconds handshake_timeout{10000};
  // No frame or pong from the orchestrator for this long drops the
  // connection; a ping goes out at half of it.
  std::chrono::milliseconds idle_timeout{60000};
  // Cap of the outgoing queue (see FrameSender::send).
  std::size_t max_queued_bytes = 64 * 1024 * 1024;
  // A uniform draw in [0, 1] for the backoff jitter; empty = libsodium's
  // random. Tests pin it.
  std::function<double()> random;
  // Called on the I/O thread with each reconnect delay chosen (tests watch
  // the backoff through it). May be empty.
  std::function<void(std::chrono::milliseconds)> on_retry_scheduled;
};

class AgentClient {
 public:
  // Checks the options and builds the TLS context; does not connect.
  // `handler`, `logger` and `clock` are borrowed and must outlive the client.
  // Errors: invalid_argument/invalid_url (the URL), invalid_argument/
  // invalid_options (no read_key), unavailable/tls_failed (ca_file cannot be
  // loaded).
  [[nodiscard]] static Result<std::unique_ptr<AgentClient>> create(AgentClientOptions options,
                                                                   AgentSessionHandler& handler,
                                                                   Logger& logger, Clock& clock);
  // Stops (as stop()) and releases everything.
  ~AgentClient();
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Starts the I/O thread and the first attempt. Once only.
  void start();
  // Closes the connection with a close frame (bounded by handshake_timeout),
  // calls handler.disconnected() if it was connected, and joins the I/O
  // thread. Idempotent.
  void stop();
  // When waiting to reconnect, tries now instead.
  void retry_now();
  // Blocks until the client has ended: ok after stop(), or the error that
  // ended it (unauthenticated/agent_key_refused).
  [[nodiscard]] Result<void> wait();
  // True while the WebSocket is open.
  bool connected() const;
  // The WebSocket URL connected to ("wss://host/v1/agent/connect").
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit AgentClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh::http
