// State one HttpServer shares with its sessions, and the connection slot each
// open connection holds. Private to src/http (server.cpp, session.cpp,
// upgrade.hpp).
//
// Sessions own a shared_ptr to the state, so it outlives every connection
// even when a session finishes after the server object began to go away.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ssl/context.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/log.hpp"

namespace scriptmesh::http {

struct ServerState {
  ServerState(ServerOptions o, Router r, Logger& l, Clock& c)
      : options(std::move(o)), router(std::move(r)), logger(l), clock(c) {}

  const ServerOptions options;
  const Router router;
  Logger& logger;
  Clock& clock;
  // Set when options.tls is; built by start() before the first accept.
  std::unique_ptr<boost::asio::ssl::context> tls;

  // Set once by stop(); sessions read it to stop keeping connections alive.
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable idle_cv;  // notified when active drops to 0
  std::size_t active = 0;           // guarded by mu
  std::uint64_t next_slot = 0;      // guarded by mu
  // Open connections per client address, when options cap them.
  std::unordered_map<std::string, std::size_t> per_address;  // guarded by mu
  // What to call when the server begins to stop, per open connection.
  std::unordered_map<std::uint64_t, std::function<void()>> on_stop;  // guarded by mu
};

// One open connection's place under max_connections. Move-only; releasing it
// (destruction) frees the place and wakes stop() when it was the last.
class ConnectionSlot {
 public:
  // A slot, or nullopt when max_connections are already open, or
  // max_connections_per_address from `address`.
  static std::optional<ConnectionSlot> try_acquire(const std::shared_ptr<ServerState>& state,
                                                   const std::string& address);

  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ~ConnectionSlot();

  // Sets what to call (once, from the thread running stop()) when the server
  // begins to stop; it must only post work to the connection's strand. When
  // the server is already stopping it is called at once, from this thread.
  // An empty function clears it.
  void set_on_stop(std::function<void()> on_stop);

 private:
  ConnectionSlot(std::shared_ptr<ServerState> state, std::uint64_t id, std::string address)
      : state_(std::move(state)), id_(id), address_(std::move(address)) {}

  std::shared_ptr<ServerState> state_;  // null once moved from
  std::uint64_t id_ = 0;
  std::string address_;  // counted in per_address when the cap is on
};

}  // namespace scriptmesh::http
