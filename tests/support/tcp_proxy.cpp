#include "support/tcp_proxy.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

namespace scriptmesh::testing {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// One relayed connection: two sockets pumping into each other.
struct Pipe : std::enable_shared_from_this<Pipe> {
  Pipe(tcp::socket client, asio::io_context& io) : client(std::move(client)), server(io) {}

  void start(std::uint16_t target_port) {
    auto self = shared_from_this();
    server.async_connect({asio::ip::make_address("127.0.0.1"), target_port},
                         [self](boost::system::error_code ec) {
                           if (ec) return self->close();
                           self->pump(self->client, self->server, self->up);
                           self->pump(self->server, self->client, self->down);
                         });
  }

  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 65536>& buffer) {
    auto self = shared_from_this();
    from.async_read_some(asio::buffer(buffer), [self, &from, &to, &buffer](
                                                   boost::system::error_code ec, std::size_t n) {
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buffer.data(), n),
                        [self, &from, &to, &buffer](boost::system::error_code wec, std::size_t) {
                          if (wec) return self->close();
                          self->pump(from, to, buffer);
                        });
    });
  }

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
  }

  tcp::socket client;
  tcp::socket server;
  std::array<char, 65536> up{};
  std::array<char, 65536> down{};
};

}  // namespace

struct TcpProxy::State {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::uint16_t target_port = 0;
  std::atomic<bool> refusing{false};
  std::atomic<int> accepted{0};
  std::mutex mutex;
  std::vector<std::weak_ptr<Pipe>> pipes;  // guarded by mutex
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++accepted;
      if (!refusing) {
        auto pipe = std::make_shared<Pipe>(std::move(socket), io);
        {
          std::lock_guard lock(mutex);
          pipes.push_back(pipe);
        }
        pipe->start(target_port);
      }
      accept();
    });
  }
};

TcpProxy::TcpProxy(std::uint16_t target_port) : state_(std::make_shared<State>()) {
  state_->target_port = target_port;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  state_->accept();
  state_->thread = std::thread([s = state_] { s->io.run(); });
}

TcpProxy::~TcpProxy() {
  state_->io.stop();
  state_->thread.join();
}

std::uint16_t TcpProxy::port() const {
  return state_->acceptor.local_endpoint().port();
}

void TcpProxy::cut(bool refuse_new) {
  state_->refusing = refuse_new;
  asio::post(state_->io, [s = state_] {
    std::lock_guard lock(s->mutex);
    for (auto& weak : s->pipes) {
      if (auto pipe = weak.lock()) pipe->close();
    }
    s->pipes.clear();
  });
}

void TcpProxy::heal() {
  state_->refusing = false;
}

int TcpProxy::connections_accepted() const {
  return state_->accepted;
}

}  // namespace scriptmesh::testing
