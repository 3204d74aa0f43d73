// The agent channel's transport: GET /v1/agent/connect upgraded to a
// WebSocket, one session per agent connection (docs/agents.md; the messages are
// src/core/agent/protocol.hpp).
//
// What happens to a request:
//   1. The route is public (the agent key is no user credential, so the
//      authentication guard lets it through); it is still rate limited per
//      client address under the class "agent_connect".
//   2. The upgrade handler reads `Authorization: Bearer sm_agent_...` and
//      attaches the connection to the hub (AgentChannel::attach). A missing
//      or wrong key is answered 401 "invalid_agent_key" over HTTP, before the
//      WebSocket is accepted; a store failure 503. Nothing else is read.
//   3. The WebSocket handshake is answered; from then on every text frame
//      goes to AgentChannel::received, in order, and the next frame is read
//      only after that call returned (back-pressure: a slow store slows the
//      agent down instead of filling memory); when it answered false, only
//      after the channel called the connection's resume().
//   4. When the socket is gone (closed by either side, an error, a timeout,
//      or the server stopping) AgentChannel::detach runs exactly once.
//
// Limits, each closing the connection with a close frame whose reason says
// why (and a log line without the frame's contents):
//   a frame larger than max_frame_bytes     -> 1009 "too big"
//   a binary frame                          -> 1003 "binary_frame"
//   queued outgoing frames past max_queue_bytes -> 1008 "send_queue_full";
//      nothing is lost for good: the agent resends from its spool after it
//      reconnects, and the hub tells it where to resume.
//   nothing received for idle_timeout       -> the connection is dropped; a
//      ping goes out after half of it, so a live agent always answers in time.
//
// Threading: each session runs on its connection's strand. AgentConnection's
// send() and close() may be called from any thread: they post to the strand.
// No thread is created per connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "core/agent/protocol.hpp"
#include "http/router.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// What the socket hands its connections and frames to. AgentHub is the
// production one (hub_channel() adapts it); tests use a fake. The contract
// is AgentHub's: attach() before the WebSocket is accepted (an error refuses
// the upgrade), received() for each text frame in order (never twice at
// once for one connection), detach() once when the socket is gone.
class AgentChannel {
 public:
  virtual ~AgentChannel() = default;
  // Errors: unauthenticated (answered 401), anything else (answered with
  // the status error_status.hpp picks, 503 for the store's unavailable).
  [[nodiscard]] virtual Result<AgentSessionId> attach(
      std::string_view agent_key, std::shared_ptr<AgentConnection> connection) = 0;
  // False: the frame is handled elsewhere; the next one waits for resume().
  [[nodiscard]] virtual bool received(AgentSessionId session, std::string_view frame) = 0;
  virtual void detach(AgentSessionId session) = 0;
};

// An AgentChannel forwarding to `hub` (borrowed; it must outlive the result).
std::unique_ptr<AgentChannel> hub_channel(AgentHub& hub);

// The rate-limit class of GET /v1/agent/connect.
inline constexpr std::string_view kRateAgentConnect = "agent_connect";

struct AgentSocketOptions {
  // Largest frame accepted from an agent, in bytes.
  std::size_t max_frame_bytes = agent_protocol::kMaxFrameBytes;
  // Outgoing frames queued (not yet written) at most, in bytes; a frame that
  // would pass it closes the connection with "send_queue_full".
  std::size_t max_queue_bytes = 16 * 1024 * 1024;
  // The WebSocket handshake, and later the close handshake, must finish
  // within this.
  std::chrono::milliseconds handshake_timeout{15'000};
  // With nothing received for this long the connection is dropped; a ping is
  // sent when half of it has passed without traffic.
  std::chrono::milliseconds idle_timeout{60'000};
};

// The upgrade handler of GET /v1/agent/connect. `channel` and `logger` are
// borrowed and must outlive the server (and so every session).
UpgradeHandler make_agent_upgrade_handler(AgentChannel& channel, Logger& logger,
                                          AgentSocketOptions options = {});

// The route GET /v1/agent/connect (name "agent.connect") with its OpenAPI
// metadata, served by `upgrade`. A request without Upgrade answers 426.
Route agent_connect_route(UpgradeHandler upgrade);

}  // namespace scriptmesh::http
