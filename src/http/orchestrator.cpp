// The orchestrator's assembly: secrets, store, routes and server, in the order
// they depend on each other. Everything with a lifetime is owned here.
#include "scriptmesh/orchestrator.hpp"

#include <atomic>
#include <filesystem>

#include "http/server.hpp"
#include "scriptmesh/secrets.hpp"
#include "scriptmesh/sqlite_store.hpp"

namespace scriptmesh {
namespace {

SqliteSynchronous synchronous_mode(const std::string& name) {
  return name == "normal" ? SqliteSynchronous::kNormal : SqliteSynchronous::kFull;
}

http::ServerOptions server_options(const OrchestratorConfig& config, const ListenAddress& listen) {
  http::ServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  if (config.http_threads > 0) options.threads = static_cast<unsigned>(config.http_threads);
  options.body_limit = static_cast<std::uint64_t>(config.max_body_bytes);
  if (!config.tls_cert.empty() || !config.tls_key.empty()) {
    options.tls = http::TlsOptions{config.tls_cert, config.tls_key};
  }
  return options;
}

class OrchestratorImpl final : public Orchestrator {
 public:
  OrchestratorImpl(OrchestratorSecrets secrets, std::unique_ptr<Store> store, bool tls,
                   Logger& logger)
      : secrets_(std::move(secrets)), store_(std::move(store)), tls_(tls), logger_(logger) {}

  ~OrchestratorImpl() override { stop(); }

  Result<void> start_server(http::ServerOptions options, Clock& clock) {
    http::Router router;
    http::add_health_routes(router, [this] { return !stopping_.load(); });
    server_ =
        std::make_unique<http::HttpServer>(std::move(options), std::move(router), logger_, clock);
    return server_->start();
  }

  std::uint16_t port() const override { return server_ ? server_->bound_port() : 0; }

  std::string base_url() const override {
    return std::string(tls_ ? "https" : "http") + "://" + host_ + ":" + std::to_string(port());
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    if (server_) server_->stop();
    server_.reset();
    store_.reset();  // commits queued writes, closes the file
  }

  void set_host(std::string host) { host_ = std::move(host); }

 private:
  OrchestratorSecrets secrets_;
  std::unique_ptr<Store> store_;
  bool tls_;
  Logger& logger_;
  std::string host_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<bool> stopping_{false};
};

// A wildcard bind address is reachable on loopback; URLs should say so.
std::string url_host(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

}  // namespace

Result<std::unique_ptr<Orchestrator>> Orchestrator::start(const OrchestratorConfig& config,
                                                          Logger& logger, Clock& clock) {
  auto listen = parse_listen_address(config.listen);
  SCRIPTMESH_RETURN_IF_ERROR(listen);
  auto secrets = load_orchestrator_secrets(config, logger);
  SCRIPTMESH_RETURN_IF_ERROR(secrets);

  SqliteStoreOptions store_options;
  store_options.path = std::filesystem::path(config.data_dir) / "scriptmesh.db";
  store_options.synchronous = synchronous_mode(config.sqlite_synchronous);
  auto store = open_sqlite_store(store_options);
  SCRIPTMESH_RETURN_IF_ERROR(store);
  logger.info("store opened", {{"path", store_options.path.string()}});

  auto options = server_options(config, *listen);
  bool tls = options.tls.has_value();
  auto orchestrator =
      std::make_unique<OrchestratorImpl>(std::move(*secrets), std::move(*store), tls, logger);
  orchestrator->set_host(url_host(listen->host));
  SCRIPTMESH_RETURN_IF_ERROR(orchestrator->start_server(std::move(options), clock));
  return std::unique_ptr<Orchestrator>(std::move(orchestrator));
}

}  // namespace scriptmesh
