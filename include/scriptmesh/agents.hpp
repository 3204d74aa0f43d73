// AgentService: the agents of a tenant, as operators manage them.
//
// An agent is a host that runs `scriptmesh-agent` and connects out to the
// orchestrator with its agent key. The key is "sm_agent_" followed by 32
// random bytes in URL-safe base64 (43 characters). It is returned once, by
// create() and rotate_key(); at rest the store keeps a Fernet token of it
// (under the orchestrator's keyring) and its SHA-256 as a lookup hash, never
// the plaintext. authenticate() finds the agent by that hash.
//
// Who may do what (authorize() in auth.hpp):
//   create, update, remove, rotate_key - admin or owner; an API key also
//                                        needs the "agents:write" scope;
//   list, get                          - any role; an API key also needs
//                                        "agents:read".
// Another tenant's agent is reported as not_found "agent_not_found", exactly
// like an agent that does not exist.
//
// Names are 1..100 code points without control characters (trimmed).
// Tags: at most kMaxAgentTags, each 1..64 characters of [A-Za-z0-9_.:=-]
// starting with a letter or digit; duplicates are dropped, order is kept.
//
// Live connections: remove() and rotate_key() change the store first (so
// the old key is refused from then on) and then ask the hub to close the
// agent's live connection, if any. The service borrows the hub; the hub
// knows nothing of the service.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/heartbeat_history.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

class AgentHub;
class FernetKeyring;

inline constexpr std::string_view kAgentKeyPrefix = "sm_agent_";
inline constexpr std::size_t kMaxAgentNameChars = 100;
inline constexpr std::size_t kMaxAgentTags = 32;
inline constexpr std::size_t kMaxAgentTagChars = 64;

struct AgentCreateRequest {
  std::string name;               // see the rules above; "invalid_name"
  std::vector<std::string> tags;  // may be empty; "invalid_tags"
};

// An agent as operators see it: everything but the key material.
struct AgentView {
  AgentId id;
  std::string name;
  std::vector<std::string> tags;
  AgentStatus status = AgentStatus::kOffline;
  std::optional<WallTime> last_heartbeat_at;
  std::optional<AgentMetrics> metrics;  // the latest heartbeat's figures
  std::vector<std::string> manifest;    // script names the agent allows
  // manifest_summary_json() of its manifest (manifest.hpp: each script's
  // declared parameters and timeout, no commands); empty until it connects.
  std::string manifest_summary;
  int max_concurrent = 1;  // as the agent last announced
  WallTime created_at;
};

// What create() answers: the view and the key, shown this once.
struct CreatedAgent {
  AgentView agent;
  std::string key;  // "sm_agent_..."
};

// The parts of an AgentRecord an operator may see.
AgentView to_agent_view(const AgentRecord& record);

// True when `key` has the shape of an agent key (prefix and length), which
// lets the HTTP layer refuse garbage without a store lookup.
bool looks_like_agent_key(std::string_view key) noexcept;

// Finds the agent whose key is `key`: a lookup by SHA-256 (so the time taken
// says nothing about how much of a guess was right), confirmed with a
// constant-time comparison of the hash. Used by AgentService::authenticate
// and by AgentHub::attach, which has no AgentService.
// Errors: unauthenticated "invalid_agent_key" (no such key, malformed, the
// agent was deleted or its key rotated); the store's unavailable errors.
[[nodiscard]] Result<AgentRecord> authenticate_agent_key(Store& store, std::string_view key);

class AgentService {
 public:
  // Borrows everything; all must outlive the service. `hub` may be null (no
  // live connections to close, e.g. in tools and some tests).
  AgentService(Store& store, Clock& clock, const FernetKeyring& keyring, AgentHub* hub);

  // Creates an agent (offline until it connects) and its key.
  // Errors: invalid_argument "invalid_name", "invalid_tags" (naming the
  //   tag); resource_exhausted "plan_limit_reached" (starter: 3 agents; the
  //   HTTP layer answers 402); permission_denied "insufficient_role",
  //   "insufficient_scope".
  [[nodiscard]] Result<CreatedAgent> create(const Principal& caller,
                                            const AgentCreateRequest& request);

  // The tenant's agents, oldest first.
  // Errors: permission_denied "insufficient_role", "insufficient_scope".
  [[nodiscard]] Result<std::vector<AgentView>> list(const Principal& caller);

  // Errors: not_found "agent_not_found"; permission_denied as list().
  [[nodiscard]] Result<AgentView> get(const Principal& caller, const AgentId& agent);

  // The agent's recent heartbeats, oldest first (heartbeat_history.hpp:
  // bounded, in memory; empty without a hub). Errors: as get().
  [[nodiscard]] Result<std::vector<HeartbeatSample>> heartbeat_history(const Principal& caller,
                                                                       const AgentId& agent);

  // Renames and/or retags; unset fields stay. Returns the agent afterwards.
  // Errors: invalid_argument "invalid_name", "invalid_tags"; not_found
  //   "agent_not_found"; permission_denied as create().
  [[nodiscard]] Result<AgentView> update(const Principal& caller, const AgentId& agent,
                                         const AgentUpdate& update);

  // Deletes the agent and closes its live connection. Its jobs are kept;
  // jobs it was running fail with "agent_lost" once their lease runs out.
  // Errors: not_found "agent_not_found"; permission_denied as create().
  [[nodiscard]] Result<void> remove(const Principal& caller, const AgentId& agent);

  // Replaces the key: the old one is refused from now on and the live
  // connection (made with the old key) is closed. Returns the new key, shown
  // this once. Errors: as remove().
  [[nodiscard]] Result<std::string> rotate_key(const Principal& caller, const AgentId& agent);

  // The agent a presented key belongs to (authenticate_agent_key, plus a
  // check that the stored Fernet token decrypts to the same key, so a store
  // row whose hash was tampered with cannot let in another key).
  // Errors: unauthenticated "invalid_agent_key"; the store's errors.
  [[nodiscard]] Result<AgentRecord> authenticate(std::string_view key);

 private:
  Store& store_;
  Clock& clock_;
  const FernetKeyring& keyring_;
  AgentHub* hub_;  // may be null
};

}  // namespace scriptmesh
