#include "support/agent_sim.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <variant>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "core/agent/protocol.hpp"
#include "support/bench_error.hpp"

namespace scriptmesh::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace proto = agent_protocol;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string hello_frame(const SimulatorOptions& options, std::size_t index) {
  boost::json::object scripts;
  for (const std::string& name : options.scripts) {
    scripts[name] = boost::json::object{{"params", boost::json::object{}}, {"timeout_sec", 3600}};
  }
  proto::Hello hello;
  hello.agent_version = "bench-simulator";
  hello.hostname = "sim-" + std::to_string(index);
  hello.manifest_summary = boost::json::serialize(boost::json::object{{"scripts", scripts}});
  hello.max_concurrent = options.max_concurrent;
  return proto::encode(proto::AgentMessage(std::move(hello)));
}

}  // namespace

// Shared state, touched by the I/O thread and by callers of the public API.
struct AgentSimulator::Impl {
  class Connection;

  explicit Impl(SimulatorOptions o) : options(std::move(o)), work(asio::make_work_guard(ioc)) {}

  void launch_pending();  // I/O thread only
  void record_failure(const std::string& what);
  template <typename Done>
  void wait_until(std::chrono::milliseconds timeout, const char* what, Done done);

  SimulatorOptions options;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;

  // I/O thread only.
  std::deque<std::pair<std::size_t, std::string>> pending;  // index, key
  int in_handshake = 0;
  std::size_t next_index = 0;
  std::vector<std::shared_ptr<Connection>> connections;

  mutable std::mutex mu;
  std::condition_variable changed;
  std::size_t welcomed = 0;                  // guarded by mu
  std::size_t dispatches = 0;                // guarded by mu
  std::vector<Clock::time_point> acks;       // guarded by mu: arrival of each finished_ack
  std::optional<std::string> first_failure;  // guarded by mu
  bool stopping = false;                     // guarded by mu
};

class AgentSimulator::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& sim, std::size_t index, std::string key)
      : sim_(sim), index_(index), key_(std::move(key)), ws_(sim.ioc), heartbeat_(sim.ioc) {}

  void start() {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), sim_.options.port);
    ws_.next_layer().async_connect(endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->failed("connect", ec);
      self->handshake();
    });
  }

  void close() {
    beast::error_code ignored;
    heartbeat_.cancel();
    ws_.next_layer().close(ignored);
  }

 private:
  void handshake() {
    beast::error_code ignored;
    ws_.next_layer().set_option(tcp::no_delay(true), ignored);
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.set_option(websocket::stream_base::decorator(
        [auth = "Bearer " + key_](websocket::request_type& request) {
          request.set(beast::http::field::authorization, auth);
        }));
    ws_.read_message_max(proto::kMaxFrameBytes);
    ws_.text(true);
    const std::string host = "127.0.0.1:" + std::to_string(sim_.options.port);
    ws_.async_handshake(host, "/v1/agent/connect",
                        [self = shared_from_this()](beast::error_code ec) {
                          if (ec) return self->failed("handshake", ec);
                          self->handshake_done_ = true;
                          self->sim_.in_handshake--;
                          self->sim_.launch_pending();
                          self->send(hello_frame(self->sim_.options, self->index_));
                          self->read();
                        });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->failed("read", ec);
      auto data = self->buffer_.data();
      self->received(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void received(std::string_view frame) {
    auto message = proto::decode_orchestrator_message(frame);
    if (!message.ok()) {
      sim_.record_failure("undecodable frame: " + message.error().to_string());
      return;
    }
    std::visit([this](const auto& m) { on_message(m); }, *message);
  }

  void on_message(const proto::Welcome& m) {
    heartbeat_sec_ = std::max(1, m.heartbeat_sec);
    schedule_heartbeat();
    std::lock_guard lock(sim_.mu);
    ++sim_.welcomed;
    sim_.changed.notify_all();
  }
  void on_message(const proto::Dispatch& m) {
    {
      std::lock_guard lock(sim_.mu);
      ++sim_.dispatches;
    }
    send(proto::encode(proto::AgentMessage(proto::Started{m.job_id})));
    proto::Finished finished;
    finished.job_id = m.job_id;
    finished.exit_code = 0;
    send(proto::encode(proto::AgentMessage(std::move(finished))));
  }
  void on_message(const proto::FinishedAck&) {
    std::lock_guard lock(sim_.mu);
    sim_.acks.push_back(Clock::now());
    sim_.changed.notify_all();
  }
  void on_message(const proto::Cancel&) {}
  void on_message(const proto::OutputAck&) {}

  void schedule_heartbeat() {
    heartbeat_.expires_after(std::chrono::seconds(heartbeat_sec_));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      proto::Heartbeat beat;
      beat.metrics = AgentMetrics{1.0, 10.0, 10.0, 1000};
      self->send(proto::encode(proto::AgentMessage(beat)));
      self->schedule_heartbeat();
    });
  }

  // One write in flight at a time, as WebSocket streams require.
  void send(std::string frame) {
    queue_.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->queue_.pop_front();
                      if (ec) return self->failed("write", ec);
                      if (!self->queue_.empty()) self->write_next();
                    });
  }

  void failed(const char* what, const beast::error_code& ec) {
    if (!handshake_done_) {
      handshake_done_ = true;  // its handshake slot is given back once
      sim_.in_handshake--;
      sim_.launch_pending();
    }
    heartbeat_.cancel();
    if (ec == asio::error::operation_aborted) return;  // closed by stop
    sim_.record_failure("agent " + std::to_string(index_) + " " + what + ": " + ec.message());
  }

  Impl& sim_;
  const std::size_t index_;
  const std::string key_;
  websocket::stream<tcp::socket> ws_;
  asio::steady_timer heartbeat_;
  int heartbeat_sec_ = 60;
  bool handshake_done_ = false;
  bool writing_ = false;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // front() is being written while writing_
};

void AgentSimulator::Impl::launch_pending() {
  while (in_handshake < options.connect_parallel && !pending.empty()) {
    auto [index, key] = std::move(pending.front());
    pending.pop_front();
    auto connection = std::make_shared<Connection>(*this, index, std::move(key));
    connections.push_back(connection);
    ++in_handshake;
    connection->start();
  }
}

void AgentSimulator::Impl::record_failure(const std::string& what) {
  std::lock_guard lock(mu);
  if (stopping) return;
  if (!first_failure) first_failure = what;
  changed.notify_all();
}

template <typename Done>
void AgentSimulator::Impl::wait_until(std::chrono::milliseconds timeout, const char* what,
                                      Done done) {
  std::unique_lock lock(mu);
  const bool ok = changed.wait_for(lock, timeout, [&] { return first_failure || done(); });
  if (first_failure) fail("simulated agents: " + *first_failure);
  if (!ok) {
    fail(std::string("simulated agents: timed out waiting for ") + what + " (welcomed " +
         std::to_string(welcomed) + ", dispatches " + std::to_string(dispatches) +
         ", finished_acks " + std::to_string(acks.size()) + ")");
  }
}

AgentSimulator::AgentSimulator(SimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

AgentSimulator::~AgentSimulator() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  asio::post(impl_->ioc, [impl = impl_.get()] {
    impl->pending.clear();
    for (auto& connection : impl->connections)
      connection->close();
    impl->work.reset();
  });
  impl_->thread.join();
}

void AgentSimulator::connect(const std::vector<std::string>& keys) {
  asio::post(impl_->ioc, [impl = impl_.get(), keys] {
    for (const std::string& key : keys)
      impl->pending.emplace_back(impl->next_index++, key);
    impl->launch_pending();
  });
}

void AgentSimulator::wait_welcomed(std::size_t count, std::chrono::milliseconds timeout) {
  impl_->wait_until(timeout, "welcomes", [&] { return impl_->welcomed >= count; });
}

Clock::time_point AgentSimulator::wait_finished_acks(std::size_t count,
                                                     std::chrono::milliseconds timeout) {
  impl_->wait_until(timeout, "finished_acks", [&] { return impl_->acks.size() >= count; });
  std::lock_guard lock(impl_->mu);
  return impl_->acks[count - 1];
}

std::size_t AgentSimulator::welcomed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->welcomed;
}

std::size_t AgentSimulator::dispatches() const {
  std::lock_guard lock(impl_->mu);
  return impl_->dispatches;
}

std::size_t AgentSimulator::finished_acks() const {
  std::lock_guard lock(impl_->mu);
  return impl_->acks.size();
}

}  // namespace scriptmesh::bench
