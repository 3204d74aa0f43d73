// The inside of AgentHub, shared by the files that implement it:
//   agent_hub.cpp              construction, the public forwarding methods
//   agent_hub_connections.cpp  attach, detach, dropping a connection, leases
//   agent_hub_hello.cpp        hello: status, welcome/resume, lost jobs
//   agent_hub_messages.cpp     every other agent message
//   agent_hub_dispatch.cpp     dispatching pending jobs, cancelling
//   agent_hub_finals.cpp       final transitions: waiters, events, the hook
//   agent_hub_timers.cpp       tick(): heartbeats, leases, dispatch timeouts, waiters
//
// Locking. mu_ guards the in-memory maps (sessions_, live_, leases_,
// announced_online_, offline_retry_, next_session_, next_sweep_,
// on_job_final_). It is never
// held across a store call, a connection's send/close, the event bus, a
// waiter or the hook: handlers copy what they need (a SessionView) under mu_,
// do the slow work unlocked, and re-check under mu_ before changing state.
// status_mu_ (striped by agent) orders the online/offline writes and stored
// events of one agent, so a quick reconnect cannot leave the store saying
// offline while the agent is connected; it may be held while taking mu_ or
// calling the store, never the other way round, and never while publishing
// on the bus (a subscriber may call back into the hub).
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/agent/protocol.hpp"
#include "core/agent/serial_executor.hpp"
#include "core/jobs/job_waiters.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/event_bus.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {
namespace hub {

// Job-failure reasons the hub records.
inline constexpr std::string_view kAgentLost = "agent_lost";
inline constexpr std::string_view kAgentOffline = "agent_offline";
inline constexpr std::string_view kOrchestratorRestarted = "orchestrator_restarted";
// Threads that handle hellos (see AgentHub::Impl::hello_lanes_).
inline constexpr std::size_t kHelloLanes = 2;

// One attached connection and the agent behind it.
struct LiveAgent {
  TenantId tenant;
  AgentId agent;
  std::string name;
  AgentSessionId session = 0;
  std::shared_ptr<AgentConnection> connection;
  bool hello_done = false;  // online: the agent has said hello on this connection
  int max_concurrent = 1;
  MonoTime last_seen{};  // last frame received (or attach)
  // Jobs occupying a slot of the agent: dispatched to it, or running there.
  std::unordered_set<std::string> in_flight;
  // Jobs checked to be this agent's, so output frames need no store read.
  // Bounded: cleared when it grows past kMaxOwnedCache.
  std::unordered_set<std::string> owned;
  // Cancels sent (or to send) for jobs still running; re-sent after a reconnect.
  std::unordered_set<std::string> cancel_requested;
  // Jobs whose dispatch frame is being sent right now: a cancel for one of
  // them is sent by the dispatcher after it, so it cannot overtake it.
  std::unordered_set<std::string> sending;
  // Slots taken by reserve_dispatch() for jobs being inserted as
  // dispatched; they count as busy. Not leased when the agent goes: those
  // jobs were never sent.
  std::unordered_set<std::string> reserved;
  // One dispatcher at a time per agent; a second request sets dispatch_again.
  bool dispatching = false;
  bool dispatch_again = false;
  // A dispatch round failed on the store: tick() tries again.
  bool dispatch_retry = false;
  // False once a round found no pending job left and none was queued since:
  // a freed slot then needs no round (a store write) at all, and the next
  // trigger can take the slot directly (reserve_dispatch).
  bool maybe_pending = true;
};

inline constexpr std::size_t kMaxOwnedCache = 4096;

// The jobs an agent held when it went away, kept until it comes back or the
// lease runs out.
struct Lease {
  TenantId tenant;
  AgentId agent;
  MonoTime expires{};
  std::unordered_set<std::string> jobs;
  std::unordered_set<std::string> cancel_requested;
};

// What a handler needs from a LiveAgent, copied under mu_.
struct SessionView {
  std::string key;
  TenantId tenant;
  AgentId agent;
  std::string name;
  std::shared_ptr<AgentConnection> connection;
  bool hello_done = false;
};

// What a hello's job list means for the agent that sent it.
struct ResumePlan {
  std::vector<agent_protocol::ResumeJob> jobs;  // for the welcome
  std::unordered_set<std::string> listed;       // its own jobs it reported
  std::unordered_set<std::string> holding;      // ... still running there: they hold slots
};

// At most this many jobs are claimed in one round (the store's page limit).
inline constexpr int kMaxClaim = 1000;

// Free slots of one agent session, as counted when a dispatch round began
// (at most kMaxClaim).
struct DispatchSlots {
  TenantId tenant;
  AgentId agent;
  AgentSessionId session = 0;
  int free = 0;
};

// The map key of an agent: tenant id, newline, agent id.
std::string agent_key(const TenantId& tenant, const AgentId& agent);

// True for a failed job that has not had a result from its agent yet because
// the orchestrator gave up on it (restart, lost agent): a late `finished`
// still records exit code, signal and duration on it.
bool accepts_late_result(const JobRecord& job) noexcept;

// `job` with `t` applied, as the store now holds it.
JobRecord apply_transition(JobRecord job, const JobTransition& t);

}  // namespace hub

class AgentHub::Impl {
 public:
  Impl(Store& store, Clock& clock, EventBus& events, Logger& logger, AgentHubOptions options);
  ~Impl();

  // --- agent_hub_connections.cpp
  Result<AgentSessionId> attach(std::string_view agent_key,
                                std::shared_ptr<AgentConnection> connection);
  void detach(AgentSessionId session);
  void disconnect_agent(const TenantId& tenant, const AgentId& agent);
  // Forgets the session (when it is current), closes its connection when
  // `close` and handles the agent going away: offline, lease.
  void drop_session(AgentSessionId session, std::string_view reason, bool close);
  // A misbehaving agent: logged (no frame contents) and dropped.
  void refuse(AgentSessionId session, const hub::SessionView& view, std::string_view reason);
  std::optional<hub::SessionView> view_of(AgentSessionId session);
  bool is_current(AgentSessionId session, const std::string& key) const;
  // Writes the offline status and event unless the agent is back online.
  void mark_offline(const hub::SessionView& view, std::string_view reason);
  // The same with status_lock(view.key) already held; returns the stored
  // event for the caller to publish once it has let go of the lock.
  std::optional<EventRecord> mark_offline_locked(const hub::SessionView& view,
                                                 std::string_view reason);
  std::mutex& status_lock(const std::string& key);

  // --- agent_hub_hello.cpp
  // Hands the hello to a hello lane; the connection's reading stays paused
  // until the lane has handled it and called AgentConnection::resume().
  void start_hello(AgentSessionId session, hub::SessionView view, agent_protocol::Hello hello);
  void on_hello(AgentSessionId session, const hub::SessionView& view,
                const agent_protocol::Hello& hello);
  // Fails with "agent_lost" the agent's dispatched/running jobs not in `listed`.
  Result<void> fail_lost_jobs(const hub::SessionView& view,
                              const std::unordered_set<std::string>& listed);
  // Stores the online status and manifest, marks the session online and
  // takes over the agent's lease; false when the session is gone (or the
  // store failed, which drops it). `cancels`: jobs to send `cancel` for.
  bool go_online(AgentSessionId session, const hub::SessionView& view,
                 const agent_protocol::Hello& hello, std::vector<std::string> names,
                 int max_concurrent, const hub::ResumePlan& plan,
                 std::vector<std::string>& cancels);

  // --- agent_hub_messages.cpp
  bool received(AgentSessionId session, std::string_view frame);
  void on_heartbeat(AgentSessionId session, const hub::SessionView& view,
                    const agent_protocol::Heartbeat& m);
  void on_started(AgentSessionId session, const hub::SessionView& view,
                  const agent_protocol::Started& m);
  void on_output(AgentSessionId session, const hub::SessionView& view,
                 const agent_protocol::Output& m);
  void on_finished(AgentSessionId session, const hub::SessionView& view,
                   const agent_protocol::Finished& m);
  // One try at recording a result; a status that moved under it is re-read
  // and tried again, up to kFinishAttempts.
  void finish_attempt(AgentSessionId session, const hub::SessionView& view,
                      const agent_protocol::Finished& m, int attempt);
  void on_rejected(AgentSessionId session, const hub::SessionView& view,
                   const agent_protocol::Rejected& m);
  // The job if it is this agent's; otherwise the agent is refused and
  // nullopt returned. `need_record` false lets a cached ownership answer
  // without a store read (the returned record is then empty but for its id).
  std::optional<JobRecord> own_job(AgentSessionId session, const hub::SessionView& view,
                                   const std::string& job_id, bool need_record);
  // Frees the job's slot on the agent and dispatches the next pending job.
  void release_slot(const std::string& key, const std::string& job_id);
  // A store failure while handling a frame: logged; the connection is
  // dropped so that the agent resends after reconnecting.
  void store_failed(AgentSessionId session, const hub::SessionView& view, const Error& error);

  // --- agent_hub_dispatch.cpp
  bool reserve_dispatch(const JobRecord& job);
  void release_reservations(const std::vector<JobRecord>& jobs);
  void jobs_created(const std::vector<JobRecord>& jobs);
  // Sends a job inserted as dispatched under a reservation; puts it back to
  // pending when the agent it was reserved on has gone meanwhile.
  void send_reserved(const JobRecord& job);
  // Fills the agent's free slots with its oldest pending jobs.
  // `queued`: a job may just have become pending (created, put back, or not
  // known, as after hello); otherwise only a freed slot asks.
  void dispatch_pending(const std::string& key, bool queued);
  // Counts the agent's free slots for a round and marks it dispatching;
  // nullopt (and not dispatching) when none is free.
  std::optional<hub::DispatchSlots> begin_round_locked(hub::LiveAgent& agent);
  // One round: claims up to slots.free pending jobs in the store and sends
  // them when that commits; then runs the next round when one was asked
  // for meanwhile. A store failure sets dispatch_retry (tick() retries).
  void claim_round(const std::string& key, const hub::DispatchSlots& slots);
  // Sends claimed jobs to the session they were claimed for, or puts them
  // back to pending when it is gone.
  void send_claimed(const std::string& key, const hub::DispatchSlots& slots,
                    const std::vector<JobRecord>& jobs);
  Result<JobRecord> cancel_job(const JobRecord& job);
  // Sends (or, for an agent that is away, remembers) `cancel` for a
  // dispatched/running job; false when no agent holds the job.
  bool request_cancel(const JobRecord& job);
  // The dispatch of `job` is out; true when a cancel came in meanwhile.
  bool cancel_after_send(const std::string& key, const std::string& job);

  // --- agent_hub_finals.cpp
  // CAS `job` from the status it has in the record with `t`; returns the
  // record as the store now holds it. A job that becomes final here has its
  // event (final_event()) committed in the same transaction. Notifies
  // nobody: the caller runs job_final() (or its two halves, to answer the
  // agent in between) when the job has just become final.
  Result<JobRecord> transition(const JobRecord& job, const JobTransition& t);
  // What both write: `t` with finished_at and the final event filled in,
  // and the record as the store will hold it.
  std::pair<JobTransition, JobRecord> prepare_transition(const JobRecord& job,
                                                         const JobTransition& t);
  // The same, asynchronously: `done` runs on the store's thread once committed.
  void transition_async(const JobRecord& job, const JobTransition& t,
                        std::function<void(Result<JobRecord>)> done);
  // wake_waiters() then announce_final().
  void job_final(const JobRecord& job);
  // Hands the final record to the job's long-poll waiters.
  void wake_waiters(const JobRecord& job);
  // Publishes the job's event (stored by transition()), then calls the
  // on_job_final hook.
  void announce_final(const JobRecord& job);
  // Stores an agent.* event about `agent` (publishing is the caller's, once
  // its locks are released) and returns it.
  EventRecord append_agent_event(const TenantId& tenant, std::string_view type,
                                 const AgentId& agent, std::string data_json);
  void wait_for_job(const TenantId& tenant, const JobId& job, MonoTime deadline,
                    std::function<void(Result<JobRecord>)> done);

  // --- agent_hub_timers.cpp
  void tick();
  void expire_heartbeats(MonoTime now);
  void expire_leases(MonoTime now);
  // Fails job `id` of an expired lease with "agent_lost" unless it ended or
  // its agent holds it again. False when the store failed (retry later).
  bool fail_if_lost(const std::string& key, const hub::Lease& lease, const std::string& id);
  void sweep_dispatch_timeouts();
  void expire_waiters(MonoTime now);
  // Redoes dispatch rounds and offline writes that failed on the store.
  void retry_failed_writes();

  AgentHubStats stats() const;
  bool is_online(const TenantId& tenant, const AgentId& agent) const;

  // Sends one message; never called with mu_ held.
  static void send(const std::shared_ptr<AgentConnection>& connection,
                   const agent_protocol::OrchestratorMessage& message);

  Store& store_;
  Clock& clock_;
  EventBus& events_;
  Logger& logger_;
  const AgentHubOptions options_;

  HeartbeatHistory history_;  // thread-safe on its own

  mutable std::mutex mu_;
  AgentSessionId next_session_ = 1;                           // guarded by mu_
  std::unordered_map<AgentSessionId, std::string> sessions_;  // guarded by mu_; current ones
  std::unordered_map<std::string, hub::LiveAgent> live_;      // guarded by mu_; by agent key
  std::unordered_map<std::string, hub::Lease> leases_;        // guarded by mu_; by agent key
  // Agents whose latest status event was agent.online.
  std::unordered_set<std::string> announced_online_;  // guarded by mu_
  // Offline writes that failed on the store, retried by tick(); by agent key.
  std::unordered_map<std::string, std::pair<hub::SessionView, std::string>>
      offline_retry_;                                   // guarded by mu_
  MonoTime next_sweep_{};                               // guarded by mu_
  std::function<void(const JobRecord&)> on_job_final_;  // guarded by mu_

  std::array<std::mutex, 64> status_mu_;  // see the top of this file
  jobs::JobWaiters waiters_;              // has its own lock

  // Asynchronous store writes (started, output, results, dispatch claims)
  // and their follow-ups not yet completed: the
  // destructor waits for them, as their completions use this object. Jobs
  // whose running transition is among them, so a result read before it
  // committed still names the status it will find.
  std::mutex async_mu_;
  std::condition_variable async_idle_;
  int async_writes_ = 0;  // guarded by async_mu_
  // job id -> its started_at
  std::unordered_map<std::string, WallTime> starting_;  // guarded by async_mu_
  void async_begun();
  void async_ended();
  // Returns once async_writes_ is 0.
  void wait_idle();

  // What follows a committed result and may itself write to the store
  // (announce_final, failures): run here, never on the store's thread.
  // Last, so that it is gone before anything its tasks use.
  SerialExecutor followups_;
  // Hellos: checking a manifest's patterns costs up to milliseconds, so it
  // runs here and not on the network thread that read the frame, where it
  // would delay every other request that thread serves. A connection is
  // always handled by the same lane (session id modulo the lane count).
  std::array<SerialExecutor, hub::kHelloLanes> hello_lanes_;
};

}  // namespace scriptmesh
