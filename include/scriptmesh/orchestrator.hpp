// Orchestrator: the whole server as one object a host program can embed.
//
// start() opens (and migrates) the SQLite store under config.data_dir, loads
// the secrets, binds the HTTP listener and begins serving on a thread pool.
// `scriptmesh-orchestrator serve` is this class plus flag parsing and a
// signal wait; a host program can do the same with a few lines.
//
// Thread safety: stop() and the accessors may be called from any thread;
// stop() is idempotent and also runs in the destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/orchestrator_config.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

class Orchestrator {
 public:
  // Starts serving. `logger` and `clock` are borrowed and must outlive the
  // returned object. Errors: whatever prevented start-up (missing secret,
  // unreadable data directory, a port already in use), with a message for
  // the operator.
  [[nodiscard]] static Result<std::unique_ptr<Orchestrator>> start(const OrchestratorConfig& config,
                                                                   Logger& logger,
                                                                   Clock& clock = system_clock());

  virtual ~Orchestrator() = default;

  // The bound TCP port (useful when the config asked for port 0).
  virtual std::uint16_t port() const = 0;
  // "http://127.0.0.1:8080" (or https when TLS is on).
  virtual std::string base_url() const = 0;
  // Stops accepting, lets in-flight requests finish, then releases the store.
  virtual void stop() = 0;
};

}  // namespace scriptmesh
