// Agent (scriptmesh/agent.hpp): the AgentRuntime, which knows jobs, the spool
// and the protocol, joined to the AgentClient, which knows the WebSocket.
#include "scriptmesh/agent.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/agent/agent_runtime.hpp"
#include "http/agent_client.hpp"
#include "scriptmesh/process_runner.hpp"

// SCRIPTMESH_VERSION comes from src/http/CMakeLists.txt (the project version).

namespace scriptmesh {
namespace {

// The client's view of the runtime. A fresh Link wraps each connection's
// sender, so a frame the runtime sends can only ever reach the connection it
// was meant for; the runtime drops its reference in disconnected(), before
// the Link goes.
class RuntimeSession final : public http::AgentSessionHandler {
 public:
  explicit RuntimeSession(agent::AgentRuntime& runtime) : runtime_(runtime) {}

  void connected(http::FrameSender& sender) override {
    link_.emplace(sender);
    runtime_.connected(*link_);
  }
  void received(std::string_view frame) override { runtime_.received(frame); }
  void disconnected() override {
    runtime_.disconnected();
    link_.reset();
  }
  void heartbeat() override { runtime_.send_heartbeat(); }
  int heartbeat_sec() const override { return runtime_.heartbeat_sec(); }

 private:
  class Link final : public agent::AgentLink {
   public:
    explicit Link(http::FrameSender& sender) : sender_(sender) {}
    bool send(std::string frame) override { return sender_.send(std::move(frame)); }

   private:
    http::FrameSender& sender_;
  };

  agent::AgentRuntime& runtime_;
  std::optional<Link> link_;  // I/O thread only: set while connected
};

Error with_setting(std::string_view setting, const Error& error) {
  return Error(error.category(), error.code(),
               "setting '" + std::string(setting) + "': " + error.message());
}

http::AgentClientOptions client_options(const AgentConfig& config) {
  http::AgentClientOptions o;
  o.url = config.url;
  o.ca_file = config.ca_file;
  o.read_key = [path = config.key_file] { return read_agent_key_file(path); };
  o.backoff_min = std::chrono::milliseconds(config.reconnect_min_ms);
  o.backoff_max = std::chrono::milliseconds(config.reconnect_max_ms);
  o.heartbeat_interval = std::chrono::seconds(config.heartbeat_sec);
  return o;
}

class AgentImpl final : public Agent {
 public:
  AgentImpl(const AgentConfig& config, Manifest manifest, Logger& logger, Clock& clock)
      : config_(config),
        logger_(logger),
        runner_(make_posix_process_runner()),
        runtime_(runtime_options(config, std::move(manifest)), *runner_, clock, logger),
        session_(runtime_) {}

  ~AgentImpl() override { stop(); }

  // The client first: a bad URL or CA file is reported before the spool is
  // touched.
  Result<void> open(Clock& clock) {
    auto client = http::AgentClient::create(client_options(config_), session_, logger_, clock);
    if (!client.ok()) {
      const bool tls = client.error().code() == "tls_failed";
      return with_setting(tls ? "ca_file" : "url", client.error());
    }
    client_ = std::move(*client);
    if (auto opened = runtime_.open(); !opened.ok()) return with_setting("spool", opened.error());
    return ok_result();
  }

  void run() {
    {
      std::lock_guard lock(stop_mu_);
      running_ = true;
    }
    logger_.info("agent started", {{"url", client_->endpoint()},
                                   {"spool", config_.spool_dir},
                                   {"version", SCRIPTMESH_VERSION}});
    client_->start();
  }

  Result<void> reload() override {
    client_->retry_now();
    auto manifest = load_manifest_file(config_.manifest);
    if (!manifest.ok()) {
      logger_.error("manifest reload failed, keeping the previous one",
                    {{"error", manifest.error().to_string()}});
      return std::move(manifest).error();
    }
    const auto scripts = manifest->scripts.size();
    runtime_.replace_manifest(std::move(*manifest));
    logger_.info("manifest reloaded", {{"manifest", config_.manifest}, {"scripts", scripts}});
    return ok_result();
  }

  Result<void> wait() override {
    auto outcome = client_->wait();
    if (!outcome.ok() && outcome.error().code() == "agent_key_refused") {
      logger_.error(
          "the agent key was refused before this agent ever connected: put a valid key "
          "in the key file (POST /v1/agents/{id}/rotate-key issues a new one) and start "
          "the agent again",
          {{"key_file", config_.key_file}});
    }
    stop();
    return outcome;
  }

  // The connection goes first, so that nothing the runtime does while its
  // jobs stop is half-sent; what they produce stays in the spool.
  // Serialized: the runtime's stop() must not run twice at once, and a
  // signal thread and wait() may both get here.
  void stop() override {
    std::lock_guard lock(stop_mu_);
    if (client_) client_->stop();
    runtime_.stop();
    if (running_) logger_.info("agent stopped");
    running_ = false;
  }

  bool connected() const override { return client_ && client_->connected(); }

 private:
  static agent::AgentRuntimeOptions runtime_options(const AgentConfig& config, Manifest manifest) {
    agent::AgentRuntimeOptions o;
    o.spool_dir = config.spool_dir;
    o.manifest = std::move(manifest);
    o.max_concurrent = config.max_concurrent;
    o.tags = config.tags;
    o.agent_version = SCRIPTMESH_VERSION;
    o.disk_path = config.disk_path;
    return o;
  }

  const AgentConfig config_;
  Logger& logger_;
  std::unique_ptr<ProcessRunner> runner_;
  agent::AgentRuntime runtime_;
  RuntimeSession session_;
  std::unique_ptr<http::AgentClient> client_;  // set by open(), before any other call
  std::mutex stop_mu_;
  bool running_ = false;  // guarded by stop_mu_: started and not yet stopped
};

}  // namespace

Result<std::unique_ptr<Agent>> Agent::start(const AgentConfig& config, Manifest manifest,
                                            Logger& logger, Clock& clock) {
  auto agent = std::make_unique<AgentImpl>(config, std::move(manifest), logger, clock);
  SCRIPTMESH_RETURN_IF_ERROR(agent->open(clock));
  agent->run();
  return std::unique_ptr<Agent>(std::move(agent));
}

}  // namespace scriptmesh
