// Agent: the whole of scriptmesh-agent as one object a host program can
// embed, the way Orchestrator is the whole server.
//
// start() opens the spool (taking over whatever an earlier agent process left
// there: results not yet delivered, jobs it lost mid-run), then keeps one
// WebSocket to the orchestrator at <config.url>/v1/agent/connect on a thread
// of its own, reconnecting with exponential backoff and full jitter for as
// long as it runs. Dispatched scripts run as their manifest entry says; their
// output and results are spooled on disk and delivered, on this connection or
// the next one, until the orchestrator has stored them.
//
// The agent key is read from config.key_file before every connection attempt.
// When the orchestrator refuses it (HTTP 401/403 on the WebSocket handshake):
//   - if this agent has not connected once since start(), it ends: wait()
//     returns unauthenticated/"agent_key_refused". A key that never worked is
//     a setup mistake and should stop a service at once, as a bad token stops
//     a Buildkite agent;
//   - if it had connected before (the key was rotated, or the agent deleted),
//     it logs the refusal and tries again every backoff max (60 s by default)
//     while running jobs finish into the spool, so writing the new key into
//     key_file (then reload(), i.e. SIGHUP, to skip the wait) is enough.
//
// Log lines a supervisor or a test can wait for (logfmt): "agent started",
// "agent connected" url=..., "agent disconnected" reason=...,
// "agent connect failed", "agent key refused", "manifest reloaded",
// "agent stopped".
//
// Thread safety: every method may be called from any thread. stop() is
// idempotent and also runs in the destructor.
#pragma once

#include <memory>

#include "scriptmesh/agent_config.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/manifest.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Agent {
 public:
  // Starts the agent with `manifest` (already loaded from config.manifest
  // and checked by the caller, e.g. with load_manifest_file). `logger` and
  // `clock` are borrowed and must outlive the returned object.
  // Errors, each naming the setting at fault: invalid_argument/invalid_config
  // (the URL), unavailable/tls_failed (ca_file cannot be loaded), and the
  // spool's errors (it cannot be created or read).
  [[nodiscard]] static Result<std::unique_ptr<Agent>> start(const AgentConfig& config,
                                                            Manifest manifest, Logger& logger,
                                                            Clock& clock = system_clock());

  virtual ~Agent() = default;

  // What SIGHUP does: reads config.manifest again and, when it is valid,
  // uses it for every later dispatch and re-sends it to the orchestrator;
  // running jobs are not affected. When the agent is waiting to reconnect,
  // it tries at once (picking up a key file that was just replaced).
  // Errors: those of load_manifest_file(); the previous manifest stays in use.
  [[nodiscard]] virtual Result<void> reload() = 0;

  // Blocks until the agent has ended: ok after stop(), or the error that
  // ended it by itself (unauthenticated/agent_key_refused, see above).
  [[nodiscard]] virtual Result<void> wait() = 0;

  // Closes the connection (a WebSocket close frame), stops running jobs
  // (SIGTERM, then SIGKILL after a grace period; their results stay spooled
  // for the next start) and joins every thread.
  virtual void stop() = 0;

  // True while the WebSocket to the orchestrator is open.
  virtual bool connected() const = 0;
};

}  // namespace scriptmesh
