// AgentHub: the live side of agents, the orchestrator's end of the agent
// channel (docs/agents.md; messages in
// src/core/agent/protocol.hpp).
//
// The HTTP layer owns the sockets. For each agent WebSocket it calls
// attach() with the bearer key and a connection object, then received() for
// every text frame, in order, and detach() when the socket is gone. The hub
// owns the rest: agent status and events, dispatching pending jobs into free
// slots, recording progress and results, heartbeat / dispatch / lease
// timeouts and long-poll waiters (driven by tick()).
//
// Lifecycle of one connection:
//   attach(key)      authenticates; a connection the same agent already had
//                    is closed ("replaced") and handled as a disconnect.
//   hello            stores manifest, manifest_summary, max_concurrent; the
//                    agent becomes online (event "agent.online", stored and
//                    published); answered by `welcome` with, for each job the
//                    agent still holds, the bytes stored per stream and
//                    whether the result is already recorded (wanted=false for
//                    a job that is not this agent's). Jobs the store has
//                    dispatched/running on this agent that the hello does
//                    not list fail with "agent_lost" at once; cancels asked
//                    for while it was away are sent. Then pending jobs are
//                    dispatched oldest first into free slots, each moved
//                    pending -> dispatched in the store before `dispatch` is
//                    sent. A second hello on the same connection reloads the
//                    manifest (no second online event, no agent_lost check:
//                    dispatches may be in flight towards the agent).
//   started          dispatched -> running, started_at = now.
//   output           stored by byte offset (resends are harmless), answered
//                    by `output_ack` with the stream's stored length.
//   finished         the result is committed, answered by `finished_ack`,
//                    the slot freed and the next pending job dispatched.
//                    The hub relies on the agent sending `finished` only
//                    after every output byte of the job (frames are handled
//                    in order, so sent-before means stored-before): if the
//                    stored lengths are short of the announced totals the
//                    connection is closed ("output_incomplete") without
//                    recording anything, and the agent resends from the
//                    offsets in the next welcome.
//   rejected         the job fails with the agent's error code.
//   heartbeat        metrics and last_heartbeat_at are stored.
//   detach / silence the agent goes offline (event "agent.offline") when the
//                    socket closes or no frame came for missed_heartbeats x
//                    heartbeat_sec (the hub then closes it). Its dispatched
//                    and running jobs get a lease of lease_timeout_sec: if the
//                    agent has not come back holding them by then, they fail
//                    with "agent_lost".
//
// Final results: succeeded (exit 0), failed (another exit code, a signal, or
// the agent's error), timed_out, cancelled; duration_ms is the agent's
// figure, finished_at the orchestrator's clock. A job already failed with
// "orchestrator_restarted" or "agent_lost" still takes a late result: exit
// code, signal and duration are recorded on it while status and error stay.
// Every final transition made here or through cancel_job() wakes the
// waiters of that job, stores and publishes a job event (event_bus.hpp) and
// calls the on_job_final hook.
//
// Misbehaving agents (a malformed or oversized frame, any message before
// hello, output/started/finished for a job that is not the agent's own) are
// logged without the frame's contents and their connection is closed; no
// other agent is affected.
//
// Reasons given to AgentConnection::close: "replaced" (the agent connected
// again), "agent_key_revoked" (deleted or key rotated), "heartbeat_timeout",
// "invalid_message", "message_too_large", "hello_required",
// "invalid_manifest", "foreign_job", "output_incomplete", "store_unavailable".
//
// Threading: received() may run concurrently for different connections
// (never twice at once for one), and concurrently with tick(), attach(),
// detach(), jobs_created(), cancel_job(), wait_for_job() and
// disconnect_agent() from any thread. No thread is created per connection.
// The hub never calls AgentConnection::send/close while holding its own
// lock, so a connection may call back into the hub (detach) from close().
//
// Store failures. While handling a frame: logged, and the connection is
// closed without acknowledging the frame, so the agent reconnects and
// resends from the offsets in the next welcome (nothing is lost or doubled).
// In dispatching, an offline write or a lease expiry: logged and retried by
// the next tick(). Events that cannot be stored are still published.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/heartbeat_history.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class EventBus;
class Logger;

// One agent WebSocket, implemented by the session in src/http.
class AgentConnection {
 public:
  virtual ~AgentConnection() = default;
  // Queues one text frame for sending. Thread-safe; never blocks; silently
  // dropped once the connection is closing.
  virtual void send(std::string frame) = 0;
  // Starts closing the connection (`reason` is a short machine word for the
  // log and the close frame). Thread-safe; idempotent; the session calls
  // AgentHub::detach() once the socket is gone.
  virtual void close(std::string_view reason) = 0;
  // The hub has handled a frame for which received() answered false: the
  // connection may read and pass on its next frame. Called once per such
  // frame, from a hub thread. Thread-safe; harmless once closing.
  virtual void resume() = 0;
};

// Identifies one attached connection; never 0 and never reused by a hub.
using AgentSessionId = std::uint64_t;

struct AgentHubOptions {
  // Interval the agent is told to heartbeat at (welcome.heartbeat_sec).
  int heartbeat_sec = 60;
  // An agent that sends nothing for missed_heartbeats x heartbeat_sec is
  // offline and its connection is closed.
  int missed_heartbeats = 3;
  // A pending job not dispatched within this many seconds of its creation
  // (its agent stayed offline) fails with "agent_offline". Jobs waiting for
  // a slot of a connected agent are not timed out.
  int dispatch_timeout_sec = 300;
  // How long the jobs of an agent that went offline stay dispatched/running
  // in the hope that it reconnects holding them; then they fail "agent_lost".
  int lease_timeout_sec = 180;
  // The dispatch-timeout sweep runs at most this often (it queries the store).
  int sweep_interval_ms = 1000;
  // At most this many wait_for_job() waiters at once across all jobs.
  std::size_t max_waiters = 100000;
};

// Live figures for /metrics and GET /v1/agents.
struct AgentHubStats {
  std::size_t connections = 0;     // attached, hello or not
  std::size_t online_agents = 0;   // attached and past hello
  std::size_t jobs_in_flight = 0;  // dispatched to / running on connected agents
  std::size_t leased_agents = 0;   // gone agents whose jobs are held by a lease
  std::size_t waiters = 0;         // pending wait_for_job() callbacks
};

class AgentHub {
 public:
  // Borrows everything; all must outlive the hub.
  AgentHub(Store& store, Clock& clock, EventBus& events, Logger& logger, AgentHubOptions options);
  ~AgentHub();
  AgentHub(const AgentHub&) = delete;
  AgentHub& operator=(const AgentHub&) = delete;

  // Authenticates `agent_key` (authenticate_agent_key in agents.hpp) and
  // registers the connection; the agent is online only after its hello.
  // Errors: unauthenticated "invalid_agent_key"; the store's errors. The
  // connection is not kept on error.
  [[nodiscard]] Result<AgentSessionId> attach(std::string_view agent_key,
                                              std::shared_ptr<AgentConnection> connection);

  // One text frame from that connection. `started`, `output` and
  // `finished` are written asynchronously, so that the caller may read the
  // next frame while they commit (several then share a commit); what they
  // answer (acks, the next dispatch) is sent once committed. A `hello` is
  // handled on one of the hub's own threads, because checking its manifest
  // costs more than a network thread should spend on one frame: received()
  // then answers false, and the caller must pass no further frame of that
  // connection until the hub calls its AgentConnection::resume(). Every
  // other frame is processed completely before this returns, which answers
  // true. The agent's window and job slots bound what can be in flight. An
  // unknown or detached session is ignored (true).
  [[nodiscard]] bool received(AgentSessionId session, std::string_view frame);

  // The connection is gone. Idempotent; unknown sessions are ignored.
  void detach(AgentSessionId session);

  // Time-driven work; call about every 250 ms from one thread: heartbeat
  // timeouts, dispatch timeouts, lease expiry, waiter expiry.
  void tick();

  // Returns once every asynchronous store write the hub has started, and
  // what follows it (acks, dispatches, waiters woken, the on_job_final
  // hook), is done. For tests; the destructor waits the same way.
  void wait_idle();

  // Before a job is inserted: reserves a slot for it when its agent is
  // online with a free slot and nothing waiting before it (no dispatch
  // round running or owed). The caller then inserts the job as dispatched
  // (dispatched_at set) and hands it to jobs_created(), which sends it
  // without another store write; or, when the insert failed, to
  // release_reservations(). Saves a commit on the way from trigger to
  // start, and makes a fan-out one transaction however many agents it
  // reaches. False: insert the job pending as usual.
  [[nodiscard]] bool reserve_dispatch(const JobRecord& job);
  // Frees the slots reserve_dispatch() took for `jobs` (their insert failed).
  void release_reservations(const std::vector<JobRecord>& jobs);

  // Jobs just committed by JobService: reserved ones (status dispatched)
  // are sent to their agent; pending ones are dispatched now if their agent
  // is connected and has a free slot (oldest pending first).
  void jobs_created(const std::vector<JobRecord>& jobs);

  // Cancels `job` (a record read just before): pending -> cancelled at
  // once; dispatched/running -> `cancel` is sent to the agent (now, or when
  // it reconnects) and its `finished` records the outcome. Returns the job
  // as it is afterwards.
  // Errors: conflict "job_already_final"; not_found "job_not_found"; the
  // store's errors.
  [[nodiscard]] Result<JobRecord> cancel_job(const JobRecord& job);

  // Closes the agent's live connection, if any (key rotated, agent deleted).
  // The agent goes offline as on detach.
  void disconnect_agent(const TenantId& tenant, const AgentId& agent);

  // Registers `done` to be called exactly once with the job's record when
  // it becomes final, or with its record as it is at `deadline` (monotonic,
  // checked by tick()). If the job is final already, `done` runs before
  // this returns. See JobService::wait for the threading contract.
  // Errors given to `done`: not_found "job_not_found"; resource_exhausted
  // "too_many_waiters"; the store's errors.
  void wait_for_job(const TenantId& tenant, const JobId& job, MonoTime deadline,
                    std::function<void(Result<JobRecord>)> done);

  // Called after every final transition the hub records (or that
  // cancel_job() records), after the waiters and the event; on the thread
  // that made the transition, or, for a result from an agent, on the hub's
  // own thread for what follows results. It may write to the store. For
  // webhooks. Set it before the hub is used.
  void set_on_job_final(std::function<void(const JobRecord&)> hook);

  // True when the agent has a connection past hello right now.
  bool is_online(const TenantId& tenant, const AgentId& agent) const;
  AgentHubStats stats() const;
  // Each agent's recent heartbeats (heartbeat_history.hpp), recorded as they
  // arrive.
  HeartbeatHistory& heartbeat_history() noexcept;
  const AgentHubOptions& options() const noexcept;

 private:
  // The state and the handlers live in src/core/agent (agent_hub_impl.hpp),
  // split over agent_hub_*.cpp by concept; see there for what each lock guards.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scriptmesh
