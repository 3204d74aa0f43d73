// A TCP relay on 127.0.0.1 that a test can cut: every connection through it
// is dropped at once (as a network failure would), and new ones can be
// refused until it is healed. Used to break the agent channel without
// stopping either process.
#pragma once

#include <cstdint>
#include <memory>

namespace scriptmesh::testing {

class TcpProxy {
 public:
  // Listens on an ephemeral loopback port and relays to 127.0.0.1:target_port.
  explicit TcpProxy(std::uint16_t target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const;
  // Closes every relayed connection now; with refuse_new, later connections
  // are closed as soon as they are accepted, until heal().
  void cut(bool refuse_new);
  void heal();
  int connections_accepted() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace scriptmesh::testing
